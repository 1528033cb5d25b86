//! DataLoaders: every relation of the graph is fetched through one of these, so a
//! request issues one `WHERE key IN (…)` statement per relation and depth, never one per
//! row. Loaders apply the caller's row rules, so they are built per request.

pub mod batch;
pub mod case_file;
pub mod catalogue;
pub mod child_list;
pub mod consultations;
pub mod events;
pub mod funding;
pub mod keyed;
pub mod placements;
pub mod requests;
pub mod seats;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::graphql::types::TotalCount;
use crate::service::Reference;
use crate::service::consultations as service_consultations;
use crate::service::course_runs::{self, CourseRunFilter};
use crate::service::courses;
use crate::service::enrolments::{self, EnrolmentFilter};
use crate::service::exam_sessions::{self, ExamSessionFilter};
use crate::service::funding::applications::{self as funding_applications, ApplicationFilter};
use crate::service::funding::{self as programmes, ProgrammeFilter};
use crate::service::pagination::{Page, PageRequest};
use crate::service::placements::referrals::{self, ReferralFilter};
use crate::service::placements::{self as offers, OfferFilter};
use batch::{BatchFn, BatchLoader, Scheduler};
use child_list::{ChildCountKey, ChildCounts, ChildLoader, ChildPageKey, ChildPages};
use entity::{
    advisory_request, advisory_request_event, candidate, candidate_personal, case_event, consent,
    consultation, consultation_answer, consultation_group, course, course_run, decision, enrolment,
    enrolment_event, exam_session, funding_application, funding_application_event,
    funding_programme, organisation, placement_offer, recognition_case, referral,
};
use futures::FutureExt;
use keyed::{Fetch, Keyed};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::sync::Arc;

/// What every loader of one request shares: the pool, reference data and the caller.
pub struct LoaderEnv {
    pub db: DatabaseConnection,
    pub reference: Arc<Reference>,
    pub principal: Principal,
}

