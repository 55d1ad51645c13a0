//! Bank and mobile-money statements: `pawnbranch import payments FILE.csv`, and the same
//! import from the staff's upload page (`import::pages`).
//!
//! A statement is CSV (separated by commas, semicolons or tabs; on the command line also a
//! spreadsheet, see `table`) with a header row naming the columns `date` (`YYYY-MM-DD`, or in
//! the branch country's order, see `dates`), `reference`
//! (the bank's or operator's transaction reference), `amount` (major units, "1.500.000",
//! "1500000" or "1234.56"), `description` (free text) and optionally `method`
//! (`bank_transfer`, the default, or `mobile_money`), in any order. Every line is checked
//! first: one bad date or amount and nothing is imported, and every problem is listed by line.
//!
//! Then, in one transaction, each line in turn:
//!
//! - a reference already imported, or earlier in the same file, is a duplicate: skipped, so
//!   importing a statement twice (or two overlapping statements) applies nothing twice;
//! - the description is searched for a payment code of the branch: 8 Crockford base-32
//!   characters in any case, alone or inside a longer word, also with a dash or spaces
//!   between them as people copy `ABCD-EFGH`. None: the line is unmatched;
//! - a code that is neither paid nor cancelled, had not expired on the statement's date,
//!   asks for exactly the amount paid, on an open ticket that still owes what the code was
//!   made for: the payment is applied as the code's purpose says (extension by its periods,
//!   partial payment or redemption), dated the statement's date, with the statement's
//!   reference, and the code is marked paid. The line is matched;
//! - anything else (an over- or under-payment, an expired, paid or cancelled code, a ticket
//!   that owes another amount now or is closed, several codes) leaves the line in review with
//!   its reason. Nothing is applied: money is never applied silently.
//!
//! Every line is kept in `statement_lines` with its status and reason; staff work through the
//! review and unmatched lines on the review page and mark them resolved, which is audited and
//! never applies money.
//!
//! Payment codes are made elsewhere (customers ask for them; see `payment_codes`); this module
//! only reads them and marks them paid. Codes are stored in upper case.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::dates::{self, DateProblem};
use super::table::{Next, Table, TableError};
use super::{Branch, HeaderProblem, RowShape, header_positions, quoted};
use crate::audit::{self, Actor, Change};
use crate::ledger::Method;
use crate::loans::codes::{self, PaymentCode};
use crate::loans::ops::{self, Payment, PaymentError, Purpose, Ticket};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::{LoanId, PaymentId, StaffId};
use crate::plumbing::money::Currency;
use crate::plumbing::money::parse_amount;

/// The columns a statement may have, as spelt in its header.
pub(crate) const COLUMNS: [&str; 5] = ["date", "reference", "amount", "description", "method"];

/// How many of [`COLUMNS`], from the first, every statement must have.
const REQUIRED: usize = 4;

/// The longest reference, in characters.
const MAX_REFERENCE: usize = 100;

/// The longest description, in characters.
const MAX_DESCRIPTION: usize = 500;

/// The most problems [`StatementError`]'s message lists.
const MAX_SHOWN: usize = 200;

/// What became of a stored statement line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Applied to the ticket of its payment code.
    Matched,
    /// A payment code was found but the line could not be applied as it is.
    Review,
    /// No payment code of the branch in the description.
    Unmatched,
}

impl Status {
    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Status::Matched => "matched",
            Status::Review => "review",
            Status::Unmatched => "unmatched",
        }
    }

    /// The status named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Status> {
        [Status::Matched, Status::Review, Status::Unmatched]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The status for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            Status::Matched => Msg::StatementMatched,
            Status::Review => Msg::StatementReview,
            Status::Unmatched => Msg::StatementUnmatched,
        }
    }
}

/// Why a line was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    NoCode,
    SeveralCodes,
    Cancelled,
    AlreadyPaid,
    TicketClosed,
    Expired,
    Underpaid,
    Overpaid,
    OwedChanged,
    Refused,
}

impl Reason {
    /// Every reason.
    const ALL: [Reason; 10] = [
        Reason::NoCode,
        Reason::SeveralCodes,
        Reason::Cancelled,
        Reason::AlreadyPaid,
        Reason::TicketClosed,
        Reason::Expired,
        Reason::Underpaid,
        Reason::Overpaid,
        Reason::OwedChanged,
        Reason::Refused,
    ];

    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Reason::NoCode => "no_code",
            Reason::SeveralCodes => "several_codes",
            Reason::Cancelled => "code_cancelled",
            Reason::AlreadyPaid => "code_paid",
            Reason::TicketClosed => "ticket_closed",
            Reason::Expired => "code_expired",
            Reason::Underpaid => "underpaid",
            Reason::Overpaid => "overpaid",
            Reason::OwedChanged => "owed_changed",
            Reason::Refused => "refused",
        }
    }

    /// The reason named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The reason in words, with the code and the amounts filled in.
    pub(crate) fn text(
        self,
        lang: Lang,
        currency: &Currency,
        code: Option<&str>,
        paid: i64,
        expected: Option<i64>,
    ) -> String {
        let msg = match self {
            Reason::NoCode => Msg::ReasonNoCode,
            Reason::SeveralCodes => Msg::ReasonSeveralCodes,
            Reason::Cancelled => Msg::ReasonCancelled,
            Reason::AlreadyPaid => Msg::ReasonAlreadyPaid,
            Reason::TicketClosed => Msg::ReasonTicketClosed,
            Reason::Expired => Msg::ReasonExpired,
            Reason::Underpaid => Msg::ReasonUnderpaid,
            Reason::Overpaid => Msg::ReasonOverpaid,
            Reason::OwedChanged => Msg::ReasonOwedChanged,
            Reason::Refused => Msg::ReasonRefused,
        };
        let expected = expected.map_or_else(String::new, |e| currency.format(e, lang));
        lang.fill(
            msg,
            &[
                ("code", code.unwrap_or("")),
                ("paid", &currency.format(paid, lang)),
                ("expected", &expected),
            ],
        )
    }
}

