//! The terms of a pawn ticket and the arithmetic of what it costs: interest per period on the
//! principal outstanding at the period's start, fees, rounding, maturity and its extensions,
//! and the schedule of an installment loan.
//!
//! [`owed`] is the one function that answers "what is owed on date D, broken into interest,
//! fees and principal": pages, payments, extensions, redemptions and reminders all ask it. It
//! is computed from the terms and the ledger, never stored day by day. All amounts are `i64`
//! minor units; rates are basis points; every division rounds by the product's explicit rule.
//!
//! The calendar: a ticket started on day S has periods `[S + k·p, S + (k+1)·p)` for period
//! length p. A period is charged in full once it has started (as pawnshops charge, e.g.
//! Pegadaian's 15-day periods), and at least `min_interest_days` worth of periods is charged.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Pawn (one maturity, renewable) or installment (a schedule of equal payments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ProductKind {
    Pawn,
    Installment,
}

/// How a computed amount is rounded to the currency's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Rounding {
    HalfUp,
    Down,
    Up,
}

impl Rounding {
    /// `numerator / denominator` rounded by this rule (both non-negative).
    pub(crate) fn divide(self, numerator: i128, denominator: i128) -> i64 {
        let (q, r) = (numerator / denominator, numerator % denominator);
        let q = match self {
            Rounding::Down => q,
            Rounding::Up if r > 0 => q + 1,
            Rounding::Up => q,
            Rounding::HalfUp if 2 * r >= denominator => q + 1,
            Rounding::HalfUp => q,
        };
        i64::try_from(q).unwrap_or(i64::MAX)
    }

    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Rounding::HalfUp => "half_up",
            Rounding::Down => "down",
            Rounding::Up => "up",
        }
    }

    /// The rule named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Rounding> {
        [Rounding::HalfUp, Rounding::Down, Rounding::Up]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

/// A fee: a fixed amount, or a rate of the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Fee {
    Amount(i64),
    Rate(u32),
}

impl Fee {
    /// The fee on `principal`.
    pub(crate) fn on(self, principal: i64, rounding: Rounding) -> i64 {
        match self {
            Fee::Amount(amount) => amount,
            Fee::Rate(bp) => rate_of(principal, bp, rounding),
        }
    }

    /// The stored form: `amount:<minor>` or `rate:<bp>`.
    pub(crate) fn code(self) -> String {
        match self {
            Fee::Amount(a) => format!("amount:{a}"),
            Fee::Rate(bp) => format!("rate:{bp}"),
        }
    }

    /// Parses the stored form.
    pub(crate) fn from_code(code: &str) -> Option<Fee> {
        let (kind, value) = code.split_once(':')?;
        match kind {
            "amount" => value
                .parse()
                .ok()
                .filter(|a: &i64| *a >= 0)
                .map(Fee::Amount),
            "rate" => value.parse().ok().map(Fee::Rate),
            _ => None,
        }
    }
}

/// `principal × bp / 10,000`, rounded.
pub(crate) fn rate_of(principal: i64, bp: u32, rounding: Rounding) -> i64 {
    rounding.divide(i128::from(principal) * i128::from(bp), 10_000)
}

/// The terms a ticket is written under: a copy of its product at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Terms {
    pub(crate) product: String,
    pub(crate) kind: ProductKind,
    /// Interest per period, basis points of the principal.
    pub(crate) rate_bp: u32,
    pub(crate) period_days: u32,
    pub(crate) term_periods: u32,
    /// At least this many days' worth of periods is charged.
    pub(crate) min_interest_days: u32,
    /// Charged once, when the ticket is written.
    pub(crate) ticket_fee: Fee,
    /// Charged each period, like interest.
    pub(crate) storage_fee: Fee,
    /// Charged once, when the grace days after maturity have passed.
    pub(crate) late_fee: Fee,
    /// Charged once, when the customer has lost the ticket.
    pub(crate) lost_ticket_fee: Fee,
    pub(crate) grace_days: u32,
    pub(crate) notice_days: u32,
    pub(crate) forfeit_days: u32,
    /// The largest principal, in basis points of the items' appraised value.
    pub(crate) max_ltv_bp: u32,
    pub(crate) rounding: Rounding,
}

