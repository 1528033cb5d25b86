//! Statistics over every partner's recognition cases, for dashboards (`stats:read`):
//! tables grouped by the dimensions a partner picks, with margins, and the case funnel.
//! Only aggregates leave this module, each under the disclosure rules of
//! [`crate::service::disclosure`]; no personal field is read.

pub mod demand;
pub mod pooling;

use crate::auth::{Principal, Scope, ScopeRequirement};
use crate::error::{AppError, AppResult};
use crate::service::Reference;
use crate::service::disclosure::{Policy, Published, Tally, suppress_lines};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::decision::{CompensatoryMeasure, DecisionOutcome};
use entity::enums::{Lang, RegionLevel};
use entity::recognition_case::{CaseOrigin, CaseStatus};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ActiveEnum, ConnectionTrait, FromQueryResult, StatementBuilder};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The most dimensions one table may be grouped by.
pub const MAX_DIMENSIONS: usize = 3;

/// The most non-empty cells one table may have; a larger one is refused, asking for a
/// narrower filter or fewer dimensions.
pub const MAX_CELLS: usize = 250;

/// What a table can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// The candidate's region (a district in Germany, a län in Sweden).
    Region,
    /// The Land or län of the candidate's region.
    State,
    Profession,
    CountryOfTraining,
    /// EU/EEA/CH or third country.
    Origin,
    Status,
    /// The decision's outcome; `NONE` while undecided.
    Outcome,
    /// Each compensatory measure the decision allows (a case counts under each);
    /// `NONE` when it allows none or there is no decision.
    Measure,
    /// The competent authority deciding the case.
    Authority,
    /// The year the application was submitted.
    Year,
    /// The quarter the application was submitted, `2026-Q3`.
    Quarter,
}

impl Dimension {
    /// The GraphQL name of the dimension, as the CSV header and labels use it.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Region => "REGION",
            Dimension::State => "STATE",
            Dimension::Profession => "PROFESSION",
            Dimension::CountryOfTraining => "COUNTRY_OF_TRAINING",
            Dimension::Origin => "ORIGIN",
            Dimension::Status => "STATUS",
            Dimension::Outcome => "OUTCOME",
            Dimension::Measure => "MEASURE",
            Dimension::Authority => "AUTHORITY",
            Dimension::Year => "YEAR",
            Dimension::Quarter => "QUARTER",
        }
    }

    /// Every dimension, in the order of [`Dimension::name`]s in the schema.
    pub const ALL: [Dimension; 11] = [
        Dimension::Region,
        Dimension::State,
        Dimension::Profession,
        Dimension::CountryOfTraining,
        Dimension::Origin,
        Dimension::Status,
        Dimension::Outcome,
        Dimension::Measure,
        Dimension::Authority,
        Dimension::Year,
        Dimension::Quarter,
    ];

    /// The dimension called `name`, if any.
    pub fn parse(name: &str) -> Option<Dimension> {
        Dimension::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Which cases a table counts.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A country, Land/län or district code: the candidates living there.
    pub region: Option<String>,
    pub profession: Option<String>,
    pub country_of_training: Option<String>,
    pub origin: Option<CaseOrigin>,
    pub status: Option<Vec<CaseStatus>>,
    /// The authority's organisation id.
    pub authority: Option<i64>,
    pub submitted_from: Option<NaiveDate>,
    pub submitted_to: Option<NaiveDate>,
}

/// One coordinate of a cell: the dimension, its value and the value's label.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub dimension: Dimension,
    pub value: String,
    pub label: String,
}

/// A cell of a table, a margin or the total, as published.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub key: Vec<Key>,
    pub count: Published,
    /// Median days from submission to decision, over the cell's decided cases.
    pub median_days_to_decision: Option<i64>,
    /// Median days from decision to licence, over the cell's licensed cases.
    pub median_days_to_licence: Option<i64>,
    /// Share of the cell's cases past their legal due date without a decision.
    pub overdue_share: Option<f64>,
}

/// The margin of one dimension: the table summed over all the others.
#[derive(Debug, Clone, PartialEq)]
pub struct Margin {
    pub dimension: Dimension,
    pub cells: Vec<Cell>,
}

/// A table as published.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub group_by: Vec<Dimension>,
    pub cells: Vec<Cell>,
    /// One per dimension when there are two or more (with one, the cells are the
    /// margin).
    pub margins: Vec<Margin>,
    pub total: Cell,
}

