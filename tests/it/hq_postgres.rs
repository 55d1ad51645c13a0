//! Several `hq serve` processes sharing one PostgreSQL database, as behind a load balancer:
//! two receivers given the same batch at the same moment store it once and both acknowledge
//! it, and a head office user signed in on one is signed in on the other.

use std::sync::{Arc, Barrier};

use crate::sync::{entry, upload};
use crate::util::{self, HqDb, HqStore, Options, Server};

/// A second `hq serve` on the first one's database, with its installation secret (what a
/// deployment copies to every receiver, so that their CSRF tokens agree).
fn second_receiver(first: &Server) -> Server {
    let dir = tempfile::tempdir().unwrap();
    for file in ["test-hq-database.url", "secret.key"] {
        std::fs::copy(first.dir.path().join(file), dir.path().join(file)).unwrap();
    }
    Server::start(Options {
        head_office: true,
        data_dir: Some(dir),
        ..Options::default()
    })
}

#[test]
fn two_receivers_given_the_same_batch_at_once_store_it_once() {
    let (a, credential) = util::head_office_on(HqStore::Postgres, "Race branch");
    let b = second_receiver(&a);
    let schema = serde_json::from_str::<serde_json::Value>(&a.client().get("/healthz").body)
        .unwrap()["accepts_schema"][1]
        .as_i64()
        .unwrap();
    const ROUNDS: i64 = 20;
    const PER_BATCH: i64 = 50;
    for round in 0..ROUNDS {
        let entries: Vec<_> = (1..=PER_BATCH)
            .map(|i| {
                let seq = round * PER_BATCH + i;
                entry(seq, &format!("C{seq}"), &format!("Race {seq}"))
            })
            .collect();
        let body = serde_json::json!({ "branch": "BR01", "schema": schema, "entries": entries });
        let start = Arc::new(Barrier::new(2));
        let replies: Vec<(u16, serde_json::Value)> = std::thread::scope(|s| {
            let racers: Vec<_> = [&a, &b]
                .into_iter()
                .map(|hq| {
                    let (start, body, credential) = (Arc::clone(&start), &body, &credential);
                    s.spawn(move || {
                        start.wait();
                        upload(hq, credential, body)
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for (status, reply) in &replies {
            assert_eq!(
                (*status, reply["acked"].as_i64()),
                (200, Some((round + 1) * PER_BATCH)),
                "round {round}: both receivers acknowledge the batch: {replies:?}"
            );
        }
    }
    let mut db = HqDb::open(a.dir.path());
    let total = ROUNDS * PER_BATCH;
    assert_eq!(
        db.int("SELECT COUNT(*) FROM changes"),
        total,
        "each entry once"
    );
    assert_eq!(
        db.int("SELECT entries_received FROM branches WHERE code = 'BR01'"),
        total,
        "nothing counted twice"
    );
    assert_eq!(db.int("SELECT COUNT(*) FROM customers"), total);
}

#[test]
fn a_user_signed_in_on_one_receiver_is_signed_in_on_the_other() {
    let (a, _) = util::head_office_on(HqStore::Postgres, "Shared branch");
    crate::hq_signin::add_user(a.dir.path(), "rina", "head-office-pass-1");
    let b = second_receiver(&a);
    let mut office = a.client();
    crate::hq_signin::sign_in(&mut office, "rina", "head-office-pass-1");
    let mut elsewhere = b.client();
    elsewhere.cookies = office.cookies.clone();
    let page = elsewhere.get("/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Shared branch"), "{}", page.body);
    // Signing out there (its form, its CSRF token) ends the session here too.
    let r = elsewhere.submit("/", "/logout", &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(office.get("/").status, 303, "signed out everywhere");
    let health: serde_json::Value = serde_json::from_str(&b.client().get("/healthz").body).unwrap();
    assert_eq!(health["store"], "postgresql");
}