/// The loaders of one request. A loader keyed by id is named after the function in
/// [`catalogue`] or [`case_file`] that fetches its batch; a nested list is a
/// [`ChildLoader`] over the list's `ChildList` in its service.
pub struct Loaders {
    /// [`catalogue::organisations_by_id`].
    pub organisation: BatchLoader<Keyed<organisation::Model>>,
    /// [`catalogue::courses_by_id`].
    pub course: BatchLoader<Keyed<course::Model>>,
    /// [`catalogue::course_runs_by_id`].
    pub course_run: BatchLoader<Keyed<course_run::Model>>,
    /// [`catalogue::professions_by_course`].
    pub professions_by_course: BatchLoader<Keyed<Vec<String>>>,
    /// [`catalogue::next_run_by_course`].
    pub next_run_by_course: BatchLoader<Keyed<course_run::Model>>,
    /// `Organisation.courses`: [`courses::OF_PROVIDER`].
    pub courses_of_provider: ChildLoader<course::Entity, ()>,
    /// `Course.runs`: [`course_runs::OF_COURSE`].
    pub runs_of_course: ChildLoader<course_run::Entity, CourseRunFilter>,
    /// [`case_file::candidates_by_id`].
    pub candidate: BatchLoader<Keyed<candidate::Model>>,
    /// [`case_file::CandidatesByCode`].
    pub candidate_by_code: BatchLoader<case_file::CandidatesByCode>,
    /// [`case_file::personal_by_candidate`].
    pub personal_by_candidate: BatchLoader<Keyed<candidate_personal::Model>>,
    /// [`case_file::consents_by_candidate`].
    pub consents_by_candidate: BatchLoader<Keyed<Vec<consent::Model>>>,
    /// [`case_file::consents_by_id`].
    pub consent: BatchLoader<Keyed<consent::Model>>,
    /// [`case_file::cases_by_candidate`].
    pub cases_by_candidate: BatchLoader<Keyed<Vec<recognition_case::Model>>>,
    /// [`case_file::cases_by_id`].
    pub case: BatchLoader<Keyed<recognition_case::Model>>,
    /// [`case_file::events_by_case`].
    pub events_by_case: BatchLoader<Keyed<Vec<case_event::Model>>>,
    /// [`case_file::decision_by_case`].
    pub decision_by_case: BatchLoader<Keyed<decision::Model>>,
    /// [`seats::exam_sessions_by_id`].
    pub exam_session: BatchLoader<Keyed<exam_session::Model>>,
    /// [`seats::professions_by_session`].
    pub professions_by_session: BatchLoader<Keyed<Vec<String>>>,
    /// `Organisation.examSessions`: [`exam_sessions::OF_ORGANISATION`].
    pub sessions_of_organisation: ChildLoader<exam_session::Entity, ExamSessionFilter>,
    /// [`seats::enrolments_by_id`].
    pub enrolment: BatchLoader<Keyed<enrolment::Model>>,
    /// `CourseRun.enrolments`: [`enrolments::OF_RUN`].
    pub enrolments_of_run: ChildLoader<enrolment::Entity, EnrolmentFilter>,
    /// `ExamSession.enrolments`: [`enrolments::OF_SESSION`].
    pub enrolments_of_session: ChildLoader<enrolment::Entity, EnrolmentFilter>,
    /// [`seats::enrolments_by_candidate`].
    pub enrolments_by_candidate: BatchLoader<Keyed<Vec<enrolment::Model>>>,
    /// [`seats::history_by_enrolment`].
    pub history_by_enrolment: BatchLoader<Keyed<Vec<enrolment_event::Model>>>,
    /// [`seats::enrolment_events_by_candidate`].
    pub enrolment_events_by_candidate: BatchLoader<Keyed<Vec<enrolment_event::Model>>>,
    /// [`placements::offers_by_id`].
    pub placement_offer: BatchLoader<Keyed<placement_offer::Model>>,
    /// [`placements::professions_by_offer`].
    pub professions_by_offer: BatchLoader<Keyed<Vec<String>>>,
    /// [`placements::potential_candidates_by_offer`].
    pub potential_candidates_by_offer: BatchLoader<Keyed<u64>>,
    /// [`placements::matching_offers_by_candidate`].
    pub matching_offers_by_candidate: BatchLoader<Keyed<Vec<placement_offer::Model>>>,
    /// `Organisation.placementOffers`: [`offers::OF_EMPLOYER`].
    pub offers_of_employer: ChildLoader<placement_offer::Entity, OfferFilter>,
    /// [`placements::referrals_by_id`].
    pub referral: BatchLoader<Keyed<referral::Model>>,
    /// `PlacementOffer.referrals`: [`referrals::OF_OFFER`].
    pub referrals_of_offer: ChildLoader<referral::Entity, ReferralFilter>,
    /// `Candidate.referrals`: [`referrals::OF_CANDIDATE`].
    pub referrals_of_candidate: ChildLoader<referral::Entity, ReferralFilter>,
    /// [`funding::programmes_by_id`].
    pub funding_programme: BatchLoader<Keyed<funding_programme::Model>>,
    /// [`funding::professions_by_programme`].
    pub professions_by_programme: BatchLoader<Keyed<Vec<String>>>,
    /// `Organisation.fundingProgrammes`: [`programmes::OF_FUNDER`].
    pub programmes_of_funder: ChildLoader<funding_programme::Entity, ProgrammeFilter>,
    /// [`funding::applications_by_id`].
    pub funding_application: BatchLoader<Keyed<funding_application::Model>>,
    /// `FundingProgramme.applications`: [`funding_applications::OF_PROGRAMME`].
    pub applications_of_programme: ChildLoader<funding_application::Entity, ApplicationFilter>,
    /// [`funding::history_by_application`].
    pub history_by_application: BatchLoader<Keyed<Vec<funding_application_event::Model>>>,
    /// [`funding::statistics_by_programme`].
    pub statistics_by_programme:
        BatchLoader<Keyed<crate::service::funding::statistics::ProgrammeStatistics>>,
    /// [`placements::accepted_regions_by_candidate`].
    pub accepted_regions_by_candidate: BatchLoader<Keyed<Vec<String>>>,
    /// [`requests::advisory_requests_by_id`].
    pub advisory_request: BatchLoader<Keyed<advisory_request::Model>>,
    /// [`requests::events_by_advisory_request`].
    pub events_by_advisory_request: BatchLoader<Keyed<Vec<advisory_request_event::Model>>>,
    /// [`events::network_events_by_id`].
    pub network_event: BatchLoader<Keyed<entity::network_event::Model>>,
    /// [`events::event_registrations_by_id`].
    pub event_registration: BatchLoader<Keyed<entity::event_registration::Model>>,
    /// [`events::modules_by_series`].
    pub modules_by_series: BatchLoader<Keyed<Vec<entity::network_event::Model>>>,
    /// [`events::registrations_by_event`].
    pub registrations_by_event: BatchLoader<Keyed<Vec<entity::event_registration::Model>>>,
    /// [`events::attendance_by_registration`].
    pub attendance_by_registration: BatchLoader<Keyed<Vec<entity::event_attendance::Model>>>,
    /// [`consultations::consultation_groups_by_id`].
    pub consultation_group: BatchLoader<Keyed<consultation_group::Model>>,
    /// [`consultations::members_by_consultation_group`].
    pub members_by_consultation_group: BatchLoader<Keyed<Vec<i64>>>,
    /// `ConsultationGroup.consultations`: [`service_consultations::OF_GROUP`].
    pub consultations_of_group:
        ChildLoader<consultation::Entity, service_consultations::ConsultationFilter>,
    /// [`consultations::consultations_by_id`].
    pub consultation: BatchLoader<Keyed<consultation::Model>>,
    /// [`consultations::answers_by_consultation`].
    pub answers_by_consultation: BatchLoader<Keyed<Vec<consultation_answer::Model>>>,
    /// [`consultations::case_facts_by_consultation`].
    pub case_facts_by_consultation: BatchLoader<Keyed<service_consultations::CaseFacts>>,
    env: Arc<LoaderEnv>,
    scheduler: Arc<Scheduler>,
}

