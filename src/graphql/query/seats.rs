//! `examSessions`, `examSession`, `enrolment`.

use crate::error::AppError;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{ExamSessionFilter, under};
use crate::graphql::types::{Enrolment, ExamSession, ExamSessionConnection};
use crate::graphql::{db, reference, request};
use crate::service::exam_sessions::{self, BY_DATE};
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct SeatsQuery;

#[Object]
impl SeatsQuery {
    /// Exam sessions across the catalogue, by date: "when is the next Kenntnisprüfung for physicians in Saxony with a free seat?"
    async fn exam_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the sessions must meet.")] filter: Option<ExamSessionFilter>,
        #[graphql(desc = "Number of sessions from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of sessions from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<ExamSessionConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(BY_DATE.name)?;
        let select = exam_sessions::filtered(
            &request(ctx)?.principal,
            reference(ctx)?,
            &filter.unwrap_or_default().into(),
        )
        .map_err(under("filter"))?;
        Ok(
            ExamSessionConnection::from_select(db(ctx)?, select, &BY_DATE, &page, ExamSession)
                .await?,
        )
    }

    /// The exam session with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see.
    async fn exam_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of an exam session.")] id: ID,
    ) -> Result<Option<ExamSession>> {
        let key = id::decode_as(&id, NodeType::ExamSession, "id")?;
        request(ctx)?
            .loaders
            .exam_session
            .load_one(key)
            .await?
            .map(ExamSession)
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("exam session `{}`", id.as_str())).into())
    }

    /// The enrolment with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see (only the candidate's advisory centre and the school or exam office addressed see one).
    async fn enrolment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of an enrolment.")] id: ID,
    ) -> Result<Option<Enrolment>> {
        let key = id::decode_as(&id, NodeType::Enrolment, "id")?;
        request(ctx)?
            .loaders
            .enrolment
            .load_one(key)
            .await?
            .map(Enrolment)
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("enrolment `{}`", id.as_str())).into())
    }
}
