//! The chain reports on both stores: three branches' generated batches received, then every
//! report's lines against counts made here from the generated records alone.

#![allow(clippy::unwrap_used)]
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc, Weekday};
use serde_json::json;

use super::*;
use crate::hq::store::testing::both_stores;
use crate::plumbing::db;
use crate::sync::batch::{Batch, Entry};

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Gen(u64);

impl Gen {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

/// A day up to 120 days before `now` (some outside the 12 weeks shown).
fn day(g: &mut Gen) -> NaiveDate {
    now().date_naive() - Duration::days(g.below(120) as i64)
}

/// The Monday of `d`'s ISO week, worked out another way than the code under test.
fn monday(d: NaiveDate) -> String {
    d.week(Weekday::Mon).first_day().to_string()
}

/// The first Monday shown over 12 weeks.
fn first_week() -> String {
    monday(now().date_naive() - Duration::weeks(11))
}

#[derive(Default)]
struct Expected {
    /// (branch, product name) -> (tickets, principal) of open tickets.
    outstanding: BTreeMap<(String, String), (i64, i64)>,
    /// (week, branch) -> (collected, payments, redemptions).
    collections: BTreeMap<(String, String), [i64; 3]>,
    /// (week, branch) -> (forfeits, principal, moved to sale, sold, proceeds).
    forfeits: BTreeMap<(String, String), [i64; 5]>,
    /// (category, branch) -> (met, breached, open).
    complaints: BTreeMap<(String, String), [i64; 3]>,
    /// (kind, branch) -> (sent, delivered, failed).
    sms: BTreeMap<(String, String), [i64; 3]>,
}

/// The entries of one branch and what they must count.
struct Branch {
    code: String,
    entries: Vec<(String, String, String)>,
}

impl Branch {
    fn add(&mut self, entity: &str, id: &str, data: serde_json::Value) {
        self.entries
            .push((entity.to_owned(), id.to_owned(), data.to_string()));
    }

    fn batches(&self) -> Vec<Batch> {
        let entries: Vec<Entry> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, (entity, id, data))| Entry {
                seq: i as i64 + 1,
                entity: entity.clone(),
                id: id.clone(),
                op: "insert".to_owned(),
                data: Some(data.clone()),
                at: "2026-11-25 08:00:00.000+00:00".to_owned(),
            })
            .collect();
        entries
            .chunks(37)
            .map(|chunk| Batch {
                branch: self.code.clone(),
                schema: db::known_version(),
                entries: chunk.to_vec(),
                waiting_after: 0,
                oldest_waiting_at: None,
            })
            .collect()
    }
}

/// Whether a week is one of the 12 shown (a date after today's week is not).
fn in_window(week: &str) -> bool {
    week >= first_week().as_str() && week <= monday(now().date_naive()).as_str()
}

/// One branch's loans with their ledger, disposals, complaints and messages.
fn generate(g: &mut Gen, code: &str, want: &mut Expected) -> Branch {
    let mut b = Branch {
        code: code.to_owned(),
        entries: Vec::new(),
    };
    let products = [("P1", "Emas"), ("P2", "Elektronik")];
    for (id, name) in products {
        b.add(
            "loan_products",
            id,
            json!({ "id": id, "name": name, "kind": "pawn" }),
        );
    }
    for n in 0..40 {
        loan(g, &mut b, want, &products, n);
    }
    for n in 0..25 {
        complaint(g, &mut b, want, n);
    }
    for n in 0..60 {
        sms(g, &mut b, want, n);
    }
    b
}

