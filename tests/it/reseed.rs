//! A branch restored from an old backup, with real processes on both of head office's stores:
//! its change log is behind what head office holds for it, so its new entries reuse numbers
//! head office stored with other content and its uploads stop. `pawnbranch sync reseed` on
//! the branch brings the two back in line: head office learns the branch's whole current
//! state as new entries, the re-seed is in both audits, and uploads resume.

use std::time::{Duration, Instant};

use crate::sync::{Fault, Plan, Proxy, add_customers, branch_options, head_office};
use crate::util::{self, CLERK, HqDb, HqStore, Server, command};

util::on_both_stores!(a_branch_restored_from_an_old_backup_is_reseeded_and_uploads_resume);

fn health(server: &Server) -> serde_json::Value {
    serde_json::from_str(&server.client().get("/healthz").body).unwrap()
}

/// Waits until the branch's uploads fail with an error; returns it.
fn wait_for_sync_error(branch: &Server) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let h = health(branch);
        if let Some(e) = h["sync"]["last_error"].as_str() {
            return e.to_owned();
        }
        assert!(Instant::now() < deadline, "no upload error: {h}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Customers' names head office holds as current records of BR01.
fn names_at_head_office(hq: &Server) -> Vec<String> {
    let mut h = HqDb::open(hq.dir.path());
    h.query(
        "SELECT data FROM records WHERE branch = 'BR01' AND entity = 'customers' AND NOT deleted",
    )
    .iter()
    .map(|r| {
        let v: serde_json::Value = serde_json::from_str(&r[0].text().unwrap()).unwrap();
        v["full_name"].as_str().unwrap().to_owned()
    })
    .collect()
}

fn a_branch_restored_from_an_old_backup_is_reseeded_and_uploads_resume(store: HqStore) {
    let (hq, credential) = head_office(store);
    let proxy = Proxy::start(hq.addr, Plan::Always(Fault::Pass));
    let options = || branch_options(&proxy, &credential, true);
    let mut branch = Server::start(options());
    let mut clerk = branch.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    add_customers(&mut clerk, 0, 3);
    crate::sync::wait_until_uploaded(&branch, Duration::from_secs(60));

    // The backup, then a day's work that the restore loses (head office has it).
    let backup = branch.dir.path().join("old-backup.sqlite");
    let out = command(branch.dir.path())
        .arg("backup")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    add_customers(&mut clerk, 100, 4);
    crate::sync::wait_until_uploaded(&branch, Duration::from_secs(60));

    // The branch's disk dies; its database comes back from the old backup.
    branch.kill();
    let db = branch.dir.path().join("pawnbranch.sqlite");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&backup, &db).unwrap();
    branch.restart_after_kill(options());
    let mut clerk = branch.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    add_customers(&mut clerk, 200, 2);

    // Stuck: its new entries reuse numbers head office stored with other content.
    let error = wait_for_sync_error(&branch);
    eprintln!("restored branch's upload error: {error}");
    assert!(error.contains("differs"), "{error}");
    assert!(!names_at_head_office(&hq).contains(&"Sync Customer 200".to_owned()));

    // The re-seed, while the branch runs.
    let out = command(branch.dir.path())
        .envs(options().env)
        .args(["sync", "reseed"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(said.contains("re-seeded"), "{said}");
    // More work after it flows too.
    add_customers(&mut clerk, 300, 1);
    crate::sync::wait_until_uploaded(&branch, Duration::from_secs(60));

    let names = names_at_head_office(&hq);
    for i in [0, 1, 2, 200, 201, 300] {
        let name = format!("Sync Customer {i}");
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
    // What the restore lost stays at head office as it last saw it.
    assert!(names.contains(&"Sync Customer 100".to_owned()));
    let mut h = HqDb::open(hq.dir.path());
    let audited = h.int("SELECT COUNT(*) FROM audit_log WHERE action = 'branch.reseed'");
    assert_eq!(audited, 1);
    let b = util::open_db(&db);
    let at_branch: i64 = b
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sync.reseed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(at_branch, 1);
    // Head office holds the branch's log from the re-seed on, each entry once.
    let (head, acked): (i64, i64) = b
        .query_row(
            "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'sync_log'), acked_seq FROM sync_state",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(head, acked);
    assert_eq!(
        h.int("SELECT acked_seq FROM branches WHERE code = 'BR01'"),
        head
    );

    // An operator's compaction beside the running receiver: every entry is younger than
    // `[hq] compact_after_days`, so none goes.
    let out = command(hq.dir.path())
        .args(["hq", "compact"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        said.contains("Compacted 0 change-log entries received more than 90 days ago"),
        "{said}"
    );
}
