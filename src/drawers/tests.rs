//! Drawer arithmetic over generated days (the expected balance is the float plus every cash
//! movement counted to the drawer; the count's over or short is posted and the drawer then
//! holds what was counted), and the refusals: no open drawer, a closed drawer, a count signed
//! off by its own clerk, a second drawer for one clerk.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;

use super::*;
use crate::ledger::{self, Method};
use crate::loans::ops::{self, Payment, PaymentError, Purpose};
use crate::loans::terms::tests::Gen;
use crate::plumbing::ids::PaymentId;
use crate::roles::Role;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

/// A moment of the day, `n` seconds into it (so rows keep their order).
fn at(n: i64) -> DateTime<Utc> {
    day().and_hms_opt(1, 0, 0).unwrap().and_utc() + Duration::seconds(n)
}

/// The balance of an account across the branch (debits minus credits).
fn account(conn: &Connection, code: &str) -> i64 {
    conn.query_row(
        "SELECT COALESCE(SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END), 0) FROM ledger_postings WHERE account = ?1",
        [code],
        |r| r.get(0),
    )
    .unwrap()
}

fn payment(
    conn: &Connection,
    loan: &crate::plumbing::ids::LoanId,
    staff: &StaffId,
    amount: i64,
    method: Method,
    n: i64,
) -> Result<ops::Receipt, PaymentError> {
    let record = ops::load(conn, loan).unwrap().unwrap();
    let p = Payment {
        amount,
        method,
        reference: if method == Method::Cash { "" } else { "REF-1" },
        purpose: Purpose::Partial,
        staff: Some(staff),
    };
    ops::take_payment(conn, &record, &p, &PaymentId::new(at(n)), day(), at(n))
}

/// One generated day of a clerk's drawer: a float, tickets paid out, cash and mobile-money
/// payments, a reversal now and then, and a count off by a generated amount.
fn one_day(seed: u64) {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    let mut g = Gen::new(seed);
    let (customer, gold) = ops::tests::customer_and_gold(&conn, "Siti", at(0));
    let clerk = ops::tests::staff_without_drawer(&conn, Role::Clerk, at(0));
    let manager = ops::tests::staff_member(&conn, Role::Manager, at(0));
    let float = (g.below(50) as i64) * 100_000;
    let drawer = open(&conn, &clerk.id, float, &Counts::default(), day(), at(1)).unwrap();
    let mut cash = float;
    let mut n = 10;
    for _ in 0..1 + g.below(6) {
        n += 10;
        let principal = (1 + g.below(20) as i64) * 100_000;
        let (loan, _) =
            ops::tests::paid_out(&conn, &customer, &gold, &clerk.id, principal, day(), at(n));
        cash -= principal;
        let paid = (1 + g.below(10) as i64) * 10_000;
        let method = if g.below(3) == 0 {
            Method::MobileMoney
        } else {
            Method::Cash
        };
        let receipt = payment(&conn, &loan, &clerk.id, paid, method, n + 1).unwrap();
        if method == Method::Cash {
            cash += paid;
        }
        if g.below(4) == 0 {
            // A manager's correction: the payment's cash goes back out of the clerk's drawer.
            let rows = ledger::movement(&conn, Some(&receipt.payment), None).unwrap();
            assert!(!rows.is_empty());
            let ids: Vec<LedgerId> = conn
                .prepare("SELECT id FROM ledger WHERE payment_id = ?1")
                .unwrap()
                .query_map([&receipt.payment], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for id in ids {
                ledger::reverse(&conn, &id, "wrong ticket", &manager.id, day(), at(n + 2)).unwrap();
            }
            if method == Method::Cash {
                cash -= paid;
            }
        }
    }
    assert_eq!(
        expected(&conn, &drawer).unwrap(),
        cash,
        "seed {seed}: the float plus its cash movements"
    );
    let off = g.below(5) as i64 * 1_000 - 2_000;
    let counted = (cash + off).max(0);
    let record = load(&conn, &drawer).unwrap().unwrap();
    let reason = if counted == cash {
        ""
    } else {
        "miscounted change"
    };
    let count = Count {
        counted,
        counts: &Counts::default(),
        reason,
    };
    let difference = close(&conn, &record, &count, &clerk.id, day(), at(n + 5)).unwrap();
    assert_eq!(difference, counted - cash, "seed {seed}");
    assert_eq!(
        expected(&conn, &drawer).unwrap(),
        counted,
        "seed {seed}: the drawer holds what was counted"
    );
    assert_eq!(
        account(&conn, "cash_over_short"),
        -(counted - cash),
        "seed {seed}: over is a credit, short a debit"
    );
    assert_eq!(
        account(&conn, "safe"),
        -float,
        "seed {seed}: the float came from the safe"
    );
    let closed = load(&conn, &drawer).unwrap().unwrap();
    assert_eq!(closed.over_short(), Some(counted - cash));
    assert!(
        postings::unbalanced(&conn).unwrap().is_empty(),
        "seed {seed}"
    );
}

#[test]
fn a_drawer_expects_its_float_and_cash_and_posts_the_count_difference() {
    for seed in 0..24 {
        one_day(seed);
    }
}

#[test]
fn cash_without_an_open_drawer_is_refused_and_writes_nothing() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let mut conn = db.conn().unwrap();
    let (customer, gold) = ops::tests::customer_and_gold(&conn, "Siti", at(0));
    let clerk = ops::tests::staff_without_drawer(&conn, Role::Clerk, at(0));
    open(
        &conn,
        &clerk.id,
        1_000_000,
        &Counts::default(),
        day(),
        at(0),
    )
    .unwrap();
    let (loan, _) = ops::tests::paid_out(&conn, &customer, &gold, &clerk.id, 500_000, day(), at(1));
    let other = ops::tests::staff_without_drawer(&conn, Role::Manager, at(2));
    let rows = |c: &Connection| -> i64 {
        c.query_row("SELECT COUNT(*) FROM ledger", [], |r| r.get(0))
            .unwrap()
    };
    let before = rows(&conn);
    let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
    let refused = payment(&tx, &loan, &other.id, 10_000, Method::Cash, 3);
    assert!(
        matches!(&refused, Err(PaymentError::Db(e)) if postings::is_no_open_drawer(e)),
        "{refused:?}"
    );
    drop(tx);
    assert_eq!(rows(&conn), before, "nothing written");
    // A bank transfer needs no drawer.
    payment(&conn, &loan, &other.id, 10_000, Method::BankTransfer, 4).unwrap();
    // Nor does a closed one take cash.
    let drawer = open_of(&conn, &clerk.id).unwrap().unwrap();
    let balance = expected(&conn, &drawer.id).unwrap();
    let count = Count {
        counted: balance,
        counts: &Counts::default(),
        reason: "",
    };
    assert_eq!(
        close(&conn, &drawer, &count, &clerk.id, day(), at(5)).unwrap(),
        0
    );
    let refused = payment(&conn, &loan, &clerk.id, 10_000, Method::Cash, 6);
    assert!(
        matches!(&refused, Err(PaymentError::Db(e)) if postings::is_no_open_drawer(e)),
        "{refused:?}"
    );
    let closed = load(&conn, &drawer.id).unwrap().unwrap();
    assert!(matches!(
        close(&conn, &closed, &count, &clerk.id, day(), at(7)),
        Err(DrawerError::Closed)
    ));
}

