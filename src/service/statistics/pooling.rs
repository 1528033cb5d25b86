//! Pooling of small groups: where too few candidates in one district or Land need a
//! measure for a course of its own, groups of neighbouring regions that together
//! reach a viable size, with the providers already running that kind of course nearby
//! or online and the funding programmes open to such candidates. Suggestions name
//! regions and counts, never candidates.

use super::demand::{Need, Offer, needs, offers};
use super::{require_stats, state_of};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::service::Reference;
use crate::service::disclosure::{Policy, Published, Tally};
use chrono::{Months, NaiveDate};
use entity::decision::CompensatoryMeasure;
use entity::recognition_case::CaseOrigin;
use entity::{funding_programme, funding_programme_profession};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The most suggestions one answer has: those with the largest groups.
pub const MAX_SUGGESTIONS: usize = 50;

/// The most providers and funding programmes listed with a suggestion: providers in
/// the group's Länder or län first, then next to them, then online.
pub const MAX_LISTED: usize = 10;

/// Group sizes a partner may ask for.
pub const GROUP_SIZES: std::ops::RangeInclusive<u32> = 2..=30;

/// Which suggestions to make.
#[derive(Debug, Clone)]
pub struct PoolingFilter {
    pub profession: Option<String>,
    pub measure: Option<CompensatoryMeasure>,
    /// The smallest group a course is viable for.
    pub min_group_size: u32,
}

/// A proposed group.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub profession: String,
    pub measure: CompensatoryMeasure,
    /// The regions pooled, the one with the most need first.
    pub regions: Vec<String>,
    pub need: Published,
    /// Organisations running courses or sessions for the measure nearby or online.
    pub providers: Vec<i64>,
    /// Funding programmes open for the profession and the candidates' origins.
    pub programmes: Vec<i64>,
}

