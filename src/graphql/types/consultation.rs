//! `ConsultationGroup`, `Consultation`, its thread and the case facts a group sees.

use super::connection::connection;
use super::{Organisation, Profession};
use crate::graphql::id::{self, NodeType};
use crate::graphql::{reference, request};
use crate::service::consultations::{self, BY_ID, CaseFacts};
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::consultation::{self, ConsultationProblem, ConsultationStatus};
use entity::recognition_case::{CaseOrigin, CaseStatus};
use entity::{consultation_answer, consultation_group};

/// GraphQL view of a `consultation_group` row; see the `#[Object]` impl for the published description.
pub struct ConsultationGroup(pub consultation_group::Model);

connection!(
    ConsultationGroupConnection,
    ConsultationGroupEdge,
    ConsultationGroup,
    "consultation groups"
);

/// GraphQL view of a `consultation` row; see the `#[Object]` impl for the published description.
pub struct Consultation(pub consultation::Model);

connection!(
    ConsultationConnection,
    ConsultationEdge,
    Consultation,
    "consultations"
);

/// An answer of a consultation's thread.
pub struct ConsultationAnswer(pub consultation_answer::Model);

/// The pseudonymous facts of a linked case.
pub struct ConsultationCaseFacts(pub CaseFacts);

/// The anonymous situation of a consultation not linked to a case.
pub struct ConsultationSituation<'a>(&'a consultation::Model);

async fn organisation(ctx: &Context<'_>, id: i64) -> Result<Option<Organisation>> {
    let loaders = &request(ctx)?.loaders;
    Ok(loaders.organisation.load_one(id).await?.map(Organisation))
}

fn profession(ctx: &Context<'_>, key: &str) -> Result<Option<Profession>> {
    Ok(reference(ctx)?
        .professions
        .get(key)
        .map(|p| Profession(p.clone())))
}

/// A group of organisations that consult each other on cases (kollegiale Fallbearbeitung): a coordination office, the job agency, a foreigners' authority, a chamber, an employer. Seen by its members only.
#[Object]
impl ConsultationGroup {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::ConsultationGroup, self.0.id)
    }

    /// The group's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The organisation that convened the group and manages its members; consents of candidates (purpose ADVICE) name it for the group to see their cases' facts.
    async fn convener(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        organisation(ctx, self.0.convener_id).await
    }

    /// The member organisations, the convener first (at most 30).
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        let ids = loaders
            .members_by_consultation_group
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let convener = self.0.convener_id;
        let ordered = ids
            .iter()
            .filter(|m| **m == convener)
            .chain(ids.iter().filter(|m| **m != convener));
        // All at once, so the organisations of every group are one batch.
        let found =
            futures::future::try_join_all(ordered.map(|org| loaders.organisation.load_one(*org)))
                .await?;
        Ok(found.into_iter().flatten().map(Organisation).collect())
    }

    /// The group's consultations, in the order they were opened.
    async fn consultations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only consultations in this status.")] status: Option<ConsultationStatus>,
        #[graphql(desc = "Number of consultations from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
    ) -> Result<ConsultationConnection> {
        let page = PageArgs {
            first,
            after,
            last: None,
            before: None,
        }
        .resolve(BY_ID.name)?;
        let filter = consultations::ConsultationFilter { status };
        let (rows, total) = request(ctx)?
            .loaders
            .child_page(|l| &l.consultations_of_group, self.0.id, filter, page)
            .await?;
        Ok(ConsultationConnection::new(rows, total, Consultation))
    }

    /// When the group was convened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When its members last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased by every change of the members; pass it as `expectedVersion` when changing them.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A question a member put to its consultation group, about a recognition case (whose pseudonymous facts the group sees while the candidate consents) or an anonymous situation, with the members' answers and, once resolved, the agreed next steps. Seen by the group's members only.
