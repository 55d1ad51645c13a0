#![allow(clippy::unwrap_used)]
use super::*;
use crate::audit::Actor;
use crate::complaints::EventKind;
use crate::holidays::{self, Holiday};
use crate::plumbing::config::ServiceLevel;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

fn plain() -> Calendar {
    Calendar::new(wib(), [])
}

fn moved(at: DateTime<Utc>, from: State, to: State) -> Event {
    Event {
        at,
        kind: EventKind::StateChanged,
        who: None,
        from_state: Some(from),
        to_state: Some(to),
        detail: String::new(),
    }
}

const DISBURSEMENT_BY_PHONE: Level = Level {
    first_response_hours: Some(2),
    resolve_working_days: 5,
};

#[test]
fn the_response_clock_breaches_at_the_right_minute() {
    // Monday 3 August 2026, 10:00 in Jakarta.
    let timing = Timing {
        opened_at: at("2026-08-03T03:00:00Z"),
        first_response_at: None,
        pauses: &[],
    };
    let clock = |now: &str| {
        clocks(&plain(), DISBURSEMENT_BY_PHONE, timing, at(now))
            .response
            .unwrap()
    };
    assert_eq!(clock("2026-08-03T03:30:00Z").light(25), Light::Green);
    let last_minute = clock("2026-08-03T04:59:00Z");
    assert!(!last_minute.breached());
    assert_eq!(last_minute.left(), Duration::minutes(1));
    assert_eq!(last_minute.light(25), Light::Amber);
    let due = clock("2026-08-03T05:00:00Z");
    assert!(due.breached());
    assert_eq!(due.light(25), Light::Red);
    assert_eq!(due.deadline, Some(at("2026-08-03T05:00:00Z")));
    let answered = Timing {
        first_response_at: Some(at("2026-08-03T04:00:00Z")),
        ..timing
    };
    let later = clocks(
        &plain(),
        DISBURSEMENT_BY_PHONE,
        answered,
        at("2026-08-03T09:00:00Z"),
    );
    let response = later.response.unwrap();
    assert!(
        response.stopped && !response.breached(),
        "met: {response:?}"
    );
}

#[test]
fn waiting_on_the_customer_pauses_both_clocks() {
    let opened = at("2026-08-03T03:00:00Z");
    let events = [
        moved(
            at("2026-08-03T03:30:00Z"),
            State::Open,
            State::WaitingOnCustomer,
        ),
        moved(
            at("2026-08-03T04:30:00Z"),
            State::WaitingOnCustomer,
            State::Open,
        ),
    ];
    let paused = pauses(&events);
    assert_eq!(
        paused,
        [Pause {
            from: at("2026-08-03T03:30:00Z"),
            until: Some(at("2026-08-03T04:30:00Z"))
        }]
    );
    let timing = Timing {
        opened_at: opened,
        first_response_at: None,
        pauses: &paused,
    };
    let now = at("2026-08-03T05:59:00Z");
    let state = clocks(&plain(), DISBURSEMENT_BY_PHONE, timing, now);
    let response = state.response.unwrap();
    assert_eq!(
        response.deadline,
        Some(at("2026-08-03T06:00:00Z")),
        "an hour later"
    );
    assert!(!response.breached());
    assert_eq!(
        state.resolution.deadline,
        Some(at("2026-08-10T04:00:00Z")),
        "5 working days and the hour paused"
    );
    // While it still waits, nothing counts and there is no deadline.
    let waiting = pauses(&events[..1]);
    let timing = Timing {
        pauses: &waiting,
        ..timing
    };
    let much_later = clocks(
        &plain(),
        DISBURSEMENT_BY_PHONE,
        timing,
        at("2026-08-20T00:00:00Z"),
    );
    assert!(much_later.resolution.paused);
    assert_eq!(much_later.resolution.deadline, None);
    assert_eq!(much_later.resolution.used, Duration::minutes(30));
    assert!(!much_later.resolution.breached());
}

#[test]
fn weekends_do_not_count() {
    // Friday 7 August 2026, 15:00 in Jakarta: 9 hours of Friday, then Monday on.
    let timing = Timing {
        opened_at: at("2026-08-07T08:00:00Z"),
        first_response_at: Some(at("2026-08-07T08:10:00Z")),
        pauses: &[],
    };
    let resolution =
        |now: &str| clocks(&plain(), DISBURSEMENT_BY_PHONE, timing, at(now)).resolution;
    assert_eq!(
        resolution("2026-08-09T12:00:00Z").used,
        Duration::hours(9),
        "nothing of the weekend"
    );
    let before = resolution("2026-08-14T07:59:00Z");
    assert!(!before.breached());
    assert_eq!(
        before.deadline,
        Some(at("2026-08-14T08:00:00Z")),
        "next Friday 15:00"
    );
    assert!(resolution("2026-08-14T08:00:00Z").breached());
}

#[test]
fn the_branchs_holidays_do_not_count() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    // Thursday 13 August 2026, 10:00 in Jakarta; Monday 17 August is Independence Day.
    let timing = Timing {
        opened_at: at("2026-08-13T03:00:00Z"),
        first_response_at: None,
        pauses: &[],
    };
    let due = |conn: &Connection| {
        let calendar = Calendar::load(conn, wib()).unwrap();
        clocks(&calendar, DISBURSEMENT_BY_PHONE, timing, timing.opened_at)
            .resolution
            .deadline
    };
    assert_eq!(due(&conn), Some(at("2026-08-20T03:00:00Z")));
    let holiday = Holiday {
        on: "2026-08-17".parse().unwrap(),
        name: "Hari Kemerdekaan".into(),
    };
    holidays::add(&conn, &Actor::System, &holiday, timing.opened_at).unwrap();
    assert_eq!(due(&conn), Some(at("2026-08-21T03:00:00Z")), "a day later");
}

#[test]
fn levels_follow_the_category_priority_and_channel() {
    let mut config = ComplaintsConfig::default();
    let by_phone = level(
        &config,
        Category::Disbursement,
        Priority::Normal,
        Channel::Hotline,
    );
    assert_eq!(by_phone, DISBURSEMENT_BY_PHONE);
    let written = level(&config, Category::Billing, Priority::High, Channel::Email);
    assert_eq!(
        written,
        Level {
            first_response_hours: None,
            resolve_working_days: 20
        }
    );
    config.levels.push(ServiceLevel {
        category: "billing".into(),
        priority: "high".into(),
        resolve_working_days: 3,
        ..ServiceLevel::default()
    });
    assert_eq!(
        level(&config, Category::Billing, Priority::High, Channel::Email).resolve_working_days,
        3
    );
    assert_eq!(
        level(&config, Category::Billing, Priority::Normal, Channel::Email).resolve_working_days,
        20
    );
}

#[test]
fn working_time_by_arithmetic_is_the_walked_days() {
    let holidays =
        ["2026-08-17", "2026-08-22", "2026-12-25", "2027-01-01"].map(|d| d.parse().unwrap());
    let calendar = Calendar::new(wib(), holidays);
    let base = at("2026-08-01T05:17:00Z");
    for i in 0..300_i64 {
        let a = base + Duration::minutes(i * 433);
        let b = a + Duration::minutes(i * i * 37 % 400_000);
        let mut walked = Duration::zero();
        let _ = each_piece::<()>(&calendar, Counting::WorkingDays, (a, b), &[], |x, y| {
            walked += y - x;
            ControlFlow::Continue(())
        });
        assert_eq!(
            counted(&calendar, Counting::WorkingDays, a, b, &[]),
            walked,
            "{a} to {b}"
        );
    }
}