/// What is wrong with a statement (its header or one of its lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    UnknownColumn(String),
    ColumnTwice(&'static str),
    MissingColumn(&'static str),
    Shape(RowShape),
    Missing(&'static str),
    TooLong(&'static str, usize),
    ControlCharacters(&'static str),
    /// A date that is not one, and how the branch's dates may be written besides ISO.
    BadDate(String, Option<&'static str>),
    AmbiguousDate(String),
    FutureDate(String),
    BadAmount(String),
    BadMethod(String),
}

impl Problem {
    /// The problem in words.
    pub(crate) fn text(&self, lang: Lang) -> String {
        match self {
            Problem::UnknownColumn(name) => lang.fill(
                Msg::StatementUnknownColumn,
                &[("name", &quoted(name)), ("columns", &COLUMNS.join(", "))],
            ),
            Problem::ColumnTwice(name) => {
                lang.fill(Msg::StatementColumnTwice, &[("name", &quoted(name))])
            }
            Problem::MissingColumn(name) => lang.fill(
                Msg::StatementMissingColumn,
                &[("name", name), ("columns", &COLUMNS[..REQUIRED].join(","))],
            ),
            Problem::Shape(RowShape::FieldCount { len, expected }) => lang.fill(
                Msg::StatementFieldCount,
                &[
                    ("len", &len.to_string()),
                    ("expected", &expected.to_string()),
                ],
            ),
            Problem::Shape(RowShape::NotUtf8) => lang.t(Msg::StatementNotUtf8).to_owned(),
            Problem::Shape(RowShape::LongNumber { column, value }) => lang.fill(
                Msg::StatementLongNumber,
                &[
                    ("name", column),
                    ("value", value),
                    ("digits", &value.trim_start_matches('-').len().to_string()),
                ],
            ),
            Problem::Shape(RowShape::CellError { column, value }) => lang.fill(
                Msg::StatementCellError,
                &[("name", column), ("value", value)],
            ),
            Problem::Missing(name) => lang.fill(Msg::StatementMissingValue, &[("name", name)]),
            Problem::TooLong(name, max) => lang.fill(
                Msg::StatementTooLong,
                &[("name", name), ("max", &max.to_string())],
            ),
            Problem::ControlCharacters(name) => {
                lang.fill(Msg::StatementControlCharacters, &[("name", name)])
            }
            Problem::BadDate(value, None) => {
                lang.fill(Msg::StatementBadDate, &[("value", &quoted(value))])
            }
            Problem::BadDate(value, Some(other)) => lang.fill(
                Msg::StatementBadDateOr,
                &[("value", &quoted(value)), ("other", other)],
            ),
            Problem::AmbiguousDate(value) => {
                lang.fill(Msg::StatementAmbiguousDate, &[("value", &quoted(value))])
            }
            Problem::FutureDate(value) => {
                lang.fill(Msg::StatementFutureDate, &[("value", &quoted(value))])
            }
            Problem::BadAmount(value) => {
                lang.fill(Msg::StatementBadAmount, &[("value", &quoted(value))])
            }
            Problem::BadMethod(value) => {
                lang.fill(Msg::StatementBadMethod, &[("value", &quoted(value))])
            }
        }
    }
}

/// A problem and the line it is on (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineProblem {
    pub(crate) line: u64,
    pub(crate) problem: Problem,
}

/// Why a statement was not imported. Whatever the error, nothing was written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StatementError {
    #[error("cannot read the statement: {0}")]
    Read(TableError),
    #[error("{}", describe(.0))]
    Invalid(Vec<LineProblem>),
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
}

/// The message of [`StatementError::Invalid`], in English: a count, then one line per
/// problem (at most [`MAX_SHOWN`]).
fn describe(problems: &[LineProblem]) -> String {
    let n = problems.len();
    let mut text = format!(
        "{n} problem{} in the statement; nothing was imported:",
        if n == 1 { "" } else { "s" }
    );
    for p in problems.iter().take(MAX_SHOWN) {
        text.push_str(&format!("\nline {}: {}", p.line, p.problem.text(Lang::En)));
    }
    if n > MAX_SHOWN {
        text.push_str(&format!("\n... and {} more", n - MAX_SHOWN));
    }
    text
}

/// One line of a statement as read and checked.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    date: NaiveDate,
    reference: String,
    amount: i64,
    description: String,
    method: Method,
}

/// The positions of a statement's columns, `None` for an optional column it does not have.
type Positions = [Option<usize>; 5];

/// Reads and checks every line of a statement; the rows, or every problem.
fn read<R: std::io::Read>(
    mut table: Table<R>,
    branch: &Branch,
    today: NaiveDate,
) -> Result<Vec<Row>, StatementError> {
    let at = read_header(&table)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    while let Some(next) = table.next(&mut record).map_err(StatementError::Read)? {
        match next {
            Next::Row(_) if record.iter().all(str::is_empty) => {}
            Next::Row(line) => {
                let mut problem = |problem| problems.push(LineProblem { line, problem });
                if let Some(row) = check_line(&record, line, &at, branch, today, &mut problem) {
                    rows.push(row);
                }
            }
            Next::Bad(line, shape) => problems.push(LineProblem {
                line,
                problem: Problem::Shape(shape),
            }),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        problems.sort_by_key(|p| p.line);
        Err(StatementError::Invalid(problems))
    }
}

/// Reads the header row: where each column is, every required one present.
fn read_header<R: std::io::Read>(table: &Table<R>) -> Result<Positions, StatementError> {
    let header = table.header();
    let header_problem = |problem| StatementError::Invalid(vec![LineProblem { line: 1, problem }]);
    let at = header_positions(header, &COLUMNS).map_err(|p| {
        header_problem(match p {
            HeaderProblem::Unknown(name) => Problem::UnknownColumn(name),
            HeaderProblem::Twice(name) => Problem::ColumnTwice(name),
        })
    })?;
    if let Some(missing) = COLUMNS[..REQUIRED]
        .iter()
        .zip(at)
        .find_map(|(name, at)| at.is_none().then_some(*name))
    {
        return Err(header_problem(Problem::MissingColumn(missing)));
    }
    Ok(at)
}

/// Checks one line of a statement on its own, telling `problem` what is wrong; the row when
/// it can be applied.
fn check_line(
    record: &csv::StringRecord,
    line: u64,
    at: &Positions,
    branch: &Branch,
    today: NaiveDate,
    problem: &mut impl FnMut(Problem),
) -> Option<Row> {
    let [date_at, reference_at, amount_at, description_at, method_at] = *at;
    let field = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("");
    let raw_date = field(date_at);
    let date = match dates::parse(raw_date, branch.date_order) {
        _ if raw_date.is_empty() => {
            problem(Problem::Missing("date"));
            None
        }
        Err(DateProblem::NotADate) => {
            let other = branch.date_order.year_last();
            problem(Problem::BadDate(raw_date.to_owned(), other));
            None
        }
        Err(DateProblem::Ambiguous) => {
            problem(Problem::AmbiguousDate(raw_date.to_owned()));
            None
        }
        Ok(d) if d > today => {
            problem(Problem::FutureDate(raw_date.to_owned()));
            None
        }
        Ok(d) => Some(d),
    };

    let reference = field(reference_at);
    if reference.is_empty() {
        problem(Problem::Missing("reference"));
    } else if reference.chars().count() > MAX_REFERENCE {
        problem(Problem::TooLong("reference", MAX_REFERENCE));
    } else if reference.chars().any(char::is_control) {
        // It is printed on the command line: nothing may drive the terminal.
        problem(Problem::ControlCharacters("reference"));
    }

    let raw_amount = field(amount_at);
    let amount = match parse_amount(raw_amount, branch.exponent) {
        _ if raw_amount.is_empty() => {
            problem(Problem::Missing("amount"));
            None
        }
        Some(a) if a > 0 => Some(a),
        _ => {
            problem(Problem::BadAmount(raw_amount.to_owned()));
            None
        }
    };

    let description = field(description_at);
    if description.chars().count() > MAX_DESCRIPTION {
        problem(Problem::TooLong("description", MAX_DESCRIPTION));
    }

    let raw_method = field(method_at);
    let method = match raw_method.to_ascii_lowercase().as_str() {
        "" | "bank_transfer" => Some(Method::BankTransfer),
        "mobile_money" => Some(Method::MobileMoney),
        _ => {
            problem(Problem::BadMethod(raw_method.to_owned()));
            None
        }
    };

    match (date, amount, method) {
        (Some(date), Some(amount), Some(method)) => Some(Row {
            line,
            date,
            reference: reference.to_owned(),
            amount,
            description: description.to_owned(),
            method,
        }),
        _ => None,
    }
}

/// What became of one line of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Applied: the payment is on the ticket.
    Matched {
        code: String,
        loan: LoanId,
        ticket_no: String,
        payment: PaymentId,
    },
    /// Stored for staff to review; nothing applied.
    Review {
        reason: Reason,
        code: Option<String>,
        /// What the code asks for.
        expected: Option<i64>,
        /// The code's ticket and its number.
        loan: Option<(LoanId, String)>,
    },
    /// Stored; no payment code of the branch in the description.
    Unmatched,
    /// Skipped: the reference was imported before, or is on an earlier line of this file.
    Duplicate { earlier_line: Option<u64> },
}

/// One line of a statement and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportLine {
    pub(crate) line: u64,
    pub(crate) reference: String,
    pub(crate) amount: i64,
    pub(crate) outcome: Outcome,
}

/// What an import of a statement did, line by line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) lines: Vec<ReportLine>,
}

