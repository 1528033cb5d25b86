//! Knotenpunkt's database tables as sea-orm entities, one table per file.
//!
//! Enumerations are stored as short upper-case strings (portable across SQLite and
//! PostgreSQL) and double as GraphQL enums, so each one is defined exactly once.

pub mod advisory_request;
pub mod advisory_request_event;
pub mod audit_entry;
pub mod candidate;
pub mod candidate_personal;
pub mod candidate_region;
pub mod case_event;
pub mod consent;
pub mod consultation;
pub mod consultation_answer;
pub mod consultation_group;
pub mod consultation_group_member;
pub mod course;
pub mod course_profession;
pub mod course_run;
pub mod decision;
pub mod enrolment;
pub mod enrolment_event;
pub mod enums;
pub mod event_attendance;
pub mod event_registration;
pub mod exam_session;
pub mod exam_session_profession;
pub mod funding_application;
pub mod funding_application_event;
pub mod funding_programme;
pub mod funding_programme_profession;
pub mod hub_meta;
pub mod network_event;
pub mod organisation;
pub mod partner_client;
pub mod placement_offer;
pub mod placement_offer_profession;
pub mod profession;
pub mod recognition_case;
pub mod referral;
pub mod region;

pub mod prelude {
    //! The entities under their usual short names.
    pub use crate::course::Entity as Course;
    pub use crate::course_profession::Entity as CourseProfession;
    pub use crate::course_run::Entity as CourseRun;
    pub use crate::hub_meta::Entity as HubMeta;
    pub use crate::organisation::Entity as Organisation;
    pub use crate::partner_client::Entity as PartnerClient;
    pub use crate::profession::Entity as Profession;
    pub use crate::region::Entity as Region;
}
