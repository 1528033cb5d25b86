//! Opaque global IDs: `base64url("Type:key")`, the IDs of the `Node` interface.
//!
//! Clients must treat IDs as opaque; the encoding lets the hub route `node(id:)` to the
//! right table without a lookup table. The module is neutral ground: the GraphQL layer,
//! the services (messages, exports) and the token code all use it, and it uses none of
//! them.

use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt::Display;

/// The object types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    Region,
    Profession,
    Organisation,
    Course,
    CourseRun,
    ExamSession,
    Enrolment,
    Candidate,
    RecognitionCase,
    Consent,
    PlacementOffer,
    Referral,
    FundingProgramme,
    FundingApplication,
    AdvisoryRequest,
    NetworkEvent,
    EventRegistration,
    ConsultationGroup,
    Consultation,
}

impl NodeType {
    const ALL: [NodeType; 19] = [
        NodeType::Region,
        NodeType::Profession,
        NodeType::Organisation,
        NodeType::Course,
        NodeType::CourseRun,
        NodeType::ExamSession,
        NodeType::Enrolment,
        NodeType::Candidate,
        NodeType::RecognitionCase,
        NodeType::Consent,
        NodeType::PlacementOffer,
        NodeType::Referral,
        NodeType::FundingProgramme,
        NodeType::FundingApplication,
        NodeType::AdvisoryRequest,
        NodeType::NetworkEvent,
        NodeType::EventRegistration,
        NodeType::ConsultationGroup,
        NodeType::Consultation,
    ];

    /// The GraphQL type name.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Region => "Region",
            NodeType::Profession => "Profession",
            NodeType::Organisation => "Organisation",
            NodeType::Course => "Course",
            NodeType::CourseRun => "CourseRun",
            NodeType::ExamSession => "ExamSession",
            NodeType::Enrolment => "Enrolment",
            NodeType::Candidate => "Candidate",
            NodeType::RecognitionCase => "RecognitionCase",
            NodeType::Consent => "Consent",
            NodeType::PlacementOffer => "PlacementOffer",
            NodeType::Referral => "Referral",
            NodeType::FundingProgramme => "FundingProgramme",
            NodeType::FundingApplication => "FundingApplication",
            NodeType::AdvisoryRequest => "AdvisoryRequest",
            NodeType::NetworkEvent => "NetworkEvent",
            NodeType::EventRegistration => "EventRegistration",
            NodeType::ConsultationGroup => "ConsultationGroup",
            NodeType::Consultation => "Consultation",
        }
    }
}

/// The global ID of the object of type `t` with primary key `key`.
pub fn encode(t: NodeType, key: impl Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{key}", t.name()))
}

/// Splits a global ID into type and key; anything else is `BAD_USER_INPUT` on `field`.
pub fn decode(id: &str, field: &str) -> AppResult<(NodeType, String)> {
    let bad = || AppError::bad_input(field, format!("`{id}` is not a Knotenpunkt ID"));
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, key) = text.split_once(':').ok_or_else(bad)?;
    let t = NodeType::ALL
        .into_iter()
        .find(|t| t.name() == name)
        .ok_or_else(bad)?;
    if key.is_empty() || key.contains('\0') {
        return Err(bad());
    }
    Ok((t, key.to_owned()))
}

/// The numeric key of a global ID that must be of type `expected`.
pub fn decode_as(id: &str, expected: NodeType, field: &str) -> AppResult<i64> {
    let (t, key) = decode(id, field)?;
    if t != expected {
        return Err(AppError::bad_input(
            field,
            format!(
                "`{id}` is the ID of a {}, expected a {}",
                t.name(),
                expected.name()
            ),
        ));
    }
    key.parse()
        .map_err(|_| AppError::bad_input(field, format!("`{id}` is not a Knotenpunkt ID")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_check_their_type() {
        let id = encode(NodeType::Course, 42);
        assert_eq!(
            decode(&id, "id").unwrap(),
            (NodeType::Course, "42".to_owned())
        );
        assert_eq!(decode_as(&id, NodeType::Course, "id").unwrap(), 42);
        assert_eq!(
            decode_as(&id, NodeType::CourseRun, "id")
                .unwrap_err()
                .code(),
            "BAD_USER_INPUT"
        );
        assert!(decode("garbage!", "id").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Secret:1"), "id").is_err());
    }
}