/// The four groups of a report, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Matched,
    Review,
    Unmatched,
    Duplicate,
}

impl Group {
    /// Every group, in the order shown.
    pub(crate) const ALL: [Group; 4] = [
        Group::Matched,
        Group::Review,
        Group::Unmatched,
        Group::Duplicate,
    ];

    /// The group's heading.
    pub(crate) fn label(self) -> Msg {
        match self {
            Group::Matched => Msg::StatementMatched,
            Group::Review => Msg::StatementReview,
            Group::Unmatched => Msg::StatementUnmatched,
            Group::Duplicate => Msg::StatementDuplicates,
        }
    }

    /// Whether a line's outcome is in this group.
    fn holds(self, outcome: &Outcome) -> bool {
        matches!(
            (self, outcome),
            (Group::Matched, Outcome::Matched { .. })
                | (Group::Review, Outcome::Review { .. })
                | (Group::Unmatched, Outcome::Unmatched)
                | (Group::Duplicate, Outcome::Duplicate { .. })
        )
    }
}

impl Report {
    /// The lines in a group.
    pub(crate) fn group(&self, group: Group) -> impl Iterator<Item = &ReportLine> {
        self.lines.iter().filter(move |l| group.holds(&l.outcome))
    }

    /// How many lines are in a group.
    pub(crate) fn count(&self, group: Group) -> usize {
        self.group(group).count()
    }

    /// A line's details in words: the ticket, the reason, the earlier line.
    pub(crate) fn detail(line: &ReportLine, lang: Lang, currency: &Currency) -> String {
        match &line.outcome {
            Outcome::Matched {
                code, ticket_no, ..
            } => lang.fill(
                Msg::StatementAppliedTo,
                &[("code", code), ("ticket", ticket_no)],
            ),
            Outcome::Review {
                reason,
                code,
                expected,
                ..
            } => reason.text(lang, currency, code.as_deref(), line.amount, *expected),
            Outcome::Unmatched => Reason::NoCode.text(lang, currency, None, line.amount, None),
            Outcome::Duplicate {
                earlier_line: Some(n),
            } => lang.fill(Msg::StatementEarlierLine, &[("line", &n.to_string())]),
            Outcome::Duplicate { earlier_line: None } => {
                lang.t(Msg::StatementImportedBefore).to_owned()
            }
        }
    }

    /// The report as text for the command line: a summary, then each group's lines.
    pub(crate) fn to_text(&self, source: &str, currency: &Currency, lang: Lang) -> String {
        let mut text = format!("{source}: {} lines", self.lines.len());
        for group in Group::ALL {
            text.push_str(&format!(
                ", {} {}",
                self.count(group),
                lang.t(group.label()).to_lowercase()
            ));
        }
        text.push_str(".\n");
        for group in Group::ALL {
            if self.count(group) == 0 {
                continue;
            }
            text.push_str(&format!("{}:\n", lang.t(group.label())));
            for line in self.group(group) {
                text.push_str(&format!(
                    "  line {}  {}  {}  {}\n",
                    line.line,
                    line.reference,
                    currency.format(line.amount, lang),
                    Report::detail(line, lang, currency)
                ));
            }
        }
        text
    }
}

/// The strings in a description that could be payment codes, in upper case, in order, each
/// once: every 8 letters and digits of the alphabet in a row. Codes are shown as `ABCD-EFGH`
/// and copied by hand, so dashes and spaces do not break a row; other characters do.
fn candidates(description: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for part in
        description.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c.is_whitespace()))
    {
        let letters: Vec<u8> = part
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_uppercase())
            .collect();
        for window in letters.windows(codes::LENGTH) {
            if window.iter().all(|b| codes::ALPHABET.contains(b)) {
                let code: String = window.iter().map(|b| char::from(*b)).collect();
                if !found.contains(&code) {
                    found.push(code);
                }
            }
        }
    }
    found
}

/// The payment codes of the branch that a description names.
fn codes_in(conn: &Connection, description: &str) -> rusqlite::Result<Vec<PaymentCode>> {
    let mut found = Vec::new();
    for candidate in candidates(description) {
        found.extend(codes::get(conn, &candidate)?);
    }
    Ok(found)
}