/// What has been paid on a ticket, net of reversals, by date (for interest on the principal
/// outstanding at each period's start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Paid {
    pub(crate) interest: i64,
    pub(crate) fees: i64,
    /// Principal repayments and their dates.
    pub(crate) principal: Vec<(NaiveDate, i64)>,
}

impl Paid {
    /// Principal repaid in total.
    pub(crate) fn principal_total(&self) -> i64 {
        self.principal.iter().map(|(_, a)| a).sum()
    }

    /// Principal repaid on or before `date`.
    fn principal_by(&self, date: NaiveDate) -> i64 {
        self.principal
            .iter()
            .filter(|(d, _)| *d <= date)
            .map(|(_, a)| a)
            .sum()
    }
}

/// A ticket's facts that the amounts depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ticket<'a> {
    pub(crate) terms: &'a Terms,
    pub(crate) principal: i64,
    pub(crate) start: NaiveDate,
    /// The current maturity (after extensions).
    pub(crate) maturity: NaiveDate,
    pub(crate) ticket_lost: bool,
}

/// What is owed on a date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Owed {
    pub(crate) interest: i64,
    pub(crate) fees: i64,
    /// Principal not yet repaid.
    pub(crate) principal: i64,
    /// Of that, the part due now: all of it at or after a pawn's maturity; the installments
    /// due so far for an installment loan.
    pub(crate) principal_due: i64,
}

impl Owed {
    /// Everything, to redeem the ticket today.
    pub(crate) fn payoff(&self) -> i64 {
        self.interest + self.fees + self.principal
    }

    /// What the customer must pay today to be up to date.
    pub(crate) fn due_now(&self) -> i64 {
        self.interest + self.fees + self.principal_due
    }

    /// Splits a payment: interest first, then fees, then principal. `None` when it is more than
    /// everything owed (no payment may make a balance negative).
    pub(crate) fn allocate(&self, amount: i64) -> Option<Allocation> {
        if amount <= 0 || amount > self.payoff() {
            return None;
        }
        let interest = amount.min(self.interest);
        let fees = (amount - interest).min(self.fees);
        let principal = amount - interest - fees;
        Some(Allocation {
            interest,
            fees,
            principal,
        })
    }
}

/// How a payment is split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Allocation {
    pub(crate) interest: i64,
    pub(crate) fees: i64,
    pub(crate) principal: i64,
}

/// Days from `a` to `b` (negative when `b` is earlier).
fn days(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// How many periods have started by `date` (0 before the start), at least the minimum.
pub(crate) fn periods_started(terms: &Terms, start: NaiveDate, date: NaiveDate) -> u32 {
    let elapsed = days(start, date);
    if elapsed < 0 {
        return 0;
    }
    let period = i64::from(terms.period_days.max(1));
    let started = u32::try_from(elapsed / period + 1).unwrap_or(u32::MAX);
    let minimum = terms
        .min_interest_days
        .div_ceil(terms.period_days.max(1))
        .max(1);
    started.max(minimum)
}

/// The first day of period `k`.
pub(crate) fn period_start(terms: &Terms, start: NaiveDate, k: u32) -> NaiveDate {
    start + chrono::Duration::days(i64::from(k) * i64::from(terms.period_days))
}

/// The original maturity: the end of the term.
pub(crate) fn first_maturity(terms: &Terms, start: NaiveDate) -> NaiveDate {
    period_start(terms, start, terms.term_periods)
}

/// The maturity after extending by `periods` on `date`, having paid what was owed then: the
/// paid periods (all started by `date`, or up to the current maturity) plus `periods`.
pub(crate) fn extended_maturity(ticket: &Ticket, date: NaiveDate, periods: u32) -> NaiveDate {
    let t = ticket.terms;
    let current =
        u32::try_from(days(ticket.start, ticket.maturity).max(0) / i64::from(t.period_days.max(1)))
            .unwrap_or(0);
    let base = current.max(periods_started(t, ticket.start, date));
    period_start(t, ticket.start, base + periods)
}

/// One installment of an installment loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Installment {
    pub(crate) due: NaiveDate,
    pub(crate) principal: i64,
    pub(crate) interest: i64,
}

