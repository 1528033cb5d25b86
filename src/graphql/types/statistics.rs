//! `Statistics`, `FunnelStep`, `DemandGap`, `PoolingSuggestion`: aggregates for
//! dashboards, every count under disclosure control.

use super::{FundingProgramme, Organisation, Profession, Region};
use crate::graphql::{reference, request};
use crate::service::disclosure::{Flag, Policy, Published};
use crate::service::statistics::{self as stats, Dimension, Stage, demand, pooling};
use async_graphql::{ComplexObject, Context, Enum, Result, SimpleObject};
use entity::decision::CompensatoryMeasure;

/// What a statistics table can be grouped by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum StatisticsDimension {
    /// The candidate's region: a district (Landkreis, kreisfreie Stadt) in Germany, a län in Sweden.
    Region,
    /// The Land or län of the candidate's region.
    State,
    /// The profession applied for.
    Profession,
    /// The country where the qualification was obtained (ISO 3166-1 alpha-2).
    CountryOfTraining,
    /// EU/EEA/CH or third country.
    Origin,
    /// The case's status now.
    Status,
    /// The decision's outcome; `NONE` while undecided.
    Outcome,
    /// Each compensatory measure the decision allows (a case counts under each of its measures); `NONE` for none.
    Measure,
    /// The competent authority deciding the case (the value is its organisation's global ID).
    Authority,
    /// The year the application was submitted.
    Year,
    /// The quarter the application was submitted, as `2026-Q3`.
    Quarter,
}

impl From<StatisticsDimension> for Dimension {
    fn from(d: StatisticsDimension) -> Self {
        match d {
            StatisticsDimension::Region => Dimension::Region,
            StatisticsDimension::State => Dimension::State,
            StatisticsDimension::Profession => Dimension::Profession,
            StatisticsDimension::CountryOfTraining => Dimension::CountryOfTraining,
            StatisticsDimension::Origin => Dimension::Origin,
            StatisticsDimension::Status => Dimension::Status,
            StatisticsDimension::Outcome => Dimension::Outcome,
            StatisticsDimension::Measure => Dimension::Measure,
            StatisticsDimension::Authority => Dimension::Authority,
            StatisticsDimension::Year => Dimension::Year,
            StatisticsDimension::Quarter => Dimension::Quarter,
        }
    }
}

impl From<Dimension> for StatisticsDimension {
    fn from(d: Dimension) -> Self {
        match d {
            Dimension::Region => StatisticsDimension::Region,
            Dimension::State => StatisticsDimension::State,
            Dimension::Profession => StatisticsDimension::Profession,
            Dimension::CountryOfTraining => StatisticsDimension::CountryOfTraining,
            Dimension::Origin => StatisticsDimension::Origin,
            Dimension::Status => StatisticsDimension::Status,
            Dimension::Outcome => StatisticsDimension::Outcome,
            Dimension::Measure => StatisticsDimension::Measure,
            Dimension::Authority => StatisticsDimension::Authority,
            Dimension::Year => StatisticsDimension::Year,
            Dimension::Quarter => StatisticsDimension::Quarter,
        }
    }
}

/// How disclosure control changed a figure.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum CellFlag {
    /// Rounded to a multiple of the threshold by the cell key (the true count is less than one threshold away).
    Rounded,
    /// Below the threshold: withheld.
    Suppressed,
    /// Withheld so that a suppressed cell cannot be recomputed from its line's total.
    SecondarySuppressed,
}

impl From<Flag> for CellFlag {
    fn from(f: Flag) -> Self {
        match f {
            Flag::Rounded => CellFlag::Rounded,
            Flag::Suppressed => CellFlag::Suppressed,
            Flag::SecondarySuppressed => CellFlag::SecondarySuppressed,
        }
    }
}

