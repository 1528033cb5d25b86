//! `organisations`, `organisation`.

use crate::error::AppError;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{OrganisationFilter, under};
use crate::graphql::types::{Organisation, OrganisationConnection};
use crate::graphql::{db, reference, request};
use crate::service::organisations::{self, BY_NAME};
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// The partner directory, by name.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the organisations must meet.")] filter: Option<
            OrganisationFilter,
        >,
        #[graphql(desc = "Number of organisations from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of organisations from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<OrganisationConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(BY_NAME.name)?;
        let req = request(ctx)?;
        let select = organisations::filtered(
            &req.principal,
            &reference(ctx)?.regions,
            &filter.unwrap_or_default().into(),
        )
        .map_err(under("filter"))?;
        Ok(
            OrganisationConnection::from_select(db(ctx)?, select, &BY_NAME, &page, Organisation)
                .await?,
        )
    }

    /// The organisation with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of an organisation.")] id: ID,
    ) -> Result<Option<Organisation>> {
        let key = id::decode_as(&id, NodeType::Organisation, "id")?;
        request(ctx)?
            .loaders
            .organisation
            .load_one(key)
            .await?
            .map(Organisation)
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("organisation `{}`", id.as_str())).into())
    }
}