/// What a table needs to know of one case: no personal field.
#[derive(Debug, Clone, FromQueryResult)]
pub(crate) struct CaseFacts {
    pub record_key: i32,
    pub profession_key: String,
    pub authority_id: i64,
    pub origin: CaseOrigin,
    pub status: CaseStatus,
    pub submitted_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub country_of_training: String,
    pub region_code: String,
    pub outcome: Option<DecisionOutcome>,
    pub measures: Option<serde_json::Value>,
    pub compensation_at: Option<DateTime<Utc>>,
    pub licensed_at: Option<DateTime<Utc>>,
}

impl CaseFacts {
    fn measures(&self) -> Vec<CompensatoryMeasure> {
        self.measures
            .clone()
            .and_then(|m| serde_json::from_value(m).ok())
            .unwrap_or_default()
    }

    fn days_to_decision(&self) -> Option<i64> {
        Some((self.decided_on? - self.submitted_on).num_days())
    }

    fn days_to_licence(&self) -> Option<i64> {
        Some((self.licensed_at?.date_naive() - self.decided_on?).num_days())
    }
}

/// `stats:read`, or the refusal.
pub fn require_stats(principal: &Principal) -> AppResult<()> {
    ScopeRequirement::All(&[Scope::StatsRead]).check(principal)
}

/// Which facts a question needs beyond the case's own columns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Needs {
    /// The decision's outcome and measures.
    pub decision: bool,
    pub country: bool,
    /// The day the case entered compensation.
    pub compensation: bool,
}

impl Needs {
    fn of(group_by: &[Dimension]) -> Needs {
        Needs {
            decision: group_by.contains(&Dimension::Outcome)
                || group_by.contains(&Dimension::Measure),
            country: group_by.contains(&Dimension::CountryOfTraining),
            compensation: false,
        }
    }
}

/// The facts of every case the filter selects, in one statement. Columns a question
/// does not need are read as NULL or empty, and their joins left out.
pub(crate) async fn facts(
    db: &impl ConnectionTrait,
    reference: &Reference,
    filter: &Filter,
    needs: Needs,
) -> AppResult<Vec<CaseFacts>> {
    use sea_orm::sea_query::JoinType;
    let (c, cand, d, ev) = (
        Alias::new("c"),
        Alias::new("cand"),
        Alias::new("d"),
        Alias::new("ev"),
    );
    // The days cases entered compensation and the licence, from their events.
    let mut entered = Query::select();
    entered
        .column(Alias::new("case_id"))
        .expr_as(
            Expr::cust("MIN(CASE WHEN to_status = 'IN_COMPENSATION' THEN at END)"),
            Alias::new("compensation_at"),
        )
        .expr_as(
            Expr::cust("MIN(CASE WHEN to_status = 'LICENSED' THEN at END)"),
            Alias::new("licensed_at"),
        )
        .from(Alias::new("case_event"))
        .and_where(
            Expr::col(Alias::new("to_status")).is_in(if needs.compensation {
                vec!["IN_COMPENSATION", "LICENSED"]
            } else {
                vec!["LICENSED"]
            }),
        )
        .group_by_col(Alias::new("case_id"));
    let mut q = Query::select();
    q.from_as(Alias::new("recognition_case"), c.clone())
        .join_as(
            JoinType::InnerJoin,
            Alias::new("candidate"),
            cand.clone(),
            Expr::col((cand.clone(), Alias::new("id")))
                .equals((c.clone(), Alias::new("candidate_id"))),
        )
        .join_subquery(
            JoinType::LeftJoin,
            entered,
            ev.clone(),
            Expr::col((ev.clone(), Alias::new("case_id"))).equals((c.clone(), Alias::new("id"))),
        );
    for col in [
        "record_key",
        "profession_key",
        "authority_id",
        "origin",
        "status",
        "submitted_on",
        "decided_on",
        "due_on",
    ] {
        q.column((c.clone(), Alias::new(col)));
    }
    q.column((cand.clone(), Alias::new("region_code")))
        .column((ev.clone(), Alias::new("compensation_at")))
        .column((ev.clone(), Alias::new("licensed_at")));
    if needs.country {
        q.column((cand.clone(), Alias::new("country_of_training")));
    } else {
        q.expr_as(Expr::val(""), Alias::new("country_of_training"));
    }
    if needs.decision {
        q.join_as(
            JoinType::LeftJoin,
            Alias::new("decision"),
            d.clone(),
            Expr::col((d.clone(), Alias::new("case_id"))).equals((c.clone(), Alias::new("id"))),
        )
        .column((d.clone(), Alias::new("outcome")))
        .column((d.clone(), Alias::new("measures")));
    } else {
        q.expr_as(Expr::cust("NULL"), Alias::new("outcome"))
            .expr_as(Expr::cust("NULL"), Alias::new("measures"));
    }
    let backend = db.get_database_backend();
    if let Some(codes) = reference
        .regions
        .filter_codes(filter.region.as_deref(), "filter.region")?
    {
        q.and_where(Expr::col((cand.clone(), Alias::new("region_code"))).is_in(codes));
    }
    if let Some(p) = &filter.profession {
        reference.professions.require(p, "filter.profession")?;
        q.and_where(Expr::col((c.clone(), Alias::new("profession_key"))).eq(p.as_str()));
    }
    if let Some(country) = &filter.country_of_training {
        if !crate::service::countries::is_country(country) {
            return Err(AppError::bad_input(
                "filter.countryOfTraining",
                format!("unknown country `{country}`; use an ISO 3166-1 alpha-2 code such as `PH`"),
            ));
        }
        q.and_where(
            Expr::col((cand.clone(), Alias::new("country_of_training"))).eq(country.as_str()),
        );
    }
    if let Some(origin) = filter.origin {
        q.and_where(Expr::col((c.clone(), Alias::new("origin"))).eq(origin.to_value()));
    }
    if let Some(statuses) = &filter.status {
        q.and_where(
            Expr::col((c.clone(), Alias::new("status")))
                .is_in(statuses.iter().map(|s| s.to_value())),
        );
    }
    if let Some(authority) = filter.authority {
        q.and_where(Expr::col((c.clone(), Alias::new("authority_id"))).eq(authority));
    }
    if let (Some(from), Some(to)) = (filter.submitted_from, filter.submitted_to)
        && from > to
    {
        return Err(AppError::bad_input(
            "filter.submittedTo",
            format!("the period ends ({to}) before it starts ({from})"),
        ));
    }
    if let Some(from) = filter.submitted_from {
        q.and_where(Expr::col((c.clone(), Alias::new("submitted_on"))).gte(from));
    }
    if let Some(to) = filter.submitted_to {
        q.and_where(Expr::col((c.clone(), Alias::new("submitted_on"))).lte(to));
    }
    let stmt = StatementBuilder::build(&q, &backend);
    Ok(CaseFacts::find_by_statement(stmt).all(db).await?)
}

