#![allow(clippy::unwrap_used)]
use chrono::NaiveDate;

use super::*;
use crate::complaints::{self, EventKind as Kind, events};
use crate::customers::{self, NewCustomer};
use crate::loans::ops::tests::{customer_and_gold, paid_out, staff_member};
use crate::plumbing::db::{self, tests::test_db};
use crate::roles::Role;

fn now() -> DateTime<Utc> {
    "2026-08-03T03:00:00Z".parse().unwrap()
}

fn config() -> Config {
    Config::default()
}

/// Opens a case at [`now`].
fn open_now(tx: &Transaction, new: &NewCase, opener: &Opener) -> Result<ComplaintId, CaseError> {
    open(tx, new, opener, &config(), now())
}

fn new_case<'a>(customer: &'a CustomerId, channel: Channel) -> NewCase<'a> {
    NewCase {
        customer,
        channel,
        category: Category::Disbursement,
        priority: Priority::Normal,
        loan: None,
        payment_code: None,
        description: "  The money has not reached my account.  ",
        owner: None,
    }
}

/// A customer of this name and phone, for tests that need several.
pub(crate) fn customer_with(
    conn: &Connection,
    name: &str,
    phone: &str,
    now: DateTime<Utc>,
) -> CustomerId {
    let phone = crate::plumbing::phone::normalise(phone, "ID").unwrap();
    let new = NewCustomer {
        full_name: name,
        phone: &phone,
        id_number: None,
        date_of_birth: None,
        address: "",
        email: None,
        phone_verified: true,
    };
    customers::insert(conn, &new, now).unwrap()
}

fn other_customer(conn: &Connection) -> CustomerId {
    customer_with(conn, "Budi", "081299990000", now())
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_staff_case_records_the_caller_check_and_its_first_step() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let agent = staff_member(&conn, Role::CallAgent, now());
    let (customer, _) = customer_and_gold(&conn, "Siti", now());
    let tx = db::immediate(&mut conn).unwrap();
    let opener = Opener::Staff {
        user: &agent,
        checked: &["full_name", "shoe size"],
    };
    let id = open_now(&tx, &new_case(&customer, Channel::Hotline), &opener).unwrap();
    let case = complaints::get(&tx, &id).unwrap().unwrap();
    assert_eq!(case.state, State::Open);
    assert_eq!(case.checked_details, ["full_name"]);
    assert_eq!(case.description, "The money has not reached my account.");
    assert_eq!(case.first_response_at, None, "opening is not a response");
    let caller: String = tx
        .query_row(
            "SELECT detail FROM customer_events WHERE kind = 'caller_verified'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(caller, "full_name", "reuses Verify caller");
    let done: Vec<String> = steps_done(&tx, &id)
        .unwrap()
        .into_iter()
        .map(|s| s.code)
        .collect();
    assert_eq!(done, [checklist::VERIFY_CALLER]);
    let timeline = customers::timeline::of_customer(&tx, &customer).unwrap();
    assert!(
        timeline.iter().any(|e| matches!(&e.what,
            customers::timeline::What::Complaint { case, kind } if case == id.as_str() && kind == "opened")),
        "the case shows on the customer's timeline: {timeline:?}"
    );
}

#[test]
fn refusals_write_nothing() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let agent = staff_member(&conn, Role::CallAgent, now());
    let (customer, product) = customer_and_gold(&conn, "Siti", now());
    let budi = other_customer(&conn);
    let day = NaiveDate::from_ymd_opt(2026, 8, 3).unwrap();
    let (budis_loan, _) = paid_out(&conn, &budi, &product, &agent.id, 1_000_000, day, now());
    let before = (count(&conn, "complaints"), count(&conn, "customer_events"));
    let tx = db::immediate(&mut conn).unwrap();
    let staff = Opener::Staff {
        user: &agent,
        checked: &["phone"],
    };
    let unchecked = Opener::Staff {
        user: &agent,
        checked: &[],
    };
    let hotline = new_case(&customer, Channel::Hotline);
    let refused = [
        open_now(&tx, &hotline, &unchecked),
        open_now(
            &tx,
            &NewCase {
                description: " ",
                ..new_case(&customer, Channel::Hotline)
            },
            &staff,
        ),
        open_now(
            &tx,
            &NewCase {
                loan: Some(&budis_loan),
                ..new_case(&customer, Channel::Hotline)
            },
            &staff,
        ),
        open_now(&tx, &new_case(&customer, Channel::Portal), &staff),
        open_now(&tx, &hotline, &Opener::Customer),
    ];
    let kinds: Vec<String> = refused
        .iter()
        .map(|r| format!("{:?}", r.as_ref().err()))
        .collect();
    assert!(
        matches!(refused[0], Err(CaseError::CallerNotVerified)),
        "{kinds:?}"
    );
    assert!(
        matches!(refused[1], Err(CaseError::Description)),
        "{kinds:?}"
    );
    assert!(
        matches!(refused[2], Err(CaseError::NotCustomersTicket)),
        "{kinds:?}"
    );
    assert!(
        matches!(refused[3], Err(CaseError::WrongChannel)),
        "{kinds:?}"
    );
    assert!(
        matches!(refused[4], Err(CaseError::WrongChannel)),
        "{kinds:?}"
    );
    assert_eq!(
        (count(&tx, "complaints"), count(&tx, "customer_events")),
        before
    );
    let portal = open_now(
        &tx,
        &new_case(&customer, Channel::Portal),
        &Opener::Customer,
    )
    .unwrap();
    assert_eq!(
        complaints::get(&tx, &portal)
            .unwrap()
            .unwrap()
            .checked_details,
        Vec::<String>::new()
    );
}

