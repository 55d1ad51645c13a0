//! The day's report against an independent count of what the test did, and the close's
//! refusal while a drawer is open.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, FixedOffset, NaiveDate};

use super::*;
use crate::complaints::cases::{self, NewCase, Opener};
use crate::complaints::{Category, Channel, Priority};
use crate::drawers::{Count, Counts};
use crate::ledger::Method;
use crate::loans::ops::{self, Payment, Purpose};
use crate::plumbing::ids::PaymentId;
use crate::roles::Role;

#[test]
fn the_report_counts_what_the_day_did_and_the_close_waits_for_the_drawers() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    let offset = FixedOffset::east_opt(7 * 3600).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    // 09:00 in Jakarta, and n seconds on.
    let at = |n: i64| day.and_hms_opt(2, 0, 0).unwrap().and_utc() + Duration::seconds(n);
    let (customer, gold) = ops::tests::customer_and_gold(&conn, "Siti", at(0));
    let clerk = ops::tests::staff_without_drawer(&conn, Role::Clerk, at(0));
    let manager = ops::tests::staff_without_drawer(&conn, Role::Manager, at(0));
    let drawer =
        drawers::open(&conn, &clerk.id, 5_000_000, &Counts::default(), day, at(1)).unwrap();
    let principals = [1_000_000, 2_500_000, 700_000];
    let mut loans = Vec::new();
    for (n, principal) in (10..).zip(principals) {
        loans.push(
            ops::tests::paid_out(&conn, &customer, &gold, &clerk.id, principal, day, at(n)).0,
        );
    }
    // Two payments: 50,000 in cash, 30,000 by bank transfer; what their receipts say went to
    // interest and fees.
    let (mut interest, mut fees) = (0, 0);
    for (n, (amount, method)) in
        (20..).zip([(50_000, Method::Cash), (30_000, Method::BankTransfer)])
    {
        let record = ops::load(&conn, &loans[0]).unwrap().unwrap();
        let payment = Payment {
            amount,
            method,
            reference: if method == Method::Cash { "" } else { "BCA-1" },
            purpose: Purpose::Partial,
            staff: Some(&clerk.id),
        };
        let receipt =
            ops::take_payment(&conn, &record, &payment, &PaymentId::new(at(n)), day, at(n))
                .unwrap();
        interest += receipt.split.interest;
        fees += receipt.split.fees;
    }
    // Two cases opened at 09:00; the disbursement one still has no answer at 12:00, past its
    // two hours, and the breach pass finds it late; the next day's report has neither.
    let config = crate::plumbing::config::Config::default();
    let tx = conn.unchecked_transaction().unwrap();
    for category in [Category::Disbursement, Category::Billing] {
        let new = NewCase {
            customer: &customer,
            channel: Channel::Portal,
            category,
            priority: Priority::Normal,
            loan: None,
            payment_code: None,
            description: "Where is my money?",
            owner: None,
        };
        cases::open(
            &tx,
            &new,
            &Opener::Customer,
            &crate::plumbing::config::Config::default(),
            at(40),
        )
        .unwrap();
    }
    let pass = crate::complaints::breach::run(&tx, &config, at(3 * 3600)).unwrap();
    tx.commit().unwrap();
    assert_eq!(pass.escalated, 1, "only the disbursement case is late");
    let r = report(&conn, day, offset).unwrap();
    assert_eq!((r.complaints_opened, r.complaints_breached), (2, 1));
    let next = report(&conn, day.succ_opt().unwrap(), offset).unwrap();
    assert_eq!((next.complaints_opened, next.complaints_breached), (0, 0));
    assert_eq!(
        r.loans_written,
        Tally {
            count: 3,
            amount: 4_200_000
        }
    );
    assert_eq!(
        r.payments,
        Tally {
            count: 2,
            amount: 80_000
        }
    );
    assert_eq!((r.interest_taken, r.fees_taken), (interest, fees));
    assert!(interest > 0 && fees > 0, "the payments paid some of each");
    assert_eq!(r.drawers.len(), 1);
    assert_eq!(
        r.drawers[0].1,
        5_000_000 - 4_200_000 + 50_000,
        "the drawer's cash"
    );
    let bank = r
        .methods
        .iter()
        .find(|m| m.method == Method::BankTransfer)
        .unwrap();
    assert_eq!((bank.received, bank.paid), (30_000, 0));
    assert_eq!(
        report(&conn, day.succ_opt().unwrap(), offset)
            .unwrap()
            .loans_written,
        Tally::default(),
        "another day"
    );

    // Not closed while the drawer is open; then closed once, short by 2,000.
    assert!(matches!(
        close(&conn, day, day, &manager.id, at(30)),
        Err(CloseError::DrawersOpen(1))
    ));
    let record = drawers::load(&conn, &drawer).unwrap().unwrap();
    let count = Count {
        counted: 848_000,
        counts: &Counts::default(),
        reason: "short change",
    };
    drawers::close(&conn, &record, &count, &clerk.id, day, at(31)).unwrap();
    close(&conn, day, day, &manager.id, at(32)).unwrap();
    assert!(matches!(
        close(&conn, day, day, &manager.id, at(33)),
        Err(CloseError::AlreadyClosed)
    ));
    let tomorrow = day.succ_opt().unwrap();
    assert!(matches!(
        close(
            &conn,
            tomorrow + Duration::days(1),
            day,
            &manager.id,
            at(33)
        ),
        Err(CloseError::NotYet)
    ));
    let r = report(&conn, day, offset).unwrap();
    assert_eq!((r.over, r.short), (0, 2_000));
    assert!(r.closed.is_some());
    let csv = csv(&r);
    assert!(
        csv.contains("principal_written,4200000\n") && csv.contains("drawers_short,2000\n"),
        "{csv}"
    );
    assert!(
        csv.contains(",\"Test clerk\",5000000,850000,848000,-2000\n"),
        "{csv}"
    );
}

/// A bank's reference is text from outside: in the CSV it is quoted, its quotes doubled, and
/// a spreadsheet never reads it as a formula; the difference it makes is a figure.
#[test]
fn a_statement_reference_in_the_csv_is_quoted_and_never_a_formula() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    for (reference, amount) in [("=HYPERLINK(\"x\")", 7_000), ("BNI \"9\"", 3_000)] {
        conn.execute(
            "INSERT INTO statement_lines (reference, on_date, amount, method, status, reason, imported_at)
             VALUES (?1, ?2, ?3, 'mobile_money', 'unmatched', 'no_code', '2026-03-02T05:00:00Z')",
            rusqlite::params![reference, day, amount],
        )
        .unwrap();
    }
    let r = report(&conn, day, FixedOffset::east_opt(0).unwrap()).unwrap();
    let csv = csv(&r);
    for needed in [
        "mobile_money_statement,10000\n",
        "mobile_money_difference,10000\n",
        "mobile_money,statement,\"BNI \"\"9\"\"\",3000,,\n",
        "mobile_money,statement,\"'=HYPERLINK(\"\"x\"\")\",7000,,\n",
    ] {
        assert!(csv.contains(needed), "{needed:?} in {csv}");
    }
}
