//! The terms of a pawn ticket and the arithmetic of what it costs: interest per period on the
//! principal outstanding at the period's start, fees, rounding, maturity and its extensions,
//! and the schedule of an installment loan.
//!
//! [`owed`] is the one function that answers "what is owed on date D, broken into interest,
//! fees and principal": pages, payments, extensions, redemptions and reminders all ask it. It
//! is computed from the terms and the ledger, never stored day by day. All amounts are `i64`
//! minor units; rates are basis points; every division rounds by the product's explicit rule.
//! A product may round its charges to the currency's usual step (Rp 100): [`Terms::charge`]
//! is the one place a charge (a period's interest, a percentage fee) is computed, rounded by
//! the rule straight to a multiple of the step, so `owed`, the statement and the ledger's
//! charges (which all add up these) agree by construction. Principal is never rounded.
//!
//! The calendar, as pawnshops publish it (Pegadaian: "1-15 hari = 1 periode sewa modal"): for a
//! ticket started on day S with periods of length p, period 1 is the start day and the days
//! S+1 ..= S+p, period n the days S+(n-1)·p+1 ..= S+n·p. So the due date, S + term·p, falls in
//! the last period of the term: a customer who pays on the due date pays the term's periods,
//! one who pays on day p pays one, and on day p+1 two. The start day itself is in period 1: a
//! ticket redeemed the day it was written pays one period (the charge is earned when the loan
//! is made). A period is charged in full from its first day, on the principal outstanding on
//! that day, and at least `min_interest_days` worth of periods is charged. Periods are days,
//! or calendar months ([`PeriodUnit::Month`]): a month after 31 January ends on 28 (or 29)
//! February, two months after it on 31 March, each counted from the start day, never chained.
//! [`period_end`] is the one place that puts a period on the calendar; everything that names a
//! due date (maturity, extension, installment, reminder) goes through it.

use crate::plumbing::i18n::Msg;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Pawn (one maturity, renewable) or installment (a schedule of equal payments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ProductKind {
    Pawn,
    Installment,
}

/// What a product's period length is counted in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PeriodUnit {
    #[default]
    Day,
    /// Calendar months, each period ending on the start day's day of the month (or the
    /// month's last day when it is shorter).
    Month,
}

impl PeriodUnit {
    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            PeriodUnit::Day => "day",
            PeriodUnit::Month => "month",
        }
    }

    /// The unit named by its code.
    pub(crate) fn from_code(code: &str) -> Option<PeriodUnit> {
        [PeriodUnit::Day, PeriodUnit::Month]
            .into_iter()
            .find(|u| u.code() == code)
    }
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

    /// `numerator / denominator` rounded by this rule to a multiple of `step` (at least 1), in
    /// one rounding: 13,549 to a step of 100 is 13,500 half up or down, 13,600 up.
    pub(crate) fn divide_to(self, numerator: i128, denominator: i128, step: i64) -> i64 {
        let step = step.max(1);
        self.divide(numerator, denominator * i128::from(step))
            .saturating_mul(step)
    }

    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Rounding::HalfUp => "half_up",
            Rounding::Down => "down",
            Rounding::Up => "up",
        }
    }

    /// Every rule, as the product form offers them.
    pub(crate) const ALL: [Rounding; 3] = [Rounding::HalfUp, Rounding::Up, Rounding::Down];

    /// The rule named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Rounding> {
        Rounding::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The rule in the staff's words.
    pub(crate) fn label(self) -> Msg {
        match self {
            Rounding::HalfUp => Msg::RoundingHalfUp,
            Rounding::Up => Msg::RoundingUp,
            Rounding::Down => Msg::RoundingDown,
        }
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

/// The step a product's charges are rounded to, in minor units: 100 rounds rupiah to Rp 100;
/// 1 (the default, and what terms stored before it read as) rounds nothing further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct RoundingStep(u32);

impl RoundingStep {
    /// The largest step a product may have.
    pub(crate) const MAX: i64 = 100_000;

    /// No rounding beyond the minor unit.
    pub(crate) const NONE: RoundingStep = RoundingStep(1);

    /// A step of `minor` units: 1 to [`RoundingStep::MAX`].
    pub(crate) fn new(minor: i64) -> Option<RoundingStep> {
        u32::try_from(minor)
            .ok()
            .filter(|_| (1..=Self::MAX).contains(&minor))
            .map(RoundingStep)
    }

    /// The step in minor units (at least 1, whatever was stored).
    pub(crate) fn minor(self) -> i64 {
        i64::from(self.0.max(1))
    }
}

impl Default for RoundingStep {
    fn default() -> RoundingStep {
        RoundingStep::NONE
    }
}

/// The terms a ticket is written under: a copy of its product at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Terms {
    pub(crate) product: String,
    pub(crate) kind: ProductKind,
    /// Interest per period, basis points of the principal.
    pub(crate) rate_bp: u32,
    /// The period's length in `period_unit`s: days, or months for a monthly product (the
    /// name is the stored column's, from before periods could be months).
    pub(crate) period_days: u32,
    /// Tickets written before periods could be months have none stored: days.
    #[serde(default)]
    pub(crate) period_unit: PeriodUnit,
    pub(crate) term_periods: u32,
    /// At least this many days' worth of periods is charged (a month counts as 30 days).
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
    /// Every charge is rounded by `rounding` to this step (terms stored before there was one
    /// have none: no rounding).
    #[serde(default)]
    pub(crate) rounding_step: RoundingStep,
}

