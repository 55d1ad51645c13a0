//! Complaint attachments (issue 14) through the real binary: staff attach a PNG and a PDF on
//! the case page and download them byte for byte with the stored type, `attachment` and
//! `nosniff`; a file that is not what it claims, an empty one and one over `[complaints]
//! attachment_max_bytes` are refused beside the field with nothing stored (no row, no file
//! under attachments/); a body past the upload limit is 413; a missing CSRF token is 403; the
//! customer downloads their own case's file on the portal and another customer's is 404.

use std::path::Path;

use crate::complaints::{budi, open_case};
use crate::util::{AGENT, Client, Response, Server, open_db};

const BOUNDARY: &str = "----pbAttach7";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\xff\x00";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n\x00\xff";

/// A multipart body with the CSRF token (unless `None`) and one file part.
fn body(csrf: Option<&str>, file_name: &str, claimed: &str, bytes: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    if let Some(token) = csrf {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {claimed}\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn upload(c: &mut Client, case: &str, body: &[u8]) -> Response {
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    c.request(
        "POST",
        &format!("/staff/complaints/{case}/attach"),
        &[("Content-Type", &ct)],
        body,
    )
}

/// The rows and the files stored so far.
fn stored(server: &Server) -> (i64, usize) {
    let db = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let rows = db
        .query_row("SELECT count(*) FROM complaint_attachments", [], |r| {
            r.get(0)
        })
        .expect("count");
    (rows, files_in(&server.dir.path().join("attachments")))
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.filter_map(Result::ok).count())
}

/// The link to the file named `name` on a page.
fn link_to(page: &str, name: &str) -> String {
    let end = page.find(&format!("\">{name}<")).expect("the file's link");
    let start = page[..end].rfind("href=\"").expect("href") + 6;
    page[start..end].to_owned()
}

/// An agent signed in, and a case they opened for Budi.
fn agent_with_case(server: &Server) -> (Client, String) {
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let case = open_case(&mut agent, &customer);
    (agent, case)
}

#[test]
fn staff_attach_a_png_and_a_pdf_and_download_them_byte_for_byte() {
    let server = Server::demo();
    let (mut agent, case) = agent_with_case(&server);
    let csrf = agent.get(&format!("/staff/complaints/{case}")).csrf();

    for (name, claimed, bytes, ty) in [
        ("bukti transfer.png", "image/png", PNG, "image/png"),
        (
            "mutasi rekening.pdf",
            "application/octet-stream",
            PDF,
            "application/pdf",
        ),
    ] {
        let r = upload(&mut agent, &case, &body(Some(&csrf), name, claimed, bytes));
        assert_eq!(r.status, 303, "{}", r.body);
        let page = agent.get(&format!("/staff/complaints/{case}"));
        let shown = name.replace('"', "&quot;");
        let got = agent.get(&link_to(&page.body, &shown));
        assert_eq!(got.status, 200, "{}", got.body);
        assert_eq!(got.bytes, bytes, "byte-identical");
        assert_eq!(got.header("content-type"), Some(ty));
        assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
        let disposition = got.header("content-disposition").expect("disposition");
        assert!(
            disposition.starts_with("attachment; filename=\""),
            "{disposition}"
        );
        assert_eq!(
            disposition.matches('"').count(),
            2,
            "quote kept out: {disposition}"
        );
    }
    assert_eq!(stored(&server), (2, 2));
}

#[test]
fn a_refused_file_comes_back_beside_the_field_and_nothing_is_stored() {
    let server = Server::demo();
    let (mut agent, case) = agent_with_case(&server);
    let csrf = agent.get(&format!("/staff/complaints/{case}")).csrf();

    let exe = b"MZ\x90\x00\x03\x00\x00\x00 this program cannot be run in DOS mode";
    let text = b"<html><script>alert(1)</script></html>";
    for bytes in [&exe[..], &text[..]] {
        let r = upload(
            &mut agent,
            &case,
            &body(Some(&csrf), "photo.png", "image/png", bytes),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(
            r.body
                .contains("Only JPEG or PNG photos and PDF documents can be attached."),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("field invalid"),
            "beside the field: {}",
            r.body
        );
    }
    let r = upload(
        &mut agent,
        &case,
        &body(Some(&csrf), "empty.png", "image/png", b""),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("an empty file cannot be attached"),
        "{}",
        r.body
    );

    let mut over = PNG.to_vec();
    over.resize(5 * 1024 * 1024 + 1, 0);
    let r = upload(
        &mut agent,
        &case,
        &body(Some(&csrf), "big.png", "image/png", &over),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("The file is too large to attach."),
        "{}",
        r.body
    );

    over.resize(6 * 1024 * 1024, 0);
    let r = upload(
        &mut agent,
        &case,
        &body(Some(&csrf), "bigger.png", "image/png", &over),
    );
    assert_eq!(r.status, 413, "past the upload limit");

    let r = upload(&mut agent, &case, &body(None, "ok.png", "image/png", PNG));
    assert_eq!(r.status, 403, "no CSRF token: {}", r.body);

    assert_eq!(
        stored(&server),
        (0, 0),
        "no row, no file (not even a temp file)"
    );
}

#[test]
fn the_customer_downloads_their_own_cases_file_and_another_customers_is_404() {
    let server = Server::demo();
    let (mut agent, budis_case) = agent_with_case(&server);

    let mut customer = crate::links::customer_signed_in(&server);
    let page = customer.get("/my/complaints");
    let opened = customer.post_form(
        "/my/complaints",
        &[
            ("csrf", &page.csrf()),
            ("category", "disbursement"),
            ("description", "The money has not arrived."),
        ],
    );
    assert_eq!(opened.status, 303, "{}", opened.body);
    let own = opened.header("location").expect("location").to_owned();
    let own_case = own.trim_start_matches("/my/complaints/").to_owned();

    let csrf = agent.get(&format!("/staff/complaints/{own_case}")).csrf();
    for case in [&own_case, &budis_case] {
        let r = upload(
            &mut agent,
            case,
            &body(Some(&csrf), "proof.pdf", "application/pdf", PDF),
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let db = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let file_of = |case: &str| -> String {
        db.query_row(
            "SELECT id FROM complaint_attachments WHERE complaint_id = ?1",
            [case],
            |r| r.get(0),
        )
        .expect("the file")
    };
    let (mine, budis) = (file_of(&own_case), file_of(&budis_case));

    let link = link_to(&customer.get(&own).body, "proof.pdf");
    assert_eq!(link, format!("/my/complaints/{own_case}/files/{mine}"));
    let got = customer.get(&link);
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.bytes, PDF);

    let staff_route = customer.get(&format!("/staff/complaints/{own_case}/files/{mine}"));
    assert_ne!(staff_route.status, 200, "the staff route needs staff");
    assert_ne!(staff_route.bytes, PDF);
    for other in [
        format!("/my/complaints/{budis_case}/files/{budis}"),
        format!("/my/complaints/{own_case}/files/{budis}"),
    ] {
        assert_eq!(customer.get(&other).status, 404, "{other}");
    }
}

/// A multipart "open a case" form from the portal, with a photo part.
fn open_with_photo(c: &mut Client, csrf: &str, photo: &[u8]) -> Response {
    let mut b = Vec::new();
    for (name, value) in [
        ("csrf", csrf),
        ("category", "disbursement"),
        ("description", "Here is the screenshot."),
    ] {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"layar.png\"\r\nContent-Type: image/png\r\n\r\n")
            .as_bytes(),
    );
    b.extend_from_slice(photo);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    c.request("POST", "/my/complaints", &[("Content-Type", &ct)], &b)
}

#[test]
fn the_customer_opens_a_case_with_a_photo_and_a_refused_photo_opens_nothing() {
    let server = Server::demo();
    let mut customer = crate::links::customer_signed_in(&server);
    let csrf = customer.get("/my/complaints").csrf();
    let db = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let cases = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))
            .expect("count")
    };
    let before = cases(&db);

    let refused = open_with_photo(&mut customer, &csrf, b"GIF89a not accepted");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Only JPEG or PNG photos and PDF documents can be attached."),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Here is the screenshot."),
        "text kept"
    );
    assert_eq!(cases(&db), before, "no case without its photo");
    assert_eq!(stored(&server), (0, 0));

    let opened = open_with_photo(&mut customer, &csrf, PNG);
    assert_eq!(opened.status, 303, "{}", opened.body);
    let own = opened.header("location").expect("location").to_owned();
    let link = link_to(&customer.get(&own).body, "layar.png");
    let got = customer.get(&link);
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.bytes, PNG);
    assert_eq!(stored(&server), (1, 1));
}