/// The value of `dimension` for a case: one value, or one per measure.
fn values_of(case: &CaseFacts, dimension: Dimension, reference: &Reference) -> Vec<String> {
    let one = |s: String| vec![s];
    match dimension {
        Dimension::Region => one(case.region_code.clone()),
        Dimension::State => one(state_of(reference, &case.region_code)),
        Dimension::Profession => one(case.profession_key.clone()),
        Dimension::CountryOfTraining => one(case.country_of_training.clone()),
        Dimension::Origin => one(case.origin.to_value()),
        Dimension::Status => one(case.status.to_value()),
        Dimension::Outcome => one(case
            .outcome
            .map_or_else(|| NONE.to_owned(), |o| o.to_value())),
        Dimension::Measure => {
            let measures: BTreeSet<String> = case
                .measures()
                .into_iter()
                .map(|m| measure_name(m).to_owned())
                .collect();
            if measures.is_empty() {
                one(NONE.to_owned())
            } else {
                measures.into_iter().collect()
            }
        }
        Dimension::Authority => one(case.authority_id.to_string()),
        Dimension::Year => one(case.submitted_on.year().to_string()),
        Dimension::Quarter => one(format!(
            "{}-Q{}",
            case.submitted_on.year(),
            case.submitted_on.month0() / 3 + 1
        )),
    }
}

/// The value of a dimension where a case has none (no decision, no measure).
pub const NONE: &str = "NONE";

/// The GraphQL name of a measure.
pub fn measure_name(m: CompensatoryMeasure) -> &'static str {
    match m {
        CompensatoryMeasure::KnowledgeTest => "KNOWLEDGE_TEST",
        CompensatoryMeasure::AdaptationCourse => "ADAPTATION_COURSE",
        CompensatoryMeasure::AptitudeTest => "APTITUDE_TEST",
    }
}

