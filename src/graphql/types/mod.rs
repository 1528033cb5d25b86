//! GraphQL object types, one file per domain, plus connections, scalars and `Node`.

pub mod advisory_request;
pub mod audit_entry;
pub mod candidate;
pub mod connection;
pub mod consultation;
pub mod course;
pub mod course_run;
pub mod enrolment;
pub mod exam_session;
pub mod funding;
pub mod imports;
pub mod label;
pub mod network_event;
pub mod node;
pub mod organisation;
pub mod partner_client;
pub mod placement;
pub mod profession;
pub mod recognition_case;
pub mod region;
pub mod scalars;
pub mod statistics;

pub use advisory_request::{AdvisoryRequest, AdvisoryRequestConnection};
pub use audit_entry::{AuditEntry, AuditEntryConnection};
pub use candidate::{Candidate, CandidateConnection, CandidatePersonal, Consent};
pub use connection::{PageInfo, TotalCount};
pub use consultation::{
    Consultation, ConsultationAnswer, ConsultationConnection, ConsultationGroup,
    ConsultationGroupConnection,
};
pub use course::{Course, CourseConnection};
pub use course_run::{CourseRun, CourseRunConnection};
pub use enrolment::{Enrolment, EnrolmentConnection, EnrolmentEvent, TimelineEntry};
pub use exam_session::{ExamSession, ExamSessionConnection};
pub use funding::{
    FundingApplication, FundingApplicationConnection, FundingProgramme, FundingProgrammeConnection,
};
pub use network_event::{EventAttendance, EventRegistration, NetworkEvent, NetworkEventConnection};
pub use node::Node;
pub use organisation::{Organisation, OrganisationConnection};
pub use partner_client::PartnerClient;
pub use placement::{PlacementOffer, PlacementOfferConnection, Referral, ReferralConnection};
pub use profession::Profession;
pub use recognition_case::{CaseEvent, Decision, RecognitionCase, RecognitionCaseConnection};
pub use region::Region;
pub use scalars::Date;
