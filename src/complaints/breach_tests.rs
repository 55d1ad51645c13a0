#![allow(clippy::unwrap_used)]
use chrono::Duration;
use rusqlite::Connection;

use super::*;
use crate::complaints::cases::{NewCase, Opener};
use crate::complaints::{self, Category, Channel, Priority, State};
use crate::loans::ops::tests::{customer_and_gold, staff_member};
use crate::plumbing::db::{self, tests::test_db};
use crate::plumbing::ids::ComplaintId;
use crate::roles::Role;

/// Monday 3 August 2026, 10:00 in Jakarta.
fn t0() -> DateTime<Utc> {
    "2026-08-03T03:00:00Z".parse().unwrap()
}

fn config() -> Config {
    let mut config = Config::default();
    config.complaints.breach_sms_to = "0812-1111-2222".into();
    config
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A case of `category` by phone, opened at t0 by an agent.
fn case(conn: &mut Connection, category: Category) -> (ComplaintId, crate::roles::StaffUser) {
    let agent = staff_member(conn, Role::CallAgent, t0());
    let (customer, _) = customer_and_gold(conn, "Siti", t0());
    let tx = db::immediate(conn).unwrap();
    let new = NewCase {
        customer: &customer,
        channel: Channel::Hotline,
        category,
        priority: Priority::Normal,
        loan: None,
        payment_code: None,
        description: "No money yet.",
        owner: Some(&agent.id),
    };
    let opener = Opener::Staff {
        user: &agent,
        checked: &["phone"],
    };
    let id = cases::open(&tx, &new, &opener, &config(), t0()).unwrap();
    tx.commit().unwrap();
    (id, agent)
}

fn pass(conn: &mut Connection, config: &Config, now: DateTime<Utc>) -> Pass {
    let tx = db::immediate(conn).unwrap();
    let done = run(&tx, config, now).unwrap();
    tx.commit().unwrap();
    done
}

#[test]
fn a_late_first_response_escalates_once_at_the_right_minute_and_tells_the_managers() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let (id, agent) = case(&mut conn, Category::Disbursement);
    let config = config();
    let nothing = pass(&mut conn, &config, t0() + Duration::minutes(119));
    assert_eq!(nothing, Pass::default(), "a minute before the 2 hours");
    let late = pass(&mut conn, &config, t0() + Duration::minutes(120));
    assert_eq!(
        late,
        Pass {
            escalated: 1,
            sms: 1,
            email: 0,
        }
    );
    let found = complaints::get(&conn, &id).unwrap().unwrap();
    assert_eq!(found.state, State::Escalated);
    assert_eq!(
        found.response_breached_at,
        Some(t0() + Duration::minutes(120))
    );
    let escalated = complaints::escalations(&conn, &id).unwrap();
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0].by, None, "by the system");
    assert_eq!(
        escalated[0].escalation.contact_by, agent.full_name,
        "the owner contacts the customer"
    );
    assert!(
        escalated[0].escalation.reason.contains('2'),
        "{:?}",
        escalated[0]
    );
    let sms = count(
        &conn,
        "SELECT count(*) FROM sms_outbox WHERE kind = 'notice' AND recipient = '+6281211112222'",
    );
    assert_eq!(sms, 1, "the CS manager told by SMS");
    assert_eq!(
        pass(&mut conn, &config, t0() + Duration::minutes(200)),
        Pass::default(),
        "once"
    );
    assert_eq!(late_cases(&conn), [id]);
}

fn late_cases(conn: &Connection) -> Vec<ComplaintId> {
    late(conn, 10).unwrap().into_iter().map(|c| c.id).collect()
}

#[test]
fn a_case_waiting_on_the_customer_is_never_late_and_a_resolution_breaches_on_its_day() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let (waiting, agent) = case(&mut conn, Category::Billing);
    let tx = db::immediate(&mut conn).unwrap();
    cases::change_state(
        &tx,
        &waiting,
        State::WaitingOnCustomer,
        None,
        &agent,
        &config(),
        t0() + Duration::minutes(1),
    )
    .unwrap();
    tx.commit().unwrap();
    let config = Config::default();
    assert_eq!(
        pass(&mut conn, &config, t0() + Duration::days(60)),
        Pass::default()
    );

    // A billing case by phone: 5 working days, Monday 10:00 to the next Monday 10:00.
    let tx = db::immediate(&mut conn).unwrap();
    cases::change_state(
        &tx,
        &waiting,
        State::Open,
        None,
        &agent,
        &config,
        t0() + Duration::minutes(2),
    )
    .unwrap();
    tx.commit().unwrap();
    let due = t0() + Duration::days(7) + Duration::minutes(1);
    assert_eq!(
        pass(&mut conn, &config, due - Duration::minutes(1)).escalated,
        0
    );
    assert_eq!(
        pass(&mut conn, &config, due),
        Pass {
            escalated: 1,
            sms: 0,
            email: 0,
        }
    );
    assert!(
        complaints::get(&conn, &waiting)
            .unwrap()
            .unwrap()
            .breached_at
            .is_some()
    );
}

#[test]
fn a_breach_emails_each_listed_cs_manager_once() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let (id, _) = case(&mut conn, Category::Disbursement);
    let mut config = Config::default();
    config.complaints.breach_email_to = "cs@branch.test, lead@branch.test".into();
    let late = pass(&mut conn, &config, t0() + Duration::minutes(120));
    assert_eq!(
        late,
        Pass {
            escalated: 1,
            sms: 0,
            email: 2,
        }
    );
    let (subject, body): (String, String) = conn
        .query_row(
            "SELECT subject, body FROM email_outbox WHERE kind = 'notice' AND recipient = 'cs@branch.test'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(subject.contains("Siti"), "{subject}");
    assert!(
        body.contains(&crate::plumbing::paths::complaint(&id)),
        "{body}"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM email_outbox WHERE kind = 'notice'"
        ),
        2
    );
    assert_eq!(
        pass(&mut conn, &config, t0() + Duration::minutes(200)),
        Pass::default(),
        "once"
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM email_outbox"),
        2,
        "no second email"
    );
}