impl Loaders {
    /// Fresh loaders for one request of `principal`, flushed by `scheduler`.
    pub fn new(
        db: DatabaseConnection,
        reference: Arc<Reference>,
        principal: Principal,
        scheduler: &Arc<Scheduler>,
    ) -> Loaders {
        let env = Arc::new(LoaderEnv {
            db,
            reference,
            principal,
        });
        Loaders {
            organisation: keyed_loader(&env, scheduler, catalogue::organisations_by_id),
            course: keyed_loader(&env, scheduler, catalogue::courses_by_id),
            course_run: keyed_loader(&env, scheduler, catalogue::course_runs_by_id),
            professions_by_course: keyed_loader(&env, scheduler, catalogue::professions_by_course),
            next_run_by_course: keyed_loader(&env, scheduler, catalogue::next_run_by_course),
            courses_of_provider: ChildLoader::new(&env, &courses::OF_PROVIDER, scheduler),
            runs_of_course: ChildLoader::new(&env, &course_runs::OF_COURSE, scheduler),
            candidate: keyed_loader(&env, scheduler, case_file::candidates_by_id),
            candidate_by_code: BatchLoader::new(
                case_file::CandidatesByCode(env.clone()),
                scheduler.clone(),
            ),
            personal_by_candidate: keyed_loader(&env, scheduler, case_file::personal_by_candidate),
            consents_by_candidate: keyed_loader(&env, scheduler, case_file::consents_by_candidate),
            consent: keyed_loader(&env, scheduler, case_file::consents_by_id),
            cases_by_candidate: keyed_loader(&env, scheduler, case_file::cases_by_candidate),
            case: keyed_loader(&env, scheduler, case_file::cases_by_id),
            events_by_case: keyed_loader(&env, scheduler, case_file::events_by_case),
            decision_by_case: keyed_loader(&env, scheduler, case_file::decision_by_case),
            exam_session: keyed_loader(&env, scheduler, seats::exam_sessions_by_id),
            professions_by_session: keyed_loader(&env, scheduler, seats::professions_by_session),
            sessions_of_organisation: ChildLoader::new(
                &env,
                &exam_sessions::OF_ORGANISATION,
                scheduler,
            ),
            enrolment: keyed_loader(&env, scheduler, seats::enrolments_by_id),
            enrolments_of_run: ChildLoader::new(&env, &enrolments::OF_RUN, scheduler),
            enrolments_of_session: ChildLoader::new(&env, &enrolments::OF_SESSION, scheduler),
            enrolments_by_candidate: keyed_loader(&env, scheduler, seats::enrolments_by_candidate),
            history_by_enrolment: keyed_loader(&env, scheduler, seats::history_by_enrolment),
            enrolment_events_by_candidate: keyed_loader(
                &env,
                scheduler,
                seats::enrolment_events_by_candidate,
            ),
            placement_offer: keyed_loader(&env, scheduler, placements::offers_by_id),
            professions_by_offer: keyed_loader(&env, scheduler, placements::professions_by_offer),
            potential_candidates_by_offer: keyed_loader(
                &env,
                scheduler,
                placements::potential_candidates_by_offer,
            ),
            matching_offers_by_candidate: keyed_loader(
                &env,
                scheduler,
                placements::matching_offers_by_candidate,
            ),
            offers_of_employer: ChildLoader::new(&env, &offers::OF_EMPLOYER, scheduler),
            referral: keyed_loader(&env, scheduler, placements::referrals_by_id),
            referrals_of_offer: ChildLoader::new(&env, &referrals::OF_OFFER, scheduler),
            referrals_of_candidate: ChildLoader::new(&env, &referrals::OF_CANDIDATE, scheduler),
            funding_programme: keyed_loader(&env, scheduler, funding::programmes_by_id),
            professions_by_programme: keyed_loader(
                &env,
                scheduler,
                funding::professions_by_programme,
            ),
            programmes_of_funder: ChildLoader::new(&env, &programmes::OF_FUNDER, scheduler),
            funding_application: keyed_loader(&env, scheduler, funding::applications_by_id),
            applications_of_programme: ChildLoader::new(
                &env,
                &funding_applications::OF_PROGRAMME,
                scheduler,
            ),
            history_by_application: keyed_loader(&env, scheduler, funding::history_by_application),
            statistics_by_programme: keyed_loader(
                &env,
                scheduler,
                funding::statistics_by_programme,
            ),
            accepted_regions_by_candidate: keyed_loader(
                &env,
                scheduler,
                placements::accepted_regions_by_candidate,
            ),
            advisory_request: keyed_loader(&env, scheduler, requests::advisory_requests_by_id),
            network_event: keyed_loader(&env, scheduler, events::network_events_by_id),
            event_registration: keyed_loader(&env, scheduler, events::event_registrations_by_id),
            modules_by_series: keyed_loader(&env, scheduler, events::modules_by_series),
            registrations_by_event: keyed_loader(&env, scheduler, events::registrations_by_event),
            attendance_by_registration: keyed_loader(
                &env,
                scheduler,
                events::attendance_by_registration,
            ),
            events_by_advisory_request: keyed_loader(
                &env,
                scheduler,
                requests::events_by_advisory_request,
            ),
            consultation_group: keyed_loader(
                &env,
                scheduler,
                consultations::consultation_groups_by_id,
            ),
            members_by_consultation_group: keyed_loader(
                &env,
                scheduler,
                consultations::members_by_consultation_group,
            ),
            consultations_of_group: ChildLoader::new(
                &env,
                &service_consultations::OF_GROUP,
                scheduler,
            ),
            consultation: keyed_loader(&env, scheduler, consultations::consultations_by_id),
            answers_by_consultation: keyed_loader(
                &env,
                scheduler,
                consultations::answers_by_consultation,
            ),
            case_facts_by_consultation: keyed_loader(
                &env,
                scheduler,
                consultations::case_facts_by_consultation,
            ),
            env,
            scheduler: scheduler.clone(),
        }
    }

