//! `consultationGroups`, `consultationGroup`, `consultation`.

use crate::error::AppError;
use crate::graphql::id::{self, NodeType};
use crate::graphql::types::{Consultation, ConsultationGroup, ConsultationGroupConnection};
use crate::graphql::{db, request};
use crate::service::consultations;
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct ConsultationsQuery;

#[Object]
impl ConsultationsQuery {
    /// The consultation groups the caller's organisation is a member of, in the order they were convened. Empty for anyone else.
    async fn consultation_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of groups from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of groups from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<ConsultationGroupConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(consultations::GROUPS_BY_ID.name)?;
        let select = consultations::groups_visible_to(&request(ctx)?.principal);
        Ok(ConsultationGroupConnection::from_select(
            db(ctx)?,
            select,
            &consultations::GROUPS_BY_ID,
            &page,
            ConsultationGroup,
        )
        .await?)
    }

    /// The consultation group with this ID; `null` with a `NOT_FOUND` error when there is none the caller's organisation is a member of.
    async fn consultation_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a consultation group.")] id: ID,
    ) -> Result<Option<ConsultationGroup>> {
        lookup!(
            ctx,
            id,
            NodeType::ConsultationGroup,
            consultation_group,
            ConsultationGroup,
            "consultation group"
        )
    }

    /// The consultation with this ID; `null` with a `NOT_FOUND` error when there is none in a group the caller's organisation is a member of.
    async fn consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a consultation.")] id: ID,
    ) -> Result<Option<Consultation>> {
        lookup!(
            ctx,
            id,
            NodeType::Consultation,
            consultation,
            Consultation,
            "consultation"
        )
    }
}