/// The Land or län a region lies in (the region itself when it is one).
pub(crate) fn state_of(reference: &Reference, code: &str) -> String {
    match reference.regions.get(code) {
        Some(r) if r.level == RegionLevel::District => {
            r.parent_code.clone().unwrap_or_else(|| code.to_owned())
        }
        _ => code.to_owned(),
    }
}

/// What a cell accumulates before it is published.
#[derive(Debug, Default, Clone)]
struct Acc {
    all: Tally,
    overdue: Tally,
    to_decision: Vec<i64>,
    to_licence: Vec<i64>,
}

impl Acc {
    fn add(&mut self, case: &CaseFacts, today: NaiveDate) {
        self.all.add(case.record_key);
        if crate::service::cases::overdue(case.status, case.due_on, today) {
            self.overdue.add(case.record_key);
        }
        self.to_decision.extend(case.days_to_decision());
        self.to_licence.extend(case.days_to_licence());
    }

    fn publish(mut self, policy: Policy, key: Vec<Key>, count: Published) -> Cell {
        let withheld = count.suppressed();
        Cell {
            median_days_to_decision: policy.median(&mut self.to_decision, &count),
            median_days_to_licence: policy.median(&mut self.to_licence, &count),
            overdue_share: if withheld {
                None
            } else {
                policy.share(self.overdue, &count)
            },
            key,
            count,
        }
    }
}

/// Labels of dimension values in one language.
pub struct Labeller<'a> {
    pub reference: &'a Reference,
    pub lang: Lang,
    /// Organisation names by id (authorities).
    pub organisations: HashMap<i64, String>,
}

impl Labeller<'_> {
    pub fn label(&self, dimension: Dimension, value: &str) -> String {
        let enum_label = |name: &str| {
            crate::service::labels::label(name, value, self.lang)
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_owned())
        };
        match dimension {
            Dimension::Region | Dimension::State => self
                .reference
                .regions
                .get(value)
                .map(|r| match self.lang {
                    Lang::De => r.name_de.clone(),
                    Lang::En => r.name_en.clone(),
                    Lang::Sv => r.name_sv.clone(),
                })
                .unwrap_or_else(|| value.to_owned()),
            Dimension::Profession => self
                .reference
                .professions
                .get(value)
                .map(|p| match self.lang {
                    Lang::De => p.title_de.clone(),
                    Lang::En => p.title_en.clone(),
                    Lang::Sv => p.title_sv.clone(),
                })
                .unwrap_or_else(|| value.to_owned()),
            Dimension::Origin => enum_label("CaseOrigin"),
            Dimension::Status => enum_label("CaseStatus"),
            Dimension::Outcome if value == NONE => none_label(self.lang).to_owned(),
            Dimension::Outcome => enum_label("DecisionOutcome"),
            Dimension::Measure if value == NONE => none_label(self.lang).to_owned(),
            Dimension::Measure => enum_label("CompensatoryMeasure"),
            Dimension::Authority => value
                .parse::<i64>()
                .ok()
                .and_then(|id| self.organisations.get(&id).cloned())
                .unwrap_or_else(|| value.to_owned()),
            Dimension::CountryOfTraining | Dimension::Year | Dimension::Quarter => value.to_owned(),
        }
    }
}

fn none_label(lang: Lang) -> &'static str {
    match lang {
        Lang::De => "keine",
        Lang::En => "none",
        Lang::Sv => "ingen",
    }
}

