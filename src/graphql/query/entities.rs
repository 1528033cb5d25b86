//! Apollo Federation v2 entity resolvers: what `_entities` answers for a gateway that
//! joins the hub's objects with a partner's subgraph.
//!
//! Each resolver is the row rule of `node` for its type, through the same request
//! loaders: an object the caller may not see is `null` with a `NOT_FOUND` error at its
//! index (`["_entities", i]`), as `nodes` answers an invisible ID, so one missing entity
//! does not fail the others; the personal data of a candidate resolved here is audited
//! like on any other path (its `personal` field records the read).

use crate::error::AppError;
use crate::graphql::id::NodeType;
use crate::graphql::types::{
    Candidate, Course, CourseRun, ExamSession, Organisation, Profession, Region,
};
use crate::graphql::{id, reference, request};
use async_graphql::{Context, ID, Object, PathSegment, Result, Value};

/// `null` for the representation of `typename` with `key` = `value`, with a `NOT_FOUND`
/// error at its index of `_entities`.
fn missing<T>(
    ctx: &Context<'_>,
    typename: &str,
    key: &str,
    value: &str,
    what: &str,
) -> Result<Option<T>> {
    let index = ctx
        .field()
        .arguments()
        .ok()
        .and_then(|args| {
            args.into_iter()
                .find(|(n, _)| n.as_str() == "representations")
        })
        .and_then(|(_, list)| match list {
            Value::List(items) => items.iter().position(|r| match r {
                Value::Object(o) => {
                    o.get("__typename") == Some(&Value::from(typename))
                        && o.get(key).is_some_and(|v| match v {
                            Value::String(s) => s == value,
                            other => other.to_string() == value,
                        })
                }
                _ => false,
            }),
            _ => None,
        });
    let error: async_graphql::Error = AppError::NotFound(format!("{what} `{value}`")).into();
    let mut error = error.into_server_error(ctx.item.pos);
    error.path = std::iter::once(PathSegment::Field(
        ctx.item.node.response_key().node.to_string(),
    ))
    .chain(index.map(PathSegment::Index))
    .collect();
    ctx.add_error(error);
    Ok(None)
}

#[derive(Default)]
pub struct EntityQuery;

#[Object]
impl EntityQuery {
    /// `Organisation @key(fields: "id")`.
    #[graphql(entity)]
    async fn organisation_entity(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Organisation>> {
        match id::decode_as(&id, NodeType::Organisation, "id") {
            Ok(key) => match request(ctx)?.loaders.organisation.load_one(key).await? {
                Some(m) => Ok(Some(Organisation(m))),
                None => missing(ctx, "Organisation", "id", id.as_str(), "organisation"),
            },
            Err(_) => missing(ctx, "Organisation", "id", id.as_str(), "organisation"),
        }
    }

    /// `Course @key(fields: "id")`.
    #[graphql(entity)]
    async fn course_entity(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Course>> {
        match id::decode_as(&id, NodeType::Course, "id") {
            Ok(key) => match request(ctx)?.loaders.course.load_one(key).await? {
                Some(m) => Ok(Some(Course(m))),
                None => missing(ctx, "Course", "id", id.as_str(), "course"),
            },
            Err(_) => missing(ctx, "Course", "id", id.as_str(), "course"),
        }
    }

    /// `CourseRun @key(fields: "id")`.
    #[graphql(entity)]
    async fn course_run_entity(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CourseRun>> {
        match id::decode_as(&id, NodeType::CourseRun, "id") {
            Ok(key) => match request(ctx)?.loaders.course_run.load_one(key).await? {
                Some(m) => Ok(Some(CourseRun(m))),
                None => missing(ctx, "CourseRun", "id", id.as_str(), "course run"),
            },
            Err(_) => missing(ctx, "CourseRun", "id", id.as_str(), "course run"),
        }
    }

    /// `ExamSession @key(fields: "id")`.
    #[graphql(entity)]
    async fn exam_session_entity(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ExamSession>> {
        match id::decode_as(&id, NodeType::ExamSession, "id") {
            Ok(key) => match request(ctx)?.loaders.exam_session.load_one(key).await? {
                Some(m) => Ok(Some(ExamSession(m))),
                None => missing(ctx, "ExamSession", "id", id.as_str(), "exam session"),
            },
            Err(_) => missing(ctx, "ExamSession", "id", id.as_str(), "exam session"),
        }
    }

    /// `Region @key(fields: "code")`.
    #[graphql(entity)]
    async fn region_entity(&self, ctx: &Context<'_>, code: String) -> Result<Option<Region>> {
        match reference(ctx)?.regions.get(&code) {
            Some(r) => Ok(Some(Region(r.clone()))),
            None => missing(ctx, "Region", "code", &code, "region"),
        }
    }

    /// `Profession @key(fields: "key")`.
    #[graphql(entity)]
    async fn profession_entity(
        &self,
        ctx: &Context<'_>,
        key: String,
    ) -> Result<Option<Profession>> {
        match reference(ctx)?.professions.get(&key) {
            Some(p) => Ok(Some(Profession(p.clone()))),
            None => missing(ctx, "Profession", "key", &key, "profession"),
        }
    }

    /// `Candidate @key(fields: "code")`: by the pseudonymous code, for callers who may
    /// see the candidate.
    #[graphql(entity)]
    async fn candidate_entity(&self, ctx: &Context<'_>, code: String) -> Result<Option<Candidate>> {
        match request(ctx)?
            .loaders
            .candidate_by_code
            .load_one(code.clone())
            .await?
        {
            Some(m) => Ok(Some(Candidate(m))),
            None => missing(ctx, "Candidate", "code", &code, "candidate"),
        }
    }
}
