//! A count of cash by denomination: how many of each note and coin, kept with the drawer as
//! `value:count` pairs. Counting by denomination is optional; an empty count is the total
//! alone. The denominations are those of the branch's currency.

/// Notes and coins of the rupiah, largest first, in minor units (the rupiah has none below 1).
const IDR: [i64; 11] = [
    100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50,
];

/// The denominations of a currency (ISO code), largest first; none known, none listed.
pub(crate) fn denominations(currency: &str) -> &'static [i64] {
    match currency {
        "IDR" => &IDR,
        _ => &[],
    }
}

/// How many of each denomination were counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counts(Vec<(i64, i64)>);

impl Counts {
    /// A count from `(value, how many)` pairs; pairs of none are left out.
    pub(crate) fn new(pairs: impl IntoIterator<Item = (i64, i64)>) -> Counts {
        Counts(pairs.into_iter().filter(|&(_, n)| n != 0).collect())
    }

    /// Whether nothing was counted by denomination.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs counted.
    pub(crate) fn pairs(&self) -> &[(i64, i64)] {
        &self.0
    }

    /// What the count adds up to (saturating: a count is checked against a total anyway).
    pub(crate) fn total(&self) -> i64 {
        self.0.iter().fold(0i64, |sum, &(value, n)| {
            sum.saturating_add(value.saturating_mul(n))
        })
    }

    /// As stored: `value:count` pairs separated by commas.
    pub(crate) fn encode(&self) -> String {
        self.0
            .iter()
            .map(|(v, n)| format!("{v}:{n}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// As stored; a malformed pair is left out (the column is only written by [`encode`]).
    pub(crate) fn decode(text: &str) -> Counts {
        Counts::new(text.split(',').filter_map(|pair| {
            let (v, n) = pair.split_once(':')?;
            Some((v.parse().ok()?, n.parse().ok()?))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_adds_up_and_survives_storage() {
        let c = Counts::new([(100_000, 3), (5_000, 0), (500, 7)]);
        assert_eq!(c.total(), 303_500);
        assert_eq!(c.encode(), "100000:3,500:7");
        assert_eq!(Counts::decode(&c.encode()), c);
        assert!(Counts::decode("").is_empty());
        assert_eq!(denominations("IDR")[0], 100_000);
    }
}
