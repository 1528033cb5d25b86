//! The `Node` interface (Relay object identification).

use super::{
    AdvisoryRequest, Candidate, Consent, Consultation, ConsultationGroup, Course, CourseRun,
    Enrolment, EventRegistration, ExamSession, FundingApplication, FundingProgramme, NetworkEvent,
    Organisation, PlacementOffer, Profession, RecognitionCase, Referral, Region,
};
use async_graphql::{ID, Interface};

/// An object with a global ID that `node(id:)` and `nodes(ids:)` can fetch again.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global ID, opaque to clients."))]
pub enum Node {
    Region(Region),
    Profession(Profession),
    Organisation(Organisation),
    Course(Course),
    CourseRun(CourseRun),
    ExamSession(ExamSession),
    Enrolment(Enrolment),
    Candidate(Candidate),
    RecognitionCase(RecognitionCase),
    Consent(Consent),
    PlacementOffer(PlacementOffer),
    Referral(Referral),
    FundingProgramme(FundingProgramme),
    FundingApplication(FundingApplication),
    AdvisoryRequest(AdvisoryRequest),
    NetworkEvent(NetworkEvent),
    EventRegistration(EventRegistration),
    ConsultationGroup(ConsultationGroup),
    Consultation(Consultation),
}
