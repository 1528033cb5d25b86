//! The process figures of a programme, for its funder: how many applications, how many
//! granted and rejected, how long a decision and a payment take, and what was granted
//! per profession. Counts below [`MIN_CELL`] are suppressed, and the median or amount of
//! a suppressed group with them.

use crate::error::AppResult;
use crate::service::disclosure::{Disclosed, MIN_CELL, disclose};
use entity::candidate;
use entity::funding_application::{self, ApplicationStatus, Column, Entity};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};

/// The grants of one profession.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfessionGrants {
    pub profession: String,
    pub granted: Disclosed,
    /// The sum granted, in minor units; `None` when the count is suppressed.
    pub amount: Option<i64>,
}

/// A programme's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeStatistics {
    /// Applications submitted (drafts are not counted).
    pub applications: Disclosed,
    pub granted: Disclosed,
    pub rejected: Disclosed,
    /// Median days from submission to decision; `None` for fewer than [`MIN_CELL`]
    /// decisions.
    pub median_days_to_decision: Option<i64>,
    /// Median days from decision to payment; `None` for fewer than [`MIN_CELL`] payments.
    pub median_days_to_payment: Option<i64>,
    /// Per profession, in the order of the reference file.
    pub granted_by_profession: Vec<ProfessionGrants>,
}

/// The median of `days`, if there are enough of them to show.
fn median(mut days: Vec<i64>) -> Option<i64> {
    if (days.len() as u64) < MIN_CELL {
        return None;
    }
    crate::service::disclosure::median(&mut days)
}

/// The figures of each of these programmes, from their submitted applications: two
/// statements for any number of programmes.
pub async fn of_programmes(
    db: &impl ConnectionTrait,
    professions: &crate::service::professions::ProfessionCatalog,
    ids: &[i64],
) -> AppResult<HashMap<i64, ProgrammeStatistics>> {
    let backend = db.get_database_backend();
    let rows = Entity::find()
        .filter(crate::service::one_of(backend, Column::ProgrammeId, ids))
        .filter(Column::Status.ne(ApplicationStatus::Draft))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let candidates: Vec<i64> = rows.iter().map(|a| a.candidate_id).collect();
    let profession_of: HashMap<i64, String> = candidate::Entity::find()
        .filter(crate::service::one_of(
            backend,
            candidate::Column::Id,
            &candidates,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.profession_key))
        .collect();
    let by_programme = crate::service::group_by_parent(ids, rows, |a| (a.programme_id, a));
    Ok(by_programme
        .into_iter()
        .map(|(id, rows)| (id, figures(&rows, &profession_of, professions)))
        .collect())
}

/// The figures of one programme's submitted applications.
fn figures(
    rows: &[funding_application::Model],
    profession_of: &HashMap<i64, String>,
    professions: &crate::service::professions::ProfessionCatalog,
) -> ProgrammeStatistics {
    let granted: Vec<&funding_application::Model> =
        rows.iter().filter(|a| a.granted_minor.is_some()).collect();
    let rejected = rows
        .iter()
        .filter(|a| a.status == ApplicationStatus::Rejected)
        .count();
    let to_decision = rows
        .iter()
        .filter_map(|a| Some((a.decided_on? - a.submitted_on?).num_days()))
        .collect();
    let to_payment = rows
        .iter()
        .filter_map(|a| Some((a.paid_on? - a.decided_on?).num_days()))
        .collect();
    let mut by_profession: BTreeMap<usize, (String, u64, i64)> = BTreeMap::new();
    for a in &granted {
        let key = profession_of
            .get(&a.candidate_id)
            .cloned()
            .unwrap_or_default();
        let rank = professions
            .all()
            .iter()
            .position(|p| p.key == key)
            .unwrap_or(usize::MAX);
        let entry = by_profession.entry(rank).or_insert((key, 0, 0));
        entry.1 += 1;
        entry.2 += a.granted_minor.unwrap_or(0);
    }
    ProgrammeStatistics {
        applications: disclose(rows.len() as u64),
        granted: disclose(granted.len() as u64),
        rejected: disclose(rejected as u64),
        median_days_to_decision: median(to_decision),
        median_days_to_payment: median(to_payment),
        granted_by_profession: by_profession
            .into_values()
            .map(|(profession, n, amount)| {
                let granted = disclose(n);
                ProfessionGrants {
                    profession,
                    amount: granted.value().map(|_| amount),
                    granted,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_need_a_group_large_enough_to_show() {
        assert_eq!(median(vec![3, 1, 2, 9]), None);
        assert_eq!(median(vec![5, 1, 3, 9, 7]), Some(5));
        assert_eq!(median(vec![1, 2, 3, 4, 5, 6]), Some(3));
    }
}
