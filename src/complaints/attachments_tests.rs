#![allow(clippy::unwrap_used)]
use super::*;
use crate::complaints::cases::{self, NewCase, Opener};
use crate::complaints::{Category, Channel, Priority};
use crate::loans::ops::tests::{customer_and_gold, staff_member};
use crate::plumbing::db::{self, tests::test_db};
use crate::roles::Role;

fn now() -> DateTime<Utc> {
    "2026-08-03T03:00:00Z".parse().unwrap()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const MAX: usize = 64;

/// A case opened by a call agent, and the agent.
fn a_case(conn: &mut Connection) -> (ComplaintId, StaffId) {
    let agent = staff_member(conn, Role::CallAgent, now());
    let (customer, _) = customer_and_gold(conn, "Siti", now());
    let tx = db::immediate(conn).unwrap();
    let new = NewCase {
        customer: &customer,
        channel: Channel::Hotline,
        category: Category::Disbursement,
        priority: Priority::Normal,
        loan: None,
        payment_code: None,
        description: "The money has not reached my account.",
        owner: None,
    };
    let opener = Opener::Staff {
        user: &agent,
        checked: &["full_name"],
    };
    let config = crate::plumbing::config::Config::default();
    let id = cases::open(&tx, &new, &opener, &config, now()).unwrap();
    tx.commit().unwrap();
    (id, agent.id)
}

fn files_in(dir: &Path) -> Vec<String> {
    match fs::read_dir(dir.join(DIR)) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn rows(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM complaint_attachments", [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn types_come_from_the_bytes() {
    assert_eq!(Kind::sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), Some(Kind::Jpeg));
    assert_eq!(Kind::sniff(PNG), Some(Kind::Png));
    assert_eq!(Kind::sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
    for other in [
        &b"<html><script>alert(1)</script>"[..],
        b"GIF89a",
        b"\x89PNG",
        b"%PDF",
        b"MZ\x90\0",
        b"",
    ] {
        assert_eq!(Kind::sniff(other), None, "{other:?}");
    }
}

#[test]
fn a_file_is_stored_with_its_sniffed_type_and_hash() {
    let (dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let (case, agent) = a_case(&mut conn);
    let tx = db::immediate(&mut conn).unwrap();
    let upload = Upload {
        file_name: "C:\\Users\\cs\\transfer\u{1b}.exe",
        bytes: PNG,
    };
    let id = attach(&tx, dir.path(), &case, upload, MAX, Some(&agent), now()).unwrap();
    tx.commit().unwrap();
    let a = get(&conn, &id).unwrap().unwrap();
    assert_eq!(a.content_type, "image/png", "not the name's claim");
    assert_eq!(
        a.file_name, "transfer.exe",
        "last component, no control character"
    );
    assert_eq!(a.size_bytes, PNG.len() as i64);
    assert_eq!(a.sha256, crypto::hex(&crypto::sha256(PNG)));
    assert_eq!((a.staff.clone(), a.at), (Some(agent), now()));
    assert_eq!(fs::read(file_path(dir.path(), &id)).unwrap(), PNG);
    assert_eq!(
        files_in(dir.path()),
        [id.to_string()],
        "no temporary file left"
    );
    assert_eq!(of_case(&conn, &case).unwrap(), [a]);
}

#[test]
fn refused_files_leave_no_file_and_no_row() {
    let (dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let (case, agent) = a_case(&mut conn);
    let big = [PNG, &[0u8; MAX][..]].concat();
    let html = b"<html>".to_vec();
    for (bytes, want) in [
        (&html, "not a JPEG"),
        (&big, "larger than 64"),
        (&Vec::new(), "empty"),
    ] {
        let tx = db::immediate(&mut conn).unwrap();
        let upload = Upload {
            file_name: "proof.png",
            bytes,
        };
        let e = attach(&tx, dir.path(), &case, upload, MAX, Some(&agent), now()).unwrap_err();
        assert!(e.to_string().contains(want), "{e}");
        tx.commit().unwrap();
    }
    let unknown: ComplaintId = crate::plumbing::ids::ComplaintId::new(now());
    let tx = db::immediate(&mut conn).unwrap();
    let upload = Upload {
        file_name: "proof.png",
        bytes: PNG,
    };
    let e = attach(&tx, dir.path(), &unknown, upload, MAX, None, now()).unwrap_err();
    assert!(matches!(e, AttachmentError::Db(_)), "{e}");
    drop(tx);
    assert_eq!(rows(&conn), 0);
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[test]
fn attachments_are_append_only() {
    let (dir, db) = test_db();
    let mut conn = db.conn().unwrap();
    let (case, _) = a_case(&mut conn);
    let tx = db::immediate(&mut conn).unwrap();
    let upload = Upload {
        file_name: "",
        bytes: b"%PDF-1.4 statement",
    };
    let id = attach(&tx, dir.path(), &case, upload, MAX, None, now()).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        get(&conn, &id).unwrap().unwrap().file_name,
        "attachment.pdf"
    );
    assert!(
        conn.execute("DELETE FROM complaint_attachments", [])
            .is_err()
    );
    assert_eq!(rows(&conn), 1);
}

#[test]
fn head_office_gets_the_metadata_not_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::sync::changes::open_logged(dir.path(), std::time::Duration::from_secs(5), 4)
        .unwrap();
    let mut conn = db.conn().unwrap();
    let (case, agent) = a_case(&mut conn);
    let tx = db::immediate(&mut conn).unwrap();
    let upload = Upload {
        file_name: "proof.png",
        bytes: PNG,
    };
    let id = attach(&tx, dir.path(), &case, upload, MAX, Some(&agent), now()).unwrap();
    tx.commit().unwrap();
    let data: String = conn
        .query_row(
            "SELECT data FROM sync_log WHERE entity = 'complaint_attachments' AND record_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    let row: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(row["file_name"], "proof.png");
    assert_eq!(row["sha256"], crypto::hex(&crypto::sha256(PNG)));
    assert_eq!(row["size_bytes"], PNG.len());
    assert_eq!(
        row.as_object().unwrap().len(),
        8,
        "the columns, no bytes: {row}"
    );
}