/// Why a matched line is not applied: the reason stored with it, or the database failed.
#[derive(Debug, thiserror::Error)]
enum NotApplied {
    #[error("not applied: {}", .0.code())]
    Refused(Reason),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Whether a line paying `code` can be applied: the ticket and what the payment is for, or
/// why not.
fn judge(
    conn: &Connection,
    code: &PaymentCode,
    row: &Row,
    branch: &Branch,
) -> Result<(Ticket, Purpose), NotApplied> {
    if code.cancelled_at.is_some() {
        return Err(NotApplied::Refused(Reason::Cancelled));
    }
    if code.paid_at.is_some() {
        return Err(NotApplied::Refused(Reason::AlreadyPaid));
    }
    let Some(record) = ops::load(conn, &code.loan)? else {
        return Err(NotApplied::Refused(Reason::Refused));
    };
    if !record.is_open() {
        return Err(NotApplied::Refused(Reason::TicketClosed));
    }
    // A statement has dates, not times: a code still valid on the day it was paid counts.
    if crate::plumbing::clock::local_date(code.expires_at, branch.offset) < row.date {
        return Err(NotApplied::Refused(Reason::Expired));
    }
    if row.amount < code.amount {
        return Err(NotApplied::Refused(Reason::Underpaid));
    }
    if row.amount > code.amount {
        return Err(NotApplied::Refused(Reason::Overpaid));
    }
    let purpose = match code.purpose.as_str() {
        "extension" => Purpose::Extension {
            periods: code.periods,
        },
        // Paid from afar: the item stays on the shelf until the customer collects it.
        "redemption" => Purpose::Redemption { released: false },
        _ => Purpose::Partial,
    };
    let owed = ops::owed_on(conn, &record, row.date)?;
    let still_owed = match purpose {
        Purpose::Extension { .. } => owed.interest + owed.fees == code.amount,
        Purpose::Redemption { .. } => owed.payoff() == code.amount,
        Purpose::Partial => code.amount <= owed.payoff(),
    };
    if !still_owed {
        return Err(NotApplied::Refused(Reason::OwedChanged));
    }
    Ok((record, purpose))
}

/// A line to store.
struct Stored<'a> {
    row: &'a Row,
    code: Option<&'a str>,
    status: Status,
    reason: Option<Reason>,
    loan: Option<&'a LoanId>,
    payment: Option<&'a PaymentId>,
}

/// Stores a statement line.
fn store(conn: &Connection, s: &Stored, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO statement_lines (reference, on_date, amount, method, description, code, status, reason, loan_id,
                                      payment_id, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        s.row.reference,
        s.row.date,
        s.row.amount,
        s.row.method.code(),
        s.row.description,
        s.code,
        s.status.code(),
        s.reason.map_or("", Reason::code),
        s.loan,
        s.payment,
        now
    ])?;
    Ok(())
}

/// Whether a reference was imported before.
fn known(conn: &Connection, reference: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM statement_lines WHERE reference = ?1)")?
        .query_row([reference], |r| r.get(0))
}

/// The ticket number of a ticket.
fn ticket_no(conn: &Connection, loan: &LoanId) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT ticket_no FROM loans WHERE id = ?1")?
        .query_row([loan], |r| r.get(0))
}

/// Imports a statement in CSV text (see [`import_table`]).
pub(crate) fn import(
    conn: &mut Connection,
    input: impl std::io::Read,
    source: &str,
    actor: &Actor,
    branch: &Branch,
    now: DateTime<Utc>,
) -> Result<Report, StatementError> {
    let table = Table::csv(input).map_err(StatementError::Read)?;
    import_table(conn, table, source, actor, branch, now)
}

/// Imports a statement (see the module documentation), all or nothing on bad lines; returns
/// what became of each line. `source` names it in the audit log (the file name, or "upload");
/// `actor` is who imports it (their ledger rows name the staff member).
pub(crate) fn import_table<R: std::io::Read>(
    conn: &mut Connection,
    table: Table<R>,
    source: &str,
    actor: &Actor,
    branch: &Branch,
    now: DateTime<Utc>,
) -> Result<Report, StatementError> {
    let today = branch.today(now);
    let rows = read(table, branch, today)?;
    let staff: Option<&StaffId> = match actor {
        Actor::Staff(user) => Some(&user.id),
        Actor::CommandLine | Actor::System | Actor::Customer | Actor::CustomerSms => None,
    };
    let tx = crate::plumbing::db::immediate(conn)?;
    let mut report = Report::default();
    let mut seen: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for row in &rows {
        let outcome = if let Some(first) = seen.get(row.reference.as_str()) {
            Outcome::Duplicate {
                earlier_line: Some(*first),
            }
        } else if known(&tx, &row.reference)? {
            Outcome::Duplicate { earlier_line: None }
        } else {
            seen.insert(&row.reference, row.line);
            apply(&tx, row, actor, staff, branch, now)?
        };
        report.lines.push(ReportLine {
            line: row.line,
            reference: row.reference.clone(),
            amount: row.amount,
            outcome,
        });
    }
    let change = Change {
        action: "payments.import",
        entity: "statement",
        entity_id: source,
        before: None,
        after: Some(json!({
            "source": source,
            "lines": report.lines.len(),
            "matched": report.count(Group::Matched),
            "review": report.count(Group::Review),
            "unmatched": report.count(Group::Unmatched),
            "duplicates": report.count(Group::Duplicate),
        })),
    };
    audit::record(&tx, actor, &change, now)?;
    tx.commit()?;
    Ok(report)
}

/// Matches one new line and stores it; applies it when it matches.
fn apply(
    conn: &Connection,
    row: &Row,
    actor: &Actor,
    staff: Option<&StaffId>,
    branch: &Branch,
    now: DateTime<Utc>,
) -> rusqlite::Result<Outcome> {
    let codes = codes_in(conn, &row.description)?;
    let code = match codes.as_slice() {
        [] => return store_without_code(conn, row, now),
        [code] => code,
        [first, ..] => return store_with_several_codes(conn, row, first, now),
    };
    let taken = judge(conn, code, row, branch)
        .and_then(|(record, purpose)| take(conn, code, &record, purpose, row, actor, staff, now));
    let refused = match taken {
        Ok(outcome) => return Ok(outcome),
        Err(NotApplied::Refused(reason)) => reason,
        Err(NotApplied::Db(e)) => return Err(e),
    };
    let line = Stored {
        row,
        code: Some(&code.code),
        status: Status::Review,
        reason: Some(refused),
        loan: Some(&code.loan),
        payment: None,
    };
    store(conn, &line, now)?;
    Ok(Outcome::Review {
        reason: refused,
        code: Some(code.code.clone()),
        expected: Some(code.amount),
        loan: Some((code.loan.clone(), ticket_no(conn, &code.loan)?)),
    })
}

