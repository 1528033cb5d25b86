//! Input objects: filters of the lists, and mutation inputs. One file per domain.

pub mod courses;
pub mod organisations;
pub mod partners;

pub use courses::{
    CancelCourseRunInput, CourseFilter, CourseRunFilter, MoneyInput, RegisterCourseInput,
    ScheduleCourseRunInput, UpdateCourseInput, UpdateCourseRunInput,
};
pub use organisations::OrganisationFilter;
pub use partners::{
    RegisterOrganisationInput, RegisterPartnerClientInput, RevokePartnerClientInput,
};
