//! `cases`, `recognitionCase`.

use crate::auth::Scope;
use crate::error::AppError;
use crate::graphql::guard::RequireScopes;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{CaseFilter, under};
use crate::graphql::types::{RecognitionCase, RecognitionCaseConnection};
use crate::graphql::{db, reference, request};
use crate::service::pagination::PageArgs;
use crate::service::{cases, today};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// Recognition cases the caller may see (scope `cases:read`), in opening order.
    #[graphql(guard = "RequireScopes::one(&Scope::CasesRead)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the cases must meet.")] filter: Option<CaseFilter>,
        #[graphql(desc = "Number of cases from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of cases from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<RecognitionCaseConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(cases::BY_ID.name)?;
        let filter = filter
            .unwrap_or_default()
            .command()
            .map_err(under("filter"))?;
        let select = cases::filtered(&request(ctx)?.principal, reference(ctx)?, &filter, today())
            .map_err(under("filter"))?;
        Ok(RecognitionCaseConnection::from_select(
            db(ctx)?,
            select,
            &cases::BY_ID,
            &page,
            RecognitionCase,
        )
        .await?)
    }

    /// The recognition case with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see.
    async fn recognition_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a case.")] id: ID,
    ) -> Result<Option<RecognitionCase>> {
        let key = id::decode_as(&id, NodeType::RecognitionCase, "id")?;
        request(ctx)?
            .loaders
            .case
            .load_one(key)
            .await?
            .map(RecognitionCase)
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("case `{}`", id.as_str())).into())
    }
}
