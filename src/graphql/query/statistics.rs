//! `statistics`, `caseFunnel`, `demandGaps`, `poolingSuggestions`: aggregates over
//! every partner's data for `stats:read`, under disclosure control.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::{DemandGapFilter, PoolingSuggestionFilter, StatisticsFilter, under};
use crate::graphql::types::statistics::{
    DemandGap, FunnelStep, PoolingSuggestion, Statistics, StatisticsDimension,
};
use crate::graphql::{db, reference, request};
use crate::service::disclosure::Policy;
use crate::service::statistics::{self as stats, Dimension, demand, pooling};
use async_graphql::{Context, Object, Result};
use entity::enums::Lang;

#[derive(Default)]
pub struct StatisticsQuery;

fn policy(ctx: &Context<'_>) -> Policy {
    ctx.data_opt::<Policy>().copied().unwrap_or_default()
}

/// The service's filter of a `StatisticsFilter` argument.
fn cases(filter: Option<StatisticsFilter>) -> Result<stats::Filter> {
    Ok(filter
        .unwrap_or_default()
        .resolve()
        .map_err(under("filter"))?)
}

#[Object]
impl StatisticsQuery {
    /// Recognition cases of all partners grouped by one to three dimensions, with margins and a total: counts, median durations and the share overdue, under disclosure control (README, "Disclosure control"). Needs `stats:read`; no personal field is read.
    #[graphql(guard = "RequireScopes::one(&Scope::StatsRead)")]
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "One to three dimensions, each once.")] group_by: Vec<StatisticsDimension>,
        #[graphql(desc = "Which cases to count.")] filter: Option<StatisticsFilter>,
        #[graphql(desc = "Language of the labels.", default)] lang: Lang,
    ) -> Result<Statistics> {
        let filter = cases(filter)?;
        let group_by: Vec<Dimension> = group_by.into_iter().map(Into::into).collect();
        let policy = policy(ctx);
        let table = stats::table(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            policy,
            &group_by,
            &filter,
            lang,
        )
        .await?;
        Ok(Statistics::of(table, policy))
    }

    /// The case funnel: submitted → decided → in compensation → licensed, with the median days of each step, under disclosure control. Needs `stats:read`.
    #[graphql(guard = "RequireScopes::one(&Scope::StatsRead)")]
    async fn case_funnel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases to count.")] filter: Option<StatisticsFilter>,
    ) -> Result<Vec<FunnelStep>> {
        let filter = cases(filter)?;
        let steps = stats::funnel(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            policy(ctx),
            &filter,
        )
        .await?;
        Ok(steps.into_iter().map(Into::into).collect())
    }

    /// Need against supply (Bedarfsabgleich) per Land or län, profession and compensatory measure. Needs `stats:read`.
    #[graphql(guard = "RequireScopes::one(&Scope::StatsRead)")]
    async fn demand_gaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which rows to compute.")] filter: Option<DemandGapFilter>,
    ) -> Result<Vec<DemandGap>> {
        let rows = demand::gaps(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            policy(ctx),
            &filter.unwrap_or_default().into(),
        )
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Groups across neighbouring regions where the need of each alone is too small for a course, with the providers nearby or online and the funding programmes that fit. Names regions and counts, never candidates. Needs `stats:read`.
    #[graphql(guard = "RequireScopes::one(&Scope::StatsRead)")]
    async fn pooling_suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which suggestions to make.")] filter: Option<PoolingSuggestionFilter>,
    ) -> Result<Vec<PoolingSuggestion>> {
        let rows = pooling::suggestions(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            policy(ctx),
            &filter.unwrap_or_default().into(),
        )
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