/// The longest product name.
pub(crate) const MAX_PRODUCT_NAME_CHARS: usize = 80;
/// The most periods a product's term has.
pub(crate) const MAX_TERM_PERIODS: u32 = 60;

impl PeriodUnit {
    /// The longest period a product may have in this unit: a year.
    pub(crate) fn longest_period(self) -> u32 {
        match self {
            PeriodUnit::Month => 12,
            PeriodUnit::Day => 366,
        }
    }
}

impl Terms {
    /// The fields (by the product form's names) whose values are outside the products page's
    /// ranges; empty when the terms may be offered. Head office's products are checked so too.
    pub(crate) fn out_of_range(&self) -> Vec<&'static str> {
        let name = self.product.trim();
        let checks = [
            (
                "name",
                !name.is_empty() && name.chars().count() <= MAX_PRODUCT_NAME_CHARS,
            ),
            (
                "period_days",
                (1..=self.period_unit.longest_period()).contains(&self.period_days),
            ),
            (
                "term_periods",
                (1..=MAX_TERM_PERIODS).contains(&self.term_periods),
            ),
            ("max_ltv", (1..=10_000).contains(&self.max_ltv_bp)),
            (
                "rounding_step",
                self.rounding_step.minor() <= RoundingStep::MAX,
            ),
        ];
        checks
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(field, _)| *field)
            .collect()
    }

    /// A charge of `bp` basis points of `base` (a period's interest, a percentage fee), rounded
    /// by the product's rule to its step: the one place a charge is computed.
    pub(crate) fn charge(&self, base: i64, bp: u32) -> i64 {
        let numerator = i128::from(base) * i128::from(bp);
        self.rounding
            .divide_to(numerator, 10_000, self.rounding_step.minor())
    }

    /// `fee` on `base`: a fixed amount as it is, a percentage as a charge.
    pub(crate) fn fee(&self, fee: Fee, base: i64) -> i64 {
        match fee {
            Fee::Amount(amount) => amount,
            Fee::Rate(bp) => self.charge(base, bp),
        }
    }
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
pub(crate) struct Facts<'a> {
    pub(crate) terms: &'a Terms,
    pub(crate) principal: i64,
    pub(crate) start: NaiveDate,
    /// The current maturity (after extensions).
    pub(crate) maturity: NaiveDate,
    pub(crate) ticket_lost: bool,
    /// The payout failed and waits to be made again: the customer never got the money, so
    /// nothing is owed (see `disbursements`).
    pub(crate) payout_waits: bool,
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

