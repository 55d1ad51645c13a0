//! `multipart/form-data` POSTs through the real binary: the CSRF token is read from its text
//! part like any form's, a malformed body is a 400 with the reason, and a body over
//! `[server] max_body_bytes` is refused on routes that do not take uploads.

use crate::util::{ADMIN, Client, Server};

const BOUNDARY: &str = "----pbTest42";

fn multipart(client: &mut Client, path: &str, body: &[u8]) -> crate::util::Response {
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    client.request("POST", path, &[("Content-Type", &ct)], body)
}

fn body_with_token(token: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--{BOUNDARY}--\r\n"
    )
    .into_bytes()
}

#[test]
fn a_multipart_form_is_csrf_checked_by_its_token_part() {
    let server = Server::demo();
    let mut staff = server.client();
    staff.sign_in(ADMIN.0, ADMIN.1);
    let csrf = staff.get("/staff").csrf();

    let r = multipart(
        &mut staff,
        "/staff/logout",
        &body_with_token("not-the-token"),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(staff.get("/staff").status, 200, "still signed in");

    let r = multipart(&mut staff, "/staff/logout", b"--x\r\nbroken");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("does not start with its boundary"),
        "the reason: {}",
        r.body
    );

    let big = vec![b'a'; 70 * 1024];
    let r = multipart(&mut staff, "/staff/logout", &big);
    assert_eq!(r.status, 413, "not an upload route: {}", r.body);

    let r = multipart(&mut staff, "/staff/logout", &body_with_token(&csrf));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_ne!(staff.get("/staff").status, 200, "signed out");
}
