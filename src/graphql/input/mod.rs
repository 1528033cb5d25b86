//! Input objects: filters of the lists, and mutation inputs. One file per domain.

pub mod candidates;
pub mod courses;
pub mod organisations;
pub mod partners;

pub use candidates::{
    CandidateFilter, CandidateRefInput, CaseFilter, ChangeCaseStatusInput, OpenCaseInput,
    PersonalDataInput, RecordConsentInput, RecordDecisionInput, RecordFileCompleteInput,
    RegisterCandidateInput, RevokeConsentInput, UpdateMissingDocumentsInput,
};
pub use courses::{
    CancelCourseRunInput, CourseFilter, CourseRunFilter, MoneyInput, RegisterCourseInput,
    ScheduleCourseRunInput, UpdateCourseInput, UpdateCourseRunInput,
};
pub use organisations::OrganisationFilter;
pub use partners::{
    RegisterOrganisationInput, RegisterPartnerClientInput, RevokePartnerClientInput,
};
