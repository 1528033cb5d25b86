//! The `Node` interface (Relay object identification).

use super::{
    Candidate, Consent, Course, CourseRun, Organisation, Profession, RecognitionCase, Region,
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
    Candidate(Candidate),
    RecognitionCase(RecognitionCase),
    Consent(Consent),
}
