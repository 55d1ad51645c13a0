#![allow(clippy::unwrap_used)]
use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::audit::Actor;
use crate::complaints::cases::{self, NewCase, Opener};
use crate::complaints::{Case, Category, Channel, Escalation, Outcome, Priority, State, list};
use crate::holidays::{self, Holiday};
use crate::loans::ops::tests::{customer_and_gold, staff_member};
use crate::plumbing::db::{self, tests::test_db};
use crate::roles::Role;

pub(crate) fn t0() -> DateTime<Utc> {
    // Thursday 13 August 2026, 10:00 in Jakarta: the Monday after is Independence Day.
    "2026-08-13T03:00:00Z".parse().unwrap()
}

/// What every case's row keeps of its clocks, next to what is worked out now from its row and
/// timeline; the resolution's deadline also next to the case page's walked clock.
fn kept_and_computed(conn: &Connection, config: &Config) -> Vec<(ComplaintId, Kept, Kept)> {
    let calendar = Calendar::load(conn, config.utc_offset()).unwrap();
    let ids: Vec<ComplaintId> = conn
        .prepare("SELECT id FROM complaints ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    ids.into_iter()
        .map(|id| {
            let case = crate::complaints::get(conn, &id).unwrap().unwrap();
            let computed = computed(conn, &calendar, config, &case).unwrap();
            let pauses = sla::pauses(&crate::complaints::events(conn, &id).unwrap());
            let clocks = list::clocks_of(&calendar, &config.complaints, &case, &pauses, t0());
            assert_eq!(
                computed.due.resolution, clocks.resolution.deadline,
                "{id:?}"
            );
            let kept = Kept {
                due: case.due,
                pauses: kept_pauses(conn, &id),
            };
            (id, kept, computed)
        })
        .collect()
}

/// The pauses the row of case `id` keeps.
fn kept_pauses(conn: &Connection, id: &ComplaintId) -> Vec<Pause> {
    conn.query_row("SELECT pauses FROM complaints WHERE id = ?1", [id], |r| {
        read_pauses(r, 0)
    })
    .unwrap()
}

/// Generated cases: categories with and without a response clock, answered or not, waiting
/// on the customer and back, escalated, resolved and reopened, over holidays.
pub(crate) fn generate(conn: &mut Connection, config: &Config) {
    let agent = staff_member(conn, Role::CallAgent, t0());
    let (customer, _) = customer_and_gold(conn, "Siti", t0());
    let tx = db::immediate(conn).unwrap();
    let holiday = Holiday {
        on: "2026-08-21".parse().unwrap(),
        name: "Libur".into(),
    };
    holidays::add(&tx, &Actor::System, &holiday, t0()).unwrap();
    let categories = [
        Category::Disbursement,
        Category::Billing,
        Category::PaymentConfirmation,
    ];
    let channels = [Channel::Hotline, Channel::Email, Channel::LiveChat];
    for i in 0..36_i64 {
        let at = |minutes: i64| t0() + Duration::minutes(i * 97 + minutes);
        let new = NewCase {
            customer: &customer,
            channel: channels[(i % 3) as usize],
            category: categories[(i / 3 % 3) as usize],
            priority: if i % 4 == 0 {
                Priority::High
            } else {
                Priority::Normal
            },
            loan: None,
            payment_code: None,
            description: "Where is my money?",
            owner: None,
        };
        let opener = Opener::Staff {
            user: &agent,
            checked: &["phone"],
        };
        let id = cases::open(&tx, &new, &opener, config, at(0)).unwrap();
        let change = |to, outcome, minutes| {
            cases::change_state(&tx, &id, to, outcome, &agent, config, at(minutes)).unwrap();
        };
        match i % 6 {
            0 => {}
            1 => cases::add_note(&tx, &id, "Called back.", &agent, at(30)).unwrap(),
            2 => change(State::WaitingOnCustomer, None, 60 * 26),
            3 => {
                change(State::WaitingOnCustomer, None, 60 * 5);
                change(State::Open, None, 60 * 24 * 6);
                change(State::WaitingOnCustomer, None, 60 * 24 * 7);
            }
            4 => {
                let escalation = Escalation {
                    to_whom: "CS manager".into(),
                    reason: "Late".into(),
                    contact_by: "Ani".into(),
                };
                cases::escalate(&tx, &id, &escalation, None, config, at(200)).unwrap();
            }
            _ => {
                change(State::Resolved, Some(Outcome::Explained), 60 * 30);
                change(State::Open, None, 60 * 24 * 3);
            }
        }
    }
    tx.commit().unwrap();
}

#[test]
fn the_kept_deadlines_are_the_clocks_after_every_change_and_a_new_holiday() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let config = Config::default();
    generate(&mut conn, &config);
    let rows = kept_and_computed(&conn, &config);
    for (id, kept, computed) in &rows {
        assert_eq!(kept, computed, "{id:?}");
    }
    let running = rows
        .iter()
        .filter(|(_, kept, _)| kept.due.resolution.is_some())
        .count();
    let responses = rows
        .iter()
        .filter(|(_, kept, _)| kept.due.response.is_some())
        .count();
    assert!(
        running > 0 && running < rows.len(),
        "some running, some still: {running}"
    );
    assert!(responses > 0, "some response clocks still running");
    let pauses = |n: usize| rows.iter().filter(|(_, k, _)| k.pauses.len() == n).count();
    assert!(
        pauses(0) > 0 && pauses(1) > 0 && pauses(2) > 0,
        "cases never paused, paused once and twice"
    );

    // Independence Day joins the list: the working-day deadlines after it move a day.
    let tx = db::immediate(&mut conn).unwrap();
    let holiday = Holiday {
        on: "2026-08-17".parse().unwrap(),
        name: "Hari Kemerdekaan".into(),
    };
    holidays::add(&tx, &Actor::System, &holiday, t0()).unwrap();
    let stale = kept_and_computed(&tx, &config);
    let moved = stale
        .iter()
        .filter(|(_, kept, computed)| kept != computed)
        .count();
    assert!(moved > 0, "the new holiday moves some deadlines");
    let refreshed = refresh_unresolved(&tx, &config).unwrap();
    assert_eq!(refreshed, rows.len());
    for (id, kept, computed) in kept_and_computed(&tx, &config) {
        assert_eq!(kept, computed, "{id:?} after the holiday");
    }
    tx.commit().unwrap();
}