/// The suggestions for every profession and measure the filter leaves.
pub async fn suggestions(
    db: &impl ConnectionTrait,
    principal: &Principal,
    reference: &Reference,
    policy: Policy,
    filter: &PoolingFilter,
) -> AppResult<Vec<Suggestion>> {
    require_stats(principal)?;
    if !GROUP_SIZES.contains(&filter.min_group_size) {
        return Err(AppError::bad_input(
            "filter.minGroupSize",
            format!(
                "a group has {} to {} candidates",
                GROUP_SIZES.start(),
                GROUP_SIZES.end()
            ),
        ));
    }
    let needs = needs(
        db,
        reference,
        None,
        filter.profession.as_deref(),
        filter.measure,
    )
    .await?;
    let today = crate::service::today();
    // Providers that run such courses: anything from a year back to two years ahead.
    let from = today.checked_sub_months(Months::new(12)).unwrap_or(today);
    let until = today.checked_add_months(Months::new(24)).unwrap_or(today);
    let offers = offers(db, from, until).await?;
    let programmes = open_programmes(db, today).await?;

    let mut by_subject: BTreeMap<(String, CompensatoryMeasure), Vec<&Need>> = BTreeMap::new();
    for n in &needs {
        by_subject
            .entry((n.profession.clone(), n.measure))
            .or_default()
            .push(n);
    }
    let mut out: Vec<(u64, Suggestion)> = Vec::new();
    for ((profession, measure), needs) in by_subject {
        for group in groups(reference, &needs, filter.min_group_size) {
            let members: Vec<&&Need> = needs
                .iter()
                .filter(|n| group.contains(&n.region_code))
                .collect();
            let mut tally = Tally::default();
            let mut origins = HashSet::new();
            for n in &members {
                tally.add(n.record_key);
                origins.insert(n.origin);
            }
            let suggestion = Suggestion {
                providers: providers(reference, &offers, &profession, measure, &group),
                programmes: programmes
                    .iter()
                    .filter(|p| p.fits(reference, &profession, &origins, &group))
                    .map(|p| p.id)
                    .take(MAX_LISTED)
                    .collect(),
                profession: profession.clone(),
                measure,
                regions: group,
                need: policy.publish(tally),
            };
            out.push((tally.n, suggestion));
        }
    }
    // The largest groups first; ties in the order of profession, measure and region.
    out.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    out.truncate(MAX_SUGGESTIONS);
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// Groups of neighbouring regions, each region's need below `min`, that together reach
/// it. Regions are taken largest need first; a group grows by its neighbour with the
/// largest need until it is viable or has no small neighbour left (then it is dropped).
fn groups(reference: &Reference, needs: &[&Need], min: u32) -> Vec<Vec<String>> {
    let mut need: BTreeMap<&str, u32> = BTreeMap::new();
    for n in needs {
        *need.entry(n.region_code.as_str()).or_default() += 1;
    }
    let small: BTreeMap<&str, u32> = need.into_iter().filter(|(_, n)| *n < min).collect();
    let mut order: Vec<(&str, u32)> = small.iter().map(|(c, n)| (*c, *n)).collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut taken: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for (start, n) in order {
        if taken.contains(start) {
            continue;
        }
        let mut group = vec![start];
        let mut total = n;
        while total < min {
            let next = group
                .iter()
                .flat_map(|c| reference.regions.neighbours(c))
                .filter_map(|c| small.get_key_value(c.as_str()))
                .filter(|(c, _)| !taken.contains(*c) && !group.contains(c))
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
            let Some((code, n)) = next else { break };
            group.push(code);
            total += n;
        }
        if total >= min && group.len() > 1 {
            taken.extend(group.iter().copied());
            out.push(group.into_iter().map(str::to_owned).collect());
        }
    }
    out
}

/// Organisations with a run or session for the measure and profession in a Land or
/// län of the group or next to one, or online or blended in the same country.
fn providers(
    reference: &Reference,
    offers: &[Offer],
    profession: &str,
    measure: CompensatoryMeasure,
    group: &[String],
) -> Vec<i64> {
    let states: BTreeSet<String> = group.iter().map(|c| state_of(reference, c)).collect();
    let nearby: BTreeSet<String> = states
        .iter()
        .flat_map(|s| {
            std::iter::once(s.clone()).chain(reference.regions.neighbours(s).iter().cloned())
        })
        .collect();
    // 0: in the group's Länder or län, 1: next to them, 2: online or blended.
    let mut ranked: BTreeMap<i64, u8> = BTreeMap::new();
    for o in offers
        .iter()
        .filter(|o| o.measure == measure && o.professions.iter().any(|p| p == profession))
    {
        let here = state_of(reference, &o.region_code);
        let rank = if states.contains(&here) {
            0
        } else if nearby.contains(&here) {
            1
        } else if states.iter().any(|s| o.reachable_from(reference, s)) {
            2
        } else {
            continue;
        };
        let best = ranked.entry(o.organisation_id).or_insert(rank);
        *best = (*best).min(rank);
    }
    let mut ids: Vec<(u8, i64)> = ranked.into_iter().map(|(id, r)| (r, id)).collect();
    ids.sort_unstable();
    ids.into_iter().take(MAX_LISTED).map(|(_, id)| id).collect()
}

/// What pooling needs to know of a funding programme.
struct Programme {
    id: i64,
    professions: Vec<String>,
    origin: Option<CaseOrigin>,
    region: Option<String>,
}

impl Programme {
    /// Funds the profession, some of the candidates' origins, and the group's regions.
    fn fits(
        &self,
        reference: &Reference,
        profession: &str,
        origins: &HashSet<CaseOrigin>,
        group: &[String],
    ) -> bool {
        self.professions.iter().any(|p| p == profession)
            && self.origin.is_none_or(|o| origins.contains(&o))
            && self.region.as_ref().is_none_or(|r| {
                let covered = reference.regions.with_descendants(r);
                group.iter().any(|c| covered.contains(c))
            })
    }
}

/// Programmes whose application window has not closed.
async fn open_programmes(db: &impl ConnectionTrait, today: NaiveDate) -> AppResult<Vec<Programme>> {
    let backend = db.get_database_backend();
    let programmes = funding_programme::Entity::find()
        .filter(funding_programme::Column::ClosesOn.gte(today))
        .order_by_asc(funding_programme::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = programmes.iter().map(|p| p.id).collect();
    let professions = funding_programme_profession::Entity::find()
        .filter(crate::service::one_of(
            backend,
            funding_programme_profession::Column::ProgrammeId,
            &ids,
        ))
        .all(db)
        .await?;
    Ok(programmes
        .into_iter()
        .map(|p| Programme {
            id: p.id,
            professions: professions
                .iter()
                .filter(|pp| pp.programme_id == p.id)
                .map(|pp| pp.profession_key.clone())
                .collect(),
            origin: p.origin,
            region: p.region_code,
        })
        .collect())
}
