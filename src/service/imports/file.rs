//! Reading an uploaded catalogue: CSV (`;` or `,`, UTF-8, a header line naming the
//! columns) or JSON Lines (one object per line, the same names), record by record, so
//! a file of any length is held one record at a time.
//!
//! A file that cannot be read as a whole — not UTF-8, an unknown or missing column, a
//! record of the wrong width, a line that is not a JSON object, more bytes than the hub
//! accepts — is refused at the first such place: nothing of it is written. A record
//! that reads but whose values are wrong is a [`Row`] with problems; the import reports
//! it and goes on.

use super::{COLUMNS, REQUIRED, Row};
use crate::error::{AppError, AppResult};
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};

/// The formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma- or semicolon-separated values with a header line.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

/// The field of the errors that refuse a file as a whole.
pub const FILE: &str = "file";
/// The field of the error that refuses a file larger than the hub accepts.
pub const FILE_SIZE: &str = "file.size";
/// The longest line of a JSON Lines file.
const MAX_LINE_BYTES: u64 = 64 * 1024;

fn refused(message: impl Into<String>) -> AppError {
    AppError::bad_input(FILE, message)
}

/// A reader that fails once more than `limit` bytes came through it.
struct Capped<R> {
    inner: R,
    left: u64,
}

/// The I/O error [`Capped`] fails with.
#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the file is larger than the hub accepts")
    }
}

impl std::error::Error for TooLarge {}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(TooLarge));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The refusal of a file larger than `limit` bytes.
pub fn too_large(limit: u64) -> AppError {
    AppError::bad_input(
        FILE_SIZE,
        format!(
            "the file is larger than {} MiB; split it into several imports",
            limit / (1024 * 1024)
        ),
    )
}

/// What an I/O error while reading the upload means for the caller.
fn io_refusal(err: &io::Error, limit: u64) -> AppError {
    let too_large = err
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<TooLarge>().is_some());
    if too_large {
        self::too_large(limit)
    } else {
        refused(format!("the upload broke off: {err}"))
    }
}

/// Reads `reader` as `format`, at most `limit` bytes, handing every record to `emit`
/// in order; stops early (without error) when `emit` answers false. A file that cannot
/// be read as a whole is an error, naming the line.
pub fn read(
    format: Format,
    reader: impl Read,
    limit: u64,
    emit: impl FnMut(Row) -> bool,
) -> AppResult<()> {
    let capped = Capped {
        inner: reader,
        left: limit,
    };
    let buffered = BufReader::with_capacity(64 * 1024, capped);
    match format {
        Format::Csv => read_csv(buffered, limit, emit),
        Format::JsonLines => read_json_lines(buffered, limit, emit),
    }
}

/// The separator of a CSV file: `;` if its header line has more of them than commas.
fn separator(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let count = |c: u8| line.iter().filter(|b| **b == c).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

/// The columns of a header line (or the keys of a JSON object), checked: known names,
/// none twice, and (for a header line) the required ones present.
fn columns(names: impl Iterator<Item = String>, header: bool) -> AppResult<Vec<&'static str>> {
    let mut out: Vec<&'static str> = Vec::new();
    for name in names {
        let name = name.trim().trim_start_matches('\u{feff}');
        let Some(known) = COLUMNS.iter().find(|c| **c == name) else {
            return Err(refused(format!(
                "unknown column `{name}`; the columns are {}",
                COLUMNS.join(", ")
            )));
        };
        if out.contains(known) {
            return Err(refused(format!("the column `{name}` appears twice")));
        }
        out.push(known);
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !out.contains(c))
        .copied()
        .collect();
    if header && !missing.is_empty() {
        return Err(refused(format!(
            "the header line lacks the column{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        )));
    }
    Ok(out)
}

fn csv_refusal(err: csv::Error, limit: u64) -> AppError {
    let line = err.position().map(|p| p.line());
    let at = |line: Option<u64>| line.map_or(String::new(), |l| format!("line {l}: "));
    match err.into_kind() {
        csv::ErrorKind::Io(io) => io_refusal(&io, limit),
        csv::ErrorKind::Utf8 { pos, .. } => refused(format!(
            "{}the file is not UTF-8; save it as UTF-8 (Windows-1252 or Latin-1 exports must be converted)",
            at(pos.map(|p| p.line()).or(line))
        )),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => refused(format!(
            "{}the record has {len} fields, the header line {expected_len}",
            at(pos.map(|p| p.line()).or(line))
        )),
        other => refused(format!("{}the file is not CSV: {other:?}", at(line))),
    }
}

fn read_csv(
    mut reader: BufReader<impl Read>,
    limit: u64,
    mut emit: impl FnMut(Row) -> bool,
) -> AppResult<()> {
    let head = reader.fill_buf().map_err(|e| io_refusal(&e, limit))?;
    if head.is_empty() {
        return Err(refused("the file is empty"));
    }
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(separator(head))
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let header = csv
        .headers()
        .map_err(|e| csv_refusal(e, limit))?
        .iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let names = columns(header.into_iter(), true)?;
    let mut record = csv::StringRecord::new();
    let mut any = false;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) if !any => return Err(refused("the file has no rows after its header line")),
            Ok(false) => return Ok(()),
            Ok(true) => {
                any = true;
                let line = record.position().map_or(0, |p| p.line());
                let cells: HashMap<&str, &str> = names
                    .iter()
                    .zip(record.iter())
                    .map(|(name, value)| (*name, value))
                    .collect();
                if !emit(Row::from_cells(line, |c| cells.get(c).copied())) {
                    return Ok(());
                }
            }
            Err(err) => return Err(csv_refusal(err, limit)),
        }
    }
}