/// A count of people as published.
#[derive(SimpleObject)]
pub struct DisclosedCount {
    /// The published count (a multiple of the threshold, or 0), `null` when withheld.
    pub count: Option<i32>,
    /// The count as text, `.` when withheld.
    pub display: String,
    /// What disclosure control did to it.
    pub flags: Vec<CellFlag>,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn days(n: Option<i64>) -> Option<i32> {
    n.map(|d| i32::try_from(d).unwrap_or(i32::MAX))
}

impl From<Published> for DisclosedCount {
    fn from(p: Published) -> Self {
        DisclosedCount {
            count: p.count.map(int),
            display: p.display(),
            flags: p.flags.iter().map(|f| (*f).into()).collect(),
        }
    }
}

/// One coordinate of a cell.
#[derive(SimpleObject)]
pub struct StatisticsKey {
    /// The dimension of this coordinate.
    pub dimension: StatisticsDimension,
    /// The value: a region code, profession key, country code, enum value, year, quarter, or an authority's global ID.
    pub value: String,
    /// The value's name in the language asked for.
    pub label: String,
}

/// A cell of a statistics table (or of its margins, or its total).
#[derive(SimpleObject)]
pub struct StatisticsCell {
    /// The cell's coordinates, in the order of `groupBy` (empty for the total).
    pub key: Vec<StatisticsKey>,
    /// Recognition cases in the cell, as published: a multiple of the threshold, `null` when withheld.
    pub count: Option<i32>,
    /// The count as text, `.` when withheld.
    pub display: String,
    /// What disclosure control did to the count.
    pub flags: Vec<CellFlag>,
    /// Median days from submission to decision over the cell's decided cases; `null` when the cell is withheld or fewer than threshold cases are decided.
    pub median_days_to_decision: Option<i32>,
    /// Median days from decision to licence over the cell's licensed cases; `null` as above.
    pub median_days_to_licence: Option<i32>,
    /// Share (0 to 1) of the cell's cases past their legal due date without a decision, from the rounded count of those cases; `null` when the cell is withheld.
    pub overdue_share: Option<f64>,
}

impl StatisticsCell {
    fn of(cell: stats::Cell, authority_id: &impl Fn(&str) -> String) -> Self {
        StatisticsCell {
            key: cell
                .key
                .into_iter()
                .map(|k| StatisticsKey {
                    dimension: k.dimension.into(),
                    value: if k.dimension == Dimension::Authority {
                        authority_id(&k.value)
                    } else {
                        k.value
                    },
                    label: k.label,
                })
                .collect(),
            count: cell.count.count.map(int),
            display: cell.count.display(),
            flags: cell.count.flags.iter().map(|f| (*f).into()).collect(),
            median_days_to_decision: days(cell.median_days_to_decision),
            median_days_to_licence: days(cell.median_days_to_licence),
            overdue_share: cell.overdue_share,
        }
    }
}

/// The margin of one dimension: the table summed over the others, published as cells of their own.
#[derive(SimpleObject)]
pub struct StatisticsMargin {
    /// The dimension the margin keeps; the others are summed over.
    pub dimension: StatisticsDimension,
    /// One cell per value of the dimension, each published on its own.
    pub cells: Vec<StatisticsCell>,
}

/// How the figures of a response are protected.
#[derive(SimpleObject)]
pub struct Disclosure {
    /// `cell key method, random rounding`.
    pub method: String,
    /// Counts below it are withheld.
    pub threshold: i32,
    /// Published counts are multiples of it.
    pub rounding_base: i32,
    /// What the figures mean, for people reading them.
    pub description: String,
}

impl From<Policy> for Disclosure {
    fn from(p: Policy) -> Self {
        Disclosure {
            method: "cell key method, random rounding".into(),
            threshold: int(u64::from(p.threshold)),
            rounding_base: int(p.rounding_base()),
            description: format!(
                "Counts are of recognition cases. Counts from 1 to {} are withheld, and so is a \
                 further cell wherever one withheld cell could otherwise be recomputed from a \
                 total. Every other count is rounded to a multiple of {} by a key fixed for its \
                 set of cases, so the same cases always give the same figure and margins need \
                 not add up. Medians and shares of withheld cells are withheld.",
                p.threshold - 1,
                p.rounding_base()
            ),
        }
    }
}

/// A statistics table with its margins.
#[derive(SimpleObject)]
pub struct Statistics {
    /// The dimensions of the table, in the order asked for.
    pub group_by: Vec<StatisticsDimension>,
    /// The non-empty cells, ordered by their keys.
    pub cells: Vec<StatisticsCell>,
    /// One margin per dimension when the table has two or more.
    pub margins: Vec<StatisticsMargin>,
    /// All cases the filter selects.
    pub total: StatisticsCell,
    /// How the figures are protected.
    pub disclosure: Disclosure,
}

impl Statistics {
    pub fn of(table: stats::Table, policy: Policy) -> Self {
        let authority = |v: &str| {
            v.parse::<i64>()
                .map(|id| {
                    crate::graphql::id::encode(crate::graphql::id::NodeType::Organisation, id)
                        .to_string()
                })
                .unwrap_or_else(|_| v.to_owned())
        };
        Statistics {
            group_by: table.group_by.iter().map(|d| (*d).into()).collect(),
            cells: table
                .cells
                .into_iter()
                .map(|c| StatisticsCell::of(c, &authority))
                .collect(),
            margins: table
                .margins
                .into_iter()
                .map(|m| StatisticsMargin {
                    dimension: m.dimension.into(),
                    cells: m
                        .cells
                        .into_iter()
                        .map(|c| StatisticsCell::of(c, &authority))
                        .collect(),
                })
                .collect(),
            total: StatisticsCell::of(table.total, &authority),
            disclosure: policy.into(),
        }
    }
}

/// A stage of the case funnel.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum FunnelStage {
    /// Every application.
    Submitted,
    /// Cases with a decision.
    Decided,
    /// Cases that entered a compensatory measure (Kenntnisprüfung, Anpassungslehrgang, …).
    InCompensation,
    /// Cases that ended in the licence (Approbation, Berufserlaubnis, legitimation).
    Licensed,
}

