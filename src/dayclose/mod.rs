//! The day's close (issue 16): the end-of-day report of a branch, counted from the records
//! themselves (the ledger for money, the tickets' events for what happened to them, the SMS
//! outbox), and the close itself, refused while a drawer of the day is still open. A closed
//! day is one row of `day_closes` (who, when); the report is read again at any time, so the
//! printed sheet and the CSV are the same figures.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::drawers::statements::{self, MethodMatch};
use crate::drawers::{self, Drawer, MethodTotal};
use crate::ledger::accounts::Account;
use crate::plumbing::ids::StaffId;

pub(crate) mod trends;

/// Why a day could not be closed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CloseError {
    #[error("{0} cash drawer(s) of the day are still open")]
    DrawersOpen(usize),
    #[error("the day is closed already")]
    AlreadyClosed,
    #[error("a day is closed once it has begun")]
    NotYet,
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// A count and the money it moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) count: i64,
    pub(crate) amount: i64,
}

/// The figures of one business day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) day: NaiveDate,
    /// Tickets paid out (count, principal).
    pub(crate) loans_written: Tally,
    /// Payments taken (count of payments, total), of which extensions and redemptions.
    pub(crate) payments: Tally,
    pub(crate) extensions: i64,
    pub(crate) redemptions: i64,
    /// Tickets that became forfeited.
    pub(crate) forfeits: i64,
    /// Sales of forfeited items (count, net proceeds).
    pub(crate) disposals: Tally,
    /// Interest and fees paid by customers, net of the day's reversals.
    pub(crate) interest_taken: i64,
    pub(crate) fees_taken: i64,
    pub(crate) drawers: Vec<(Drawer, i64)>,
    pub(crate) methods: Vec<MethodTotal>,
    /// The non-cash methods against the imported statements.
    pub(crate) statements: Vec<MethodMatch>,
    /// The drawers' counts: the sum over and the sum short (as a positive amount).
    pub(crate) over: i64,
    pub(crate) short: i64,
    pub(crate) sms_sent: i64,
    pub(crate) sms_failed: i64,
    /// Complaint cases opened during the day.
    pub(crate) complaints_opened: i64,
    /// Cases the breach pass found late during the day (first response or resolution).
    pub(crate) complaints_breached: i64,
    /// Who closed the day, and when.
    pub(crate) closed: Option<(String, DateTime<Utc>)>,
}

/// The instants a branch-local day runs between, as UTC.
fn bounds(day: NaiveDate, offset: FixedOffset) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_local_timezone(offset)
            .single()
            .map_or_else(
                || d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
                |t| t.with_timezone(&Utc),
            )
    };
    (start(day), start(day.succ_opt().unwrap_or(day)))
}

