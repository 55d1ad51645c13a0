//! The breach pass (the scheduler runs it every few minutes): every unresolved case whose
//! running clock's time is up (the deadline its row keeps, `due`, has passed) is escalated to the CS manager, saying which level was missed
//! and that the case's owner contacts the customer, and, when `[complaints] breach_sms_to`
//! lists numbers, the CS managers are told by SMS; when `breach_email_to` lists addresses,
//! by email too (the email outbox, kind notice). Each clock escalates a case once
//! (`response_breached_at`, `breached_at`), so the pass can run any number of times; a clock
//! that stands still (waiting on the customer) is not late.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::cases::{self, CaseError};
use super::{Case, Escalation};
use crate::email::outbox::{self as email_outbox, Kind as EmailKind, NewEmail};
use crate::plumbing::config::Config;
use crate::plumbing::i18n::{Lang, Msg};
use crate::sms::outbox::{self as sms, Kind, NewSms};

/// Which level a case missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missed {
    FirstResponse,
    Resolution,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pass {
    pub(crate) escalated: usize,
    pub(crate) sms: usize,
    pub(crate) email: usize,
}

/// The notices one escalation queued.
#[derive(Debug, Clone, Copy, Default)]
struct Told {
    sms: usize,
    email: usize,
}

impl Pass {
    /// Counts one escalation and the notices it queued.
    fn add(&mut self, told: Told) {
        self.escalated += 1;
        self.sms += told.sms;
        self.email += told.email;
    }
}

/// Escalates every case late at `now`, in the caller's transaction.
pub(crate) fn run(
    tx: &Transaction,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Pass, CaseError> {
    let late = late_now(tx, now)?;
    let mut pass = Pass::default();
    for case in late {
        let response = case.due.response.is_some_and(|due| due <= now);
        let resolution = case.due.resolution.is_some_and(|due| due <= now);
        if response && case.response_breached_at.is_none() {
            pass.add(escalate(tx, config, &case, Missed::FirstResponse, now)?);
        }
        if resolution && case.breached_at.is_none() {
            pass.add(escalate(tx, config, &case, Missed::Resolution, now)?);
        }
    }
    Ok(pass)
}

/// The unresolved cases with a deadline kept on their row passed at `now` and not yet
/// escalated for it, oldest first.
fn late_now(tx: &Transaction, now: DateTime<Utc>) -> rusqlite::Result<Vec<Case>> {
    tx.prepare_cached(&format!(
        "SELECT {} FROM complaints c {} WHERE c.state IN ('open', 'waiting_on_customer', 'escalated')
           AND ((c.response_due <= ?1 AND c.response_breached_at IS NULL)
             OR (c.resolution_due <= ?1 AND c.breached_at IS NULL))
         ORDER BY c.opened_at, c.id",
        super::CASE_COLUMNS,
        super::CASE_JOINS
    ))?
    .query_map([now], super::read_case)?
    .collect()
}

/// Escalates one late case and tells the CS managers; returns the notices queued.
fn escalate(
    tx: &Transaction,
    config: &Config,
    case: &Case,
    missed: Missed,
    now: DateTime<Utc>,
) -> Result<Told, CaseError> {
    let lang = config.language();
    let level = super::sla::level(
        &config.complaints,
        case.category,
        case.priority,
        case.channel,
    );
    let why = match missed {
        Missed::FirstResponse => lang.fill(
            Msg::ComplaintBreachResponse,
            &[(
                "hours",
                &level.first_response_hours.unwrap_or(0).to_string(),
            )],
        ),
        Missed::Resolution => lang.fill(
            Msg::ComplaintBreachResolution,
            &[("days", &level.resolve_working_days.to_string())],
        ),
    };
    let escalation = Escalation {
        to_whom: lang.t(Msg::ComplaintCsManager).to_owned(),
        reason: why.clone(),
        contact_by: case
            .owner_name
            .clone()
            .unwrap_or_else(|| lang.t(Msg::ComplaintOwnerContacts).to_owned()),
    };
    cases::escalate(tx, &case.id, &escalation, None, config, now)?;
    let column = match missed {
        Missed::FirstResponse => "response_breached_at",
        Missed::Resolution => "breached_at",
    };
    tx.execute(
        &format!("UPDATE complaints SET {column} = ?2 WHERE id = ?1"),
        params![case.id, now],
    )?;
    let late = Late {
        lang,
        case,
        why: &why,
    };
    Ok(Told {
        sms: notify(tx, config, &late, now)?,
        email: notify_by_email(tx, config, &late, now)?,
    })
}

/// What the CS managers are told of a late case, in the branch's language.
struct Late<'a> {
    lang: Lang,
    case: &'a Case,
    why: &'a str,
}

