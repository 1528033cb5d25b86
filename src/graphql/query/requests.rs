//! `advisoryRequests`, `advisoryRequest`.

use crate::error::AppError;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::AdvisoryRequestFilter;
use crate::graphql::types::{AdvisoryRequest, AdvisoryRequestConnection};
use crate::graphql::{db, request};
use crate::service::pagination::PageArgs;
use crate::service::requests;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct RequestsQuery;

#[Object]
impl RequestsQuery {
    /// The advisory requests the caller's organisation may see: a municipality its own, an advisory service those addressed to it, a partner those referred to it; in the order they came in. Empty for anyone else.
    async fn advisory_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the requests must meet.")] filter: Option<
            AdvisoryRequestFilter,
        >,
        #[graphql(desc = "Number of requests from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of requests from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<AdvisoryRequestConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(requests::BY_ID.name)?;
        let select =
            requests::filtered(&request(ctx)?.principal, &filter.unwrap_or_default().into());
        Ok(AdvisoryRequestConnection::from_select(
            db(ctx)?,
            select,
            &requests::BY_ID,
            &page,
            AdvisoryRequest,
        )
        .await?)
    }

    /// The advisory request with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see.
    async fn advisory_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of an advisory request.")] id: ID,
    ) -> Result<Option<AdvisoryRequest>> {
        lookup!(
            ctx,
            id,
            NodeType::AdvisoryRequest,
            advisory_request,
            AdvisoryRequest,
            "advisory request"
        )
    }
}
