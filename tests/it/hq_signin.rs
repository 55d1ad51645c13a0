//! Head office sign-in: its pages need a session made on the sign-in page (not HTTP Basic);
//! five failures lock a username, known or not, with the same answers either way; failures
//! per address are throttled; sign-out ends the session; forms need their CSRF token; every
//! sign-in, failure, lock and sign-out is in head office's audit table.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{self, Client, HqStore, Options, Server};

/// The password of the head office user `rina` in these tests.
pub(crate) const RINA: (&str, &str) = ("rina", "head-office-pass-1");

/// Adds a head office user with `hq user add --password-stdin`.
pub(crate) fn add_user(dir: &Path, username: &str, password: &str) {
    let args = ["hq", "user", "add", username, "--password-stdin"];
    let out = util::with_password(dir, &args, password);
    assert!(out.status.success(), "{out:?}");
}

/// Head office with the users `rina` and `budi` and these environment settings.
fn head_office(env: &[(&str, &str)]) -> Server {
    head_office_on(HqStore::Sqlite, env)
}

/// Head office on `store` with the users `rina` and `budi` and these environment settings.
fn head_office_on(store: HqStore, env: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    store.prepare(dir.path());
    add_user(dir.path(), RINA.0, RINA.1);
    add_user(dir.path(), "budi", "budi-password-2");
    Server::start(Options {
        head_office: true,
        data_dir: Some(dir),
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Options::default()
    })
}

/// Fills in head office's sign-in form and sends it.
fn try_sign_in(client: &mut Client, username: &str, password: &str) -> util::Response {
    client.submit(
        "/login",
        "/login",
        &[("username", username), ("password", password)],
    )
}

/// Signs in at head office and expects success.
pub(crate) fn sign_in(client: &mut Client, username: &str, password: &str) {
    let r = try_sign_in(client, username, password);
    assert_eq!(r.status, 303, "sign-in as {username} failed: {}", r.body);
    assert!(client.cookies.contains_key("pb_hq"), "{:?}", r.headers);
}

/// Head office's audit rows as (username, action), oldest first.
fn audit(server: &Server) -> Vec<(String, String)> {
    util::HqDb::open(server.dir.path())
        .query("SELECT username, action FROM audit_log ORDER BY id")
        .iter()
        .map(|r| (r[0].text().unwrap(), r[1].text().unwrap()))
        .collect()
}

/// The `Set-Cookie` of the session in a response.
fn session_cookie(r: &util::Response) -> String {
    r.headers_named("set-cookie")
        .into_iter()
        .find(|v| v.starts_with("pb_hq="))
        .unwrap_or_else(|| panic!("no session cookie: {:?}", r.headers))
        .to_owned()
}

/// The error paragraph of a page.
fn alert(body: &str) -> &str {
    body.split("role=\"alert\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no error shown: {body}"))
}

util::on_both_stores!(
    pages_need_a_session_and_sign_out_ends_it,
    five_failures_lock_a_username_and_unknown_names_get_the_same_answers,
);

