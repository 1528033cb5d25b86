//! Input objects: filters of the lists, and mutation inputs. One file per domain.

pub mod courses;
pub mod organisations;

pub use courses::{CourseFilter, CourseRunFilter};
pub use organisations::OrganisationFilter;