/// One step of the funnel.
#[derive(SimpleObject)]
pub struct FunnelStep {
    /// The stage.
    pub stage: FunnelStage,
    /// Cases that reached the stage.
    pub count: DisclosedCount,
    /// Median days the cases took to reach this stage from the one they passed before (decided: from submission; in compensation: from the decision; licensed: from compensation, or from the decision when there was none); `null` for SUBMITTED and when withheld.
    pub median_days_from_previous: Option<i32>,
}

impl From<stats::FunnelStep> for FunnelStep {
    fn from(s: stats::FunnelStep) -> Self {
        FunnelStep {
            stage: match s.stage {
                Stage::Submitted => FunnelStage::Submitted,
                Stage::Decided => FunnelStage::Decided,
                Stage::InCompensation => FunnelStage::InCompensation,
                Stage::Licensed => FunnelStage::Licensed,
            },
            count: s.count.into(),
            median_days_from_previous: days(s.median_days_from_previous),
        }
    }
}

/// The profession with this key.
fn profession(ctx: &Context<'_>, key: &str) -> Result<Option<Profession>> {
    Ok(reference(ctx)?
        .professions
        .get(key)
        .cloned()
        .map(Profession))
}

/// Need against supply for one region, profession and compensatory measure.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DemandGap {
    #[graphql(skip)]
    pub region_code: String,
    #[graphql(skip)]
    pub profession_key: String,
    /// The compensatory measure.
    pub measure: CompensatoryMeasure,
    /// Candidates whose decision allows the measure and who are neither enrolled for it nor through it.
    pub need: DisclosedCount,
    /// Free seats in course runs and exam sessions for the measure and profession, starting within the horizon, in the region's Land or län or online/blended in its country.
    pub seats: i32,
    /// The runs and sessions with those seats.
    pub offers: i32,
    /// `need - seats`: positive when more candidates need the measure than there are seats; `null` when the need is withheld.
    pub gap: Option<i32>,
}

#[ComplexObject]
impl DemandGap {
    /// The Land or län (or the district asked for in the filter).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(reference(ctx)?
            .regions
            .get(&self.region_code)
            .cloned()
            .map(Region))
    }

    /// The profession.
    async fn profession(&self, ctx: &Context<'_>) -> Result<Option<Profession>> {
        profession(ctx, &self.profession_key)
    }
}

impl From<demand::DemandGap> for DemandGap {
    fn from(g: demand::DemandGap) -> Self {
        DemandGap {
            region_code: g.region,
            profession_key: g.profession,
            measure: g.measure,
            need: g.need.into(),
            seats: int(g.seats),
            offers: int(g.offers),
            gap: g.gap.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
        }
    }
}

/// A proposed group across neighbouring regions whose need alone is too small for a course.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PoolingSuggestion {
    #[graphql(skip)]
    pub profession_key: String,
    /// The compensatory measure the group needs.
    pub measure: CompensatoryMeasure,
    #[graphql(skip)]
    pub region_codes: Vec<String>,
    /// Candidates of the group who need the measure.
    pub need: DisclosedCount,
    #[graphql(skip)]
    pub provider_ids: Vec<i64>,
    #[graphql(skip)]
    pub programme_ids: Vec<i64>,
}

#[ComplexObject]
impl PoolingSuggestion {
    /// The profession.
    async fn profession(&self, ctx: &Context<'_>) -> Result<Option<Profession>> {
        profession(ctx, &self.profession_key)
    }

    /// The regions pooled (districts, Länder or län), the one with the most need first.
    async fn regions(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        let reference = reference(ctx)?;
        Ok(self
            .region_codes
            .iter()
            .filter_map(|c| reference.regions.get(c).cloned().map(Region))
            .collect())
    }

    /// Schools, providers and exam offices that run courses or sessions for the measure and profession in or next to the group's Länder or län, or online.
    async fn providers(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        let found = futures::future::try_join_all(
            self.provider_ids
                .iter()
                .map(|id| loaders.organisation.load_one(*id)),
        )
        .await?;
        Ok(found.into_iter().flatten().map(Organisation).collect())
    }

    /// Funding programmes still open that fund the profession, the group's origins and regions.
    async fn funding_programmes(&self, ctx: &Context<'_>) -> Result<Vec<FundingProgramme>> {
        let loaders = &request(ctx)?.loaders;
        let found = futures::future::try_join_all(
            self.programme_ids
                .iter()
                .map(|id| loaders.funding_programme.load_one(*id)),
        )
        .await?;
        Ok(found.into_iter().flatten().map(FundingProgramme).collect())
    }
}

impl From<pooling::Suggestion> for PoolingSuggestion {
    fn from(s: pooling::Suggestion) -> Self {
        PoolingSuggestion {
            profession_key: s.profession,
            measure: s.measure,
            region_codes: s.regions,
            need: s.need.into(),
            provider_ids: s.providers,
            programme_ids: s.programmes,
        }
    }
}