#[Object]
impl Consultation {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Consultation, self.0.id)
    }

    /// The group it was put to.
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<ConsultationGroup>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .consultation_group
            .load_one(self.0.group_id)
            .await?
            .map(ConsultationGroup))
    }

    /// The member organisation that opened it, and alone resolves it.
    async fn opened_by(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        organisation(ctx, self.0.opened_by_id).await
    }

    /// Whether it is linked to a recognition case (whose facts may still be hidden, see `caseFacts`).
    async fn linked_to_case(&self) -> bool {
        self.0.case_id.is_some()
    }

    /// The pseudonymous facts of the linked case, never personal data: shown only while the candidate has a live consent (purpose ADVICE) naming the group's convener, checked on every read; otherwise `null`, as for an anonymous consultation.
    async fn case_facts(&self, ctx: &Context<'_>) -> Result<Option<ConsultationCaseFacts>> {
        if self.0.case_id.is_none() {
            return Ok(None);
        }
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .case_facts_by_consultation
            .load_one(self.0.id)
            .await?
            .map(ConsultationCaseFacts))
    }

    /// The anonymous situation it describes; `null` for a consultation linked to a case.
    async fn situation(&self) -> Option<ConsultationSituation<'_>> {
        self.0
            .case_id
            .is_none()
            .then_some(ConsultationSituation(&self.0))
    }

    /// What the problem is about.
    async fn problem_category(&self) -> ConsultationProblem {
        self.0.problem
    }

    /// The question to the group. Do not include names or contact details of the person.
    async fn question(&self) -> &str {
        &self.0.question
    }

    /// OPEN while the members answer; RESOLVED once the opener recorded the next steps.
    async fn status(&self) -> ConsultationStatus {
        self.0.status
    }

    /// The members' answers, oldest first.
    async fn answers(&self, ctx: &Context<'_>) -> Result<Vec<ConsultationAnswer>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .answers_by_consultation
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(ConsultationAnswer)
            .collect())
    }

    /// The next steps the group agreed on, once RESOLVED. Do not include names or contact details of the person.
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }

    /// When it was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }

    /// When it was opened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed or was last answered.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased when it is resolved (answers leave it); pass it as `expectedVersion` when resolving.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// An answer of a member in a consultation's thread.
#[Object]
impl ConsultationAnswer {
    /// The member organisation that answered.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }

    /// The answer. Do not include names or contact details of the person.
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// When it was given.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The pseudonymous facts of the recognition case a consultation is linked to: no name, birth date, e-mail, phone or other personal data.
#[Object]
impl ConsultationCaseFacts {
    /// The candidate's pseudonymous code, e.g. `KP-7F3K9Q2M`.
    async fn candidate_code(&self) -> &str {
        &self.0.candidate_code
    }

    /// The reference profession of the case.
    async fn profession(&self, ctx: &Context<'_>) -> Result<Option<Profession>> {
        profession(ctx, &self.0.profession_key)
    }

    /// ISO 3166-1 alpha-2 code of the country where the qualification was obtained.
    async fn country_of_training(&self) -> &str {
        &self.0.country_of_training
    }

    /// Where the qualification was obtained (EU/EEA/CH or a third country).
    async fn origin(&self) -> CaseOrigin {
        self.0.origin
    }

    /// Where the recognition procedure stands.
    async fn status(&self) -> CaseStatus {
        self.0.status
    }

    /// Whether the case runs in the accelerated procedure for skilled workers (§81a AufenthG).
    async fn fast_track(&self) -> bool {
        self.0.fast_track
    }
}

/// The anonymous situation a consultation describes.
#[Object]
impl ConsultationSituation<'_> {
    /// The profession.
    async fn profession(&self, ctx: &Context<'_>) -> Result<Option<Profession>> {
        match &self.0.profession_key {
            Some(key) => profession(ctx, key),
            None => Ok(None),
        }
    }

    /// ISO 3166-1 alpha-2 code of the country where the qualification was obtained.
    async fn country_of_training(&self) -> Option<&str> {
        self.0.country_of_training.as_deref()
    }

    /// Where the recognition procedure stands.
    async fn stage(&self) -> Option<CaseStatus> {
        self.0.stage
    }
}
