//! Query roots, one file per domain, merged into `QueryRoot`.

mod candidates;
mod cases;
mod courses;
mod node;
mod organisations;
mod professions;
mod regions;
mod seats;
mod viewer;

use async_graphql::MergedObject;

/// Everything a partner can read.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    node::NodeQuery,
    regions::RegionQuery,
    professions::ProfessionQuery,
    organisations::OrganisationQuery,
    courses::CourseQuery,
    seats::SeatsQuery,
    viewer::ViewerQuery,
    candidates::CandidateQuery,
    cases::CaseQuery,
);
