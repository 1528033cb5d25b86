//! Disclosure control for the counts the hub shows about people: a count below
//! [`MIN_CELL`] is shown only as "fewer than 5", so nobody in a small group can be
//! singled out.

/// The smallest count shown as it is.
pub const MIN_CELL: u64 = 5;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_suppressed() {
        assert_eq!(disclose(0).text(), "0");
        assert_eq!(disclose(1).text(), "fewer than 5");
        assert_eq!(disclose(4).value(), None);
        assert_eq!(disclose(5).value(), Some(5));
    }
}
