//! Disclosure control for the counts the hub shows about people.
//!
//! Two rules, one for each kind of figure:
//!
//! - **Small counts in single answers** (how many candidates might fit an offer, a
//!   programme's applications): a count below [`MIN_CELL`] is shown only as "fewer
//!   than 5" ([`disclose`]).
//! - **Tables built on demand** (`statistics`, `caseFunnel`, `demandGaps`,
//!   `poolingSuggestions`): the cell key method with unbiased random rounding
//!   ([`Policy`]). Every recognition case carries a fixed random record key in
//!   `0..RECORD_KEYS`, drawn when it is opened. A cell's key is the sum of its cases'
//!   keys modulo `RECORD_KEYS`, so the same set of cases always has the same key,
//!   whichever question selected it. A count `n` below the threshold `t` is
//!   suppressed; any other count is rounded to a multiple of `t`, up with probability
//!   `(n mod t) / t` as the cell key decides, down otherwise. Published counts are
//!   therefore `0`, `t`, `2t`, …: never `1..t-1`, and the difference between two
//!   published counts is never `1..t-1` either, so two queries whose populations
//!   differ by fewer than `t` cases never show that difference. Asking the same
//!   question twice, or the same population in another way, gives the same answer.
//!   On top, [`suppress_lines`] adds secondary suppression so that no suppressed cell
//!   is the only unknown in any line of a table or of its margins.

/// The smallest count [`disclose`] shows as it is.
pub const MIN_CELL: u64 = 5;

/// Record keys are drawn uniformly from `0..RECORD_KEYS`.
pub const RECORD_KEYS: u32 = 65_536;

/// A fresh record key for a new case.
pub fn record_key() -> i32 {
    rand::random_range(0..RECORD_KEYS) as i32
}

/// A count as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosed {
    /// The count itself, at least [`MIN_CELL`] (or zero: an empty group reveals nobody).
    Count(u64),
    /// Between 1 and [`MIN_CELL`] - 1, not said which.
    FewerThan(u64),
}

impl Disclosed {
    /// The count if it may be shown.
    pub fn value(self) -> Option<u64> {
        match self {
            Disclosed::Count(n) => Some(n),
            Disclosed::FewerThan(_) => None,
        }
    }

    /// The count as partners read it: `12`, or `fewer than 5`.
    pub fn text(self) -> String {
        match self {
            Disclosed::Count(n) => n.to_string(),
            Disclosed::FewerThan(t) => format!("fewer than {t}"),
        }
    }
}

/// `n` under disclosure control.
pub fn disclose(n: u64) -> Disclosed {
    if n == 0 || n >= MIN_CELL {
        Disclosed::Count(n)
    } else {
        Disclosed::FewerThan(MIN_CELL)
    }
}

/// The smallest and largest threshold an operator may configure.
pub const THRESHOLDS: std::ops::RangeInclusive<u32> = 3..=10;

/// The disclosure rules of tables built on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Counts below it are suppressed; the others are rounded to multiples of it.
    pub threshold: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { threshold: 5 }
    }
}

/// A set of cases as disclosure control sees it: how many, and the sum of their keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub n: u64,
    pub keys: u64,
}

impl Tally {
    /// Counts one more case with this record key.
    pub fn add(&mut self, record_key: i32) {
        self.n += 1;
        self.keys += u64::from(record_key.max(0) as u32);
    }

    /// The cell key, in `0..RECORD_KEYS`.
    pub fn cell_key(self) -> u64 {
        self.keys % u64::from(RECORD_KEYS)
    }
}

/// How a published figure came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// Rounded to a multiple of the threshold by the cell key.
    Rounded,
    /// Below the threshold: not shown.
    Suppressed,
    /// Not shown so that a suppressed cell cannot be recomputed from the others.
    SecondarySuppressed,
}

/// A count as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// `None` when suppressed.
    pub count: Option<u64>,
    pub flags: Vec<Flag>,
}

impl Published {
    /// Whether the count is withheld.
    pub fn suppressed(&self) -> bool {
        self.count.is_none()
    }

    /// The text to show: the count, or `.` (the mark official statistics use for a
    /// figure kept secret).
    pub fn display(&self) -> String {
        self.count.map_or_else(|| ".".to_owned(), |n| n.to_string())
    }

    /// Withholds a published count so that a suppressed neighbour stays unknown.
    pub fn suppress_secondarily(&mut self) {
        self.count = None;
        self.flags = vec![Flag::SecondarySuppressed];
    }
}

impl Policy {
    /// The policy with `threshold`, if it is one an operator may choose.
    pub fn with_threshold(threshold: u32) -> Option<Policy> {
        THRESHOLDS
            .contains(&threshold)
            .then_some(Policy { threshold })
    }

    /// The base published counts are multiples of.
    pub fn rounding_base(self) -> u64 {
        u64::from(self.threshold)
    }

    /// `t.n` rounded by its cell key: down to a multiple of the base, or up with
    /// probability `(n mod base) / base`. Zero stays zero.
    pub fn round(self, t: Tally) -> u64 {
        let base = self.rounding_base();
        let (q, r) = (t.n / base, t.n % base);
        let up = t.cell_key() * base < r * u64::from(RECORD_KEYS);
        (q + u64::from(up)) * base
    }

