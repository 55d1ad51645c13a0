//! The agents' dashboard (issue 15): per call agent and per week (Monday to Sunday, branch
//! time) the calls made (follow-up notes written), how many reached someone (Call Status
//! "connected") and so the contact rate, the promises to pay made that week and, of those, how
//! many were kept and broken so far, and the amount collected after contact: what the
//! customers the agent reached that week paid on their tickets from the day of the first
//! connected call to the end of the week (a customer reached by two agents counts for both).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use rusqlite::{Connection, params};

use crate::plumbing::ids::StaffId;

/// One agent's week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgentWeek {
    pub(crate) agent: StaffId,
    pub(crate) name: String,
    pub(crate) calls: u32,
    pub(crate) connected: u32,
    pub(crate) promises_made: u32,
    pub(crate) promises_kept: u32,
    pub(crate) promises_broken: u32,
    pub(crate) collected: i64,
}

impl AgentWeek {
    /// Connected calls in per mille of calls (0 without calls), for display as a percentage.
    pub(crate) fn contact_rate_permille(&self) -> u32 {
        (self.connected * 1000).checked_div(self.calls).unwrap_or(0)
    }
}

/// The Monday of the week `day` is in.
pub(crate) fn week_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

fn start_of(day: NaiveDate, offset: FixedOffset) -> DateTime<Utc> {
    let local = day.and_time(NaiveTime::MIN);
    offset
        .from_local_datetime(&local)
        .single()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// Every agent who wrote a note or made a promise in the week starting on Monday `monday`
/// (`only`: that agent alone), by name.
pub(crate) fn week(
    conn: &Connection,
    monday: NaiveDate,
    offset: FixedOffset,
    only: Option<&StaffId>,
) -> rusqlite::Result<Vec<AgentWeek>> {
    let sunday = monday + Duration::days(6);
    let (from, to) = (
        start_of(monday, offset),
        start_of(monday + Duration::days(7), offset),
    );
    conn.prepare_cached(
        "WITH notes AS (
            SELECT staff_id, customer_id, at, call_status FROM followup_notes WHERE at >= ?1 AND at < ?2
         ),
         agents AS (
            SELECT staff_id FROM notes
            UNION SELECT staff_id FROM promises_to_pay WHERE made_at >= ?1 AND made_at < ?2
         ),
         reached AS (
            -- Each customer an agent reached, from the branch-local day of the first such call.
            SELECT staff_id, customer_id, date(MIN(at), ?5) AS since FROM notes
            WHERE call_status = 'connected' GROUP BY staff_id, customer_id
         )
         SELECT a.staff_id, s.full_name,
           (SELECT count(*) FROM notes n WHERE n.staff_id = a.staff_id),
           (SELECT count(*) FROM notes n WHERE n.staff_id = a.staff_id AND n.call_status = 'connected'),
           (SELECT count(*) FROM promises_to_pay p WHERE p.staff_id = a.staff_id AND p.made_at >= ?1 AND p.made_at < ?2),
           (SELECT count(*) FROM promises_to_pay p WHERE p.staff_id = a.staff_id AND p.made_at >= ?1 AND p.made_at < ?2
              AND p.state = 'kept'),
           (SELECT count(*) FROM promises_to_pay p WHERE p.staff_id = a.staff_id AND p.made_at >= ?1 AND p.made_at < ?2
              AND p.state = 'broken'),
           (SELECT COALESCE(SUM(l.amount), 0) FROM reached r
              JOIN loans t ON t.customer_id = r.customer_id
              JOIN ledger l ON l.loan_id = t.id
            WHERE r.staff_id = a.staff_id AND l.kind IN ('interest', 'fee', 'principal')
              AND l.on_date >= r.since AND l.on_date <= ?3
              AND NOT EXISTS (SELECT 1 FROM ledger x WHERE x.reverses = l.id))
         FROM agents a JOIN staff s ON s.id = a.staff_id
         WHERE ?4 IS NULL OR a.staff_id = ?4
         ORDER BY s.full_name, a.staff_id",
    )?
    .query_map(
        params![from, to, sunday, only, offset_modifier(offset)],
        |r| {
            Ok(AgentWeek {
                agent: r.get(0)?,
                name: r.get(1)?,
                calls: r.get(2)?,
                connected: r.get(3)?,
                promises_made: r.get(4)?,
                promises_kept: r.get(5)?,
                promises_broken: r.get(6)?,
                collected: r.get(7)?,
            })
        },
    )?
    .collect()
}

/// SQLite's date modifier for the branch's offset ("+420 minutes").
fn offset_modifier(offset: FixedOffset) -> String {
    format!("{:+} minutes", offset.local_minus_utc() / 60)
}

