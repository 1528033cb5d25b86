//! Parsing of the reference data files in `migration/data/` (`;`-separated, a header
//! line, `#` comments). Kept apart from the migration so tests can read the same files.

/// The regions file, compiled in so a migration never depends on the working directory.
pub const REGIONS_CSV: &str = include_str!("../data/regions.csv");
/// The professions file.
pub const PROFESSIONS_CSV: &str = include_str!("../data/professions.csv");
/// Pairs of neighbouring regions (a shared land border), each unordered pair once.
pub const NEIGHBOURS_CSV: &str = include_str!("../data/neighbours.csv");

/// One row of a reference data file: header name → value.
pub type Row<'a> = Vec<(&'a str, &'a str)>;

/// Parses a `;`-separated file into rows keyed by the header; a row with the wrong
/// number of fields is an error naming its line.
pub fn parse(text: &str) -> Result<Vec<Row<'_>>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let (_, header) = lines.next().ok_or("empty reference data file")?;
    let names: Vec<&str> = header.split(';').collect();
    lines
        .map(|(no, line)| {
            let values: Vec<&str> = line.split(';').map(str::trim).collect();
            if values.len() != names.len() {
                return Err(format!(
                    "line {}: expected {} fields, found {}",
                    no + 1,
                    names.len(),
                    values.len()
                ));
            }
            Ok(names.iter().copied().zip(values).collect())
        })
        .collect()
}

/// The value of `name` in `row` (empty string when the column is absent).
pub fn field<'a>(row: &Row<'a>, name: &str) -> &'a str {
    row.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or("")
}

/// `None` for an empty field.
pub fn optional<'a>(row: &Row<'a>, name: &str) -> Option<&'a str> {
    Some(field(row, name)).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn reference_files_parse_and_have_expected_sizes() {
        let regions = parse(REGIONS_CSV).expect("regions parse");
        let count = |level: &str| {
            regions
                .iter()
                .filter(|r| field(r, "level") == level)
                .count()
        };
        assert_eq!(count("COUNTRY"), 2);
        assert_eq!(count("STATE"), 16 + 21);
        assert_eq!(count("DISTRICT"), 13 + 8 + 26);
        let professions = parse(PROFESSIONS_CSV).expect("professions parse");
        assert_eq!(professions.len(), 15);
    }

    /// The regions file as (code, level, parent).
    fn regions() -> Vec<(&'static str, &'static str, &'static str)> {
        parse(REGIONS_CSV)
            .expect("regions parse")
            .iter()
            .map(|r| (field(r, "code"), field(r, "level"), field(r, "parent")))
            .collect()
    }

    /// The neighbour pairs as they are written.
    fn pairs() -> Vec<(&'static str, &'static str)> {
        parse(NEIGHBOURS_CSV)
            .expect("neighbours parse")
            .iter()
            .map(|r| (field(r, "code"), field(r, "neighbour")))
            .collect()
    }

    /// Whether the pairs among `codes` connect all of them.
    fn connected(codes: &[&str], pairs: &[(&str, &str)]) -> bool {
        let Some(first) = codes.first() else {
            return true;
        };
        let mut reached = BTreeSet::from([*first]);
        let mut next = vec![*first];
        while let Some(code) = next.pop() {
            for (a, b) in pairs {
                let other = if a == &code {
                    b
                } else if b == &code {
                    a
                } else {
                    continue;
                };
                if codes.contains(other) && reached.insert(*other) {
                    next.push(*other);
                }
            }
        }
        reached.len() == codes.len()
    }

    #[test]
    fn neighbours_are_known_distinct_pairs_listed_once() {
        let known: BTreeSet<&str> = regions().iter().map(|(code, _, _)| *code).collect();
        let mut seen = BTreeSet::new();
        for (a, b) in pairs() {
            assert!(known.contains(a), "unknown region `{a}`");
            assert!(known.contains(b), "unknown region `{b}`");
            assert_ne!(a, b, "`{a}` is paired with itself");
            let pair = if a < b { (a, b) } else { (b, a) };
            assert!(seen.insert(pair), "`{a};{b}` is listed twice");
        }
    }

    #[test]
    fn neighbours_pair_regions_of_one_level_and_districts_of_one_state() {
        let regions: BTreeMap<&str, (&str, &str)> = regions()
            .into_iter()
            .map(|(code, level, parent)| (code, (level, parent)))
            .collect();
        for (a, b) in pairs() {
            let (level_a, parent_a) = regions[a];
            let (level_b, parent_b) = regions[b];
            assert_eq!(level_a, level_b, "`{a};{b}` pairs two levels");
            if level_a == "DISTRICT" {
                assert_eq!(parent_a, parent_b, "`{a};{b}` crosses a state border");
            }
        }
    }

    #[test]
    fn every_land_every_demo_district_and_every_lan_but_gotland_is_connected() {
        let regions = regions();
        let pairs = pairs();
        let below = |parent: &str, level: &str| -> Vec<&str> {
            regions
                .iter()
                .filter(|(_, l, p)| *l == level && *p == parent)
                .map(|(code, _, _)| *code)
                .collect()
        };
        let has_neighbour = |code: &str| pairs.iter().any(|(a, b)| *a == code || *b == code);

        let laender = below("DE", "STATE");
        assert_eq!(laender.len(), 16);
        for land in &laender {
            assert!(has_neighbour(land), "{land} has no neighbour");
        }
        assert!(connected(&laender, &pairs), "the Länder are not connected");

        for (state, count) in [("DE-SN", 13), ("DE-MV", 8), ("DE-HE", 26)] {
            let districts = below(state, "DISTRICT");
            assert_eq!(districts.len(), count, "districts of {state}");
            assert!(
                connected(&districts, &pairs),
                "the districts of {state} are not connected"
            );
        }

        let laen = below("SE", "STATE");
        assert_eq!(laen.len(), 21);
        for lan in &laen {
            assert_eq!(has_neighbour(lan), *lan != "SE-I", "{lan}");
        }
        let mainland: Vec<&str> = laen.into_iter().filter(|l| *l != "SE-I").collect();
        assert!(connected(&mainland, &pairs), "the län are not connected");
    }

    #[test]
    fn a_short_row_is_reported_with_its_line() {
        let err = parse("a;b\n1;2\n3\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
    }
}