#[test]
fn the_list_pages_by_the_kept_deadline_running_clocks_first() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let config = Config::default();
    generate(&mut conn, &config);
    let calendar = Calendar::load(&conn, config.utc_offset()).unwrap();
    // After the last change generated.
    let now = t0() + Duration::days(10);
    let filter = list::Filter::default();
    let all = list::cases::<Case>(
        &conn,
        &filter,
        &calendar,
        &config.complaints,
        now,
        list::Slice::ALL,
    )
    .unwrap();
    let due: Vec<Option<DateTime<Utc>>> = all
        .iter()
        .map(|l| l.case.due.response.or(l.case.due.resolution))
        .collect();
    let running = due.iter().take_while(|d| d.is_some()).count();
    assert!(running > 0 && running < due.len(), "{due:?}");
    assert!(
        due[running..].iter().all(Option::is_none),
        "the still clocks last: {due:?}"
    );
    assert!(
        due[..running].windows(2).all(|w| w[0] <= w[1]),
        "earliest first: {due:?}"
    );
    for listed in &all {
        let main = listed.clocks.main();
        let kept = listed.case.due.response.or(listed.case.due.resolution);
        assert_eq!(
            main.deadline, kept,
            "the clock shown is the kept one: {listed:?}"
        );
    }
    let ids = |v: &[list::Listed]| v.iter().map(|l| l.case.id.clone()).collect::<Vec<_>>();
    let slice = |offset, limit| {
        let slice = list::Slice { offset, limit };
        list::cases::<Case>(&conn, &filter, &calendar, &config.complaints, now, slice).unwrap()
    };
    assert!(all.len() > 7, "{}", all.len());
    assert_eq!(ids(&slice(0, 5)), ids(&all[..5]), "the first page");
    assert_eq!(ids(&slice(5, 2)), ids(&all[5..7]), "a later page");
    assert_eq!(
        ids(&slice(all.len() - 1, 5)),
        ids(&all[all.len() - 1..]),
        "the last"
    );
    assert!(slice(all.len(), 5).is_empty(), "past the end");
}

/// A report's cases read as [`list::Counted`] (no join) have the states, outcomes, times and
/// clocks the whole cases have, at every instant: the clocks are counted by one function from
/// what both read.
#[test]
fn counted_cases_have_the_clocks_of_whole_ones() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let config = Config::default();
    generate(&mut conn, &config);
    let calendar = Calendar::load(&conn, config.utc_offset()).unwrap();
    let filter = list::Filter {
        states: list::States::All,
        ..list::Filter::default()
    };
    for days in [0, 1, 3, 10, 40] {
        let now = t0() + Duration::days(days) + Duration::hours(5);
        let read = |slice| {
            let whole =
                list::cases::<Case>(&conn, &filter, &calendar, &config.complaints, now, slice);
            let counted = list::cases::<list::Counted>(
                &conn,
                &filter,
                &calendar,
                &config.complaints,
                now,
                slice,
            );
            (whole.unwrap(), counted.unwrap())
        };
        let (whole, counted) = read(list::Slice::ALL);
        assert!(whole.len() > 7, "{}", whole.len());
        assert_eq!(whole.len(), counted.len());
        for (w, c) in whole.iter().zip(&counted) {
            let (a, b) = (&w.case, &c.case);
            assert_eq!(
                (a.category, a.channel, a.priority, a.state, a.outcome),
                (b.category, b.channel, b.priority, b.state, b.outcome)
            );
            assert_eq!(
                (a.opened_at, a.first_response_at, a.resolved_at, a.due),
                (b.opened_at, b.first_response_at, b.resolved_at, b.due)
            );
            assert_eq!(w.clocks, c.clocks, "{a:?}");
        }
    }
}

/// V41 fills every existing case's pauses from its timeline as `sla::pauses` counts them:
/// cases never paused, paused and back, paused twice, paused still, resolved and reopened.
#[test]
fn the_backfill_keeps_the_pauses_of_the_timeline() {
    const V41: &str = include_str!("../../migrations/branch/V41__complaint_pauses.sql");
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let config = Config::default();
    generate(&mut conn, &config);
    let written = kept_and_computed(&conn, &config);
    let backfill = &V41[V41.find("UPDATE complaints").unwrap()..];
    conn.execute_batch(&format!("UPDATE complaints SET pauses = '[]'; {backfill}"))
        .unwrap();
    let filled = kept_and_computed(&conn, &config);
    assert_eq!(filled.len(), written.len());
    for ((id, kept, computed), (_, before, _)) in filled.iter().zip(&written) {
        assert_eq!(kept.pauses, computed.pauses, "{id:?}");
        assert_eq!(kept.pauses, before.pauses, "{id:?}");
    }
    assert!(filled.iter().any(|(_, k, _)| k.pauses.len() == 2));
}