/// The cells of a JSON object, nested objects flattened with dots (`cost.amount`),
/// lists joined with `|`.
fn flatten(
    prefix: &str,
    object: serde_json::Map<String, serde_json::Value>,
    out: &mut Vec<(String, String)>,
) -> Result<(), String> {
    use serde_json::Value;
    for (key, value) in object {
        let name = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => parts.push(s),
                        _ => return Err(format!("`{name}` must be a list of strings")),
                    }
                }
                parts.join("|")
            }
            Value::Object(inner) => {
                flatten(&name, inner, out)?;
                continue;
            }
        };
        out.push((name, text));
    }
    Ok(())
}

fn read_json_lines(
    mut reader: BufReader<impl Read>,
    limit: u64,
    mut emit: impl FnMut(Row) -> bool,
) -> AppResult<()> {
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    let mut any = false;
    loop {
        buf.clear();
        line += 1;
        let n = (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_refusal(&e, limit))?;
        if n == 0 {
            break;
        }
        if n as u64 > MAX_LINE_BYTES {
            return Err(refused(format!(
                "line {line}: longer than {} KiB",
                MAX_LINE_BYTES / 1024
            )));
        }
        let Ok(text) = std::str::from_utf8(&buf) else {
            return Err(refused(format!(
                "line {line}: the file is not UTF-8; save it as UTF-8"
            )));
        };
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        any = true;
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
            .map_err(|e| refused(format!("line {line}: not a JSON object ({e})")))?;
        let mut cells = Vec::new();
        flatten("", object, &mut cells).map_err(|e| refused(format!("line {line}: {e}")))?;
        let names = columns(cells.iter().map(|(k, _)| k.clone()), false)
            .map_err(|e| refused(format!("line {line}: {e}")))?;
        let values: HashMap<&str, &str> = names
            .iter()
            .zip(cells.iter())
            .map(|(name, (_, value))| (*name, value.as_str()))
            .collect();
        if !emit(Row::from_cells(line, |c| values.get(c).copied())) {
            return Ok(());
        }
    }
    if !any {
        return Err(refused("the file is empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(format: Format, text: &[u8]) -> AppResult<Vec<Row>> {
        let mut out = Vec::new();
        read(format, text, 1 << 20, |r| {
            out.push(r);
            true
        })?;
        Ok(out)
    }

    fn message(err: AppError) -> String {
        match err {
            AppError::BadUserInput { message, field, .. } => {
                format!("{}: {message}", field.unwrap_or_default())
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn semicolons_or_commas() {
        let semi = b"externalId;courseType;title;professions\nK-1;LANGUAGE_COURSE;Deutsch B2;nurse|physician\n";
        let comma = b"externalId,courseType,title,professions\nK-1,LANGUAGE_COURSE,\"Deutsch B2, Pflege\",nurse\n";
        let a = rows(Format::Csv, semi).unwrap();
        let b = rows(Format::Csv, comma).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].line, 2);
        let record = a[0].record.as_ref().unwrap();
        assert_eq!(record.course.professions, ["nurse", "physician"]);
        assert_eq!(
            b[0].record.as_ref().unwrap().course.title,
            "Deutsch B2, Pflege"
        );
    }

    #[test]
    fn a_file_that_cannot_be_read_is_refused_with_its_line() {
        let latin1 =
            b"externalId;courseType;title;professions\nK-1;LANGUAGE_COURSE;Pr\xfcfung;nurse\n";
        assert!(
            message(rows(Format::Csv, latin1).unwrap_err())
                .contains("line 2: the file is not UTF-8"),
        );
        let missing = b"externalId;title\nK-1;x\n";
        assert_eq!(
            message(rows(Format::Csv, missing).unwrap_err()),
            "file: the header line lacks the columns courseType, professions"
        );
        let unknown = b"externalId;courseType;title;professions;titel\n";
        assert!(
            message(rows(Format::Csv, unknown).unwrap_err()).contains("unknown column `titel`")
        );
        let ragged = b"externalId;courseType;title;professions\nK-1;LANGUAGE_COURSE\n";
        assert!(
            message(rows(Format::Csv, ragged).unwrap_err())
                .contains("line 2: the record has 2 fields, the header line 4")
        );
        assert_eq!(
            message(rows(Format::Csv, b"").unwrap_err()),
            "file: the file is empty"
        );
        let big = vec![b'x'; 3 << 20];
        assert!(message(rows(Format::Csv, &big).unwrap_err()).starts_with("file.size: "));
    }

    #[test]
    fn json_lines_with_nested_cost_and_lists() {
        let text = br#"{"externalId":"K-1","courseType":"KNOWLEDGE_TEST_PREP","title":"KP Pflege","professions":["nurse"],"runExternalId":"R-1","startDate":"2030-01-07","endDate":"2030-03-01","hours":200,"format":"ONLINE","schedule":"PART_TIME","seatsMin":4,"seatsMax":12,"region":"DE-SN","city":"Leipzig","cost":{"amount":"1250.00","currency":"EUR"}}

{"externalId":"K-2"}
"#;
        let read = rows(Format::JsonLines, text).unwrap();
        assert_eq!(read.len(), 2);
        let run = read[0].record.as_ref().unwrap().run.as_ref().unwrap();
        assert_eq!(run.run.cost.amount, "1250.00");
        assert_eq!(run.run.hours, 200);
        assert_eq!(read[1].line, 3);
        let problems = read[1].record.as_ref().unwrap_err();
        assert!(
            problems.iter().any(|p| p.field == "courseType"),
            "{problems:?}"
        );
        assert!(
            message(rows(Format::JsonLines, b"[1,2]\n").unwrap_err())
                .contains("line 1: not a JSON object")
        );
    }
}
