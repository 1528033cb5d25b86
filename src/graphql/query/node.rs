//! `node`, `nodes`: fetch any object again by its global ID.

use crate::error::{AppError, AppResult};
use crate::graphql::id::{self, NodeType};
use crate::graphql::types::{
    AdvisoryRequest, Candidate, Consent, Consultation, ConsultationGroup, Course, CourseRun,
    Enrolment, EventRegistration, ExamSession, FundingApplication, FundingProgramme, NetworkEvent,
    Node, Organisation, PlacementOffer, Profession, RecognitionCase, Referral, Region,
};
use crate::graphql::{reference, request};
use crate::service::pagination::MAX_PAGE_SIZE;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct NodeQuery;

/// The object behind a decoded ID, if it exists and the caller may see it.
async fn resolve(ctx: &Context<'_>, t: NodeType, key: &str) -> AppResult<Option<Node>> {
    let loaders = &request(ctx)?.loaders;
    let reference = reference(ctx)?;
    // Numeric keys that do not parse cannot exist.
    let numeric = || key.parse::<i64>().ok();
    Ok(match t {
        NodeType::Region => reference
            .regions
            .get(key)
            .map(|r| Node::Region(Region(r.clone()))),
        NodeType::Profession => reference
            .professions
            .get(key)
            .map(|p| Node::Profession(Profession(p.clone()))),
        NodeType::Organisation => match numeric() {
            Some(k) => loaders
                .organisation
                .load_one(k)
                .await?
                .map(|m| Node::Organisation(Organisation(m))),
            None => None,
        },
        NodeType::Course => match numeric() {
            Some(k) => loaders
                .course
                .load_one(k)
                .await?
                .map(|m| Node::Course(Course(m))),
            None => None,
        },
        NodeType::CourseRun => match numeric() {
            Some(k) => loaders
                .course_run
                .load_one(k)
                .await?
                .map(|m| Node::CourseRun(CourseRun(m))),
            None => None,
        },
        NodeType::ExamSession => match numeric() {
            Some(k) => loaders
                .exam_session
                .load_one(k)
                .await?
                .map(|m| Node::ExamSession(ExamSession(m))),
            None => None,
        },
        NodeType::Enrolment => match numeric() {
            Some(k) => loaders
                .enrolment
                .load_one(k)
                .await?
                .map(|m| Node::Enrolment(Enrolment(m))),
            None => None,
        },
        NodeType::Candidate => match numeric() {
            Some(k) => loaders
                .candidate
                .load_one(k)
                .await?
                .map(|m| Node::Candidate(Candidate(m))),
            None => None,
        },
        NodeType::RecognitionCase => match numeric() {
            Some(k) => loaders
                .case
                .load_one(k)
                .await?
                .map(|m| Node::RecognitionCase(RecognitionCase(m))),
            None => None,
        },
        NodeType::Consent => match numeric() {
            Some(k) => loaders
                .consent
                .load_one(k)
                .await?
                .map(|m| Node::Consent(Consent(m))),
            None => None,
        },
        NodeType::PlacementOffer => match numeric() {
            Some(k) => loaders
                .placement_offer
                .load_one(k)
                .await?
                .map(|m| Node::PlacementOffer(PlacementOffer(m))),
            None => None,
        },
        NodeType::Referral => match numeric() {
            Some(k) => loaders
                .referral
                .load_one(k)
                .await?
                .map(|m| Node::Referral(Referral(m))),
            None => None,
        },
        NodeType::FundingProgramme => match numeric() {
            Some(k) => loaders
                .funding_programme
                .load_one(k)
                .await?
                .map(|m| Node::FundingProgramme(FundingProgramme(m))),
            None => None,
        },
        NodeType::FundingApplication => match numeric() {
            Some(k) => loaders
                .funding_application
                .load_one(k)
                .await?
                .map(|m| Node::FundingApplication(FundingApplication(m))),
            None => None,
        },
        NodeType::AdvisoryRequest => match numeric() {
            Some(k) => loaders
                .advisory_request
                .load_one(k)
                .await?
                .map(|m| Node::AdvisoryRequest(AdvisoryRequest(m))),
            None => None,
        },
        NodeType::NetworkEvent => match numeric() {
            Some(k) => loaders
                .network_event
                .load_one(k)
                .await?
                .map(|m| Node::NetworkEvent(NetworkEvent(m))),
            None => None,
        },
        NodeType::EventRegistration => match numeric() {
            Some(k) => loaders
                .event_registration
                .load_one(k)
                .await?
                .map(|m| Node::EventRegistration(EventRegistration(m))),
            None => None,
        },
        NodeType::ConsultationGroup => match numeric() {
            Some(k) => loaders
                .consultation_group
                .load_one(k)
                .await?
                .map(|m| Node::ConsultationGroup(ConsultationGroup(m))),
            None => None,
        },
        NodeType::Consultation => match numeric() {
            Some(k) => loaders
                .consultation
                .load_one(k)
                .await?
                .map(|m| Node::Consultation(Consultation(m))),
            None => None,
        },
    })
}

#[Object]
impl NodeQuery {
    /// The object with this global ID. An ID that is malformed is `BAD_USER_INPUT`; one that names nothing the caller may see gives `null` with a `NOT_FOUND` error.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID.")] id: ID,
    ) -> Result<Option<Node>> {
        let (t, key) = id::decode(&id, "id")?;
        resolve(ctx, t, &key)
            .await?
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("{} `{}`", t.name(), id.as_str())).into())
    }

    /// The objects with these global IDs (at most 100), in the same order; `null` where an ID names nothing the caller may see.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE_SIZE as usize {
            return Err(AppError::bad_input(
                "ids",
                format!("at most {MAX_PAGE_SIZE} IDs per request"),
            )
            .into());
        }
        let decoded = ids
            .iter()
            .enumerate()
            .map(|(i, id)| id::decode(id, &format!("ids[{i}]")))
            .collect::<AppResult<Vec<_>>>()?;
        // Awaiting all lookups together lets each loader fetch its rows in one batch.
        let found =
            futures::future::try_join_all(decoded.iter().map(|(t, key)| resolve(ctx, *t, key)))
                .await?;
        Ok(found)
    }
}
