//! Mutation roots, one file per domain, merged into `MutationRoot`. Every mutation takes
//! one `input` and returns a payload with the changed object.

mod candidates;
mod cases;
mod consultations;
mod courses;
mod events;
mod funding;
mod partners;
mod placements;
mod requests;
mod seats;

use async_graphql::MergedObject;

/// Everything a partner can change.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    courses::CourseMutation,
    partners::PartnerMutation,
    candidates::CandidateMutation,
    cases::CaseMutation,
    seats::SeatsMutation,
    placements::PlacementsMutation,
    funding::FundingMutation,
    requests::RequestsMutation,
    events::EventsMutation,
    consultations::ConsultationsMutation,
);