/// One number from a query with the day (`?1`) and its bounds (`?2`, `?3`).
fn number(
    conn: &Connection,
    sql: &str,
    day: NaiveDate,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> rusqlite::Result<i64> {
    conn.prepare_cached(sql)?
        .query_row(params![day, from, to], |r| r.get(0))
}

/// A count and a sum from a query with the day and its bounds.
fn tally(
    conn: &Connection,
    sql: &str,
    day: NaiveDate,
    span: (DateTime<Utc>, DateTime<Utc>),
) -> rusqlite::Result<Tally> {
    let (from, to) = span;
    conn.prepare_cached(sql)?
        .query_row(params![day, from, to], |r| {
            Ok(Tally {
                count: r.get(0)?,
                amount: r.get(1)?,
            })
        })
}

/// The report of `day` (branch-local, `offset` from UTC).
pub(crate) fn report(
    conn: &Connection,
    day: NaiveDate,
    offset: FixedOffset,
) -> rusqlite::Result<Report> {
    let span = bounds(day, offset);
    let (from, to) = span;
    let state_to = |state: &str| -> rusqlite::Result<i64> {
        conn.prepare_cached(
            "SELECT COUNT(*) FROM loan_events WHERE kind = 'state' AND to_value = ?1 AND at >= ?2 AND at < ?3",
        )?
        .query_row(params![state, from, to], |r| r.get(0))
    };
    let received = |account: Account| -> rusqlite::Result<i64> {
        // Credits by the day's payments, less the debits of the day's reversals of them.
        let mut stmt = conn.prepare_cached(
            "SELECT kind, side, amount FROM ledger_day_totals WHERE account = ?2 AND on_date = ?1",
        )?;
        let mut rows = stmt.query(params![day, account.code()])?;
        let mut sum = 0;
        while let Some(r) = rows.next()? {
            let (kind, side) = (r.get_ref(0)?.as_str()?, r.get_ref(1)?.as_str()?);
            sum += trends::taken(account.code(), kind, side, r.get(2)?);
        }
        Ok(sum)
    };
    let drawers: Vec<(Drawer, i64)> = drawers::of_day(conn, day)?
        .into_iter()
        .map(|d| {
            let balance = drawers::expected(conn, &d.id)?;
            Ok((d, balance))
        })
        .collect::<rusqlite::Result<_>>()?;
    let differences: Vec<i64> = drawers.iter().filter_map(|(d, _)| d.over_short()).collect();
    Ok(Report {
        day,
        loans_written: tally(
            conn,
            "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM ledger WHERE kind = 'disbursement' AND on_date = ?1 AND ?2 = ?2 AND ?3 = ?3",
            day,
            span,
        )?,
        payments: tally(
            conn,
            "SELECT COUNT(DISTINCT payment_id), COALESCE(SUM(amount), 0) FROM ledger
             WHERE kind IN ('interest', 'fee', 'principal') AND on_date = ?1 AND ?2 = ?2 AND ?3 = ?3",
            day,
            span,
        )?,
        extensions: number(
            conn,
            "SELECT COUNT(*) FROM loan_events WHERE kind = 'extension' AND at >= ?2 AND at < ?3 AND ?1 = ?1",
            day,
            span,
        )?,
        redemptions: state_to("redeemed")?,
        forfeits: state_to("forfeited")?,
        disposals: tally(
            conn,
            "SELECT COUNT(*), COALESCE(SUM(price - costs), 0) FROM disposal_sales WHERE on_date = ?1 AND ?2 = ?2 AND ?3 = ?3",
            day,
            span,
        )?,
        interest_taken: received(Account::InterestReceivable)?,
        fees_taken: received(Account::FeesReceivable)?,
        over: differences.iter().filter(|d| **d > 0).sum(),
        short: -differences.iter().filter(|d| **d < 0).sum::<i64>(),
        drawers,
        methods: drawers::method_totals(conn, day)?,
        statements: statements::day_match(conn, day)?,
        sms_sent: number(
            conn,
            "SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent' AND sent_at >= ?2 AND sent_at < ?3 AND ?1 = ?1",
            day,
            span,
        )?,
        sms_failed: number(
            conn,
            "SELECT COUNT(*) FROM sms_outbox WHERE state = 'failed' AND updated_at >= ?2 AND updated_at < ?3 AND ?1 = ?1",
            day,
            span,
        )?,
        complaints_opened: number(
            conn,
            "SELECT COUNT(*) FROM complaints WHERE opened_at >= ?2 AND opened_at < ?3 AND ?1 = ?1",
            day,
            span,
        )?,
        complaints_breached: number(
            conn,
            "SELECT COUNT(*) FROM complaints
             WHERE ((response_breached_at >= ?2 AND response_breached_at < ?3)
                OR (breached_at >= ?2 AND breached_at < ?3)) AND ?1 = ?1",
            day,
            span,
        )?,
        closed: closed(conn, day)?,
    })
}

/// Who closed `day` and when, if it is closed.
pub(crate) fn closed(
    conn: &Connection,
    day: NaiveDate,
) -> rusqlite::Result<Option<(String, DateTime<Utc>)>> {
    conn.prepare_cached(
        "SELECT s.full_name, c.at FROM day_closes c JOIN staff s ON s.id = c.staff_id WHERE c.day = ?1",
    )?
    .query_row([day], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Closes `day`: refused while any drawer opened on it (or before) is open, once closed, and
/// before the day has begun (`today` is the branch's date now).
pub(crate) fn close(
    conn: &Connection,
    day: NaiveDate,
    today: NaiveDate,
    staff: &StaffId,
    at: DateTime<Utc>,
) -> Result<(), CloseError> {
    if day > today {
        return Err(CloseError::NotYet);
    }
    if closed(conn, day)?.is_some() {
        return Err(CloseError::AlreadyClosed);
    }
    let open: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM cash_drawers WHERE closed_at IS NULL AND opened_on <= ?1",
        )?
        .query_row([day], |r| r.get(0))?;
    if open > 0 {
        return Err(CloseError::DrawersOpen(
            usize::try_from(open).unwrap_or(usize::MAX),
        ));
    }
    conn.prepare_cached("INSERT INTO day_closes (day, staff_id, at) VALUES (?1, ?2, ?3)")?
        .execute(params![day, staff, at])?;
    Ok(())
}

/// The report as CSV: one `figure,value` line each (amounts in minor units), then one line
/// per drawer.
pub(crate) fn csv(r: &Report) -> String {
    let mut out = String::from("figure,value\n");
    let mut line = |name: &str, value: i64| out.push_str(&format!("{name},{value}\n"));
    line("loans_written", r.loans_written.count);
    line("principal_written", r.loans_written.amount);
    line("payments", r.payments.count);
    line("payments_total", r.payments.amount);
    line("extensions", r.extensions);
    line("redemptions", r.redemptions);
    line("forfeits", r.forfeits);
    line("disposals", r.disposals.count);
    line("disposals_net", r.disposals.amount);
    line("interest_taken", r.interest_taken);
    line("fees_taken", r.fees_taken);
    line("drawers_over", r.over);
    line("drawers_short", r.short);
    for m in &r.methods {
        line(&format!("{}_received", m.method.code()), m.received);
        line(&format!("{}_paid", m.method.code()), m.paid);
    }
    for m in &r.statements {
        line(&format!("{}_statement", m.method.code()), m.statement);
        line(&format!("{}_difference", m.method.code()), m.difference());
    }
    line("sms_sent", r.sms_sent);
    line("sms_failed", r.sms_failed);
    line("complaints_opened", r.complaints_opened);
    line("complaints_breached", r.complaints_breached);
    out.push_str("\ndrawer,clerk,float,expected,counted,over_short\n");
    for (d, expected) in &r.drawers {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            d.id,
            text_cell(&d.clerk),
            d.float,
            d.expected.unwrap_or(*expected),
            opt(d.counted),
            opt(d.over_short())
        ));
    }
    statement_lines(&mut out, &r.statements);
    out
}

/// The lines that explain each method's difference from its statements: one per statement
/// line no payment of the day accounts for (`statement`, its reference) and per payment no
/// statement line confirms (`payment`, with its id), with the other day the reference is on.
fn statement_lines(out: &mut String, matches: &[MethodMatch]) {
    out.push_str("\nmethod,side,reference,amount,payment,other_day\n");
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for m in matches {
        let method = m.method.code();
        for l in &m.lone_lines {
            out.push_str(&format!(
                "{method},statement,{},{},,{}\n",
                text_cell(&l.reference),
                l.amount,
                day(l.booked_on)
            ));
        }
        for p in &m.lone_payments {
            out.push_str(&format!(
                "{method},payment,{},{},{},{}\n",
                text_cell(&p.reference),
                p.amount,
                p.key,
                day(p.on_statement)
            ));
        }
    }
}

/// A text of people (a clerk's name, a bank's reference) as a CSV cell: quoted, quotes
/// doubled, and never read as a formula by a spreadsheet.
fn text_cell(text: &str) -> String {
    let text = text.replace('"', "\"\"");
    match text.starts_with(['=', '+', '-', '@']) {
        true => format!("\"'{text}\""),
        false => format!("\"{text}\""),
    }
}

#[cfg(test)]
mod tests;