/// Stores a line that names no payment code, unmatched.
fn store_without_code(
    conn: &Connection,
    row: &Row,
    now: DateTime<Utc>,
) -> rusqlite::Result<Outcome> {
    let s = Stored {
        row,
        code: None,
        status: Status::Unmatched,
        reason: Some(Reason::NoCode),
        loan: None,
        payment: None,
    };
    store(conn, &s, now)?;
    Ok(Outcome::Unmatched)
}

/// Stores a line that names several payment codes, for review (with the first code).
fn store_with_several_codes(
    conn: &Connection,
    row: &Row,
    first: &PaymentCode,
    now: DateTime<Utc>,
) -> rusqlite::Result<Outcome> {
    let s = Stored {
        row,
        code: Some(&first.code),
        status: Status::Review,
        reason: Some(Reason::SeveralCodes),
        loan: None,
        payment: None,
    };
    store(conn, &s, now)?;
    Ok(Outcome::Review {
        reason: Reason::SeveralCodes,
        code: Some(first.code.clone()),
        expected: None,
        loan: None,
    })
}

/// Takes the payment of a line that matched `code`, marks the code paid, stores the line as
/// matched and audits it.
#[allow(clippy::too_many_arguments)]
fn take(
    conn: &Connection,
    code: &PaymentCode,
    record: &Ticket,
    purpose: Purpose,
    row: &Row,
    actor: &Actor,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> Result<Outcome, NotApplied> {
    let payment_id = PaymentId::new(now);
    let payment = Payment {
        amount: row.amount,
        method: row.method,
        reference: &row.reference,
        purpose,
        staff,
    };
    let receipt = ops::take_payment(conn, record, &payment, &payment_id, row.date, now).map_err(
        |e| match e {
            PaymentError::Db(e) => NotApplied::Db(e),
            // The checks of `judge` make this rare (e.g. an extension of more periods than
            // the ticket's term); nothing was written.
            _ => NotApplied::Refused(Reason::Refused),
        },
    )?;
    codes::mark_paid(conn, &code.code, &payment_id, now)?;
    let line = Stored {
        row,
        code: Some(&code.code),
        status: Status::Matched,
        reason: None,
        loan: Some(&code.loan),
        payment: Some(&payment_id),
    };
    store(conn, &line, now)?;
    let change = Change {
        action: "payments.import",
        entity: "loan",
        entity_id: record.id.as_str(),
        before: Some(
            json!({ "maturity": record.maturity.to_string(), "state": record.state.code() }),
        ),
        after: Some(json!({
            "payment": payment_id.as_str(), "code": code.code, "reference": row.reference,
            "amount": row.amount, "method": row.method.code(), "on": row.date.to_string(),
            "interest": receipt.split.interest, "fees": receipt.split.fees,
            "principal": receipt.split.principal,
            "maturity": receipt.maturity.to_string(), "state": receipt.state.code(),
        })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(Outcome::Matched {
        code: code.code.clone(),
        loan: record.id.clone(),
        ticket_no: record.ticket_no.clone(),
        payment: payment_id,
    })
}

/// A statement line waiting for staff: in review or unmatched, not yet resolved.
#[derive(Debug, Clone)]
pub(crate) struct OpenLine {
    pub(crate) reference: String,
    pub(crate) on_date: NaiveDate,
    pub(crate) amount: i64,
    pub(crate) method: Method,
    pub(crate) description: String,
    pub(crate) code: Option<String>,
    pub(crate) status: Status,
    pub(crate) reason: Option<Reason>,
    pub(crate) loan: Option<LoanId>,
    pub(crate) ticket_no: Option<String>,
    /// What the payment code asks for.
    pub(crate) expected: Option<i64>,
    pub(crate) imported_at: DateTime<Utc>,
}

/// The lines waiting for staff, oldest first (at most `limit`).
pub(crate) fn open_lines(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<OpenLine>> {
    conn.prepare_cached(
        "SELECT s.reference, s.on_date, s.amount, s.method, s.description, s.code, s.status, s.reason, s.loan_id,
                l.ticket_no, c.amount, s.imported_at
         FROM statement_lines s
         LEFT JOIN loans l ON l.id = s.loan_id
         LEFT JOIN payment_codes c ON c.code = s.code
         WHERE s.status <> 'matched' AND s.resolved_at IS NULL
         ORDER BY s.on_date, s.reference
         LIMIT +?1",
    )?
    .query_map([limit], |r| {
        Ok(OpenLine {
            reference: r.get(0)?,
            on_date: r.get(1)?,
            amount: r.get(2)?,
            method: Method::from_code(&r.get::<_, String>(3)?).unwrap_or(Method::BankTransfer),
            description: r.get(4)?,
            code: r.get(5)?,
            status: Status::from_code(&r.get::<_, String>(6)?).unwrap_or(Status::Review),
            reason: Reason::from_code(&r.get::<_, String>(7)?),
            loan: r.get(8)?,
            ticket_no: r.get(9)?,
            expected: r.get(10)?,
            imported_at: r.get(11)?,
        })
    })?
    .collect()
}

/// How many lines are waiting for staff.
pub(crate) fn open_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM statement_lines WHERE status <> 'matched' AND resolved_at IS NULL",
    )?
    .query_row([], |r| r.get(0))
}

/// What marking a line resolved did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Marked resolved now; its status and reason.
    Resolved {
        status: Status,
        reason: String,
    },
    AlreadyResolved,
    /// A matched line was applied; there is nothing to resolve.
    Matched,
    NotFound,
}

/// Marks a line in review or unmatched resolved. Never applies money. The caller audits it.
pub(crate) fn resolve(
    conn: &Connection,
    reference: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Resolution> {
    let found: Option<(String, String, bool)> = conn
        .prepare_cached(
            "SELECT status, reason, resolved_at IS NOT NULL FROM statement_lines WHERE reference = ?1",
        )?
        .query_row(
            [reference],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((status, reason, resolved)) = found else {
        return Ok(Resolution::NotFound);
    };
    let status = Status::from_code(&status).unwrap_or(Status::Review);
    if status == Status::Matched {
        return Ok(Resolution::Matched);
    }
    if resolved {
        return Ok(Resolution::AlreadyResolved);
    }
    conn.execute(
        "UPDATE statement_lines SET resolved_at = ?2 WHERE reference = ?1",
        params![reference, now],
    )?;
    Ok(Resolution::Resolved { status, reason })
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::customers::{self, NewCustomer};
    use crate::loans::LoanState;
    use crate::loans::products;
    use crate::loans::terms::tests::pegadaian;
    use crate::plumbing::db::tests::test_db;

    /// A fixed "now": 2025-06-01 05:00 UTC, noon in the branch (UTC+7).
    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-01T05:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn branch() -> Branch<'static> {
        Branch {
            country: "ID",
            exponent: 0,
            offset: chrono::FixedOffset::east_opt(7 * 3600).unwrap(),
            date_order: crate::import::dates::DateOrder::DayFirst,
        }
    }

    fn idr() -> Currency {
        Currency {
            code: "IDR".into(),
            exponent: 0,
        }
    }

    /// Adds a payment code for a ticket, for what it owes on `on` (as the customer side makes
    /// them): an extension by the term's periods for the interest and fees owed.
    pub(crate) fn add_code(
        conn: &Connection,
        code: &str,
        loan: &LoanId,
        purpose: &str,
        on: NaiveDate,
        expires_at: DateTime<Utc>,
    ) -> i64 {
        let record = ops::load(conn, loan).unwrap().unwrap();
        let owed = ops::owed_on(conn, &record, on).unwrap();
        let amount = match purpose {
            "redemption" => owed.payoff(),
            "payment" => 100_000,
            _ => owed.interest + owed.fees,
        };
        conn.execute(
            "INSERT INTO payment_codes (code, loan_id, purpose, amount, periods, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![code, loan, purpose, amount, record.terms.term_periods, now(), expires_at],
        )
        .unwrap();
        amount
    }

    /// A database with one active ticket: Rp 1,000,000 on the gold product from 2025-05-20
    /// (owing Rp 11,500 interest and the Rp 5,000 fee in its first period).
    fn setup() -> (tempfile::TempDir, crate::plumbing::db::Db, LoanId) {
        let (dir, db) = test_db();
        let conn = db.conn().unwrap();
        let phone = crate::plumbing::phone::normalise("081234567890", "ID").unwrap();
        let new = NewCustomer {
            full_name: "Siti",
            phone: &phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: true,
        };
        let customer = customers::insert(&conn, &new, now()).unwrap();
        let product = products::insert(&conn, &pegadaian(), now()).unwrap();
        let product = products::get(&conn, &product).unwrap().unwrap();
        let items = [ops::Item {
            category: "gold".into(),
            description: "Ring".into(),
            marks: String::new(),
            weight_mg: None,
            karat: None,
            appraised: 2_000_000,
        }];
        let imported = ops::Imported {
            ticket_no: "OLD-1",
            customer: &customer,
            product: &product,
            items: &items,
            principal: 1_000_000,
            start: date("2025-05-20"),
            maturity: date("2025-09-17"),
            paid: Default::default(),
        };
        let loan = ops::import_ticket(&conn, &imported, now()).unwrap();
        drop(conn);
        (dir, db, loan)
    }

    /// The end of the day after `now()`.
    fn tomorrow() -> DateTime<Utc> {
        now() + chrono::Duration::days(1)
    }

    fn run(db: &crate::plumbing::db::Db, text: &str) -> Result<Report, StatementError> {
        import(
            &mut db.conn().unwrap(),
            text.as_bytes(),
            "statement.csv",
            &Actor::CommandLine,
            &branch(),
            now(),
        )
    }

    /// The status and reason stored for each reference.
    fn stored(db: &crate::plumbing::db::Db) -> Vec<(String, String, String)> {
        db.conn()
            .unwrap()
            .prepare("SELECT reference, status, reason FROM statement_lines ORDER BY reference")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn finds_codes_in_descriptions() {
        let found = |text: &str, code: &str| candidates(text).iter().any(|c| c == code);
        assert!(found("TRF FROM SITI PAYCODE K7P3M9QX", "K7P3M9QX"));
        assert!(found("trf k7p3m9qx/siti", "K7P3M9QX"));
        // As the portal shows it, and as people copy it.
        assert!(found("PAYCODE K7P3-M9QX", "K7P3M9QX"));
        assert!(found("paycode k7p3 m9qx", "K7P3M9QX"));
        assert!(found("PAYCODEK7P3M9QX", "K7P3M9QX"));
        assert_eq!(candidates("K7P3M9QX/X"), vec!["K7P3M9QX"]);
        // Not across other characters, not with letters outside the alphabet (I, L, O, U).
        assert!(candidates("K7P3/M9QX").is_empty());
        assert!(candidates("UUUUUUUU OOOO").is_empty());
        assert!(candidates("ab-cd 12").is_empty());
    }

    #[test]
    fn matches_reviews_and_skips_duplicates() {
        let (_dir, db, loan) = setup();
        let conn = db.conn().unwrap();
        let today = date("2025-06-01");
        let amount = add_code(&conn, "K7P3M9QX", &loan, "extension", today, tomorrow());
        assert_eq!(amount, 16_500);
        add_code(&conn, "AAAA2222", &loan, "extension", today, tomorrow());
        add_code(
            &conn,
            "EXPYREDD",
            &loan,
            "extension",
            today,
            now() - chrono::Duration::days(3),
        );
        conn.execute(
            "UPDATE payment_codes SET cancelled_at = ?1 WHERE code = 'AAAA2222'",
            [now()],
        )
        .unwrap();
        drop(conn);
        let text = "Date,Reference,Amount,Description,Method\n\
                    2025-06-01,BNI-1,16.500,TRF FROM SITI PAYCODE k7p3m9qx,\n\
                    2025-06-01,BNI-2,10.000,SITI PAYCODE K7P3M9QX,mobile_money\n\
                    2025-05-31,BNI-3,16.500,no code here,\n\
                    2025-06-01,BNI-4,16.500,CODE AAAA2222,\n\
                    2025-06-01,BNI-5,16.500,CODE EXPYREDD,\n\
                    2025-06-01,BNI-1,16.500,TRF FROM SITI PAYCODE K7P3M9QX,\n\
                    2025-06-01,BNI-7,99.000,CODES K7P3M9QX AAAA2222,\n";
        let report = run(&db, text).unwrap();
        let outcomes: Vec<(u64, &str, &Outcome)> = report
            .lines
            .iter()
            .map(|l| (l.line, l.reference.as_str(), &l.outcome))
            .collect();
        let payment = match &report.lines[0].outcome {
            Outcome::Matched { payment, .. } => payment.clone(),
            other => panic!("{other:?}"),
        };
        // The applied line has its receipt, which names no cashier but the statement; the
        // imported ticket's own bookkeeping rows have none.
        let conn = db.conn().unwrap();
        let receipt = crate::loans::receipts::of_payment(&conn, &payment)
            .unwrap()
            .unwrap();
        let receipt = crate::loans::receipts::read(&conn, &receipt)
            .unwrap()
            .unwrap();
        assert_eq!(
            (receipt.cashier.as_deref(), receipt.from_statement),
            (None, true)
        );
        assert_eq!(
            (receipt.total(), receipt.reference.as_str()),
            (16_500, "BNI-1")
        );
        let receipts: i64 = conn
            .query_row("SELECT COUNT(*) FROM receipts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(receipts, 1, "one line applied, one receipt");
        drop(conn);
        let review = |reason, code: &str, expected| Outcome::Review {
            reason,
            code: Some(code.to_owned()),
            expected,
            loan: Some((loan.clone(), "OLD-1".to_owned())),
        };
        assert_eq!(
            outcomes,
            vec![
                (
                    2,
                    "BNI-1",
                    &Outcome::Matched {
                        code: "K7P3M9QX".into(),
                        loan: loan.clone(),
                        ticket_no: "OLD-1".into(),
                        payment: payment.clone(),
                    }
                ),
                (
                    3,
                    "BNI-2",
                    &review(Reason::AlreadyPaid, "K7P3M9QX", Some(16_500))
                ),
                (4, "BNI-3", &Outcome::Unmatched),
                (
                    5,
                    "BNI-4",
                    &review(Reason::Cancelled, "AAAA2222", Some(16_500))
                ),
                (
                    6,
                    "BNI-5",
                    &review(Reason::Expired, "EXPYREDD", Some(16_500))
                ),
                (
                    7,
                    "BNI-1",
                    &Outcome::Duplicate {
                        earlier_line: Some(2)
                    }
                ),
                (
                    8,
                    "BNI-7",
                    &Outcome::Review {
                        reason: Reason::SeveralCodes,
                        code: Some("K7P3M9QX".into()),
                        expected: None,
                        loan: None,
                    }
                ),
            ]
        );
        // The extension: the ledger has the payment with the statement's reference, the
        // maturity moved on by the term, the code is paid.
        let conn = db.conn().unwrap();
        let record = ops::load(&conn, &loan).unwrap().unwrap();
        assert_eq!(
            record.maturity,
            date("2026-01-15"),
            "8 more periods of 15 days"
        );
        assert_eq!(record.state, LoanState::Active);
        let rows =
            crate::ledger::entries(&conn, &record.customer, Some(&loan), None, None).unwrap();
        let mut paid: Vec<(&str, i64, &str, Method, NaiveDate)> = rows
            .iter()
            .filter(|r| r.payment.as_ref() == Some(&payment))
            .map(|r| {
                (
                    r.kind.code(),
                    r.amount,
                    r.reference.as_str(),
                    r.method,
                    r.on,
                )
            })
            .collect();
        paid.sort_by_key(|p| p.0);
        assert_eq!(
            paid,
            vec![
                ("fee", 5_000, "BNI-1", Method::BankTransfer, today),
                ("interest", 11_500, "BNI-1", Method::BankTransfer, today),
            ]
        );
        let (paid_at, payment_id): (Option<DateTime<Utc>>, Option<PaymentId>) = conn
            .query_row(
                "SELECT paid_at, payment_id FROM payment_codes WHERE code = 'K7P3M9QX'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((paid_at, payment_id), (Some(now()), Some(payment.clone())));
        assert_eq!(
            stored(&db),
            vec![
                ("BNI-1".into(), "matched".into(), "".into()),
                ("BNI-2".into(), "review".into(), "code_paid".into()),
                ("BNI-3".into(), "unmatched".into(), "no_code".into()),
                ("BNI-4".into(), "review".into(), "code_cancelled".into()),
                ("BNI-5".into(), "review".into(), "code_expired".into()),
                ("BNI-7".into(), "review".into(), "several_codes".into()),
            ]
        );
        let audits: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'payments.import'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audits, 2, "the matched line and the statement");
        drop(conn);

        // The report in words.
        let text = report.to_text("statement.csv", &idr(), Lang::En);
        assert!(text.starts_with("statement.csv: 7 lines, 1 matched and applied, 4 to review, 1 unmatched, 1 already imported (skipped).\n"), "{text}");
        assert!(
            text.contains(
                "  line 2  BNI-1  IDR 16,500  Applied to ticket OLD-1 (payment code K7P3M9QX).\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("  line 7  BNI-1  IDR 16,500  Also on line 2 of this statement.\n"),
            "{text}"
        );

        // The same statement again: every line a duplicate, nothing applied twice.
        let again = run(&db, "date,reference,amount,description\n2025-06-01,BNI-1,16.500,PAYCODE K7P3M9QX\n2025-06-01,BNI-2,10.000,x\n").unwrap();
        assert_eq!(again.count(Group::Duplicate), 2);
        assert_eq!(again.lines.len(), 2);
        let conn = db.conn().unwrap();
        let payments: i64 = conn
            .query_row(
                "SELECT COUNT(DISTINCT payment_id) FROM ledger WHERE reference = 'BNI-1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(payments, 1);
    }

    #[test]
    fn over_and_under_payments_and_changed_amounts_wait_for_review() {
        let (_dir, db, loan) = setup();
        let conn = db.conn().unwrap();
        let today = date("2025-06-01");
        add_code(&conn, "SHRTPAY2", &loan, "extension", today, tomorrow());
        add_code(&conn, "VERPAY22", &loan, "extension", today, tomorrow());
        // Made for the first period's amount, paid after the second period started.
        add_code(
            &conn,
            "WEDPAY22",
            &loan,
            "extension",
            date("2025-05-25"),
            now() + chrono::Duration::days(30),
        );
        drop(conn);
        let text = "date,reference,amount,description\n\
                    2025-06-01,R1,16.000,SHRTPAY2\n\
                    2025-06-01,R2,17.000,VERPAY22\n";
        let report = run(&db, text).unwrap();
        let reasons: Vec<String> = report
            .lines
            .iter()
            .map(|l| Report::detail(l, Lang::En, &idr()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                "Less than payment code SHRTPAY2 asks for: paid IDR 16,000, the code is for IDR 16,500.",
                "More than payment code VERPAY22 asks for: paid IDR 17,000, the code is for IDR 16,500.",
            ]
        );
        // Paying the earlier code on a later date where a new period has started (day 16).
        let later = import(
            &mut db.conn().unwrap(),
            "date,reference,amount,description\n2025-06-05,R3,16.500,WEDPAY22\n".as_bytes(),
            "upload",
            &Actor::CommandLine,
            &branch(),
            now() + chrono::Duration::days(4),
        )
        .unwrap();
        assert!(matches!(
            later.lines[0].outcome,
            Outcome::Review {
                reason: Reason::OwedChanged,
                ..
            }
        ));
        let conn = db.conn().unwrap();
        let payments: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM ledger WHERE kind <> 'disbursement'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(payments, 0, "nothing applied");

        // Resolving: once, never for a matched line, and never money.
        let open = open_lines(&conn, 100).unwrap();
        assert_eq!(open.len(), 3);
        assert_eq!(open[0].expected, Some(16_500));
        assert_eq!(open[0].ticket_no.as_deref(), Some("OLD-1"));
        assert_eq!(
            resolve(&conn, "R1", now()).unwrap(),
            Resolution::Resolved {
                status: Status::Review,
                reason: "underpaid".into()
            }
        );
        assert_eq!(
            resolve(&conn, "R1", now()).unwrap(),
            Resolution::AlreadyResolved
        );
        assert_eq!(resolve(&conn, "nope", now()).unwrap(), Resolution::NotFound);
        assert_eq!(open_count(&conn).unwrap(), 2);
        let payments: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM ledger WHERE kind <> 'disbursement'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(payments, 0);
    }

    #[test]
    fn a_redemption_closes_the_ticket_and_a_partial_payment_reduces_it() {
        let (_dir, db, loan) = setup();
        let conn = db.conn().unwrap();
        let today = date("2025-06-01");
        add_code(&conn, "PARTPAY2", &loan, "payment", today, tomorrow());
        drop(conn);
        let report = run(
            &db,
            "date,reference,amount,description\n2025-06-01,P1,100.000,PARTPAY2\n",
        )
        .unwrap();
        assert_eq!(report.count(Group::Matched), 1);
        let conn = db.conn().unwrap();
        let record = ops::load(&conn, &loan).unwrap().unwrap();
        // Interest and the fee first, then principal.
        let owed = ops::owed_on(&conn, &record, today).unwrap();
        assert_eq!(owed.principal, 916_500);
        add_code(&conn, "REDEEM22", &loan, "redemption", today, tomorrow());
        drop(conn);
        let report = run(
            &db,
            "date,reference,amount,description\n2025-06-01,P2,916.500,REDEEM22\n",
        )
        .unwrap();
        assert_eq!(report.count(Group::Matched), 1, "{report:?}");
        let conn = db.conn().unwrap();
        assert_eq!(
            ops::load(&conn, &loan).unwrap().unwrap().state,
            LoanState::Redeemed
        );
        let matched: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM statement_lines WHERE status = 'matched'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(matched, 2);
        assert!(matches!(
            resolve(&conn, "P2", now()).unwrap(),
            Resolution::Matched
        ));
    }

    #[test]
    fn a_statement_copied_from_a_spreadsheet_with_the_branchs_dates() {
        let (_dir, db, loan) = setup();
        add_code(
            &db.conn().unwrap(),
            "K7P3M9QX",
            &loan,
            "extension",
            date("2025-06-01"),
            tomorrow(),
        );
        // What a spreadsheet copies: cells separated by tabs, CRLF, dates day first.
        let bad = "date\treference\tamount\tdescription\r\n\
                   01/06/2025\tTAB-1\t16.500\tK7P3M9QX, thanks\r\n\
                   31/06/2025\tTAB-2\t1\tx\r\n";
        let Err(StatementError::Invalid(problems)) = run(&db, bad) else {
            panic!("expected problems");
        };
        let shown: Vec<(u64, String)> = problems
            .iter()
            .map(|p| (p.line, p.problem.text(Lang::Id)))
            .collect();
        assert_eq!(
            shown,
            vec![(
                3,
                "date \"31/06/2025\" bukan tanggal dengan format YYYY-MM-DD atau DD/MM/YYYY"
                    .to_owned()
            )]
        );
        let report = run(&db, &bad.replace("31/06/2025", "30/05/2025")).unwrap();
        let lines: Vec<(u64, &str)> = report
            .lines
            .iter()
            .map(|l| (l.line, l.reference.as_str()))
            .collect();
        assert_eq!(lines, vec![(2, "TAB-1"), (3, "TAB-2")]);
        assert_eq!(stored(&db)[0].0, "TAB-1");
        assert_eq!(stored(&db)[0].1, "matched");

        // Where the country writes dates both ways, one that reads two ways is refused.
        let either = Branch {
            date_order: crate::import::dates::DateOrder::of_country("CA"),
            ..branch()
        };
        let text = "date,reference,amount,description\n03/04/2025,E-1,1,x\n";
        let e = import(
            &mut db.conn().unwrap(),
            text.as_bytes(),
            "statement.csv",
            &Actor::CommandLine,
            &either,
            now(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "1 problem in the statement; nothing was imported:\n\
             line 2: date \"03/04/2025\" may be read day first or month first: write it YYYY-MM-DD"
        );
    }

    #[test]
    fn bad_lines_are_listed_and_nothing_is_imported() {
        let (_dir, db, loan) = setup();
        add_code(
            &db.conn().unwrap(),
            "K7P3M9QX",
            &loan,
            "extension",
            date("2025-06-01"),
            tomorrow(),
        );
        let text = "date,reference,amount,description,method\n\
                    2025-06-01,OK-1,16.500,K7P3M9QX,\n\
                    2025-02-30,B-2,1,x,\n\
                    2025-06-02,B-3,1,x,\n\
                    2025-06-01,,0,x,cash\n\
                    ,B-5,,x,\n\
                    2025-06-01,B-6\n\
                    2025-06-01,\"B\x1b[2J\",1,x,\n";
        let e = run(&db, text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "9 problems in the statement; nothing was imported:\n\
             line 3: date \"2025-02-30\" is not a date written YYYY-MM-DD or DD/MM/YYYY\n\
             line 4: date \"2025-06-02\" is after today\n\
             line 5: reference is missing\n\
             line 5: amount \"0\" is not an amount above zero\n\
             line 5: method \"cash\" is not bank_transfer or mobile_money\n\
             line 6: date is missing\n\
             line 6: amount is missing\n\
             line 7: the line has 2 fields but the header row has 5\n\
             line 8: reference holds control characters"
        );
        assert!(stored(&db).is_empty(), "all or nothing");
        let e = run(&db, "date,reference,amount\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "1 problem in the statement; nothing was imported:\nline 1: the header row has no description column (the first line must name the columns, e.g. date,reference,amount,description)"
        );
        let e = run(&db, "date,reference,amount,description,balance\n").unwrap_err();
        assert!(e.to_string().contains("unknown column \"balance\""), "{e}");
    }
}
