//! A payout's state: sent, failed (reversed in the ledger, charges credited, nothing owed
//! meanwhile), made again (linked, the periods counted from then), and the refusals.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;

use super::*;
use crate::ledger::statement::Statement;
use crate::loans::charges;
use crate::loans::ops::Purpose;
use crate::loans::ops::tests::{customer_and_gold, paid_out, paid_out_by, pay_cash, staff_member};
use crate::plumbing::ids::{CustomerId, ProductId};
use crate::roles::Role;

/// Whether the ticket's payout waits to be made again, as the ticket is read.
fn waits(conn: &Connection, loan: &LoanId) -> bool {
    crate::loans::ops::load(conn, loan)
        .unwrap()
        .unwrap()
        .payout_waits
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A moment on a business date, `n` seconds into it (so rows keep their order).
fn at(day: NaiveDate, n: i64) -> DateTime<Utc> {
    day.and_hms_opt(2, 0, 0).unwrap().and_utc() + Duration::seconds(n)
}

struct Branch {
    _dir: tempfile::TempDir,
    db: crate::plumbing::db::Db,
    customer: CustomerId,
    gold: ProductId,
    manager: StaffUser,
}

fn branch() -> Branch {
    let (dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    let now = at(date("2026-03-01"), 0);
    let (customer, gold) = customer_and_gold(&conn, "Siti", now);
    let manager = staff_member(&conn, Role::Manager, now);
    drop(conn);
    Branch {
        _dir: dir,
        db,
        customer,
        gold,
        manager,
    }
}

/// A ticket of 900,000 paid out by bank transfer on `day`, and its payout.
fn by_transfer(conn: &Connection, b: &Branch, day: NaiveDate) -> (LoanId, Disbursement) {
    let payout = (Method::BankTransfer, "TRF-1");
    let (loan, _) = paid_out_by(
        conn,
        &b.customer,
        &b.gold,
        &b.manager.id,
        900_000,
        payout,
        day,
        at(day, 0),
    );
    let mut payouts = of_ticket(conn, &loan).unwrap();
    assert_eq!(payouts.len(), 1);
    (loan, payouts.remove(0))
}

fn statement(conn: &Connection, b: &Branch, loan: &LoanId, today: NaiveDate) -> Statement {
    charges::statement_of(conn, &b.customer, Some(loan), (None, None), today).unwrap()
}

fn payoff(conn: &Connection, loan: &LoanId, today: NaiveDate) -> i64 {
    let record = ops::load(conn, loan).unwrap().unwrap();
    ops::owed_on(conn, &record, today).unwrap().payoff()
}

/// The balance of one account over the whole ledger (debits minus credits).
fn account(conn: &Connection, name: &str) -> i64 {
    conn.query_row(
        "SELECT COALESCE(SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END), 0)
         FROM ledger_postings WHERE account = ?1",
        [name],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_transfer_is_sent_marked_failed_and_made_again_by_mobile_money() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let day = date("2026-03-02");
    let (loan, sent) = by_transfer(&conn, &b, day);
    assert_eq!(
        (sent.state, sent.method, sent.amount),
        (State::Sent, Method::BankTransfer, 900_000)
    );
    assert_eq!(sent.sent_by.as_deref(), Some("Test manager"));
    assert!(!waits(&conn, &loan));
    charges::post_due_charges(
        &conn,
        &ops::load(&conn, &loan).unwrap().unwrap(),
        day,
        at(day, 1),
    )
    .unwrap();

    mark_failed(
        &conn,
        &sent.id,
        "account closed",
        &b.manager,
        day,
        at(day, 10),
    )
    .unwrap();
    let failed = get(&conn, &sent.id).unwrap().unwrap();
    assert_eq!(failed.state, State::Failed);
    assert_eq!(failed.failed_at, Some(at(day, 10)));
    assert_eq!(
        (failed.failed_by.as_deref(), failed.failed_reason.as_str()),
        (Some("Test manager"), "account closed")
    );
    assert!(waits(&conn, &loan));
    // The reversal balances, and the customer owes nothing: no principal, no charges.
    assert!(
        crate::ledger::postings::unbalanced(&conn)
            .unwrap()
            .is_empty()
    );
    assert_eq!(account(&conn, "bank_clearing"), 0);
    assert_eq!(
        ledger::balances(&conn, &loan, day).unwrap(),
        ledger::Balances::default()
    );
    assert_eq!(statement(&conn, &b, &loan, day).closing, 0);
    // Nothing falls due while the payout waits, however long.
    let later = day + Duration::days(40);
    assert!(
        charges::due(&conn, &ops::load(&conn, &loan).unwrap().unwrap(), later)
            .unwrap()
            .is_empty()
    );

    let again = Again {
        method: Method::MobileMoney,
        reference: " WALLET-9 ",
    };
    make_again(&conn, &sent.id, &again, &b.manager, later, at(later, 0)).unwrap();
    let payouts = of_ticket(&conn, &loan).unwrap();
    assert_eq!(payouts.len(), 2);
    assert_eq!(payouts[0].state, State::MadeAgain);
    assert_eq!(payouts[1].state, State::Sent);
    assert_eq!(payouts[1].replaces.as_ref(), Some(&sent.id));
    assert_eq!(
        (payouts[1].method, payouts[1].reference.as_str()),
        (Method::MobileMoney, "WALLET-9")
    );
    assert!(!waits(&conn, &loan));
    assert_eq!(account(&conn, "bank_clearing"), 0);
    assert_eq!(account(&conn, "mobile_money_clearing"), -900_000);

    // The statement and `terms::owed` agree after the remake, and the ticket owes what a ticket
    // written that day owes: interest runs from the day the money went out.
    let record = ops::load(&conn, &loan).unwrap().unwrap();
    assert_eq!(record.start, later);
    let fresh = paid_out(
        &conn,
        &b.customer,
        &b.gold,
        &b.manager.id,
        900_000,
        later,
        at(later, 5),
    )
    .0;
    for today in [later, later + Duration::days(20)] {
        let closing = statement(&conn, &b, &loan, today).closing;
        assert_eq!(closing, payoff(&conn, &loan, today), "on {today}");
        assert_eq!(closing, payoff(&conn, &fresh, today), "on {today}");
    }
    charges::post_due_charges(&conn, &record, later, at(later, 9)).unwrap();
    assert_eq!(
        ledger::balances(&conn, &loan, later).unwrap().owed(),
        payoff(&conn, &loan, later)
    );
    assert!(
        crate::ledger::postings::unbalanced(&conn)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn cash_has_no_state_and_a_cash_remake_cannot_be_marked_failed() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let day = date("2026-03-02");
    let (cash, _) = paid_out(
        &conn,
        &b.customer,
        &b.gold,
        &b.manager.id,
        500_000,
        day,
        at(day, 0),
    );
    assert!(of_ticket(&conn, &cash).unwrap().is_empty());

    let (loan, sent) = by_transfer(&conn, &b, day);
    mark_failed(
        &conn,
        &sent.id,
        "wrong account",
        &b.manager,
        day,
        at(day, 10),
    )
    .unwrap();
    let in_cash = Again {
        method: Method::Cash,
        reference: "",
    };
    make_again(&conn, &sent.id, &in_cash, &b.manager, day, at(day, 20)).unwrap();
    let remade = of_ticket(&conn, &loan).unwrap().pop().unwrap();
    assert_eq!((remade.method, remade.state), (Method::Cash, State::Sent));
    let refused = mark_failed(
        &conn,
        &remade.id,
        "changed my mind",
        &b.manager,
        day,
        at(day, 30),
    );
    assert!(
        matches!(refused, Err(DisbursementError::Cash)),
        "{refused:?}"
    );
    assert_eq!(
        refused.unwrap_err().message(),
        Some(Msg::DisbursementCashCannotFail)
    );
}

#[test]
fn refusals_leave_the_payout_and_the_ledger_as_they_were() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let day = date("2026-03-02");
    let (loan, sent) = by_transfer(&conn, &b, day);
    let rows = || -> i64 {
        conn.query_row("SELECT count(*) FROM ledger", [], |r| r.get(0))
            .unwrap()
    };
    let before = rows();
    let again = Again {
        method: Method::BankTransfer,
        reference: "TRF-2",
    };
    assert!(matches!(
        make_again(&conn, &sent.id, &again, &b.manager, day, at(day, 5)),
        Err(DisbursementError::NotFailed)
    ));
    for reason in ["", "no", "two\nlines", &"x".repeat(MAX_REASON_CHARS + 1)] {
        let refused = mark_failed(&conn, &sent.id, reason, &b.manager, day, at(day, 6));
        assert!(
            matches!(refused, Err(DisbursementError::Reason)),
            "{reason:?}: {refused:?}"
        );
    }
    let nothing = Again {
        method: Method::None,
        reference: "",
    };
    assert!(matches!(
        make_again(&conn, &sent.id, &nothing, &b.manager, day, at(day, 7)),
        Err(DisbursementError::Method)
    ));
    assert_eq!(rows(), before);
    assert_eq!(get(&conn, &sent.id).unwrap().unwrap().state, State::Sent);

    mark_failed(
        &conn,
        &sent.id,
        "bank returned it",
        &b.manager,
        day,
        at(day, 10),
    )
    .unwrap();
    // Nothing can be paid on a ticket whose payout waits: the customer owes nothing.
    let paying = pay_cash(
        &conn,
        &loan,
        &b.manager.id,
        50_000,
        Purpose::Partial,
        day,
        at(day, 10),
    );
    assert!(
        matches!(paying, Err(ops::PaymentError::PayoutOutstanding)),
        "{paying:?}"
    );
    let twice = mark_failed(
        &conn,
        &sent.id,
        "bank returned it",
        &b.manager,
        day,
        at(day, 11),
    );
    assert!(
        matches!(twice, Err(DisbursementError::NotSent)),
        "{twice:?}"
    );

    // A ticket something was paid on: the customer had the money.
    let (paid, payout) = by_transfer(&conn, &b, day);
    pay_cash(
        &conn,
        &paid,
        &b.manager.id,
        50_000,
        Purpose::Partial,
        day,
        at(day, 40),
    )
    .unwrap();
    let refused = mark_failed(
        &conn,
        &payout.id,
        "bank returned it",
        &b.manager,
        day,
        at(day, 41),
    );
    assert!(
        matches!(refused, Err(DisbursementError::PaidOn)),
        "{refused:?}"
    );
    assert_eq!(get(&conn, &payout.id).unwrap().unwrap().state, State::Sent);
    assert!(!waits(&conn, &paid));
}

#[test]
fn the_migration_keeps_earlier_transfers_as_sent() {
    // V29 gives every non-cash payout already in the ledger the state sent; a test database
    // is migrated before any ticket exists, so this inserts as V29's backfill would find it.
    let b = branch();
    let conn = b.db.conn().unwrap();
    let day = date("2026-03-02");
    let (loan, sent) = by_transfer(&conn, &b, day);
    conn.execute("DELETE FROM disbursements", []).unwrap();
    let sql = include_str!("../../migrations/branch/V29__disbursement_state.sql");
    let backfill = &sql[sql.find("INSERT INTO disbursements").unwrap()..];
    let backfill = &backfill[..backfill.find(";\n").unwrap() + 1];
    conn.execute_batch(backfill).unwrap();
    let payouts = of_ticket(&conn, &loan).unwrap();
    assert_eq!(payouts.len(), 1);
    assert_eq!(
        (payouts[0].state, payouts[0].ledger.clone()),
        (State::Sent, sent.ledger)
    );
}

#[test]
fn v29_widens_the_two_check_lists_and_leaves_the_schema_sound() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let sql = |table: &str| -> String {
        conn.query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(sql("email_outbox").contains("'test', 'notice'"));
    assert!(sql("complaint_events").contains("'disbursement', 'email_corrected'"));
    // The lists still refuse what they do not name.
    let refused = conn.execute(
        "INSERT INTO email_outbox (id, recipient, subject, body, kind, priority, state, next_attempt_at, created_at, updated_at)
         VALUES ('E1', 'a@b.test', 's', 'b', 'anything', 1, 'queued', '', '', '')",
        [],
    );
    assert!(refused.is_err());
}

/// The statement line of a ticket's first payout.
fn payout_line(
    conn: &Connection,
    b: &Branch,
    loan: &LoanId,
    day: NaiveDate,
) -> ledger::statement::Line {
    statement(conn, b, loan, day)
        .lines
        .into_iter()
        .find(|l| l.kind == ledger::EntryKind::Disbursement)
        .unwrap()
}

#[test]
fn a_payout_with_a_state_is_not_reversed_by_the_general_correction() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let day = date("2026-03-02");
    let rows = || -> i64 {
        conn.query_row("SELECT count(*) FROM ledger", [], |r| r.get(0))
            .unwrap()
    };
    let reverse = |row: &LedgerId, n: i64| {
        ledger::reverse(&conn, row, "wrong ticket", &b.manager.id, day, at(day, n))
    };
    let (loan, sent) = by_transfer(&conn, &b, day);
    assert!(payout_line(&conn, &b, &loan, day).payout_with_state);
    let before = rows();
    let refused = reverse(&sent.ledger, 5);
    assert!(
        matches!(refused, Err(ReversalError::PayoutWithState)),
        "a sent transfer is marked failed instead: {refused:?}"
    );
    assert_eq!(rows(), before, "nothing written");
    assert_eq!(get(&conn, &sent.id).unwrap().unwrap().state, State::Sent);

    // Marked failed: neither the payout nor the reversal that marked it failed is reversed.
    mark_failed(
        &conn,
        &sent.id,
        "account closed",
        &b.manager,
        day,
        at(day, 10),
    )
    .unwrap();
    let failed = get(&conn, &sent.id).unwrap().unwrap();
    let reversal: LedgerId = conn
        .query_row(
            "SELECT reversal_id FROM disbursements WHERE id = ?1",
            [&failed.id],
            |r| r.get(0),
        )
        .unwrap();
    let before = rows();
    for row in [&failed.ledger, &reversal] {
        let refused = reverse(row, 11);
        assert!(
            matches!(refused, Err(ReversalError::PayoutWithState)),
            "{row}: {refused:?}"
        );
    }
    assert_eq!(rows(), before);
    assert!(waits(&conn, &loan), "the payout still waits");

    // Made again by mobile money: the new payout has a state too.
    let again = Again {
        method: Method::MobileMoney,
        reference: "WALLET-9",
    };
    make_again(&conn, &sent.id, &again, &b.manager, day, at(day, 20)).unwrap();
    let remade = of_ticket(&conn, &loan).unwrap().pop().unwrap();
    let refused = reverse(&remade.ledger, 21);
    assert!(
        matches!(refused, Err(ReversalError::PayoutWithState)),
        "{refused:?}"
    );
    assert_eq!(get(&conn, &remade.id).unwrap().unwrap().state, State::Sent);

    // Cash has no state: the general correction stays, and the statement offers it.
    let (cash, _) = paid_out(
        &conn,
        &b.customer,
        &b.gold,
        &b.manager.id,
        500_000,
        day,
        at(day, 30),
    );
    let line = payout_line(&conn, &b, &cash, day);
    assert!(!line.payout_with_state);
    reverse(line.id.as_ref().unwrap(), 31).unwrap();
    assert!(payout_line(&conn, &b, &cash, day).reversed());
}

/// The states pass on `day`: the tickets it moved, by id, with their new state.
fn states_pass(conn: &Connection, day: NaiveDate) -> Vec<(LoanId, crate::loans::LoanState)> {
    ops::advance_states(conn, day, at(day, 50))
        .unwrap()
        .into_iter()
        .map(|(t, s)| (t.id, s))
        .collect()
}

fn state_of(conn: &Connection, loan: &LoanId) -> crate::loans::LoanState {
    ops::load(conn, loan).unwrap().unwrap().state
}

#[test]
fn a_ticket_whose_payout_waits_does_not_go_overdue_or_forfeit_until_it_is_made_again() {
    use crate::loans::LoanState;
    let b = branch();
    let conn = b.db.conn().unwrap();
    let day = date("2026-03-02");
    let (waiting, sent) = by_transfer(&conn, &b, day);
    let (paid, _) = paid_out(
        &conn,
        &b.customer,
        &b.gold,
        &b.manager.id,
        900_000,
        day,
        at(day, 1),
    );
    // A second transfer, marked failed only once it is due.
    let (late, late_payout) = by_transfer(&conn, &b, day);
    mark_failed(
        &conn,
        &sent.id,
        "account closed",
        &b.manager,
        day,
        at(day, 10),
    )
    .unwrap();
    let record = ops::load(&conn, &waiting).unwrap().unwrap();
    let t = &record.terms;
    let maturity = record.maturity;
    let grace = Duration::days(i64::from(t.grace_days));
    let pull = grace + Duration::days(i64::from(t.notice_days) + i64::from(t.forfeit_days));

    let moved = states_pass(&conn, maturity);
    assert!(moved.contains(&(paid.clone(), LoanState::Due)), "{moved:?}");
    assert!(moved.contains(&(late.clone(), LoanState::Due)), "{moved:?}");
    assert!(!moved.iter().any(|(id, _)| *id == waiting), "{moved:?}");
    mark_failed(
        &conn,
        &late_payout.id,
        "wallet closed",
        &b.manager,
        maturity,
        at(maturity, 60),
    )
    .unwrap();
    // The clock moves on past grace, notice and forfeiture: the cash ticket goes all the way,
    // the tickets whose payout waits stay Active (the one already due goes back), owing nothing.
    for today in [
        maturity + grace,
        maturity + grace + Duration::days(1),
        maturity + pull + Duration::days(30),
    ] {
        states_pass(&conn, today);
        assert_eq!(state_of(&conn, &waiting), LoanState::Active, "{today}");
        assert_eq!(state_of(&conn, &late), LoanState::Active, "{today}");
        assert_eq!(payoff(&conn, &waiting, today), 0, "{today}");
    }
    assert_eq!(state_of(&conn, &paid), LoanState::Forfeited);
    let closed: Option<String> = conn
        .query_row(
            "SELECT closed_at FROM loans WHERE id = ?1",
            [&waiting],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(closed, None);

    // Made again: its periods count from then, and the usual rules apply after.
    let remade_on = maturity + pull + Duration::days(30);
    let again = Again {
        method: Method::BankTransfer,
        reference: "TRF-2",
    };
    make_again(
        &conn,
        &sent.id,
        &again,
        &b.manager,
        remade_on,
        at(remade_on, 0),
    )
    .unwrap();
    let record = ops::load(&conn, &waiting).unwrap().unwrap();
    assert_eq!(record.start, remade_on);
    assert!(payoff(&conn, &waiting, remade_on) > 0);
    states_pass(&conn, record.maturity - Duration::days(1));
    assert_eq!(state_of(&conn, &waiting), LoanState::Active);
    states_pass(&conn, record.maturity + grace + Duration::days(1));
    assert_eq!(state_of(&conn, &waiting), LoanState::Notice);
    states_pass(&conn, record.maturity + pull + Duration::days(1));
    assert_eq!(state_of(&conn, &waiting), LoanState::Forfeited);
}
