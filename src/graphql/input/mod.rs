//! Input objects: filters of the lists, and mutation inputs. One file per domain.
//!
//! Each input converts into the command or filter type of its service (`From`, or
//! `command()` where global IDs are decoded); the services never see GraphQL types.
//! Services name the fields of their own commands (`title`); [`under`] says where they
//! sit in the operation (`input.title`).

pub mod candidates;
pub mod consultations;
pub mod courses;
pub mod events;
pub mod funding;
pub mod imports;
pub mod organisations;
pub mod partners;
pub mod placements;
pub mod requests;
pub mod seats;
pub mod statistics;

pub use candidates::{
    CandidateFilter, CandidateRefInput, CaseFilter, ChangeCaseStatusInput, OpenCaseInput,
    PersonalDataInput, RecordConsentInput, RecordDecisionInput, RecordFileCompleteInput,
    RegisterCandidateInput, RevokeConsentInput, UpdateMissingDocumentsInput,
};
pub use consultations::{
    AnswerConsultationInput, ChangeConsultationGroupMembersInput, CreateConsultationGroupInput,
    OpenConsultationInput, ResolveConsultationInput,
};
pub use courses::{
    CancelCourseRunInput, CourseFilter, CourseRunFilter, MoneyInput, RegisterCourseInput,
    ScheduleCourseRunInput, UpdateCourseInput, UpdateCourseRunInput,
};
pub use events::{
    EventRegistrationInput, NetworkEventFilter, PublishNetworkEventInput,
    RecordEventAttendanceInput, RegisterEventParticipantInput,
};
pub use funding::{
    AmendFundingApplicationInput, ApplyForFundingInput, DefineFundingProgrammeInput,
    FileFundingFollowUpInput, FundingAmountInput, FundingApplicationFilter,
    FundingApplicationNoteInput, FundingApplicationRefInput, FundingProgrammeFilter,
    UpdateFundingProgrammeInput,
};
pub use imports::{CourseImportRowInput, ImportCoursesInput};
pub use organisations::OrganisationFilter;
pub use partners::{
    RegisterOrganisationInput, RegisterPartnerClientInput, RevokePartnerClientInput,
};
pub use placements::{
    ClosePlacementOfferInput, DeclineReferralInput, PlacementOfferFilter,
    PublishPlacementOfferInput, ReferCandidateInput, ReferralFilter, ReferralRefInput,
    UpdatePlacementOfferInput,
};
pub use requests::{
    AdvisoryRequestFilter, ChangeAdvisoryRequestStatusInput, SubmitAdvisoryRequestInput,
};
pub use seats::{
    CancelExamSessionInput, ConfirmEnrolmentInput, DeclineEnrolmentInput, EnrolmentFilter,
    ExamSessionFilter, PublishExamSessionInput, RecordEnrolmentResultInput, RequestEnrolmentInput,
    UpdateExamSessionInput, WithdrawEnrolmentInput,
};
pub use statistics::{DemandGapFilter, PoolingSuggestionFilter, StatisticsFilter};

use crate::error::AppError;
use crate::service::validation::Patch;
use async_graphql::MaybeUndefined;

/// An optional input field as a service patch: absent keeps, `null` clears.
pub fn patch<T, U>(field: MaybeUndefined<T>, convert: impl FnOnce(T) -> U) -> Patch<U> {
    match field {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(convert(v)),
    }
}

/// Rewrites the field paths of a service's error to sit under the argument `argument`:
/// `title` becomes `input.title`.
pub fn under(argument: &'static str) -> impl Fn(AppError) -> AppError {
    move |err| err.map_fields(|f| format!("{argument}.{f}"))
}