#[test]
fn every_state_change_is_an_event_and_the_rules_hold() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let agent = staff_member(&conn, Role::CallAgent, now());
    let (customer, _) = customer_and_gold(&conn, "Siti", now());
    let tx = db::immediate(&mut conn).unwrap();
    let opener = Opener::Staff {
        user: &agent,
        checked: &["phone"],
    };
    let id = open_now(&tx, &new_case(&customer, Channel::Email), &opener).unwrap();
    let at = |m: i64| now() + chrono::Duration::minutes(m);
    let refused = change_state(&tx, &id, State::Closed, None, &agent, &config(), at(1));
    assert!(
        matches!(
            refused,
            Err(CaseError::NotAllowed {
                from: State::Open,
                to: State::Closed
            })
        ),
        "{refused:?}"
    );
    let refused = change_state(&tx, &id, State::Escalated, None, &agent, &config(), at(1));
    assert!(
        matches!(refused, Err(CaseError::NotAllowed { .. })),
        "escalating is escalate's: {refused:?}"
    );
    change_state(
        &tx,
        &id,
        State::WaitingOnCustomer,
        None,
        &agent,
        &config(),
        at(2),
    )
    .unwrap();
    assert_eq!(
        complaints::get(&tx, &id)
            .unwrap()
            .unwrap()
            .first_response_at,
        Some(at(2))
    );
    change_state(&tx, &id, State::Open, None, &agent, &config(), at(3)).unwrap();
    let bad = Escalation {
        to_whom: "CS manager".into(),
        reason: " ".into(),
        contact_by: "Billing team".into(),
    };
    assert!(matches!(
        escalate(&tx, &id, &bad, Some(&agent), &config(), at(4)),
        Err(CaseError::Escalation)
    ));
    let escalation = Escalation {
        reason: "The bank shows no transfer.".into(),
        ..bad
    };
    escalate(&tx, &id, &escalation, Some(&agent), &config(), at(4)).unwrap();
    assert_eq!(
        complaints::escalations(&tx, &id).unwrap()[0]
            .escalation
            .reason,
        "The bank shows no transfer."
    );
    let refused = change_state(&tx, &id, State::Resolved, None, &agent, &config(), at(5));
    assert!(
        matches!(refused, Err(CaseError::OutcomeNeeded)),
        "{refused:?}"
    );
    change_state(
        &tx,
        &id,
        State::Resolved,
        Some(Outcome::Upheld),
        &agent,
        &config(),
        at(5),
    )
    .unwrap();
    change_state(&tx, &id, State::Open, None, &agent, &config(), at(6)).unwrap();
    let reopened = complaints::get(&tx, &id).unwrap().unwrap();
    assert_eq!(
        (reopened.outcome, reopened.resolved_at),
        (None, None),
        "reopening clears the outcome"
    );
    change_state(
        &tx,
        &id,
        State::Resolved,
        Some(Outcome::Explained),
        &agent,
        &config(),
        at(7),
    )
    .unwrap();
    change_state(&tx, &id, State::Closed, None, &agent, &config(), at(8)).unwrap();
    let closed = complaints::get(&tx, &id).unwrap().unwrap();
    assert_eq!(
        (closed.state, closed.outcome, closed.resolved_at),
        (State::Closed, Some(Outcome::Explained), Some(at(7)))
    );
    assert!(matches!(
        add_note(&tx, &id, "late", &agent, at(9)),
        Err(CaseError::Closed)
    ));
    assert!(matches!(
        change_state(&tx, &id, State::Open, None, &agent, &config(), at(9)),
        Err(CaseError::NotAllowed { .. })
    ));
    let moves: Vec<(Kind, Option<State>, Option<State>)> = events(&tx, &id)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.from_state, e.to_state))
        .collect();
    use State::*;
    assert_eq!(
        moves,
        [
            (Kind::Opened, None, Some(Open)),
            (Kind::StateChanged, Some(Open), Some(WaitingOnCustomer)),
            (Kind::StateChanged, Some(WaitingOnCustomer), Some(Open)),
            (Kind::Escalated, Some(Open), Some(Escalated)),
            (Kind::StateChanged, Some(Escalated), Some(Resolved)),
            (Kind::StateChanged, Some(Resolved), Some(Open)),
            (Kind::StateChanged, Some(Open), Some(Resolved)),
            (Kind::StateChanged, Some(Resolved), Some(Closed)),
        ]
    );
    let stamped: i64 = tx
        .query_row(
            "SELECT count(*) FROM complaint_events WHERE staff_id = ?1",
            [&agent.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stamped, 8, "each with who");
    assert!(
        tx.execute("DELETE FROM complaint_events", []).is_err(),
        "append-only"
    );
}