#[test]
fn a_count_that_differs_needs_a_reason_and_is_signed_off_by_someone_else() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    let clerk = ops::tests::staff_without_drawer(&conn, Role::Clerk, at(0));
    let manager = ops::tests::staff_without_drawer(&conn, Role::Manager, at(0));
    let id = open(
        &conn,
        &clerk.id,
        300_000,
        &Counts::new([(100_000, 3)]),
        day(),
        at(1),
    )
    .unwrap();
    assert!(matches!(
        open(&conn, &clerk.id, 0, &Counts::default(), day(), at(2)),
        Err(DrawerError::AlreadyOpen)
    ));
    let drawer = load(&conn, &id).unwrap().unwrap();
    assert_eq!(drawer.float_counts.total(), 300_000);
    let short = Count {
        counted: 295_000,
        counts: &Counts::default(),
        reason: "  ",
    };
    assert!(matches!(
        close(&conn, &drawer, &short, &clerk.id, day(), at(3)),
        Err(DrawerError::ReasonNeeded)
    ));
    let short = Count {
        reason: "a note missing",
        ..short
    };
    assert_eq!(
        close(&conn, &drawer, &short, &clerk.id, day(), at(3)).unwrap(),
        -5_000
    );
    let closed = load(&conn, &id).unwrap().unwrap();
    assert!(matches!(
        sign_off(&conn, &closed, &clerk.id, at(4)),
        Err(DrawerError::OwnCount)
    ));
    sign_off(&conn, &closed, &manager.id, at(5)).unwrap();
    let signed = load(&conn, &id).unwrap().unwrap();
    assert_eq!(signed.signed_off_by.as_ref(), Some(&manager.id));
    assert!(matches!(
        sign_off(&conn, &signed, &manager.id, at(6)),
        Err(DrawerError::SignedOff)
    ));
    // The database refuses a clerk's own sign-off too.
    let own = conn.execute(
        "UPDATE cash_drawers SET signed_off_by = staff_id, signed_off_at = ?2 WHERE id = ?1",
        rusqlite::params![id, at(7)],
    );
    assert!(own.is_err());
}

#[test]
fn a_drawer_left_open_past_its_day_is_flagged_once() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    let clerk = ops::tests::staff_without_drawer(&conn, Role::Clerk, at(0));
    let early = ops::tests::staff_without_drawer(&conn, Role::Manager, at(0));
    let left = open(&conn, &clerk.id, 0, &Counts::default(), day(), at(1)).unwrap();
    let closed = open(&conn, &early.id, 0, &Counts::default(), day(), at(1)).unwrap();
    let record = load(&conn, &closed).unwrap().unwrap();
    close(
        &conn,
        &record,
        &Count {
            counted: 0,
            counts: &Counts::default(),
            reason: "",
        },
        &early.id,
        day(),
        at(2),
    )
    .unwrap();
    assert!(
        flag_left_open(&conn, day()).unwrap().is_empty(),
        "not before the day is over"
    );
    let next = day().succ_opt().unwrap();
    assert_eq!(flag_left_open(&conn, next).unwrap(), vec![left.clone()]);
    assert!(flag_left_open(&conn, next).unwrap().is_empty(), "once");
    assert_eq!(
        load(&conn, &left).unwrap().unwrap().left_open_on,
        Some(day())
    );
}