/// The week as CSV (RFC 4180): a header line, then one line per agent; amounts in minor units.
pub(crate) fn csv(rows: &[AgentWeek], monday: NaiveDate) -> String {
    let mut out = String::from(
        "week,agent,calls,connected,contact_rate_percent,promises_made,promises_kept,promises_broken,collected_after_contact\r\n",
    );
    for r in rows {
        let rate = r.contact_rate_permille();
        out.push_str(&format!(
            "{monday},{},{},{},{}.{},{},{},{},{}\r\n",
            csv_field(&r.name),
            r.calls,
            r.connected,
            rate / 10,
            rate % 10,
            r.promises_made,
            r.promises_kept,
            r.promises_broken,
            r.collected
        ));
    }
    out
}

/// A CSV field, quoted when it must be; a leading =, +, - or @ is neutralised so that a
/// spreadsheet does not run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::callcentre::notes::tests::{pay, reached, rules, today, world};
    use crate::callcentre::notes::{self, NewNote};
    use crate::callcentre::promises;

    fn jakarta() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    /// Branch-local (UTC+7) `hour` o'clock on `day`.
    fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
        (day.and_hms_opt(hour, 0, 0).unwrap() - Duration::hours(7)).and_utc()
    }

    #[test]
    fn the_week_matches_an_independent_count_of_the_same_events() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let r = rules();
        let monday = week_of(today());
        assert_eq!(monday.weekday(), chrono::Weekday::Mon);
        let (tue, wed, next_mon) = (
            monday + Duration::days(1),
            monday + Duration::days(2),
            monday + Duration::days(7),
        );
        // Written by hand: 4 calls this week (one the Sunday before, one the Monday after do
        // not count), 2 connected, 2 promises made (one kept, one replaced then broken).
        let not_reached = NewNote {
            call_result: "busy",
            call_status: "not_connected",
            status_action: "try_later",
            party_response: "no_response",
            client_status: "unreachable",
            comments: "",
            ..reached(&w.customer)
        };
        let promise = |amount, on| NewNote {
            loan: Some(&w.loan),
            party_response: "promise_to_pay",
            promised_amount: Some(amount),
            promised_date: Some(on),
            ..reached(&w.customer)
        };
        let sunday_before = monday - Duration::days(1);
        notes::add(
            &conn,
            &w.agent,
            &not_reached,
            &r,
            sunday_before,
            at(sunday_before, 10),
        )
        .unwrap();
        notes::add(&conn, &w.agent, &not_reached, &r, tue, at(tue, 9)).unwrap();
        notes::add(&conn, &w.agent, &promise(40_000, tue), &r, tue, at(tue, 10)).unwrap();
        notes::add(&conn, &w.agent, &not_reached, &r, wed, at(wed, 9)).unwrap();
        notes::add(
            &conn,
            &w.agent,
            &promise(90_000, wed + Duration::days(1)),
            &r,
            wed,
            at(wed, 11),
        )
        .unwrap();
        notes::add(&conn, &w.agent, &not_reached, &r, next_mon, at(next_mon, 9)).unwrap();
        // Paid 40,000 on Tuesday, 10,000 on Thursday; 5,000 the Monday before the first contact.
        pay(&conn, &w, 5_000, monday, 9);
        pay(&conn, &w, 40_000, tue, 15);
        let thu = wed + Duration::days(1);
        pay(&conn, &w, 10_000, thu, 15);
        // The 40,000 promise was replaced on Wednesday, the 90,000 one is broken on Friday.
        let fri = thu + Duration::days(1);
        promises::settle(&conn, fri, at(fri, 0)).unwrap();
        let rows = week(&conn, monday, jakarta(), None).unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        // The independent count, by plain queries of the week's rows.
        let q = |sql: &str| -> i64 {
            conn.query_row(sql, params![at(monday, 0), at(next_mon, 0)], |r| r.get(0))
                .unwrap()
        };
        let calls = q("SELECT count(*) FROM followup_notes WHERE at >= ?1 AND at < ?2");
        let connected = q(
            "SELECT count(*) FROM followup_notes WHERE at >= ?1 AND at < ?2 AND call_status = 'connected'",
        );
        assert_eq!(
            (i64::from(row.calls), i64::from(row.connected)),
            (calls, connected)
        );
        assert_eq!((row.calls, row.connected), (4, 2), "by hand");
        assert_eq!(row.contact_rate_permille(), 500);
        assert_eq!(
            (row.promises_made, row.promises_kept, row.promises_broken),
            (2, 0, 1)
        );
        assert_eq!(
            row.collected, 50_000,
            "Tuesday's and Thursday's, not Monday's"
        );
        let mine = week(&conn, monday, jakarta(), Some(&w.agent.id)).unwrap();
        assert_eq!(mine, rows);
        let text = csv(&rows, monday);
        assert_eq!(text.lines().count(), 2);
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .ends_with(",4,2,50.0,2,0,1,50000"),
            "{text}"
        );
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("Siti, \"Ani\""), "\"Siti, \"\"Ani\"\"\"");
    }
}