/// The last day of period `n` (counting from 1): `n` periods after the start day. Period 1 is
/// the start day to `period_end(1)`; period n the day after `period_end(n - 1)` to
/// `period_end(n)`. Monthly periods are counted from the start day each time, so they keep
/// its day of the month when the month has it.
pub(crate) fn period_end(terms: &Terms, start: NaiveDate, n: u32) -> NaiveDate {
    let length = terms.period_days.max(1);
    let end = match terms.period_unit {
        PeriodUnit::Day => {
            start.checked_add_signed(chrono::Duration::days(i64::from(n) * i64::from(length)))
        }
        PeriodUnit::Month => start.checked_add_months(Months::new(n.saturating_mul(length))),
    };
    end.unwrap_or(NaiveDate::MAX)
}

/// The first day of period `n` (counting from 1): the start day for period 1.
pub(crate) fn period_start(terms: &Terms, start: NaiveDate, n: u32) -> NaiveDate {
    if n <= 1 {
        return start;
    }
    let end = period_end(terms, start, n - 1);
    end.succ_opt().unwrap_or(end)
}

/// How many periods have ended by `date`, its own day included: the largest n with
/// `period_end(n) <= date`.
fn periods_ended(terms: &Terms, start: NaiveDate, date: NaiveDate) -> u32 {
    if date <= start {
        return 0;
    }
    let length = terms.period_days.max(1);
    match terms.period_unit {
        PeriodUnit::Day => u32::try_from(days(start, date) / i64::from(length)).unwrap_or(u32::MAX),
        PeriodUnit::Month => {
            // Whole calendar months from the start's month to the date's, then one fewer when
            // the date is before the start's day of the month (the end day may be clamped).
            let months =
                (date.year() - start.year()) * 12 + date.month() as i32 - start.month() as i32;
            let n = u32::try_from(months.max(0)).unwrap_or(0) / length;
            if n > 0 && period_end(terms, start, n) > date {
                n - 1
            } else {
                n
            }
        }
    }
}

/// The number of periods `min_interest_days` is worth (a month counts as 30 days), at least one.
fn minimum_periods(terms: &Terms) -> u32 {
    let length = terms.period_days.max(1);
    let days_each = match terms.period_unit {
        PeriodUnit::Day => length,
        PeriodUnit::Month => length.saturating_mul(30),
    };
    terms.min_interest_days.div_ceil(days_each).max(1)
}

/// How many periods have started by `date` (0 before the start), at least the minimum: the
/// period `date` falls in (see the module documentation).
pub(crate) fn periods_started(terms: &Terms, start: NaiveDate, date: NaiveDate) -> u32 {
    if date < start {
        return 0;
    }
    let before = date.pred_opt().unwrap_or(date);
    let started = periods_ended(terms, start, before).saturating_add(1);
    started.max(minimum_periods(terms))
}

/// The original maturity: the last day of the term's last period.
pub(crate) fn first_maturity(terms: &Terms, start: NaiveDate) -> NaiveDate {
    period_end(terms, start, terms.term_periods)
}

