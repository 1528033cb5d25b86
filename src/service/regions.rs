//! Regions: reference data held in memory (it only changes through a migration), so
//! region lookups, parents, children and "this region and everything below it" cost no
//! SQL statement at all.

use crate::error::{AppError, AppResult};
use entity::enums::RegionLevel;
use entity::region;
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, QueryOrder, Select};
use std::collections::HashMap;

/// Rows of `region` the caller may see: the region tree is public reference data. Only
/// statements that build a response in the database read it there (`json_select`);
/// everything else reads the `RegionTree`.
pub fn visible_to(_principal: &crate::auth::Principal) -> Select<region::Entity> {
    region::Entity::find()
}

/// The region hierarchy, loaded once at start-up.
#[derive(Debug, Default)]
pub struct RegionTree {
    regions: Vec<region::Model>,
    by_code: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
    /// Regions sharing a land border (`migration/data/neighbours.csv`), both ways.
    neighbours: HashMap<String, Vec<String>>,
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct Pair {
    code: String,
    neighbour_code: String,
}

impl RegionTree {
    /// Reads all regions from the database.
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<RegionTree> {
        let regions = region::Entity::find()
            .order_by_asc(region::Column::Code)
            .all(db)
            .await?;
        let pairs = Pair::find_by_statement(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT code, neighbour_code FROM region_neighbour ORDER BY code, neighbour_code",
        ))
        .all(db)
        .await?;
        let mut tree = RegionTree::from_models(regions);
        for p in pairs {
            tree.neighbours
                .entry(p.code)
                .or_default()
                .push(p.neighbour_code);
        }
        Ok(tree)
    }

    /// The regions sharing a land border with `code`, in code order.
    pub fn neighbours(&self, code: &str) -> &[String] {
        self.neighbours.get(code).map_or(&[], Vec::as_slice)
    }

    fn from_models(regions: Vec<region::Model>) -> RegionTree {
        let by_code = regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.clone(), i))
            .collect();
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in regions.iter().enumerate() {
            if let Some(parent) = &r.parent_code {
                children.entry(parent.clone()).or_default().push(i);
            }
        }
        RegionTree {
            regions,
            by_code,
            children,
            neighbours: HashMap::new(),
        }
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Whether there are no regions at all.
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The most direct children any region has.
    pub fn max_children(&self) -> usize {
        self.children.values().map(Vec::len).max().unwrap_or(0)
    }

    /// The region with this code, if any.
    pub fn get(&self, code: &str) -> Option<&region::Model> {
        self.by_code.get(code).map(|i| &self.regions[*i])
    }

    /// The region with this code, or a `BAD_USER_INPUT` error about `field`.
    pub fn require(&self, code: &str, field: &str) -> AppResult<&region::Model> {
        self.get(code).ok_or_else(|| {
            AppError::bad_input(field, format!("unknown region `{code}`; use an ISO 3166-2 code such as `DE-SN` or a district AGS such as `14713`"))
        })
    }

    /// Direct children of a region, in code order.
    pub fn children(&self, code: &str) -> Vec<&region::Model> {
        self.children
            .get(code)
            .map(|ix| ix.iter().map(|i| &self.regions[*i]).collect())
            .unwrap_or_default()
    }

    /// The code of `code` and of every region below it.
    pub fn with_descendants(&self, code: &str) -> Vec<String> {
        let mut out = vec![code.to_owned()];
        let mut i = 0;
        while i < out.len() {
            let next: Vec<String> = self
                .children(&out[i])
                .iter()
                .map(|r| r.code.clone())
                .collect();
            out.extend(next);
            i += 1;
        }
        out
    }

    /// Regions filtered by level and/or parent, in code order.
    pub fn list(&self, level: Option<RegionLevel>, parent: Option<&str>) -> Vec<&region::Model> {
        self.regions
            .iter()
            .filter(|r| level.is_none_or(|l| r.level == l))
            .filter(|r| parent.is_none_or(|p| r.parent_code.as_deref() == Some(p)))
            .collect()
    }

    /// Resolves an optional region filter to the codes it covers.
    pub fn filter_codes(&self, code: Option<&str>, field: &str) -> AppResult<Option<Vec<String>>> {
        code.map(|c| {
            self.require(c, field)
                .map(|r| self.with_descendants(&r.code))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(code: &str, level: RegionLevel, parent: Option<&str>) -> region::Model {
        region::Model {
            code: code.into(),
            level,
            parent_code: parent.map(Into::into),
            name_de: code.into(),
            name_en: code.into(),
            name_sv: code.into(),
        }
    }

    #[test]
    fn descendants_include_all_levels() {
        let tree = RegionTree::from_models(vec![
            model("DE", RegionLevel::Country, None),
            model("DE-SN", RegionLevel::State, Some("DE")),
            model("14713", RegionLevel::District, Some("DE-SN")),
            model("DE-HE", RegionLevel::State, Some("DE")),
        ]);
        let mut all = tree.with_descendants("DE");
        all.sort();
        assert_eq!(all, ["14713", "DE", "DE-HE", "DE-SN"]);
        assert_eq!(tree.with_descendants("DE-SN"), ["DE-SN", "14713"]);
        assert!(tree.require("XX", "filter.region").is_err());
    }
}