/// The schedule of an installment loan: equal principal parts (the last one takes the
/// remainder) with flat interest on the original principal each period.
pub(crate) fn schedule(ticket: &Ticket) -> Vec<Installment> {
    let t = ticket.terms;
    let n = i64::from(t.term_periods.max(1));
    let part = ticket.principal / n;
    let interest = rate_of(ticket.principal, t.rate_bp, t.rounding);
    (0..t.term_periods.max(1))
        .map(|i| Installment {
            due: period_start(t, ticket.start, i + 1),
            principal: if i64::from(i) == n - 1 {
                ticket.principal - part * (n - 1)
            } else {
                part
            },
            interest,
        })
        .collect()
}

/// Where an installment stands: payments fill the oldest installment first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InstallmentStatus {
    Paid,
    /// Not yet due.
    Upcoming,
    /// Due today, not (fully) paid.
    Due,
    /// Past its due date, not (fully) paid.
    Overdue,
}

/// The schedule with each installment's status on `date`.
pub(crate) fn schedule_on(
    ticket: &Ticket,
    paid: &Paid,
    date: NaiveDate,
) -> Vec<(Installment, InstallmentStatus)> {
    let mut left = paid.interest + paid.principal_total();
    schedule(ticket)
        .into_iter()
        .map(|i| {
            let amount = i.principal + i.interest;
            let status = if left >= amount {
                InstallmentStatus::Paid
            } else if i.due > date {
                InstallmentStatus::Upcoming
            } else if i.due == date {
                InstallmentStatus::Due
            } else {
                InstallmentStatus::Overdue
            };
            left = (left - amount).max(0);
            (i, status)
        })
        .collect()
}

