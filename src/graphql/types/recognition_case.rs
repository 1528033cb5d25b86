//! `RecognitionCase`, `CaseEvent`, `Decision`.

use super::connection::connection;
use super::{Candidate, Date, Organisation, Profession};
use crate::graphql::id::{self, NodeType};
use crate::graphql::{reference, request};
use crate::service::{cases, today};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::case_event::{self, CaseEventKind};
use entity::decision::{self, CompensatoryMeasure, DecisionOutcome};
use entity::recognition_case::{self, CaseOrigin, CaseStatus};

/// GraphQL view of a `recognition_case` row.
pub struct RecognitionCase(pub recognition_case::Model);

connection!(
    RecognitionCaseConnection,
    RecognitionCaseEdge,
    RecognitionCase,
    "recognition cases"
);

/// A procedure for the recognition of a foreign qualification at a competent authority, from the application to the licence. Visible (with `cases:read`) to the authority, to the candidate's advisory centre and to organisations with the candidate's live consent.
#[Object]
impl RecognitionCase {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::RecognitionCase, self.0.id)
    }

    /// The applicant.
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>> {
        Ok(request(ctx)?
            .loaders
            .candidate
            .load_one(self.0.candidate_id)
            .await?
            .map(Candidate))
    }

    /// The reference profession.
    async fn profession(&self, ctx: &Context<'_>) -> Result<Option<Profession>> {
        Ok(reference(ctx)?
            .professions
            .get(&self.0.profession_key)
            .map(|p| Profession(p.clone())))
    }

    /// The competent authority deciding the case.
    async fn authority(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(request(ctx)?
            .loaders
            .organisation
            .load_one(self.0.authority_id)
            .await?
            .map(Organisation))
    }

    /// Legal basis, e.g. `PflBG §40`.
    async fn legal_basis(&self) -> &str {
        &self.0.legal_basis
    }

    /// Where the qualification was obtained.
    async fn origin(&self) -> CaseOrigin {
        self.0.origin
    }

    /// Accelerated procedure for skilled workers (§81a AufenthG): the decision is due two months after the file is complete.
    async fn fast_track(&self) -> bool {
        self.0.fast_track
    }

    /// Where the procedure stands.
    async fn status(&self) -> CaseStatus {
        self.0.status
    }

    /// Statuses the authority can move the case to next with `changeCaseStatus`.
    async fn allowed_next_statuses(&self, ctx: &Context<'_>) -> Result<Vec<CaseStatus>> {
        let outcome = if self.0.status == CaseStatus::Decided {
            request(ctx)?
                .loaders
                .decision_by_case
                .load_one(self.0.id)
                .await?
                .map(|d| d.outcome)
        } else {
            None
        };
        Ok(cases::allowed_next(self.0.status, outcome))
    }

    /// Compensatory measures a deficit decision may offer in this case.
    async fn allowed_measures(&self) -> Vec<CompensatoryMeasure> {
        cases::allowed_measures(self.0.origin, &self.0.profession_key)
    }

    /// Day the application reached the authority.
    async fn submitted_on(&self) -> Date {
        Date(self.0.submitted_on)
    }

    /// Day the file became complete; the decision period runs from here.
    async fn complete_on(&self) -> Option<Date> {
        self.0.complete_on.map(Date)
    }

    /// Legal due date of the decision: three months after the file is complete, two in the fast track, four for EU training under the general system.
    async fn due_at(&self) -> Option<Date> {
        self.0.due_on.map(Date)
    }

    /// Whether the due date has passed without a decision.
    async fn overdue(&self) -> bool {
        cases::is_overdue(&self.0, today())
    }

    /// Day of the decision.
    async fn decided_on(&self) -> Option<Date> {
        self.0.decided_on.map(Date)
    }

    /// Documents still missing.
    async fn missing_documents(&self) -> Vec<String> {
        serde_json::from_value(self.0.missing_documents.clone()).unwrap_or_default()
    }

    /// Every change, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<CaseEvent>> {
        let events = request(ctx)?
            .loaders
            .events_by_case
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(events.into_iter().map(CaseEvent).collect())
    }

    /// The authority's decision, once recorded.
    async fn decision(&self, ctx: &Context<'_>) -> Result<Option<Decision>> {
        Ok(request(ctx)?
            .loaders
            .decision_by_case
            .load_one(self.0.id)
            .await?
            .map(Decision))
    }

    /// When the case was opened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When this record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased by every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// GraphQL view of a `case_event` row.
pub struct CaseEvent(pub case_event::Model);

/// One change in a case's timeline.
#[Object]
impl CaseEvent {
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// What happened.
    async fn kind(&self) -> CaseEventKind {
        self.0.kind
    }

    /// The case it happened to.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<RecognitionCase>> {
        Ok(request(ctx)?
            .loaders
            .case
            .load_one(self.0.case_id)
            .await?
            .map(RecognitionCase))
    }

    /// The organisation that made the change.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(org) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .organisation
            .load_one(org)
            .await?
            .map(Organisation))
    }

    /// The OAuth2 client that made the change.
    async fn client(&self) -> Option<&str> {
        self.0.client_id.as_deref()
    }

    /// Status before the change.
    async fn from(&self) -> Option<CaseStatus> {
        self.0.from_status
    }

    /// Status after the change.
    async fn to(&self) -> Option<CaseStatus> {
        self.0.to_status
    }

    /// Note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// GraphQL view of a `decision` row.
pub struct Decision(pub decision::Model);

/// The competent authority's decision.
#[Object]
impl Decision {
    /// The result of the equivalence check.
    async fn outcome(&self) -> DecisionOutcome {
        self.0.outcome
    }

    /// Areas with substantial differences.
    async fn deficit_areas(&self) -> Vec<String> {
        serde_json::from_value(self.0.deficit_areas.clone()).unwrap_or_default()
    }

    /// Compensatory measures the applicant may choose from.
    async fn measures(&self) -> Vec<CompensatoryMeasure> {
        serde_json::from_value(self.0.measures.clone()).unwrap_or_default()
    }

    /// Day of the decision.
    async fn decided_on(&self) -> Date {
        Date(self.0.decided_on)
    }

    /// Note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}