    /// A parent's page of a nested list, and its length counted only when selected:
    /// the whole of a nested list field. `which` picks the list's loader. The query (the
    /// field's `filter` argument) is checked here, so a bad one fails this field rather
    /// than the whole batch.
    pub async fn child_page<E, Q>(
        self: &Arc<Self>,
        which: fn(&Loaders) -> &ChildLoader<E, Q>,
        parent: i64,
        query: Q,
        page: PageRequest,
    ) -> AppResult<(Page<E::Model>, TotalCount)>
    where
        E: EntityTrait,
        Q: Clone + Send + Sync + 'static,
        ChildPages<E, Q>: BatchFn<Key = ChildPageKey<Q>, Value = Page<E::Model>>,
        ChildCounts<E, Q>: BatchFn<Key = ChildCountKey<Q>, Value = u64>,
    {
        let loader = which(self);
        (loader.list.select)(&self.env.principal, &self.env.reference, &query)
            .map_err(crate::graphql::input::under("filter"))?;
        let key = ChildPageKey {
            parent,
            query: Arc::new((query.clone(), page)),
        };
        let rows = loader.pages.load_one(key).await?.unwrap_or_default();
        let count_key = ChildCountKey {
            parent,
            query: Arc::new(query),
        };
        let loaders = self.clone();
        let total = TotalCount::new(move || {
            let (loaders, key) = (loaders.clone(), count_key.clone());
            async move { Ok(which(&loaders).counts.load_one(key).await?.unwrap_or(0)) }.boxed()
        });
        Ok((rows, total))
    }

    /// Forgets everything loaded so far in this request. Mutations that take data away
    /// (erasure, revocation) call it, so that later fields of the same request never
    /// show what was removed.
    pub fn forget_all(&self) {
        self.scheduler.forget_all();
    }
}

/// A loader by id whose batches `fetch` reads.
fn keyed_loader<V: Clone + Send + Sync + 'static>(
    env: &Arc<LoaderEnv>,
    scheduler: &Arc<Scheduler>,
    fetch: Fetch<V>,
) -> BatchLoader<Keyed<V>> {
    BatchLoader::new(Keyed::new(env.clone(), fetch), scheduler.clone())
}