/// What is owed on `date`, given what has been paid. See the module documentation.
pub(crate) fn owed(ticket: &Ticket, paid: &Paid, date: NaiveDate) -> Owed {
    let t = ticket.terms;
    let outstanding = ticket.principal - paid.principal_total();
    let (interest_accrued, periodic_fees, principal_due) = match t.kind {
        ProductKind::Pawn => {
            let mut interest = 0;
            let mut storage = 0;
            for k in 0..periods_started(t, ticket.start, date) {
                let at = period_start(t, ticket.start, k);
                let base = ticket.principal - paid.principal_by(at);
                interest += rate_of(base, t.rate_bp, t.rounding);
                storage += t.storage_fee.on(base, t.rounding);
            }
            let due = if date >= ticket.maturity {
                outstanding
            } else {
                0
            };
            (interest, storage, due)
        }
        ProductKind::Installment => {
            let due: Vec<Installment> = schedule(ticket)
                .into_iter()
                .filter(|i| i.due <= date)
                .collect();
            let storage = t.storage_fee.on(ticket.principal, t.rounding)
                * i64::try_from(due.len()).unwrap_or(0);
            let interest = due.iter().map(|i| i.interest).sum();
            let principal_due: i64 = due.iter().map(|i| i.principal).sum();
            (
                interest,
                storage,
                (principal_due - paid.principal_total()).max(0),
            )
        }
    };
    let mut fees = t.ticket_fee.on(ticket.principal, t.rounding) + periodic_fees;
    if days(ticket.maturity, date) > i64::from(t.grace_days) {
        fees += t.late_fee.on(ticket.principal, t.rounding);
    }
    if ticket.ticket_lost {
        fees += t.lost_ticket_fee.on(ticket.principal, t.rounding);
    }
    Owed {
        interest: (interest_accrued - paid.interest).max(0),
        fees: (fees - paid.fees).max(0),
        principal: outstanding,
        principal_due,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Pegadaian-like: 1.15% per 15 days, 8 periods (120 days), IDR in whole rupiah.
    pub(crate) fn pegadaian() -> Terms {
        Terms {
            product: "Gadai Emas".into(),
            kind: ProductKind::Pawn,
            rate_bp: 115,
            period_days: 15,
            term_periods: 8,
            min_interest_days: 15,
            ticket_fee: Fee::Amount(5_000),
            storage_fee: Fee::Amount(0),
            late_fee: Fee::Rate(100),
            lost_ticket_fee: Fee::Amount(25_000),
            grace_days: 5,
            notice_days: 10,
            forfeit_days: 14,
            max_ltv_bp: 9_000,
            rounding: Rounding::Up,
        }
    }

    /// A Kenyan monthly pawn: 5% per 30 days, 4 periods, KES in cents, storage KES 50 a period.
    fn kenya() -> Terms {
        Terms {
            product: "Monthly pawn".into(),
            kind: ProductKind::Pawn,
            rate_bp: 500,
            period_days: 30,
            term_periods: 4,
            min_interest_days: 30,
            ticket_fee: Fee::Rate(100),
            storage_fee: Fee::Amount(5_000),
            late_fee: Fee::Amount(20_000),
            lost_ticket_fee: Fee::Amount(0),
            grace_days: 7,
            notice_days: 7,
            forfeit_days: 14,
            max_ltv_bp: 7_000,
            rounding: Rounding::HalfUp,
        }
    }

    #[test]
    fn rounding_rules() {
        assert_eq!(Rounding::HalfUp.divide(15, 10), 2);
        assert_eq!(Rounding::HalfUp.divide(14, 10), 1);
        assert_eq!(Rounding::Down.divide(19, 10), 1);
        assert_eq!(Rounding::Up.divide(11, 10), 2);
        assert_eq!(Rounding::Up.divide(10, 10), 1);
        assert_eq!(rate_of(1_234_567, 115, Rounding::Up), 14_198); // 14,197.52 up
        assert_eq!(rate_of(1_234_567, 115, Rounding::Down), 14_197);
        assert_eq!(Fee::from_code("rate:115"), Some(Fee::Rate(115)));
        assert_eq!(
            Fee::from_code(&Fee::Amount(500).code()),
            Some(Fee::Amount(500))
        );
        assert_eq!(Fee::from_code("amount:-1"), None);
    }

    #[test]
    fn idr_pawn_worked_example() {
        // Rp 1,000,000 on 2024-02-20 (a leap year): periods of 15 days; maturity 120 days later.
        let t = pegadaian();
        let start = date("2024-02-20");
        let ticket = Ticket {
            terms: &t,
            principal: 1_000_000,
            start,
            maturity: first_maturity(&t, start),
            ticket_lost: false,
        };
        assert_eq!(
            ticket.maturity,
            date("2024-06-19"),
            "120 days across 29 February"
        );
        let none = Paid::default();
        // Day 0: one period (Rp 11,500) and the ticket fee (Rp 5,000).
        assert_eq!(
            owed(&ticket, &none, start),
            Owed {
                interest: 11_500,
                fees: 5_000,
                principal: 1_000_000,
                principal_due: 0
            }
        );
        // Day 14 still in the first period; day 15 starts the second.
        assert_eq!(owed(&ticket, &none, date("2024-03-05")).interest, 11_500);
        assert_eq!(owed(&ticket, &none, date("2024-03-06")).interest, 23_000);
        // 29 February counts: 2024-03-21 is day 30, the third period.
        assert_eq!(owed(&ticket, &none, date("2024-03-21")).interest, 34_500);
        // At maturity (day 120) period 9 has started; the principal is due.
        let at_maturity = owed(&ticket, &none, date("2024-06-19"));
        assert_eq!(at_maturity.interest, 9 * 11_500);
        assert_eq!(at_maturity.principal_due, 1_000_000);
        // Grace is 5 days: the late fee (1% = Rp 10,000) from day 6 after maturity.
        assert_eq!(owed(&ticket, &none, date("2024-06-24")).fees, 5_000);
        assert_eq!(owed(&ticket, &none, date("2024-06-25")).fees, 15_000);
        // A partial payment of Rp 500,000 principal on day 20 lowers the interest of the periods
        // that start after it: periods from day 30 charge 1.15% of Rp 500,000 = Rp 5,750.
        let paid = Paid {
            interest: 23_000,
            fees: 5_000,
            principal: vec![(date("2024-03-11"), 500_000)],
        };
        let later = owed(&ticket, &paid, date("2024-03-21"));
        assert_eq!(
            later,
            Owed {
                interest: 5_750,
                fees: 0,
                principal: 500_000,
                principal_due: 0
            }
        );
    }

    #[test]
    fn kes_pawn_with_cents_storage_and_month_ends() {
        // KES 12,345.67 on 31 January 2025; periods of 30 days: 2 March, 1 April, 1 May, 31 May.
        let t = kenya();
        let start = date("2025-01-31");
        let ticket = Ticket {
            terms: &t,
            principal: 1_234_567,
            start,
            maturity: first_maturity(&t, start),
            ticket_lost: false,
        };
        assert_eq!(ticket.maturity, date("2025-05-31"));
        let none = Paid::default();
        // 5% of 12,345.67 = 617.2835 → 617.28 (half up); ticket fee 1% = 123.4567 → 123.46.
        let day0 = owed(&ticket, &none, start);
        assert_eq!(day0.interest, 61_728);
        assert_eq!(day0.fees, 12_346 + 5_000);
        let march2 = owed(&ticket, &none, date("2025-03-02"));
        assert_eq!(march2.interest, 2 * 61_728);
        assert_eq!(march2.fees, 12_346 + 2 * 5_000);
        // Extension on 2 March by one period: pay 1,234.56 + 223.46, maturity moves one period on.
        let extended = extended_maturity(&ticket, date("2025-03-02"), 1);
        assert_eq!(extended, date("2025-06-30"));
        // Overdue by 10 days (grace 7): late fee KES 200.
        let overdue = owed(&ticket, &none, date("2025-06-10"));
        assert_eq!(overdue.fees, 12_346 + 5 * 5_000 + 20_000);
    }

    #[test]
    fn installment_schedule_fills_oldest_first() {
        let mut t = kenya();
        t.kind = ProductKind::Installment;
        t.term_periods = 3;
        t.storage_fee = Fee::Amount(0);
        t.ticket_fee = Fee::Amount(0);
        let start = date("2025-01-01");
        let ticket = Ticket {
            terms: &t,
            principal: 100_000,
            start,
            maturity: first_maturity(&t, start),
            ticket_lost: false,
        };
        let s = schedule(&ticket);
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].principal, s[1].principal, s[2].principal),
            (33_333, 33_333, 33_334)
        );
        assert!(s.iter().all(|i| i.interest == 5_000));
        assert_eq!(s[0].due, date("2025-01-31"));
        let none = Paid::default();
        assert_eq!(owed(&ticket, &none, date("2025-01-30")).due_now(), 0);
        let first = owed(&ticket, &none, date("2025-01-31"));
        assert_eq!((first.interest, first.principal_due), (5_000, 33_333));
        let paid = Paid {
            interest: 5_000,
            fees: 0,
            principal: vec![(date("2025-01-31"), 33_333)],
        };
        assert_eq!(owed(&ticket, &paid, date("2025-02-15")).due_now(), 0);
        assert_eq!(
            owed(&ticket, &paid, date("2025-03-02")).due_now(),
            5_000 + 33_333
        );
    }

    #[test]
    fn allocation_is_interest_then_fees_then_principal_and_never_overpays() {
        let o = Owed {
            interest: 100,
            fees: 50,
            principal: 1_000,
            principal_due: 0,
        };
        assert_eq!(
            o.allocate(120),
            Some(Allocation {
                interest: 100,
                fees: 20,
                principal: 0
            })
        );
        assert_eq!(
            o.allocate(400),
            Some(Allocation {
                interest: 100,
                fees: 50,
                principal: 250
            })
        );
        assert_eq!(
            o.allocate(1_150),
            Some(Allocation {
                interest: 100,
                fees: 50,
                principal: 1_000
            })
        );
        assert_eq!(o.allocate(1_151), None);
        assert_eq!(o.allocate(0), None);
    }

    /// A small deterministic generator for the property tests (no crate needed).
    pub(crate) struct Gen(u64);

    impl Gen {
        pub(crate) fn new(seed: u64) -> Gen {
            Gen(seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1))
        }
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n.max(1)
        }
    }

    #[test]
    fn properties_hold_for_generated_tickets_and_payments() {
        for seed in 0..500 {
            let mut g = Gen::new(seed);
            let mut t = if g.below(2) == 0 {
                pegadaian()
            } else {
                kenya()
            };
            t.rate_bp = u32::try_from(g.below(1_000)).unwrap();
            t.period_days = [7, 15, 30][g.below(3) as usize];
            t.rounding = [Rounding::HalfUp, Rounding::Down, Rounding::Up][g.below(3) as usize];
            let start = date("2024-01-01") + chrono::Duration::days(g.below(800) as i64);
            let principal = 1 + g.below(50_000_000) as i64;
            let ticket = Ticket {
                terms: &t,
                principal,
                start,
                maturity: first_maturity(&t, start),
                ticket_lost: g.below(5) == 0,
            };
            let mut paid = Paid::default();
            let mut day = start;
            for _ in 0..g.below(12) {
                day += chrono::Duration::days(g.below(40) as i64);
                let before = owed(&ticket, &paid, day);
                let amount = 1 + g.below(before.payoff().max(1) as u64 * 2) as i64;
                match before.allocate(amount) {
                    None => assert!(
                        amount > before.payoff(),
                        "seed {seed}: a payment within the balance was refused"
                    ),
                    Some(a) => {
                        assert_eq!(a.interest + a.fees + a.principal, amount);
                        paid.interest += a.interest;
                        paid.fees += a.fees;
                        if a.principal > 0 {
                            paid.principal.push((day, a.principal));
                        }
                        let after = owed(&ticket, &paid, day);
                        assert!(
                            after.interest >= 0 && after.fees >= 0 && after.principal >= 0,
                            "seed {seed}: negative"
                        );
                        assert_eq!(
                            after.payoff(),
                            before.payoff() - amount,
                            "seed {seed}: the balance is the ledger's sum"
                        );
                        // Undoing the payment (a reversal) restores exactly the state before.
                        let mut undone = paid.clone();
                        undone.interest -= a.interest;
                        undone.fees -= a.fees;
                        if a.principal > 0 {
                            undone.principal.pop();
                        }
                        assert_eq!(owed(&ticket, &undone, day), before, "seed {seed}: reversal");
                    }
                }
            }
            // Paying exactly the interest and fees (an extension) never changes the principal.
            let o = owed(&ticket, &paid, day);
            let a = o.allocate(o.interest + o.fees);
            if let Some(a) = a {
                assert_eq!(a.principal, 0, "seed {seed}: an extension paid principal");
            }
            assert!(
                extended_maturity(&ticket, day, 1)
                    > ticket.maturity.max(day) - chrono::Duration::days(i64::from(t.period_days))
            );
        }
    }
}
