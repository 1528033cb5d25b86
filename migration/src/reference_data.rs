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

    #[test]
    fn a_short_row_is_reported_with_its_line() {
        let err = parse("a;b\n1;2\n3\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
    }
}