fn loan(g: &mut Gen, b: &mut Branch, want: &mut Expected, products: &[(&str, &str)], n: u32) {
    let code = b.code.clone();
    let id = format!("{code}-L{n}");
    let (product, name) = products[g.below(2) as usize];
    let principal = 100_000 * (1 + g.below(20) as i64);
    let state = g.pick(&["active", "due", "redeemed", "forfeited", "cancelled"]);
    let closed = day(g);
    let loan = |state: &str, closed_at: Option<String>| {
        json!({ "id": id, "customer_id": "C1", "ticket_no": format!("T{n}"), "product_id": product,
                "state": state, "principal": principal, "closed_at": closed_at })
    };
    b.add("loans", &id, loan("active", None));
    let disbursement = format!("{id}-D");
    let row = ledger(&disbursement, &id, "disbursement", principal, None, closed);
    b.add("ledger", &disbursement, row);
    let mut owed = principal;
    for p in 0..g.below(4) {
        let kind = g.pick(&["interest", "fee", "principal"]);
        let amount = 1_000 * (1 + g.below(50) as i64);
        let on = day(g);
        let row = format!("{id}-P{p}");
        b.add("ledger", &row, ledger(&row, &id, kind, amount, None, on));
        let week = monday(on);
        let line = want
            .collections
            .entry((week.clone(), code.clone()))
            .or_default();
        line[0] += amount;
        line[1] += 1;
        let mut reversed = false;
        if g.below(4) == 0 {
            let later = on + Duration::days(g.below(10) as i64);
            let reversal = format!("{row}-R");
            let data = ledger(&reversal, &id, "reversal", amount, Some(&row), later);
            b.add("ledger", &reversal, data);
            let line = want
                .collections
                .entry((monday(later), code.clone()))
                .or_default();
            line[0] -= amount;
            line[1] -= 1;
            reversed = true;
        }
        if kind == "principal" && !reversed {
            owed -= amount;
        }
    }
    let closes = matches!(state, "redeemed" | "forfeited");
    b.add(
        "loans",
        &id,
        loan(
            state,
            closes.then(|| format!("{closed} 10:00:00.000+00:00")),
        ),
    );
    let week = monday(closed);
    match state {
        "active" | "due" => {
            let o = want
                .outstanding
                .entry((code.clone(), name.to_owned()))
                .or_default();
            o.0 += 1;
            o.1 += owed;
        }
        "redeemed" => want.collections.entry((week, code.clone())).or_default()[2] += 1,
        "forfeited" => {
            let f = want.forfeits.entry((week, code.clone())).or_default();
            f[0] += 1;
            f[1] += principal;
            if g.below(3) > 0 {
                let on = closed + Duration::days(g.below(20) as i64);
                b.add(
                    "disposals",
                    &id,
                    json!({ "loan_id": id, "on_date": on.to_string() }),
                );
                want.forfeits.entry((monday(on), code.clone())).or_default()[2] += 1;
                if g.below(2) == 0 {
                    let sold = on + Duration::days(g.below(20) as i64);
                    let price = principal + 50_000;
                    b.add("disposal_sales", &id, json!({ "loan_id": id, "channel": "auction", "price": price, "on_date": sold.to_string() }));
                    let f = want
                        .forfeits
                        .entry((monday(sold), code.clone()))
                        .or_default();
                    f[3] += 1;
                    f[4] += price;
                }
            }
        }
        _ => {}
    }
}

fn ledger(
    id: &str,
    loan: &str,
    kind: &str,
    amount: i64,
    reverses: Option<&str>,
    on: NaiveDate,
) -> serde_json::Value {
    json!({ "id": id, "loan_id": loan, "kind": kind, "amount": amount, "reverses": reverses,
            "on_date": on.to_string(), "at": format!("{on} 09:00:00.000+00:00") })
}

fn complaint(g: &mut Gen, b: &mut Branch, want: &mut Expected, n: u32) {
    let id = format!("{}-K{n}", b.code);
    let category = g.pick(&["billing", "disbursement", "payment_method", "other"]);
    let opened = day(g);
    let at = |d: NaiveDate| format!("{d} 11:00:00.000+00:00");
    let (resolved, breached, column) = match g.below(3) {
        0 => (Some(at(opened + Duration::days(2))), None, 0),
        1 => (None, Some(at(opened + Duration::days(20))), 1),
        _ => (None, None, 2),
    };
    b.add(
        "complaints",
        &id,
        json!({ "id": id, "category": category, "state": "open",
        "opened_at": at(opened), "resolved_at": resolved, "breached_at": breached }),
    );
    if monday(opened) >= first_week() {
        want.complaints
            .entry((category.to_owned(), b.code.clone()))
            .or_default()[column] += 1;
    }
}