#[test]
fn steps_are_the_categorys_and_recorded_once() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let agent = staff_member(&conn, Role::CallAgent, now());
    let (customer, _) = customer_and_gold(&conn, "Siti", now());
    let tx = db::immediate(&mut conn).unwrap();
    let opener = Opener::Staff {
        user: &agent,
        checked: &["phone"],
    };
    let id = open_now(&tx, &new_case(&customer, Channel::Hotline), &opener).unwrap();
    let refused = mark_step(&tx, &id, "a4", &agent, now());
    assert!(
        matches!(refused, Err(CaseError::UnknownStep(_))),
        "a billing step on a disbursement case: {refused:?}"
    );
    mark_step(&tx, &id, "b3", &agent, now()).unwrap();
    assert!(matches!(
        mark_step(&tx, &id, "b3", &agent, now()),
        Err(CaseError::StepDone)
    ));
    assert!(matches!(
        mark_step(&tx, &id, checklist::VERIFY_CALLER, &agent, now()),
        Err(CaseError::StepDone)
    ));
    let done: Vec<String> = steps_done(&tx, &id)
        .unwrap()
        .into_iter()
        .map(|s| s.code)
        .collect();
    assert_eq!(done, [checklist::VERIFY_CALLER, "b3"]);
    add_note(&tx, &id, "Told her it takes up to 2 hours.", &agent, now()).unwrap();
    assert!(matches!(
        add_note(&tx, &id, "", &agent, now()),
        Err(CaseError::Note)
    ));
    let kinds: Vec<Kind> = events(&tx, &id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [Kind::Opened, Kind::Step, Kind::Note]);
}

#[test]
fn the_configs_category_codes_are_the_domains() {
    let codes: Vec<&str> = Category::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(codes, crate::plumbing::config::COMPLAINT_CATEGORIES);
    let priorities: Vec<&str> = Priority::ALL.iter().map(|p| p.code()).collect();
    assert_eq!(priorities, crate::plumbing::config::COMPLAINT_PRIORITIES);
}