/// The maturity after extending by `periods` on `date`, having paid what was owed then: the
/// paid periods (all started by `date`, or up to the current maturity) plus `periods`.
pub(crate) fn extended_maturity(ticket: &Facts, date: NaiveDate, periods: u32) -> NaiveDate {
    let t = ticket.terms;
    let current = periods_ended(t, ticket.start, ticket.maturity);
    let base = current.max(periods_started(t, ticket.start, date));
    period_end(t, ticket.start, base.saturating_add(periods))
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
pub(crate) fn schedule(ticket: &Facts) -> Vec<Installment> {
    let t = ticket.terms;
    let n = i64::from(t.term_periods.max(1));
    let part = ticket.principal / n;
    let interest = t.charge(ticket.principal, t.rate_bp);
    (0..t.term_periods.max(1))
        .map(|i| Installment {
            due: period_end(t, ticket.start, i + 1),
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
    ticket: &Facts,
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

/// Interest and fees charged by `date` (everything that has fallen due, before payments), the
/// principal outstanding and the part of it due: what [`owed`] subtracts the payments from,
/// and what the ledger's charges follow (`loans::charges`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Accrued {
    pub(crate) interest: i64,
    pub(crate) fees: i64,
    pub(crate) principal: i64,
    pub(crate) principal_due: i64,
}

/// What has fallen due by `date`, given what has been paid (the principal outstanding at each
/// period's start sets its interest). See the module documentation.
pub(crate) fn accrued(ticket: &Facts, paid: &Paid, date: NaiveDate) -> Accrued {
    let t = ticket.terms;
    let outstanding = ticket.principal - paid.principal_total();
    let (interest_accrued, periodic_fees, principal_due) = match t.kind {
        ProductKind::Pawn => {
            let mut interest = 0;
            let mut storage = 0;
            for n in 1..=periods_started(t, ticket.start, date) {
                let at = period_start(t, ticket.start, n);
                let base = ticket.principal - paid.principal_by(at);
                interest += t.charge(base, t.rate_bp);
                storage += t.fee(t.storage_fee, base);
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
            let storage =
                t.fee(t.storage_fee, ticket.principal) * i64::try_from(due.len()).unwrap_or(0);
            let interest = due.iter().map(|i| i.interest).sum();
            let principal_due: i64 = due.iter().map(|i| i.principal).sum();
            (
                interest,
                storage,
                (principal_due - paid.principal_total()).max(0),
            )
        }
    };
    let mut fees = t.fee(t.ticket_fee, ticket.principal) + periodic_fees;
    if days(ticket.maturity, date) > i64::from(t.grace_days) {
        fees += t.fee(t.late_fee, ticket.principal);
    }
    if ticket.ticket_lost {
        fees += t.fee(t.lost_ticket_fee, ticket.principal);
    }
    Accrued {
        interest: interest_accrued,
        fees,
        principal: outstanding,
        principal_due,
    }
}

/// The dates on which [`accrued`] can change up to `through`: the start (the ticket fee and
/// the minimum periods), each later period's first day (a pawn) or installment's due date,
/// and the first day of the late fee.
pub(crate) fn charge_dates(ticket: &Facts, through: NaiveDate) -> Vec<NaiveDate> {
    let t = ticket.terms;
    let mut dates = vec![ticket.start];
    match t.kind {
        ProductKind::Pawn => {
            let started = periods_started(t, ticket.start, through);
            dates.extend((2..=started).map(|n| period_start(t, ticket.start, n)));
        }
        ProductKind::Installment => {
            dates.extend(schedule(ticket).into_iter().map(|i| i.due));
        }
    }
    let late = ticket.maturity + chrono::Duration::days(i64::from(t.grace_days) + 1);
    dates.push(late);
    dates.retain(|d| *d <= through);
    dates.sort_unstable();
    dates.dedup();
    dates
}

/// What is owed on `date`, given what has been paid. See the module documentation.
pub(crate) fn owed(ticket: &Facts, paid: &Paid, date: NaiveDate) -> Owed {
    if ticket.payout_waits {
        return Owed::default();
    }
    let a = accrued(ticket, paid, date);
    Owed {
        interest: (a.interest - paid.interest).max(0),
        fees: (a.fees - paid.fees).max(0),
        principal: a.principal,
        principal_due: a.principal_due,
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
            period_unit: PeriodUnit::Day,
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
            rounding_step: RoundingStep::NONE,
        }
    }

    /// A Kenyan pawn of 30-day periods: 5% a period, 4 periods, KES in cents, storage KES 50 a
    /// period.
    fn kenya() -> Terms {
        Terms {
            product: "Monthly pawn".into(),
            kind: ProductKind::Pawn,
            rate_bp: 500,
            period_days: 30,
            period_unit: PeriodUnit::Day,
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
            rounding_step: RoundingStep::NONE,
        }
    }

    /// A step of `minor` units.
    pub(crate) fn step_of(minor: i64) -> RoundingStep {
        RoundingStep::new(minor).unwrap()
    }

    #[test]
    fn charges_are_rounded_to_the_products_step_by_its_rule() {
        // 1% of Rp 1,354,900 is Rp 13,549: to Rp 100 it is 13,500 half up or down, 13,600 up.
        let mut t = Terms {
            rate_bp: 100,
            rounding_step: step_of(100),
            ..pegadaian()
        };
        for (rule, expected) in [
            (Rounding::HalfUp, 13_500),
            (Rounding::Down, 13_500),
            (Rounding::Up, 13_600),
        ] {
            t.rounding = rule;
            assert_eq!(t.charge(1_354_900, 100), expected, "{rule:?}");
            assert_eq!(
                t.fee(Fee::Rate(100), 1_354_900),
                expected,
                "a percentage fee"
            );
        }
        // Half a step goes up by the half-up rule; one rupiah over a multiple goes up by "up".
        t.rounding = Rounding::HalfUp;
        assert_eq!(t.charge(1_355_000, 100), 13_600, "13,550");
        t.rounding = Rounding::Up;
        assert_eq!(t.charge(1_350_100, 100), 13_600, "13,501");
        assert_eq!(t.charge(1_350_000, 100), 13_500, "a multiple stays");
        // One rounding, straight to the step: 1.15% of 1,178,226 is 13,549.599, nearer 13,500
        // (rounding to the rupiah first, 13,550, and then to the step would say 13,600).
        t.rounding = Rounding::HalfUp;
        assert_eq!(
            t.charge(1_178_226, 115),
            13_500,
            "13,549.599 is nearer 13,500"
        );
        // A fixed fee is what the manager wrote; no step, no rounding.
        assert_eq!(t.fee(Fee::Amount(5_050), 1_354_900), 5_050);
        t.rounding_step = RoundingStep::NONE;
        assert_eq!(t.charge(1_354_900, 100), 13_549, "no step");

        // On a ticket: interest, the late fee and the payoff; the principal is not rounded.
        let t = Terms {
            rate_bp: 100,
            rounding: Rounding::Up,
            rounding_step: step_of(100),
            ..pegadaian()
        };
        let start = date("2026-03-01");
        let ticket = ticket_of(&t, 1_354_900, start);
        let none = Paid::default();
        let day0 = owed(&ticket, &none, start);
        assert_eq!(
            (day0.interest, day0.fees, day0.principal),
            (13_600, 5_000, 1_354_900)
        );
        assert_eq!(owed(&ticket, &none, date("2026-03-16")).interest, 13_600);
        assert_eq!(owed(&ticket, &none, date("2026-03-17")).interest, 27_200);
        // Past the due date (day 120) and its 5 days' grace: 9 periods and the 1% late fee.
        let late = owed(&ticket, &none, date("2026-07-05"));
        assert_eq!((late.interest, late.fees), (9 * 13_600, 5_000 + 13_600));
        assert_eq!(late.payoff(), 9 * 13_600 + 18_600 + 1_354_900);
        // An installment's interest is a charge too; its principal parts are not rounded.
        let inst = Terms {
            kind: ProductKind::Installment,
            term_periods: 3,
            ..t.clone()
        };
        let s = schedule(&ticket_of(&inst, 1_354_900, start));
        assert!(s.iter().all(|i| i.interest == 13_600));
        assert_eq!(s.iter().map(|i| i.principal).sum::<i64>(), 1_354_900);
    }

    #[test]
    fn a_rounding_step_is_1_to_100_000_minor_units_and_old_terms_have_none() {
        assert_eq!(RoundingStep::new(0), None);
        assert_eq!(RoundingStep::new(-100), None);
        assert_eq!(RoundingStep::new(100_001), None);
        assert_eq!(step_of(1), RoundingStep::NONE);
        assert_eq!(step_of(100_000).minor(), 100_000);
        // Terms stored before there was a step read as no rounding.
        let mut stored = serde_json::to_value(pegadaian()).unwrap();
        stored.as_object_mut().unwrap().remove("rounding_step");
        let read: Terms = serde_json::from_value(stored).unwrap();
        assert_eq!(read.rounding_step, RoundingStep::NONE);
        let with = Terms {
            rounding_step: step_of(100),
            ..pegadaian()
        };
        let round_trip: Terms =
            serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(round_trip.rounding_step.minor(), 100);
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
        let ticket = Facts {
            terms: &t,
            principal: 1_000_000,
            start,
            maturity: first_maturity(&t, start),
            ticket_lost: false,
            payout_waits: false,
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
        // Days 14 and 15 still in the first period; day 16 starts the second.
        assert_eq!(owed(&ticket, &none, date("2024-03-05")).interest, 11_500);
        assert_eq!(owed(&ticket, &none, date("2024-03-06")).interest, 11_500);
        assert_eq!(owed(&ticket, &none, date("2024-03-07")).interest, 23_000);
        // 29 February counts: 2024-03-21 is day 30, the end of the second period; 2024-03-22
        // (day 31) the third.
        assert_eq!(owed(&ticket, &none, date("2024-03-21")).interest, 23_000);
        assert_eq!(owed(&ticket, &none, date("2024-03-22")).interest, 34_500);
        // At maturity (day 120) the 8 periods of the term; the principal is due.
        let at_maturity = owed(&ticket, &none, date("2024-06-19"));
        assert_eq!(at_maturity.interest, 8 * 11_500);
        assert_eq!(at_maturity.principal_due, 1_000_000);
        // Grace is 5 days: the late fee (1% = Rp 10,000) from day 6 after maturity.
        assert_eq!(owed(&ticket, &none, date("2024-06-24")).fees, 5_000);
        assert_eq!(owed(&ticket, &none, date("2024-06-25")).fees, 15_000);
        // A partial payment of Rp 500,000 principal on day 20 lowers the interest of the periods
        // that start after it: periods from day 31 charge 1.15% of Rp 500,000 = Rp 5,750.
        let paid = Paid {
            interest: 23_000,
            fees: 5_000,
            principal: vec![(date("2024-03-11"), 500_000)],
        };
        let later = owed(&ticket, &paid, date("2024-03-21"));
        assert_eq!(
            later,
            Owed {
                interest: 0,
                fees: 0,
                principal: 500_000,
                principal_due: 0
            }
        );
        assert_eq!(owed(&ticket, &paid, date("2024-03-22")).interest, 5_750);
    }

    /// A ticket of `terms` for `principal` started on `start`, at its first maturity.
    fn ticket_of(terms: &Terms, principal: i64, start: NaiveDate) -> Facts<'_> {
        Facts {
            terms,
            principal,
            start,
            maturity: first_maturity(terms, start),
            ticket_lost: false,
            payout_waits: false,
        }
    }

    #[test]
    fn idr_15_day_periods_counted_as_pawnshops_publish_them() {
        // Rp 1,000,000 on 1 March 2026, 8 periods of 15 days: due on day 120, 29 June 2026.
        // Days 0 to 15 are period 1 ("1-15 hari = 1 periode sewa modal"), 16 to 30 period 2,
        // ..., 106 to 120 period 8: paying on the due date costs the 8 periods of the term.
        let t = pegadaian();
        let start = date("2026-03-01");
        let ticket = ticket_of(&t, 1_000_000, start);
        assert_eq!(ticket.maturity, date("2026-06-29"), "day 120");
        let none = Paid::default();
        let on = |day: i64| start + chrono::Duration::days(day);
        let periods = |day: i64| periods_started(&t, start, on(day));
        let owed_on = |day: i64| owed(&ticket, &none, on(day));
        let period = 11_500; // 1.15% of Rp 1,000,000
        for (day, n) in [
            (0, 1),
            (1, 1),
            (15, 1),
            (16, 2),
            (120, 8),
            (121, 9),
            (126, 9),
        ] {
            assert_eq!(periods(day), n, "periods on day {day}");
            assert_eq!(
                owed_on(day).interest,
                i64::from(n) * period,
                "interest on day {day}"
            );
        }
        // The principal falls due on the due date, not before.
        assert_eq!(owed_on(119).principal_due, 0);
        assert_eq!(owed_on(120).principal_due, 1_000_000);
        // Redeeming on the due date: 8 periods, the ticket fee and the principal.
        assert_eq!(owed_on(120).payoff(), 8 * period + 5_000 + 1_000_000);
        // Grace is 5 days after the due date (days 121 to 125); the late fee (1%) from day 126.
        assert_eq!(owed_on(125).fees, 5_000);
        assert_eq!(owed_on(126).fees, 5_000 + 10_000);
        assert_eq!(owed_on(126).payoff(), 9 * period + 15_000 + 1_000_000);
        // Before the start nothing has started.
        assert_eq!(periods(-1), 0);
    }

    /// The Kenyan pawn counted in calendar months: 5% a month, 4 months.
    fn kenya_monthly() -> Terms {
        Terms {
            period_days: 1,
            period_unit: PeriodUnit::Month,
            ..kenya()
        }
    }

    #[test]
    fn kes_calendar_months_counted_as_pawnshops_publish_them() {
        // KES 10,000.00 on 31 January 2025, 4 monthly periods. A month after a 31st ends on the
        // month's last day: period 1 is to 28 February, 2 to 31 March, 3 to 30 April, 4 to 31
        // May (the due date); each period is 5% (KES 500.00) plus KES 50.00 storage.
        let t = kenya_monthly();
        let start = date("2025-01-31");
        let ticket = ticket_of(&t, 1_000_000, start);
        assert_eq!(ticket.maturity, date("2025-05-31"));
        let none = Paid::default();
        let ticket_fee = 10_000; // 1%
        for (day, n) in [
            ("2025-01-31", 1), // day 0
            ("2025-02-01", 1), // day 1
            ("2025-02-28", 1), // the last day of the first month
            ("2025-03-01", 2), // the first day of the second
            ("2025-03-02", 2), // day 30: a month and a day (30-day periods would say 1)
            ("2025-03-31", 2),
            ("2025-04-01", 3),
            ("2025-05-31", 4), // the due date: the 4 months of the term
            ("2025-06-01", 5), // the day after
            ("2025-06-08", 5), // past the 7 days' grace
        ] {
            assert_eq!(periods_started(&t, start, date(day)), n, "periods on {day}");
            let o = owed(&ticket, &none, date(day));
            assert_eq!(o.interest, i64::from(n) * 50_000, "interest on {day}");
            let late = if day == "2025-06-08" { 20_000 } else { 0 };
            assert_eq!(
                o.fees,
                ticket_fee + i64::from(n) * 5_000 + late,
                "fees on {day}"
            );
        }
        assert_eq!(owed(&ticket, &none, date("2025-05-30")).principal_due, 0);
        assert_eq!(
            owed(&ticket, &none, date("2025-05-31")).principal_due,
            1_000_000
        );
        // Grace is 7 days after the due date: 1 to 7 June; the late fee (KES 200) from 8 June.
        assert_eq!(
            owed(&ticket, &none, date("2025-06-07")).fees,
            ticket_fee + 5 * 5_000
        );
        // Extending on the due date by one month: to the end of June.
        assert_eq!(
            extended_maturity(&ticket, date("2025-05-31"), 1),
            date("2025-06-30")
        );
        // A ticket started on 28 February runs to the 28th of each month (not to the month's end).
        let feb = ticket_of(&t, 1_000_000, date("2025-02-28"));
        assert_eq!(feb.maturity, date("2025-06-28"));
        assert_eq!(periods_started(&t, feb.start, date("2025-03-28")), 1);
        assert_eq!(periods_started(&t, feb.start, date("2025-03-29")), 2);
    }

    #[test]
    fn kes_pawn_with_cents_storage_and_month_ends() {
        // KES 12,345.67 on 31 January 2025; 30-day periods end on 2 March, 1 April, 1 May, 31 May.
        let t = kenya();
        let start = date("2025-01-31");
        let ticket = Facts {
            terms: &t,
            principal: 1_234_567,
            start,
            maturity: first_maturity(&t, start),
            ticket_lost: false,
            payout_waits: false,
        };
        assert_eq!(ticket.maturity, date("2025-05-31"));
        let none = Paid::default();
        // 5% of 12,345.67 = 617.2835 → 617.28 (half up); ticket fee 1% = 123.4567 → 123.46.
        let day0 = owed(&ticket, &none, start);
        assert_eq!(day0.interest, 61_728);
        assert_eq!(day0.fees, 12_346 + 5_000);
        let march2 = owed(&ticket, &none, date("2025-03-02"));
        assert_eq!(march2.interest, 61_728);
        assert_eq!(march2.fees, 12_346 + 5_000);
        let march3 = owed(&ticket, &none, date("2025-03-03"));
        assert_eq!(march3.interest, 2 * 61_728);
        assert_eq!(march3.fees, 12_346 + 2 * 5_000);
        // Extension on 2 March by one period: pay 617.28 + 173.46, maturity moves one period on.
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
        let ticket = Facts {
            terms: &t,
            principal: 100_000,
            start,
            maturity: first_maturity(&t, start),
            ticket_lost: false,
            payout_waits: false,
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

    /// The calendar of generated terms: the due date is in the term's last period, the day
    /// after it in the next, and every day from the start is in exactly one period.
    fn calendar_properties(t: &Terms, start: NaiveDate, seed: u64) {
        let due = first_maturity(t, start);
        let minimum = minimum_periods(t);
        assert_eq!(
            periods_started(t, start, due),
            t.term_periods.max(minimum),
            "seed {seed}: the due date is in the term's last period"
        );
        if t.term_periods >= minimum {
            assert_eq!(
                periods_started(t, start, due + chrono::Duration::days(1)),
                t.term_periods + 1,
                "seed {seed}: the day after the due date starts a period"
            );
        }
        for n in 1..=t.term_periods {
            let (first, last) = (period_start(t, start, n), period_end(t, start, n));
            assert!(first <= last, "seed {seed}: period {n} is empty");
            assert_eq!(
                periods_started(t, start, last),
                n.max(minimum),
                "seed {seed}"
            );
            if n > minimum {
                assert_eq!(periods_started(t, start, first), n, "seed {seed}");
                let before = first - chrono::Duration::days(1);
                assert_eq!(periods_started(t, start, before), n - 1, "seed {seed}");
            }
        }
    }

    /// With a step, every period's interest is a multiple of it, so interest accrued on any
    /// day is too; and the principal is never rounded.
    fn step_properties(ticket: &Facts, seed: u64) {
        let step = ticket.terms.rounding_step.minor();
        for days in [0, 16, 45, 200] {
            let on = ticket.start + chrono::Duration::days(days);
            let a = accrued(ticket, &Paid::default(), on);
            assert_eq!(a.interest % step, 0, "seed {seed}: interest off the step");
            assert_eq!(
                a.principal, ticket.principal,
                "seed {seed}: principal rounded"
            );
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
            if g.below(3) == 0 {
                t.period_unit = PeriodUnit::Month;
                t.period_days = 1 + u32::try_from(g.below(3)).unwrap();
            }
            t.rounding = [Rounding::HalfUp, Rounding::Down, Rounding::Up][g.below(3) as usize];
            t.rounding_step = step_of([1, 1, 100, 500, 1_000][g.below(5) as usize]);
            let start = date("2024-01-01") + chrono::Duration::days(g.below(800) as i64);
            let principal = 1 + g.below(50_000_000) as i64;
            let ticket = Facts {
                terms: &t,
                principal,
                start,
                maturity: first_maturity(&t, start),
                ticket_lost: g.below(5) == 0,
                payout_waits: false,
            };
            calendar_properties(&t, start, seed);
            step_properties(&ticket, seed);
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