fn sms(g: &mut Gen, b: &mut Branch, want: &mut Expected, n: u32) {
    let id = format!("{}-S{n}", b.code);
    let kind = g.pick(&["reminder", "notice", "otp"]);
    let created = day(g);
    let (state, delivery, counts) = match g.below(5) {
        0 => ("sent", Some("delivered"), [1, 1, 0]),
        1 => ("sent", Some("not_delivered"), [1, 0, 1]),
        2 => ("sent", None, [1, 0, 0]),
        3 => ("failed", None, [0, 0, 1]),
        _ => ("queued", None, [0, 0, 0]),
    };
    b.add(
        "sms_outbox",
        &id,
        json!({ "id": id, "kind": kind, "state": state, "delivery": delivery,
        "created_at": format!("{created} 07:00:00.000+00:00") }),
    );
    if monday(created) >= first_week() && counts != [0, 0, 0] {
        let line = want
            .sms
            .entry((kind.to_owned(), b.code.clone()))
            .or_default();
        for (l, c) in line.iter_mut().zip(counts) {
            *l += c;
        }
    }
}

/// Three branches' data received by `store`; what the reports must say.
fn chain(store: &Store) -> Expected {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut want = Expected::default();
    for code in ["BR01", "BR02", "BR03"] {
        store.add_branch(code, code, now()).unwrap();
        let branch = generate(&mut g, code, &mut want);
        for batch in branch.batches() {
            store.receive(code, &batch, now()).unwrap();
        }
    }
    want
}

/// A report's lines as (key, branch) -> the first `n` values.
fn lines<const N: usize>(r: &Report) -> BTreeMap<(String, String), [i64; N]> {
    r.lines
        .iter()
        .map(|l| {
            let mut v = [0; N];
            v.copy_from_slice(&l.values[..N]);
            ((l.key.clone(), l.branch.clone()), v)
        })
        .collect()
}