fn pages_need_a_session_and_sign_out_ends_it(store: HqStore) {
    let hq = head_office_on(store, &[]);
    let mut c = hq.client();
    for (path, next) in [
        ("/", "/"),
        ("/customers?q=siti", "/customers"),
        ("/branches/NOPE", "/branches/NOPE"),
    ] {
        let r = c.get(path);
        assert_eq!(r.status, 303, "{path} without a session: {}", r.body);
        assert_eq!(
            r.header("location"),
            Some(format!("/login?next={next}").as_str()),
            "{path}"
        );
    }
    // The old way in is closed: HTTP Basic opens nothing.
    let basic = "Basic cmluYTpoZWFkLW9mZmljZS1wYXNzLTE="; // rina:head-office-pass-1
    let r = c.request("GET", "/", &[("Authorization", basic)], b"");
    assert_eq!(r.status, 303, "Basic is not a session");

    // A browser id the client chose is not adopted: head office issues its own.
    c.cookies
        .insert("pb_hq_anon".into(), "chosen-by-someone-else".into());
    let page = c.get("/login?next=/customers");
    assert_eq!(page.status, 200);
    assert_ne!(c.cookies["pb_hq_anon"], "chosen-by-someone-else");
    assert!(page.body.contains("Head office sign-in"), "{}", page.body);
    assert!(page.body.contains("name=\"username\"") && page.body.contains("type=\"password\""));

    // A form without its CSRF token, or with another browser's, is refused.
    let r = c.post_form("/login", &[("username", RINA.0), ("password", RINA.1)]);
    assert_eq!(r.status, 403, "no CSRF token: {}", r.body);
    assert!(!c.cookies.contains_key("pb_hq"));
    let r = c.post_form(
        "/login",
        &[
            ("csrf", "0123abcd"),
            ("username", RINA.0),
            ("password", RINA.1),
        ],
    );
    assert_eq!(r.status, 403, "a wrong CSRF token");
    assert!(!c.cookies.contains_key("pb_hq"));
    let r = c.post_form(
        "/login",
        &[
            ("csrf", &page.csrf()),
            ("username", "rina\u{1b}[31m"),
            ("password", RINA.1),
        ],
    );
    assert_eq!(r.status, 400, "a control character: {}", r.body);
    assert!(r.body.contains("control character"), "{}", r.body);

    let r = c.post_form(
        "/login",
        &[
            ("csrf", &page.csrf()),
            ("username", "RINA"),
            ("password", RINA.1),
            ("next", "/customers"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/customers"));
    let cookie = session_cookie(&r);
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "no TLS configured: {cookie}");
    let home = c.get("/");
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("rina") && home.body.contains("Sign out"));
    assert_eq!(c.get("/customers?q=siti").status, 200);
    assert_eq!(c.get("/branches/NOPE").status, 404, "signed in, a real 404");

    // Signing in again rotates the session: the old cookie opens nothing.
    let first = c.cookies["pb_hq"].clone();
    let csrf = c.get("/").csrf();
    let r = c.post_form(
        "/login",
        &[("csrf", &csrf), ("username", RINA.0), ("password", RINA.1)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_ne!(c.cookies["pb_hq"], first);
    let mut stale = c.clone();
    stale.cookies.insert("pb_hq".into(), first);
    assert_eq!(stale.get("/").status, 303);

    // Sign-out needs the CSRF token too, then ends the session.
    let session = c.cookies["pb_hq"].clone();
    let r = c.post_form("/logout", &[]);
    assert_eq!(r.status, 403, "sign-out without CSRF");
    assert_eq!(c.get("/").status, 200, "the session still works");
    let csrf = c.get("/").csrf();
    let r = c.post_form("/logout", &[("csrf", &csrf)]);
    assert_eq!(r.status, 303);
    assert!(r.header("location").unwrap().starts_with("/login"));
    assert!(!c.cookies.contains_key("pb_hq"), "the cookie is cleared");
    let after = c.get(r.header("location").unwrap());
    assert!(
        after.body.contains("You have signed out."),
        "{}",
        after.body
    );
    let mut old = c.clone();
    old.cookies.insert("pb_hq".into(), session);
    assert_eq!(old.get("/").status, 303, "the old cookie is refused");
    assert_eq!(old.get("/customers").status, 303);

    let rows = audit(&hq);
    let actions: Vec<&str> = rows.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(actions, ["sign_in", "sign_in", "sign_out"], "{rows:?}");
    assert!(rows.iter().all(|(u, _)| u.eq_ignore_ascii_case("rina")));
    // The upload API still answers with its bearer credential, not the sign-in page.
    let r = c.request("POST", "/api/v1/batches", &[], b"{}");
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("branch credential"), "{}", r.body);
}

fn five_failures_lock_a_username_and_unknown_names_get_the_same_answers(store: HqStore) {
    let hq = head_office_on(
        store,
        &[("PAWNBRANCH_STAFF_ADDRESS_FAILURES_PER_15_MINUTES", "100")],
    );
    let mut c = hq.client();
    let mut answers = Vec::new();
    for name in [RINA.0, "nobody"] {
        let mut these = Vec::new();
        for _ in 0..5 {
            let r = try_sign_in(&mut c, name, "wrong password");
            these.push((r.status, alert(&r.body).to_owned()));
        }
        let r = try_sign_in(&mut c, name, RINA.1);
        these.push((r.status, alert(&r.body).to_owned()));
        assert!(!c.cookies.contains_key("pb_hq"), "{name}: no session");
        answers.push(these);
    }
    let rina = &answers[0];
    for (status, text) in &rina[..4] {
        assert_eq!(
            (*status, text.as_str()),
            (200, "Wrong username or password.")
        );
    }
    for (status, text) in &rina[4..] {
        assert_eq!(*status, 200);
        assert!(text.contains("This account is locked"), "{text}");
    }
    assert_eq!(
        answers[0], answers[1],
        "an unknown name gets the same answers"
    );

    // A wrong password costs the same hash check whether the name exists or not. The two are
    // timed in turns (so both see the same load on the machine), four times each (one fewer
    // than locks), and the fastest of each compared: without the check an unknown name was
    // answered 20 times faster.
    let mut time = |name: &str| {
        let csrf = c.get("/login").csrf();
        let started = Instant::now();
        let r = c.post_form(
            "/login",
            &[("csrf", &csrf), ("username", name), ("password", "nope")],
        );
        assert_eq!(r.status, 200);
        started.elapsed()
    };
    let (mut known, mut unknown) = (Duration::MAX, Duration::MAX);
    for _ in 0..4 {
        known = known.min(time("budi"));
        unknown = unknown.min(time("ghost"));
    }
    assert!(
        unknown * 3 > known && known * 3 > unknown,
        "known {known:?}, unknown {unknown:?}"
    );
    assert!(
        known > Duration::from_millis(5),
        "a real hash check: {known:?}"
    );

    // Another user is not affected.
    sign_in(&mut c, "budi", "budi-password-2");
    let rows = audit(&hq);
    let count = |user: &str, action: &str| {
        rows.iter()
            .filter(|(u, a)| u == user && a == action)
            .count()
    };
    for user in [RINA.0, "nobody"] {
        assert_eq!(count(user, "sign_in.failed"), 4, "{user}: {rows:?}");
        assert_eq!(count(user, "sign_in.locked"), 1, "{user}");
        assert_eq!(count(user, "sign_in.refused_locked"), 1, "{user}");
    }
    assert_eq!(count("budi", "sign_in.failed"), 4);
    assert_eq!(count("budi", "sign_in"), 1);
}

#[test]
fn failures_from_one_address_are_throttled() {
    let hq = head_office(&[("PAWNBRANCH_STAFF_ADDRESS_FAILURES_PER_15_MINUTES", "3")]);
    let mut c = hq.client();
    for name in ["a1", "b2", "budi"] {
        let r = try_sign_in(&mut c, name, "x");
        assert_eq!(r.status, 200);
        assert_eq!(alert(&r.body), "Wrong username or password.");
    }
    let r = try_sign_in(&mut c, RINA.0, RINA.1);
    assert_eq!(r.status, 429, "further tries from this address wait");
    assert!(alert(&r.body).contains("Too many attempts"), "{}", r.body);
    assert!(!c.cookies.contains_key("pb_hq"));
    assert_eq!(c.get("/").status, 303);
}

#[test]
fn secure_cookie_behind_tls_and_indonesian_pages() {
    let hq = head_office(&[
        ("PAWNBRANCH_SERVER_PUBLIC_URL", "https://hq.example"),
        ("PAWNBRANCH_BRANCH_LANGUAGE", "id"),
    ]);
    let mut c = hq.client();
    let page = c.get("/login");
    assert!(page.body.contains("Masuk kantor pusat"), "{}", page.body);
    assert!(page.body.contains("lang=\"id\""));
    let r = try_sign_in(&mut c, RINA.0, "salah");
    assert_eq!(alert(&r.body), "Nama pengguna atau kata sandi salah.");
    let r = try_sign_in(&mut c, RINA.0, RINA.1);
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = session_cookie(&r);
    assert!(
        cookie.contains("Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let home = c.get("/");
    assert!(home.body.contains("Keluar"), "sign-out in Indonesian");
}