/// Queues the email to the CS managers' addresses; returns how many.
fn notify_by_email(
    tx: &Transaction,
    config: &Config,
    &Late { lang, case, why }: &Late,
    now: DateTime<Utc>,
) -> Result<usize, CaseError> {
    let subject = lang.fill(
        Msg::ComplaintBreachEmailSubject,
        &[("customer", &case.customer_name)],
    );
    let body = lang.fill(
        Msg::ComplaintBreachEmail,
        &[
            ("customer", &case.customer_name),
            ("category", lang.t(case.category.label())),
            ("why", why),
            ("case", &crate::plumbing::paths::complaint(&case.id)),
        ],
    );
    let mut queued = 0;
    for address in config.complaints.breach_emails() {
        let email = NewEmail {
            to: address,
            subject: Some(&subject),
            body: &body,
            kind: EmailKind::Notice,
            expires_at: None,
            customer: None,
        };
        email_outbox::enqueue(tx, &email, now)?;
        queued += 1;
    }
    Ok(queued)
}

/// Queues the SMS to the CS managers' numbers; returns how many.
fn notify(
    tx: &Transaction,
    config: &Config,
    &Late { lang, case, why }: &Late,
    now: DateTime<Utc>,
) -> Result<usize, CaseError> {
    let text = lang.fill(
        Msg::ComplaintBreachSms,
        &[
            ("customer", &case.customer_name),
            ("category", lang.t(case.category.label())),
            ("why", why),
        ],
    );
    let mut queued = 0;
    for number in config.complaints.breach_numbers() {
        // Checked at start-up; a number that no longer reads is skipped, not a failed pass.
        let Ok(to) = crate::plumbing::phone::normalise(number, &config.branch.country) else {
            continue;
        };
        let message = NewSms {
            to: &to,
            text: &text,
            kind: Kind::Notice,
            expires_at: None,
            customer: None,
        };
        sms::enqueue(tx, &message, now)?;
        queued += 1;
    }
    Ok(queued)
}

/// How many unresolved cases are past a deadline (breached): the manager's "today" figure.
pub(crate) fn late_count(conn: &rusqlite::Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "SELECT count(*) FROM complaints WHERE state IN ('open', 'waiting_on_customer', 'escalated')
           AND (breached_at IS NOT NULL OR response_breached_at IS NOT NULL)",
    )?
    .query_row([], |r| r.get(0))
}

/// The unresolved cases escalated by the breach pass, newest breach first, for the dashboard.
pub(crate) fn late(conn: &rusqlite::Connection, limit: u32) -> rusqlite::Result<Vec<Case>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM complaints c {} WHERE c.state IN ('open', 'waiting_on_customer', 'escalated')
           AND (c.breached_at IS NOT NULL OR c.response_breached_at IS NOT NULL)
         ORDER BY max(COALESCE(c.breached_at, ''), COALESCE(c.response_breached_at, '')) DESC LIMIT +?1",
        super::CASE_COLUMNS,
        super::CASE_JOINS
    ))?
    .query_map([limit], super::read_case)?
    .collect()
}

#[cfg(test)]
#[path = "breach_tests.rs"]
mod tests;