/// The names of the authorities the cases name.
async fn authority_names(
    db: &impl ConnectionTrait,
    cases: &[CaseFacts],
) -> AppResult<HashMap<i64, String>> {
    use sea_orm::{EntityTrait, QueryFilter};
    let ids: Vec<i64> = cases
        .iter()
        .map(|c| c.authority_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(entity::organisation::Entity::find()
        .filter(crate::service::one_of(
            db.get_database_backend(),
            entity::organisation::Column::Id,
            &ids,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

/// Checks the dimensions of a table: one to [`MAX_DIMENSIONS`], none twice.
fn check_group_by(group_by: &[Dimension]) -> AppResult<()> {
    if group_by.is_empty() || group_by.len() > MAX_DIMENSIONS {
        return Err(AppError::bad_input(
            "groupBy",
            format!("group by one to {MAX_DIMENSIONS} dimensions"),
        ));
    }
    let distinct: BTreeSet<&Dimension> = group_by.iter().collect();
    if distinct.len() != group_by.len() {
        return Err(AppError::bad_input(
            "groupBy",
            "a dimension may appear only once",
        ));
    }
    Ok(())
}

/// The table of the cases the filter selects, grouped by `group_by`, under `policy`.
pub async fn table(
    db: &impl ConnectionTrait,
    principal: &Principal,
    reference: &Reference,
    policy: Policy,
    group_by: &[Dimension],
    filter: &Filter,
    lang: Lang,
) -> AppResult<Table> {
    require_stats(principal)?;
    check_group_by(group_by)?;
    let cases = facts(db, reference, filter, Needs::of(group_by)).await?;
    let organisations = if group_by.contains(&Dimension::Authority) {
        authority_names(db, &cases).await?
    } else {
        HashMap::new()
    };
    let labeller = Labeller {
        reference,
        lang,
        organisations,
    };
    tabulate(
        &cases,
        reference,
        policy,
        group_by,
        &labeller,
        crate::service::today(),
    )
}

/// Groups cases into cells, margins and a total, and publishes them.
fn tabulate(
    cases: &[CaseFacts],
    reference: &Reference,
    policy: Policy,
    group_by: &[Dimension],
    labeller: &Labeller<'_>,
    today: NaiveDate,
) -> AppResult<Table> {
    let mut cells: BTreeMap<Vec<String>, Acc> = BTreeMap::new();
    let mut margins: Vec<BTreeMap<String, Acc>> = vec![BTreeMap::new(); group_by.len()];
    let mut total = Acc::default();
    for case in cases {
        total.add(case, today);
        let values: Vec<Vec<String>> = group_by
            .iter()
            .map(|d| values_of(case, *d, reference))
            .collect();
        for (d, vs) in values.iter().enumerate() {
            for v in vs {
                margins[d].entry(v.clone()).or_default().add(case, today);
            }
        }
        for key in product(&values) {
            cells.entry(key).or_default().add(case, today);
        }
    }

    if cells.len() > MAX_CELLS {
        return Err(AppError::bad_input(
            "groupBy",
            format!(
                "the table would have {} cells, more than {MAX_CELLS}: group by fewer dimensions or narrow the filter",
                cells.len()
            ),
        ));
    }
    // Publish every figure, cells then margins then the total, and withhold more where
    // one withheld figure could be recomputed from the others of an equation.
    let dims = group_by.len();
    let keys: Vec<Vec<String>> = cells.keys().cloned().collect();
    let margin_keys: Vec<Vec<String>> = margins
        .iter()
        .map(|m| m.keys().cloned().collect())
        .collect();
    let mut published: Vec<(u64, Published)> = cells
        .values()
        .chain(margins.iter().flat_map(BTreeMap::values))
        .chain(std::iter::once(&total))
        .map(|acc| (acc.all.n, policy.publish(acc.all)))
        .collect();
    suppress_lines(&mut published, &equations(&keys, &margin_keys));
    let mut published = published.into_iter().map(|(_, p)| p);

    let key_of = |values: &[String], dims: &[Dimension]| -> Vec<Key> {
        dims.iter()
            .zip(values)
            .map(|(d, v)| Key {
                dimension: *d,
                value: v.clone(),
                label: labeller.label(*d, v),
            })
            .collect()
    };
    let cells: Vec<Cell> = cells
        .into_values()
        .zip(&keys)
        .zip(published.by_ref())
        .map(|((acc, values), count)| acc.publish(policy, key_of(values, group_by), count))
        .collect();
    let margins: Vec<Margin> = group_by
        .iter()
        .zip(margins)
        .map(|(d, margin)| Margin {
            dimension: *d,
            cells: margin
                .into_iter()
                .zip(published.by_ref())
                .map(|((value, acc), count)| acc.publish(policy, key_of(&[value], &[*d]), count))
                .collect(),
        })
        .collect();
    let count = published
        .next()
        .unwrap_or_else(|| policy.publish(total.all));
    Ok(Table {
        group_by: group_by.to_vec(),
        cells,
        // With one dimension the cells are the margin.
        margins: if dims < 2 { Vec::new() } else { margins },
        total: total.publish(policy, Vec::new(), count),
    })
}

/// Every combination of one value per dimension.
fn product(values: &[Vec<String>]) -> Vec<Vec<String>> {
    values.iter().fold(vec![Vec::new()], |acc, vs| {
        acc.iter()
            .flat_map(|prefix| {
                vs.iter().map(move |v| {
                    let mut key = prefix.clone();
                    key.push(v.clone());
                    key
                })
            })
            .collect()
    })
}

/// The equations a table's figures obey, as indexes into cells, then each dimension's
/// margin cells, then the total (in the order of `keys` and `margin_keys`):
///
/// - each margin cell is the sum of the cells with its value (with two dimensions, a
///   row or a column);
/// - the total is the sum of each dimension's margin (of the cells, with one);
/// - with three dimensions, the cells that agree on all coordinates but one sum to a
///   figure another query publishes, so they form an equation too.
///
/// A case with several measures counts under each: where `MEASURE` is a dimension the
/// sums are larger than the totals, and the equations hold as bounds, which protects
/// no less.
fn equations(keys: &[Vec<String>], margin_keys: &[Vec<String>]) -> Vec<Vec<usize>> {
    let dims = margin_keys.len();
    let mut margin_index: Vec<HashMap<&String, usize>> = Vec::new();
    let mut next = keys.len();
    for m in margin_keys {
        margin_index.push(
            m.iter()
                .map(|v| {
                    next += 1;
                    (v, next - 1)
                })
                .collect(),
        );
    }
    let total = next;
    let mut out = Vec::new();
    if dims == 1 {
        out.push((0..keys.len()).chain([total]).collect());
    } else {
        for (d, index) in margin_index.iter().enumerate() {
            let mut sums: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for (i, key) in keys.iter().enumerate() {
                if let Some(m) = index.get(&key[d]) {
                    sums.entry(*m).or_default().push(i);
                }
            }
            for (m, mut members) in sums {
                members.push(m);
                out.push(members);
            }
            out.push(index.values().copied().chain([total]).collect());
        }
    }
    if dims >= 3 {
        for d in 0..dims {
            let mut by_rest: BTreeMap<Vec<&String>, Vec<usize>> = BTreeMap::new();
            for (i, key) in keys.iter().enumerate() {
                let rest: Vec<&String> = key
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != d)
                    .map(|(_, v)| v)
                    .collect();
                by_rest.entry(rest).or_default().push(i);
            }
            // A line of one cell is that cell; its own figure is the same set's.
            out.extend(by_rest.into_values().filter(|line| line.len() > 1));
        }
    }
    out
}

/// A stage of the case funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Submitted,
    Decided,
    InCompensation,
    Licensed,
}

/// One step of the funnel: the cases that reached the stage, and the median days
/// they took from the stage they passed before it.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelStep {
    pub stage: Stage,
    pub count: Published,
    pub median_days_from_previous: Option<i64>,
}

/// The case funnel: submitted → decided → in compensation → licensed.
pub async fn funnel(
    db: &impl ConnectionTrait,
    principal: &Principal,
    reference: &Reference,
    policy: Policy,
    filter: &Filter,
) -> AppResult<Vec<FunnelStep>> {
    require_stats(principal)?;
    let needs = Needs {
        compensation: true,
        ..Needs::default()
    };
    let cases = facts(db, reference, filter, needs).await?;
    Ok(funnel_of(&cases, policy))
}

fn funnel_of(cases: &[CaseFacts], policy: Policy) -> Vec<FunnelStep> {
    let mut steps = [
        (Stage::Submitted, Tally::default(), Vec::new()),
        (Stage::Decided, Tally::default(), Vec::new()),
        (Stage::InCompensation, Tally::default(), Vec::new()),
        (Stage::Licensed, Tally::default(), Vec::new()),
    ];
    for case in cases {
        steps[0].1.add(case.record_key);
        let Some(decided) = case.decided_on else {
            continue;
        };
        steps[1].1.add(case.record_key);
        steps[1].2.push((decided - case.submitted_on).num_days());
        let mut previous = decided;
        if let Some(at) = case.compensation_at {
            steps[2].1.add(case.record_key);
            steps[2].2.push((at.date_naive() - decided).num_days());
            previous = at.date_naive();
        }
        if let Some(at) = case.licensed_at {
            steps[3].1.add(case.record_key);
            steps[3].2.push((at.date_naive() - previous).num_days());
        }
    }
    steps
        .into_iter()
        .map(|(stage, tally, mut days)| {
            let count = policy.publish(tally);
            FunnelStep {
                stage,
                median_days_from_previous: (stage != Stage::Submitted)
                    .then(|| policy.median(&mut days, &count))
                    .flatten(),
                count,
            }
        })
        .collect()
}
