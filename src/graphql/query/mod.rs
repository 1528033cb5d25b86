//! Query roots, one file per domain, merged into `QueryRoot`.

/// The object behind `id` in `loader`, or `NOT_FOUND` naming `what`.
macro_rules! lookup {
    ($ctx:expr, $id:expr, $node:expr, $loader:ident, $wrap:ident, $what:literal) => {{
        let key = id::decode_as(&$id, $node, "id")?;
        request($ctx)?
            .loaders
            .$loader
            .load_one(key)
            .await?
            .map($wrap)
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("{} `{}`", $what, $id.as_str())).into())
    }};
}

mod candidates;
mod cases;
mod consultations;
mod courses;
mod entities;
mod events;
mod funding;
mod labels;
mod node;
mod organisations;
mod placements;
mod professions;
mod regions;
mod requests;
mod seats;
mod statistics;
mod viewer;

use async_graphql::MergedObject;

/// Everything a partner can read.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    node::NodeQuery,
    regions::RegionQuery,
    professions::ProfessionQuery,
    labels::LabelQuery,
    organisations::OrganisationQuery,
    courses::CourseQuery,
    seats::SeatsQuery,
    placements::PlacementsQuery,
    funding::FundingQuery,
    requests::RequestsQuery,
    events::EventsQuery,
    consultations::ConsultationsQuery,
    viewer::ViewerQuery,
    candidates::CandidateQuery,
    cases::CaseQuery,
    statistics::StatisticsQuery,
    entities::EntityQuery,
);