/// `want` without the lines outside the window or all zero.
fn shown<const N: usize>(
    want: &BTreeMap<(String, String), [i64; N]>,
    weekly: bool,
) -> BTreeMap<(String, String), [i64; N]> {
    want.iter()
        .filter(|((key, _), v)| (!weekly || in_window(key)) && v.iter().any(|x| *x != 0))
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

both_stores!(
    every_report_matches_the_generated_records,
    a_head_office_with_records_back_fills_the_same_reports_once,
    one_branch_reports_only_its_own_lines,
);

fn every_report_matches_the_generated_records(store: &Store) {
    let want = chain(store);
    for (name, empty) in [
        ("collections", shown(&want.collections, true).is_empty()),
        ("forfeits", shown(&want.forfeits, true).is_empty()),
        ("complaints", want.complaints.is_empty()),
        ("sms", want.sms.is_empty()),
    ] {
        assert!(!empty, "the generated data has {name} to count");
    }
    let report = |kind| report(store, kind, now(), 12, None).unwrap();

    let outstanding: BTreeMap<(String, String), (i64, i64)> = report(Kind::Outstanding)
        .lines
        .iter()
        .map(|l| {
            (
                (l.branch.clone(), l.key.clone()),
                (l.values[0], l.values[1]),
            )
        })
        .collect();
    assert_eq!(outstanding, want.outstanding);
    assert!(
        !want.outstanding.is_empty(),
        "the generated data has open tickets"
    );

    let collections = report(Kind::Collections);
    assert_eq!(lines::<3>(&collections), shown(&want.collections, true));
    assert_eq!(collections.keys.len(), 12);
    assert_eq!(collections.keys[0], first_week());
    assert_eq!(
        lines::<5>(&report(Kind::Forfeits)),
        shown(&want.forfeits, true)
    );
    assert_eq!(
        lines::<3>(&report(Kind::Complaints)),
        shown(&want.complaints, false)
    );
    assert_eq!(lines::<3>(&report(Kind::Sms)), shown(&want.sms, false));

    // The chain's totals are the branches' lines added up.
    let sms = report(Kind::Sms);
    let sent: i64 = want.sms.values().map(|v| v[0]).sum();
    assert_eq!(sms.by_branch().iter().map(|(_, v)| v[0]).sum::<i64>(), sent);
    assert_eq!(sms.by_key().iter().map(|(_, v)| v[0]).sum::<i64>(), sent);
}

fn a_head_office_with_records_back_fills_the_same_reports_once(store: &Store) {
    chain(store);
    // As received: nothing left to back-fill.
    assert!(
        store.backfill_reports().unwrap() > 0,
        "the migration's pending row"
    );
    assert_eq!(store.backfill_reports().unwrap(), 0, "only once");
    let before: Vec<Vec<Line>> = Kind::ALL
        .iter()
        .map(|k| report(store, *k, now(), 12, None).unwrap().lines)
        .collect();
    // A head office from before the reports: the records, no report rows, the back-fill due.
    store.run("DELETE FROM report_rows");
    store.run("INSERT INTO report_backfill (pending) VALUES (1)");
    assert!(
        report(store, Kind::Sms, now(), 12, None)
            .unwrap()
            .lines
            .is_empty()
    );
    let projected = store.backfill_reports().unwrap();
    assert_eq!(
        projected as i64,
        store.count("SELECT COUNT(*) FROM records WHERE entity IN ('loans', 'loan_products', 'ledger', 'disposals', 'disposal_sales', 'complaints', 'sms_outbox')")
    );
    let after: Vec<Vec<Line>> = Kind::ALL
        .iter()
        .map(|k| report(store, *k, now(), 12, None).unwrap().lines)
        .collect();
    assert_eq!(after, before);
    assert_eq!(store.count("SELECT COUNT(*) FROM report_backfill"), 0);
    // A row a receiver wrote meanwhile (another process on PostgreSQL) is newer than the
    // record the back-fill read: it stays.
    store.run("UPDATE report_rows SET amount = 7 WHERE record_id = 'BR01-S0'");
    store.run("INSERT INTO report_backfill (pending) VALUES (1)");
    store.backfill_reports().unwrap();
    assert_eq!(
        store.count("SELECT COUNT(*) FROM report_rows WHERE record_id = 'BR01-S0' AND amount = 7"),
        1
    );
}

fn one_branch_reports_only_its_own_lines(store: &Store) {
    let want = chain(store);
    let mine = report(store, Kind::Complaints, now(), 12, Some("BR02")).unwrap();
    let expected: BTreeMap<_, _> = shown(&want.complaints, false)
        .into_iter()
        .filter(|((_, branch), _)| branch == "BR02")
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(lines::<3>(&mine), expected);
    // A deleted record leaves the reports.
    let id = "BR02-S0";
    let before = store.count("SELECT COUNT(*) FROM report_rows WHERE entity = 'sms_outbox'");
    let acked = store.count("SELECT acked_seq FROM branches WHERE code = 'BR02'");
    let delete = Batch {
        branch: "BR02".to_owned(),
        schema: db::known_version(),
        entries: vec![Entry {
            seq: acked + 1,
            entity: "sms_outbox".to_owned(),
            id: id.to_owned(),
            op: "delete".to_owned(),
            data: None,
            at: "2026-11-25 09:00:00.000+00:00".to_owned(),
        }],
        waiting_after: 0,
        oldest_waiting_at: None,
    };
    store.receive("BR02", &delete, now()).unwrap();
    assert_eq!(
        store.count("SELECT COUNT(*) FROM report_rows WHERE entity = 'sms_outbox'"),
        before - 1
    );
}

#[test]
fn weeks_end_with_the_current_one_and_shares_round() {
    let w = weeks(now(), 3);
    let w: Vec<String> = w.iter().map(NaiveDate::to_string).collect();
    assert_eq!(w, ["2026-11-09", "2026-11-16", "2026-11-23"]);
    assert_eq!(
        week_of("2026-11-29 23:59:00.000+00:00")
            .unwrap()
            .to_string(),
        "2026-11-23"
    );
    assert_eq!(week_of("nonsense"), None);
    assert_eq!(per_cent(2, 3).as_deref(), Some("66.7%"));
    assert_eq!(per_cent(0, 0), None);
}
