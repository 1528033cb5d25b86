//! Filters of `statistics`, `caseFunnel`, `demandGaps` and `poolingSuggestions`.

use crate::error::AppResult;
use crate::graphql::id::{self, NodeType};
use crate::graphql::types::Date;
use crate::service::statistics::{Filter, demand::DemandFilter, pooling::PoolingFilter};
use async_graphql::{ID, InputObject};
use entity::decision::CompensatoryMeasure;
use entity::recognition_case::{CaseOrigin, CaseStatus};

/// Which recognition cases a statistics table counts.
#[derive(InputObject, Default)]
pub struct StatisticsFilter {
    /// A country, Land/län or district code: cases of candidates living there.
    pub region: Option<String>,
    /// A profession key.
    pub profession: Option<String>,
    /// ISO 3166-1 alpha-2 country where the qualification was obtained.
    pub country_of_training: Option<String>,
    /// EU/EEA/CH or third country.
    pub origin: Option<CaseOrigin>,
    /// Cases in any of these statuses.
    pub status: Option<Vec<CaseStatus>>,
    /// Global ID of the competent authority.
    pub authority: Option<ID>,
    /// Applications submitted on or after this day.
    pub submitted_from: Option<Date>,
    /// Applications submitted on or before this day.
    pub submitted_to: Option<Date>,
}

impl StatisticsFilter {
    pub fn resolve(self) -> AppResult<Filter> {
        Ok(Filter {
            region: self.region,
            profession: self.profession,
            country_of_training: self.country_of_training,
            origin: self.origin,
            status: self.status,
            authority: self
                .authority
                .map(|a| id::decode_as(&a, NodeType::Organisation, "filter.authority"))
                .transpose()?,
            submitted_from: self.submitted_from.map(|d| d.0),
            submitted_to: self.submitted_to.map(|d| d.0),
        })
    }
}

/// Which rows of need against supply to compute.
#[derive(InputObject)]
pub struct DemandGapFilter {
    /// A country, Land/län (rows per Land or län) or district (one row for it).
    pub region: Option<String>,
    /// A profession key.
    pub profession: Option<String>,
    /// A compensatory measure.
    pub measure: Option<CompensatoryMeasure>,
    /// Seats count when their run or session starts within this many months (1 to 36).
    #[graphql(default = 12)]
    pub horizon_months: i32,
}

impl Default for DemandGapFilter {
    fn default() -> Self {
        DemandGapFilter {
            region: None,
            profession: None,
            measure: None,
            horizon_months: 12,
        }
    }
}

impl From<DemandGapFilter> for DemandFilter {
    fn from(f: DemandGapFilter) -> Self {
        DemandFilter {
            region: f.region,
            profession: f.profession,
            measure: f.measure,
            horizon_months: u32::try_from(f.horizon_months).unwrap_or(0),
        }
    }
}

/// Which pooling suggestions to make.
#[derive(InputObject)]
pub struct PoolingSuggestionFilter {
    /// A profession key.
    pub profession: Option<String>,
    /// A compensatory measure.
    pub measure: Option<CompensatoryMeasure>,
    /// The smallest group a course is viable for (2 to 30).
    #[graphql(default = 5)]
    pub min_group_size: i32,
}

impl Default for PoolingSuggestionFilter {
    fn default() -> Self {
        PoolingSuggestionFilter {
            profession: None,
            measure: None,
            min_group_size: 5,
        }
    }
}

impl From<PoolingSuggestionFilter> for PoolingFilter {
    fn from(f: PoolingSuggestionFilter) -> Self {
        PoolingFilter {
            profession: f.profession,
            measure: f.measure,
            min_group_size: u32::try_from(f.min_group_size).unwrap_or(0),
        }
    }
}