    /// The count of `t` as published: zero as it is, below the threshold suppressed,
    /// otherwise rounded.
    pub fn publish(self, t: Tally) -> Published {
        if t.n == 0 {
            Published {
                count: Some(0),
                flags: Vec::new(),
            }
        } else if t.n < u64::from(self.threshold) {
            Published {
                count: None,
                flags: vec![Flag::Suppressed],
            }
        } else {
            Published {
                count: Some(self.round(t)),
                flags: vec![Flag::Rounded],
            }
        }
    }

    /// The share of `part` (a subset) in a published `whole`: the part rounded like a
    /// count (small parts become 0 or the base, never themselves), over the whole's
    /// published count, to two decimals. `None` when the whole is withheld or zero.
    pub fn share(self, part: Tally, whole: &Published) -> Option<f64> {
        let whole = whole.count.filter(|n| *n > 0)?;
        let share = (self.round(part) as f64 / whole as f64).min(1.0);
        Some((share * 100.0).round() / 100.0)
    }

    /// The median of `values` (whole days) if the cell is published and at least
    /// threshold values are behind it.
    pub fn median(self, values: &mut [i64], cell: &Published) -> Option<i64> {
        if cell.suppressed() || values.len() < self.threshold as usize {
            return None;
        }
        median(values)
    }
}

/// The median of `values` (the mean of the middle two, rounded down, for an even
/// number); `None` for none.
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]).div_euclid(2)
    })
}

/// Secondary suppression over lines: `lines` lists, for every line of a table (cells
/// that agree on all coordinates but one, or a margin), the indexes of its cells in
/// `cells`. Wherever a line holds exactly one withheld cell, the smallest published
/// cell of that line (by true count) is withheld too; repeated until no line has a
/// single withheld cell, so none can be recomputed from a line's total.
pub fn suppress_lines(cells: &mut [(u64, Published)], lines: &[Vec<usize>]) {
    loop {
        let mut changed = false;
        for line in lines {
            let withheld = line.iter().filter(|i| cells[**i].1.suppressed()).count();
            if withheld != 1 {
                continue;
            }
            let partner = line
                .iter()
                .copied()
                .filter(|i| !cells[*i].1.suppressed())
                .min_by_key(|i| (cells[*i].0 == 0, cells[*i].0, *i));
            if let Some(i) = partner {
                cells[i].1.suppress_secondarily();
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(n: u64, keys: u64) -> Tally {
        Tally { n, keys }
    }

    #[test]
    fn small_counts_are_suppressed() {
        assert_eq!(disclose(0).text(), "0");
        assert_eq!(disclose(1).text(), "fewer than 5");
        assert_eq!(disclose(4).value(), None);
        assert_eq!(disclose(5).value(), Some(5));
    }

    #[test]
    fn published_counts_are_multiples_of_the_threshold_and_never_small() {
        for threshold in THRESHOLDS {
            let policy = Policy::with_threshold(threshold).unwrap();
            for n in 0..200u64 {
                for key in [0, 1, 17_000, 40_000, 65_535] {
                    let p = policy.publish(tally(n, key));
                    match p.count {
                        Some(c) => {
                            assert_eq!(c % u64::from(threshold), 0, "{n} → {c}");
                            assert!(c == 0 || c >= u64::from(threshold));
                            assert!(c.abs_diff(n) < u64::from(threshold), "{n} → {c}");
                            assert_eq!(n == 0, c == 0);
                        }
                        None => assert!(n > 0 && n < u64::from(threshold)),
                    }
                }
            }
        }
    }

    #[test]
    fn rounding_is_unbiased_over_cell_keys() {
        let policy = Policy::default();
        for n in 5..15u64 {
            let total: u64 = (0..u64::from(RECORD_KEYS))
                .map(|k| policy.round(tally(n, k)))
                .sum();
            let mean = total as f64 / f64::from(RECORD_KEYS);
            assert!((mean - n as f64).abs() < 0.001, "{n}: mean {mean}");
        }
    }

    #[test]
    fn a_single_withheld_cell_in_a_line_takes_the_smallest_other_with_it() {
        let policy = Policy::default();
        let mut cells: Vec<(u64, Published)> = [3u64, 12, 7, 40]
            .iter()
            .map(|n| (*n, policy.publish(tally(*n, 0))))
            .collect();
        suppress_lines(&mut cells, &[vec![0, 1, 2], vec![2, 3]]);
        assert!(cells[0].1.suppressed());
        assert_eq!(cells[2].1.flags, vec![Flag::SecondarySuppressed]);
        // The second line now has one withheld cell of its own: its partner goes too.
        assert!(cells[3].1.suppressed());
        assert!(!cells[1].1.suppressed());
    }

    #[test]
    fn medians_need_a_published_cell_and_enough_values() {
        let policy = Policy::default();
        let shown = policy.publish(tally(6, 0));
        assert_eq!(policy.median(&mut [9, 1, 5, 3, 7, 100], &shown), Some(6));
        assert_eq!(policy.median(&mut [1, 2, 3], &shown), None);
        let hidden = policy.publish(tally(3, 0));
        assert_eq!(policy.median(&mut [1, 2, 3, 4, 5], &hidden), None);
    }
}
