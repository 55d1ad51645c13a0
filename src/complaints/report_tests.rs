#![allow(clippy::unwrap_used)]
use std::collections::HashMap;

use super::*;
use crate::complaints::cases::{self, NewCase, Opener};
use crate::complaints::{Priority, State};
use crate::loans::ops::tests::staff_member;
use crate::plumbing::db::{self, tests::test_db};
use crate::roles::Role;

fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

/// The week of Monday 3 August 2026, starting 2 August 17:00 UTC.
fn week() -> Period {
    week_of("2026-08-05".parse().unwrap(), wib())
}

fn customer(conn: &Connection, name: &str, phone: &str) -> CustomerId {
    crate::complaints::cases::tests::customer_with(conn, name, phone, week().from)
}

/// What the test generated for one case, to count independently of the program.
struct Made {
    category: Category,
    channel: Channel,
    customer: usize,
    response: i64,
    resolved: Option<(i64, Outcome)>,
}

const CHANNELS: [Channel; 5] = [
    Channel::Hotline,
    Channel::Email,
    Channel::LiveChat,
    Channel::Counter,
    Channel::SocialMedia,
];

/// Forty cases in the week (and one of customer 4's thirty days before), made through the
/// domain's own functions with fixed instants.
fn generate(conn: &mut Connection) -> Vec<Made> {
    let agent = staff_member(conn, Role::CallAgent, week().from);
    let people: Vec<CustomerId> = (0..5)
        .map(|i| customer(conn, &format!("Customer {i}"), &format!("08121000{i:04}")))
        .collect();
    let plan: Vec<Made> = (0..40)
        .map(|i: i64| Made {
            category: Category::ALL[usize::try_from(i).unwrap() % 6],
            channel: CHANNELS[usize::try_from(i).unwrap() % 5],
            customer: match i {
                38 => 3,
                39 => 4,
                _ => usize::try_from(i).unwrap() % 3,
            },
            response: (i * 37) % 180,
            resolved: (i % 3 != 0).then(|| {
                (
                    (i * 37) % 180 + 60 + (i * 13) % 600,
                    Outcome::ALL[usize::try_from(i).unwrap() % 4],
                )
            }),
        })
        .collect();
    let tx = db::immediate(conn).unwrap();
    let earlier = week().from - Duration::days(30);
    open(
        &tx,
        &people[4],
        Category::Other,
        Channel::Email,
        &agent,
        earlier,
    );
    for (i, made) in plan.iter().enumerate() {
        let opened = week().from + Duration::hours(2 * i64::try_from(i).unwrap());
        let id = open(
            &tx,
            &people[made.customer],
            made.category,
            made.channel,
            &agent,
            opened,
        );
        let at = |minutes: i64| opened + Duration::minutes(minutes);
        cases::add_note(&tx, &id, "Called back.", &agent, at(made.response)).unwrap();
        if let Some((minutes, outcome)) = made.resolved {
            cases::change_state(
                &tx,
                &id,
                State::Resolved,
                Some(outcome),
                &agent,
                &crate::plumbing::config::Config::default(),
                at(minutes),
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
    plan
}

fn open(
    tx: &rusqlite::Transaction,
    customer: &CustomerId,
    category: Category,
    channel: Channel,
    agent: &crate::roles::StaffUser,
    at: DateTime<Utc>,
) -> crate::plumbing::ids::ComplaintId {
    let new = NewCase {
        customer,
        channel,
        category,
        priority: Priority::Normal,
        loan: None,
        payment_code: None,
        description: "Generated.",
        owner: None,
    };
    let opener = Opener::Staff {
        user: agent,
        checked: &["phone"],
    };
    cases::open(
        tx,
        &new,
        &opener,
        &crate::plumbing::config::Config::default(),
        at,
    )
    .unwrap()
}

/// The nearest-rank percentile, worked out here.
fn rank(mut minutes: Vec<i64>, p: f64) -> Option<Duration> {
    minutes.sort_unstable();
    let n = minutes.len() as f64;
    let at = ((p / 100.0 * n).ceil() as usize).max(1) - 1;
    minutes.get(at).map(|m| Duration::minutes(*m))
}

#[test]
fn the_weekly_numbers_match_an_independent_count_of_generated_cases() {
    let (_dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let plan = generate(&mut conn);
    // Friday noon in Jakarta: every generated event is before it.
    let now = week().from + Duration::days(4) + Duration::hours(12);
    let calendar = Calendar::new(wib(), []);
    let config = ComplaintsConfig::default();
    let got = evaluate(&conn, &calendar, &config, week(), now).unwrap();

    assert_eq!(
        got.cases.len(),
        40,
        "the case of 30 days before is not this week's"
    );
    for category in Category::ALL {
        let expected = plan.iter().filter(|m| m.category == *category).count();
        assert!(
            got.by_category.contains(&(*category, expected)),
            "{category:?}: {:?}",
            got.by_category
        );
    }
    for channel in Channel::ALL {
        let expected = plan.iter().filter(|m| m.channel == *channel).count();
        assert!(
            got.by_channel.contains(&(*channel, expected)),
            "{channel:?}: {:?}",
            got.by_channel
        );
    }
    let unresolved = plan.iter().filter(|m| m.resolved.is_none()).count();
    assert!(got.by_outcome.contains(&(None, unresolved)));
    for outcome in Outcome::ALL {
        let expected = plan
            .iter()
            .filter(|m| m.resolved.is_some_and(|(_, o)| o == *outcome))
            .count();
        assert!(
            got.by_outcome.contains(&(Some(*outcome), expected)),
            "{outcome:?}"
        );
    }
    // Late: a disbursement or payment confirmation answered at 2 hours or later. No resolution
    // is late: each took under 14 hours, and the unresolved ones have run 4.5 days at most.
    let two_hours = [Category::Disbursement, Category::PaymentConfirmation];
    let late = |m: &Made| two_hours.contains(&m.category) && m.response >= 120;
    let breached = plan.iter().filter(|m| late(m)).count();
    let met = plan
        .iter()
        .filter(|m| !late(m) && m.resolved.is_some())
        .count();
    assert!(breached > 0 && met > 0, "the generated set has both");
    assert_eq!(
        (got.breached, got.met, got.running),
        (breached, met, 40 - breached - met)
    );
    let responses: Vec<i64> = plan.iter().map(|m| m.response).collect();
    assert_eq!(got.first_response.count, 40);
    assert_eq!(got.first_response.median, rank(responses.clone(), 50.0));
    assert_eq!(got.first_response.p90, rank(responses, 90.0));
    let resolutions: Vec<i64> = plan
        .iter()
        .filter_map(|m| m.resolved.map(|(t, _)| t))
        .collect();
    assert_eq!(got.resolution.count, resolutions.len());
    assert_eq!(got.resolution.median, rank(resolutions.clone(), 50.0));
    assert_eq!(got.resolution.p90, rank(resolutions, 90.0));

    let mut per_customer: HashMap<usize, u64> = HashMap::new();
    for m in &plan {
        *per_customer.entry(m.customer).or_default() += 1;
    }
    *per_customer.entry(4).or_default() += 1; // the case of 30 days before
    let mut repeat: Vec<(String, u64)> = per_customer
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(c, n)| (format!("Customer {c}"), n))
        .collect();
    repeat.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let got_repeat: Vec<(String, u64)> = got
        .repeat
        .iter()
        .map(|r| (r.name.clone(), r.cases))
        .collect();
    assert_eq!(got_repeat, repeat, "customer 3's single case is no repeat");

    let q3 = quarterly(
        &conn,
        &calendar,
        &config,
        quarter(2026, 3, wib()).unwrap(),
        now,
    )
    .unwrap();
    for line in &q3 {
        let mine: Vec<&Made> = plan
            .iter()
            .filter(|m| m.category == line.category)
            .collect();
        let earlier = usize::from(line.category == Category::Other);
        assert_eq!(line.received, mine.len() + earlier, "{line:?}");
        assert_eq!(line.by_state.iter().sum::<usize>(), line.received);
        let resolved = mine.iter().filter(|m| m.resolved.is_some());
        assert_eq!(
            line.resolved_late,
            resolved.clone().filter(|m| late(m)).count(),
            "{line:?}"
        );
        assert_eq!(
            line.resolved_within,
            resolved.filter(|m| !late(m)).count(),
            "{line:?}"
        );
    }
    let open_cases = got.open_oldest.len();
    assert_eq!(
        open_cases,
        unresolved + 1,
        "with the earlier week's case, still open"
    );
    assert!(
        got.open_oldest
            .windows(2)
            .all(|w| w[0].case.opened_at <= w[1].case.opened_at)
    );
}

#[test]
fn quarters_and_weeks_are_local_days() {
    let q3 = quarter(2026, 3, wib()).unwrap();
    assert_eq!(
        (q3.first_day.to_string(), q3.last_day.to_string()),
        ("2026-07-01".into(), "2026-09-30".into())
    );
    assert_eq!(
        q3.from,
        "2026-06-30T17:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert!(quarter(2026, 5, wib()).is_none());
    let w = week();
    assert_eq!(w.first_day.to_string(), "2026-08-03");
    assert_eq!(w.until - w.from, Duration::days(7));
    assert_eq!(spread(vec![]).median, None);
    let odd = spread([5, 1, 3].map(Duration::minutes).to_vec());
    assert_eq!(
        (odd.median, odd.p90),
        (Some(Duration::minutes(3)), Some(Duration::minutes(5)))
    );
}

/// The repeat complainants are counted from the indexes alone: the week's customers from
/// (opening time, customer), V40, and each one's cases from (customer, opening time), V39.
/// Before, each case was read from the table (a third of the weekly page at 50,000 cases), and
/// every customer's name was looked up before counting. The count is made once per case of
/// the week, with no temporary B-tree (an IN list, a GROUP BY and an ORDER BY built three, a
/// third of the query's time). Planned under the statistics ANALYZE keeps for such a branch.
#[test]
fn repeat_complainants_are_counted_from_the_index_not_the_cases() {
    let (dir, db) = test_db();
    db.conn().unwrap().execute_batch("ANALYZE").unwrap();
    db.conn()
        .unwrap()
        .execute_batch(
            "DELETE FROM sqlite_stat1;
             INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
                ('complaints', 'complaints_customer_opened', '50000 4 1'),
                ('complaints', 'complaints_opened', '50000 1 1'),
                ('complaints', 'sqlite_autoindex_complaints_1', '50000 1'),
                ('customers', 'sqlite_autoindex_customers_1', '12500 1');",
        )
        .unwrap();
    let conn = Connection::open(dir.path().join(db::DB_FILE)).unwrap();
    let w = week();
    let plan: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {REPEAT_COMPLAINANTS}"))
        .unwrap()
        .query_map(
            params![w.from - Duration::days(REPEAT_DAYS), w.from, w.until],
            |r| r.get(3),
        )
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let reads_cases: Vec<&String> = plan.iter().filter(|p| p.contains("complaints")).collect();
    assert_eq!(
        reads_cases,
        [
            "SEARCH w USING COVERING INDEX complaints_opened (opened_at>? AND opened_at<?)",
            "SEARCH c USING COVERING INDEX complaints_customer_opened (customer_id=? AND opened_at>? AND opened_at<?)",
        ],
        "each case counted once, from the indexes: {plan:?}"
    );
    assert!(
        !plan
            .iter()
            .any(|p| p.contains("TEMP B-TREE") || p.contains("LIST SUBQUERY")),
        "{plan:?}"
    );
    let counted = plan.iter().position(|p| p == "SCAN r");
    let named = plan.iter().position(|p| p.starts_with("SEARCH customers"));
    assert!(
        counted.is_some() && counted < named,
        "names looked up after counting: {plan:?}"
    );
}
