//! The foundation: pages, headers, sign-in, sessions, CSRF, permissions, bad input, the demo,
//! backups, start-up errors, the command line and shutdown.

use std::time::Duration;

use crate::util::{self, ADMIN, AGENT, CLERK, Client, MANAGER, Options, Server, raw_exchange};

/// Headers every response carries.
fn assert_security_headers(r: &util::Response) {
    let csp = r.header("content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("http"), "no outside origins: {csp}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("referrer-policy"), Some("same-origin"));
}

#[test]
fn landing_page_assets_health_and_error_pages() {
    let server = Server::demo();
    let mut c = server.client();

    let home = c.get("/");
    assert_eq!(home.status, 200);
    assert_security_headers(&home);
    assert!(home.body.contains("<html lang=\"en\">"), "{}", home.body);
    assert!(home.body.contains("<title>Welcome"), "{}", home.body);
    assert!(home.body.contains("href=\"/login\"") && home.body.contains("Pay My Loan"));
    assert!(home.body.contains("Demo branch"), "the demo is labelled");
    assert!(
        !home.body.contains("http://") && !home.body.contains("https://"),
        "nothing from the internet"
    );

    let css_link = home
        .body
        .split("href=\"/assets/style.css?v=")
        .nth(1)
        .unwrap();
    let version = &css_link[..css_link.find('"').unwrap()];
    let css = c.get(&format!("/assets/style.css?v={version}"));
    assert_eq!(css.status, 200);
    assert_security_headers(&css);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(
        css.header("cache-control")
            .unwrap()
            .contains("max-age=31536000")
    );
    let etag = css.header("etag").unwrap().to_owned();
    assert!(etag.contains(version));
    let again = c.request("GET", "/assets/style.css", &[("If-None-Match", &etag)], b"");
    assert_eq!(again.status, 304);

    let health = c.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"], "ok");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["modem"]["state"].is_string());
    assert!(json.get("sync").is_some());

    let missing = c.get("/no/such/page");
    assert_eq!(missing.status, 404);
    assert_security_headers(&missing);
    assert!(missing.body.contains("Page not found") && missing.body.contains("<html lang=\"en\">"));
    let wrong_method = c.request("DELETE", "/staff/login", &[], b"");
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.body.contains("Action not allowed here"));
    // A form with a valid token, so the CSRF check passes and the routing table answers.
    let csrf = c.get("/login").csrf();
    let wrong_method = c.post_form("/healthz", &[("csrf", &csrf)]);
    assert_eq!(wrong_method.status, 405, "{}", wrong_method.body);
    let without_token = c.post_form("/healthz", &[]);
    assert_eq!(
        without_token.status, 403,
        "a form without its token is refused first"
    );
}

#[test]
fn language_switch_and_indonesian_pages() {
    let server = Server::demo();
    let mut c = server.client();
    let r = c.get("/lang/id?next=/staff/login");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/staff/login"));
    let page = c.get("/staff/login");
    assert!(page.body.contains("<html lang=\"id\">"));
    assert!(
        page.body.contains("Masuk staf") && page.body.contains("Nama pengguna"),
        "{}",
        page.body
    );
    c.sign_in(MANAGER.0, MANAGER.1);
    let dash = c.get("/staff");
    assert!(
        dash.body.contains("Dasbor cabang") && dash.body.contains("Nasabah"),
        "{}",
        dash.body
    );
    assert!(
        dash.body.contains("Rp "),
        "rupiah in Indonesian style: {}",
        dash.body
    );
    // An open redirect is refused.
    let r = c.get("/lang/en?next=//evil.example/");
    assert_eq!(r.header("location"), Some("/"));
}

#[test]
fn sign_in_session_cookie_and_sign_out() {
    let server = Server::demo();
    let mut c = server.client();
    // Staff pages send an anonymous visitor to the sign-in page, remembering where they were.
    let r = c.get("/staff/audit");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/staff/login?next=/staff/audit"));

    let wrong = c.submit(
        "/staff/login",
        "/staff/login",
        &[("username", "manager"), ("password", "nope")],
    );
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("Wrong username or password."));
    assert!(!c.cookies.contains_key("pb_staff"));

    let page = c.get("/staff/login?next=/staff/audit");
    let csrf = page.csrf();
    let r = c.post_form(
        "/staff/login",
        &[
            ("csrf", &csrf),
            ("username", "MANAGER"),
            ("password", MANAGER.1),
            ("next", "/staff/audit"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/staff/audit"));
    let cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|v| v.starts_with("pb_staff="))
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "no TLS configured: {cookie}");

    let dash = c.get("/staff");
    assert_eq!(dash.status, 200);
    assert!(dash.body.contains("Made Manajer") && dash.body.contains("Branch dashboard"));
    assert!(
        dash.body
            .contains("<h2><a href=\"/staff/customers\">Customers</a></h2>")
            && dash.body.contains(">50<"),
        "{}",
        dash.body
    );
    assert!(
        dash.body.contains("Audit log"),
        "a manager sees the audit log link"
    );
    assert!(
        !dash.body.contains("/staff/admin/staff"),
        "a manager does not see staff admin"
    );

    // Sign-in rotates the session: whatever session cookie the browser had is ended.
    let old_session = c.cookies["pb_staff"].clone();
    let csrf = c.get("/staff").csrf();
    let r = c.post_form(
        "/staff/login",
        &[
            ("csrf", &csrf),
            ("username", MANAGER.0),
            ("password", MANAGER.1),
        ],
    );
    assert_eq!(r.status, 303);
    assert_ne!(c.cookies["pb_staff"], old_session);
    let mut stale = c.clone();
    stale.cookies.insert("pb_staff".into(), old_session);
    assert_eq!(stale.get("/staff").status, 303);

    let dash = c.get("/staff");
    let r = c.post_form("/staff/logout", &[("csrf", &dash.csrf())]);
    assert_eq!(r.status, 303);
    let after = c.get("/staff/login");
    assert!(after.body.contains("You have signed out."));
    assert_eq!(c.get("/staff").status, 303);
}

#[test]
fn cookies_are_secure_behind_tls() {
    let server = Server::start(Options {
        demo: true,
        env: vec![(
            "PAWNBRANCH_SERVER_PUBLIC_URL".into(),
            "https://branch.example".into(),
        )],
        ..Options::default()
    });
    let mut c = server.client();
    let page = c.get("/staff/login");
    assert!(
        page.header("set-cookie").unwrap().contains("Secure"),
        "the browser cookie"
    );
    let r = c.post_form(
        "/staff/login",
        &[
            ("csrf", &page.csrf()),
            ("username", MANAGER.0),
            ("password", MANAGER.1),
        ],
    );
    let cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|v| v.starts_with("pb_staff="))
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[test]
fn five_failures_lock_the_account_and_addresses_are_throttled() {
    let server = Server::demo();
    let mut c = server.client();
    for _ in 0..4 {
        let r = c.submit(
            "/staff/login",
            "/staff/login",
            &[("username", "clerk"), ("password", "bad")],
        );
        assert!(r.body.contains("Wrong username or password."));
    }
    let r = c.submit(
        "/staff/login",
        "/staff/login",
        &[("username", "clerk"), ("password", "bad")],
    );
    assert!(r.body.contains("This account is locked"), "{}", r.body);
    let r = c.submit(
        "/staff/login",
        "/staff/login",
        &[("username", "clerk"), ("password", CLERK.1)],
    );
    assert!(
        r.body.contains("This account is locked"),
        "the right password does not open a locked account"
    );
    // The lock is visible to administrators, and recorded in the audit log.
    let mut admin = server.client();
    admin.sign_in(ADMIN.0, ADMIN.1);
    assert!(
        admin
            .get("/staff/admin/staff")
            .body
            .contains("Locked until")
    );
    assert!(admin.get("/staff/audit").body.contains("staff.locked"));

    let throttled = Server::start(Options {
        demo: true,
        env: vec![(
            "PAWNBRANCH_STAFF_ADDRESS_FAILURES_PER_15_MINUTES".into(),
            "3".into(),
        )],
        ..Options::default()
    });
    let mut c = throttled.client();
    for user in ["a1", "b2", "c3"] {
        let r = c.submit(
            "/staff/login",
            "/staff/login",
            &[("username", user), ("password", "x")],
        );
        assert_eq!(r.status, 200);
    }
    let r = c.submit(
        "/staff/login",
        "/staff/login",
        &[("username", "manager"), ("password", MANAGER.1)],
    );
    assert_eq!(r.status, 429, "further tries from this address wait");
    assert!(r.body.contains("Too many attempts"));
}

#[test]
fn forms_without_a_valid_csrf_token_are_refused() {
    let server = Server::demo();
    let mut admin = server.client();
    admin.sign_in(ADMIN.0, ADMIN.1);
    let fields = [
        ("username", "mallory"),
        ("full_name", "Mallory"),
        ("role", "admin"),
        ("password", "long enough pw"),
        ("password2", "long enough pw"),
    ];
    let r = admin.post_form("/staff/admin/staff", &fields);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("This form has expired"));
    // A token from another browser does not fit this one.
    let mut other = server.client();
    let foreign = other.get("/staff/login").csrf();
    let mut with_foreign = vec![("csrf", foreign.as_str())];
    with_foreign.extend_from_slice(&fields);
    assert_eq!(
        admin.post_form("/staff/admin/staff", &with_foreign).status,
        403
    );
    // Sign-in itself needs the token.
    let r = other.post_form(
        "/staff/login",
        &[("username", ADMIN.0), ("password", ADMIN.1)],
    );
    assert_eq!(r.status, 403);
    assert!(
        !admin.get("/staff/admin/staff").body.contains("mallory"),
        "nothing was created"
    );
}

#[test]
fn every_staff_route_checks_permissions_on_the_server() {
    let server = Server::demo();
    // (method, path, who may) for every staff route that needs more than being signed in.
    let target = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
    let routes: Vec<(&str, String, &[&str])> = vec![
        ("GET", "/staff/admin/staff".into(), &["admin"]),
        ("POST", "/staff/admin/staff".into(), &["admin"]),
        (
            "POST",
            format!("/staff/admin/staff/{target}/role"),
            &["admin"],
        ),
        (
            "POST",
            format!("/staff/admin/staff/{target}/disable"),
            &["admin"],
        ),
        (
            "POST",
            format!("/staff/admin/staff/{target}/enable"),
            &["admin"],
        ),
        (
            "POST",
            format!("/staff/admin/staff/{target}/password"),
            &["admin"],
        ),
        (
            "POST",
            format!("/staff/admin/staff/{target}/phone"),
            &["admin"],
        ),
        ("GET", "/staff/audit".into(), &["admin", "manager"]),
        ("GET", "/staff/sms".into(), &["admin", "manager"]),
        ("POST", "/staff/sms/test".into(), &["admin", "manager"]),
        (
            "POST",
            format!("/staff/sms/{target}/retry"),
            &["admin", "manager"],
        ),
        (
            "POST",
            format!("/staff/sms/{target}/cancel"),
            &["admin", "manager"],
        ),
        (
            "GET",
            "/staff/customers".into(),
            &["admin", "manager", "clerk", "agent"],
        ),
        (
            "GET",
            format!("/staff/customers/{target}"),
            &["admin", "manager", "clerk", "agent"],
        ),
        (
            "POST",
            format!("/staff/customers/{target}/unlock"),
            &["admin", "manager"],
        ),
        (
            "POST",
            format!("/staff/customers/{target}/verification/send"),
            &["admin", "manager", "clerk"],
        ),
        (
            "POST",
            format!("/staff/customers/{target}/verification"),
            &["admin", "manager", "clerk"],
        ),
        (
            "GET",
            format!("/staff/loans/{target}"),
            &["admin", "manager", "clerk", "agent"],
        ),
        (
            "POST",
            format!("/staff/loans/{target}/pay"),
            &["admin", "manager", "clerk"],
        ),
        (
            "POST",
            format!("/staff/customers/{target}/do-not-text"),
            &["admin", "manager"],
        ),
        (
            "GET",
            format!("/staff/loans/{target}/receipt/{target}"),
            &["admin", "manager", "clerk", "agent"],
        ),
        (
            "GET",
            format!("/staff/receipts/{target}"),
            &["admin", "manager", "clerk", "agent"],
        ),
        (
            "POST",
            format!("/staff/ledger/{target}/reverse"),
            &["admin", "manager"],
        ),
        (
            "GET",
            format!("/staff/customers/{target}/statement"),
            &["admin", "manager", "clerk", "agent"],
        ),
        (
            "GET",
            format!("/staff/customers/{target}/tickets/new"),
            &["admin", "manager", "clerk"],
        ),
        (
            "POST",
            format!("/staff/customers/{target}/tickets/new"),
            &["admin", "manager", "clerk"],
        ),
        (
            "POST",
            format!("/staff/loans/{target}/approve"),
            &["admin", "manager", "clerk"],
        ),
    ];
    let signed_in_only = ["/staff", "/staff/account"];
    for (user, password) in [CLERK, AGENT, MANAGER, ADMIN] {
        let mut c = server.client();
        c.sign_in(user, password);
        let csrf = c.get("/staff").csrf();
        for (method, path, allowed) in &routes {
            let r = if *method == "GET" {
                c.get(path)
            } else {
                c.post_form(
                    path,
                    &[
                        ("csrf", &csrf),
                        ("role", "clerk"),
                        ("password", "long enough pw"),
                    ],
                )
            };
            if allowed.contains(&user) {
                assert_ne!(r.status, 403, "{user} may {method} {path}");
            } else {
                assert_eq!(
                    r.status, 403,
                    "{user} must not {method} {path}: got {}",
                    r.status
                );
                assert!(r.body.contains("Not allowed"));
            }
        }
        for path in signed_in_only {
            assert_eq!(c.get(path).status, 200, "{user} GET {path}");
        }
        let dash = c.get("/staff");
        assert_eq!(
            dash.body.contains("/staff/admin/staff"),
            user == "admin",
            "{user}: staff link shown only to admins"
        );
        assert_eq!(
            dash.body.contains("/staff/audit"),
            ["admin", "manager"].contains(&user),
            "{user}: audit link"
        );
    }
    // Without a session every staff route leads to the sign-in page.
    let mut anon = server.client();
    let csrf = anon.get("/staff/login").csrf();
    for (method, path, _) in &routes {
        let r = if *method == "GET" {
            anon.get(path)
        } else {
            anon.post_form(path, &[("csrf", &csrf)])
        };
        assert_eq!(r.status, 303, "anonymous {method} {path}");
        assert!(r.header("location").unwrap().starts_with("/staff/login"));
    }
}

#[test]
fn staff_admin_adds_changes_and_disables_accounts_with_audit() {
    let server = Server::demo();
    let mut admin = server.client();
    admin.sign_in(ADMIN.0, ADMIN.1);
    let fields = [
        ("username", "sari"),
        ("full_name", "Sari <b>Kasir</b>"),
        ("role", "clerk"),
        ("password", "sari-password-1"),
        ("password2", "sari-password-1"),
    ];
    let r = admin.submit("/staff/admin/staff", "/staff/admin/staff", &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    let list = admin.get("/staff/admin/staff");
    assert!(
        list.body
            .contains("Staff member Sari &lt;b&gt;Kasir&lt;/b&gt; added."),
        "escaped flash"
    );
    assert!(!list.body.contains("<b>Kasir</b>"), "names are escaped");

    // Bad input is answered on the form, nothing half-written.
    let r = admin.submit(
        "/staff/admin/staff",
        "/staff/admin/staff",
        &[
            ("username", "x y"),
            ("full_name", ""),
            ("role", "boss"),
            ("password", "short"),
            ("password2", "short"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Choose one of the roles."), "{}", r.body);
    let r = admin.submit("/staff/admin/staff", "/staff/admin/staff", &fields);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("This username is already in use."));

    let mut sari = server.client();
    sari.sign_in("sari", "sari-password-1");
    let row = list
        .body
        .split("<tr>")
        .find(|row| row.contains("<td translate=\"no\">sari</td>"))
        .unwrap();
    let sari_id = row.split("/staff/admin/staff/").nth(1).unwrap()[..26].to_owned();
    let csrf = admin.get("/staff/admin/staff").csrf();
    let r = admin.post_form(
        &format!("/staff/admin/staff/{sari_id}/role"),
        &[("csrf", &csrf), ("role", "manager")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        sari.get("/staff/audit").status,
        200,
        "the new role applies at once"
    );
    let r = admin.post_form(
        &format!("/staff/admin/staff/{sari_id}/disable"),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert_eq!(sari.get("/staff").status, 303, "disabling ends her session");
    // A wrong password gets the answer any wrong password gets: "disabled" needs the right one.
    let r = sari.submit(
        "/staff/login",
        "/staff/login",
        &[("username", "sari"), ("password", "not-her-password")],
    );
    assert!(r.body.contains("Wrong username or password."), "{}", r.body);
    assert!(!r.body.contains("disabled"), "{}", r.body);
    let r = sari.submit(
        "/staff/login",
        "/staff/login",
        &[("username", "sari"), ("password", "sari-password-1")],
    );
    assert!(r.body.contains("This account is disabled."));

    let audit = admin.get("/staff/audit");
    for action in ["staff.create", "staff.role", "staff.disable"] {
        assert!(audit.body.contains(action), "{action} audited");
    }
    assert!(
        audit.body.contains("&quot;role&quot;:&quot;clerk&quot;"),
        "before value shown: {}",
        audit.body
    );
}

#[test]
fn bad_and_oversized_input_gets_4xx_with_a_reason() {
    let server = Server::start(Options {
        demo: true,
        env: vec![("PAWNBRANCH_SERVER_MAX_BODY_BYTES".into(), "2048".into())],
        ..Options::default()
    });
    let mut c = server.client();
    let csrf = c.get("/staff/login").csrf();
    let cookie = format!("pb_anon={}", c.cookies["pb_anon"]);
    let form = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", cookie.as_str()),
    ];

    let r = c.request(
        "POST",
        "/staff/login",
        &form[..1],
        format!("csrf={csrf}&username=%zz").as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("malformed percent-encoding"), "{}", r.body);
    let mut bad_utf8 = format!("csrf={csrf}&username=").into_bytes();
    bad_utf8.extend_from_slice(&[0xff, 0xfe]);
    let r = c.request("POST", "/staff/login", &form[..1], &bad_utf8);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("not valid UTF-8"));
    let r = c.request(
        "POST",
        "/staff/login",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("not application/x-www-form-urlencoded"));

    let big = format!("csrf={csrf}&username={}", "a".repeat(4096));
    let r = c.request("POST", "/staff/login", &form[..1], big.as_bytes());
    assert_eq!(r.status, 413);
    assert!(r.body.contains("Too much data sent"));
    // Chunked bodies are limited too.
    let chunk = "a".repeat(3000);
    let raw = format!(
        "POST /staff/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    assert_eq!(raw_exchange(server.addr, raw.as_bytes()).status, 413);
    let r = raw_exchange(
        server.addr,
        b"GET /%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 400);
    let r = c.get("/staff/audit?page=%zz");
    assert_eq!(r.status, 303, "sign-in comes first");
    c.sign_in(MANAGER.0, MANAGER.1);
    let r = c.get("/staff/audit?page=%zz");
    assert_eq!(r.status, 400);
    // The server is still fine.
    assert_eq!(c.get("/healthz").status, 200);
}

#[test]
fn demo_is_loaded_once_and_never_over_real_data() {
    let mut server = Server::demo();
    let out = server.stdout.lock().unwrap().join("\n");
    assert!(out.contains("Demo branch loaded"), "{out}");
    assert!(
        out.contains("manager") && out.contains("demo-manager-pass"),
        "accounts printed: {out}"
    );
    let status = server.terminate();
    assert!(status.success());
    let dir = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    let again = Server::start(Options {
        demo: true,
        data_dir: Some(dir),
        ..Options::default()
    });
    let out = again.stdout.lock().unwrap().join("\n");
    assert!(out.contains("This is the demo branch"), "{out}");
    let mut c = again.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    assert!(
        c.get("/staff").body.contains(">50<"),
        "still 50 customers, not 100"
    );

    let dir = tempfile::tempdir().unwrap();
    add_staff(dir.path(), "owner", "admin", "owner-password-1");
    let real = Server::start(Options {
        demo: true,
        data_dir: Some(dir),
        ..Options::default()
    });
    let out = real.stdout.lock().unwrap().join("\n");
    assert!(
        out.contains("already has data: the demo was not loaded"),
        "{out}"
    );
    let mut c = real.client();
    let r = c.submit(
        "/staff/login",
        "/staff/login",
        &[("username", "manager"), ("password", MANAGER.1)],
    );
    assert!(
        r.body.contains("Wrong username or password."),
        "no demo accounts in a real database"
    );
    assert!(!c.get("/").body.contains("Demo branch"));
}

/// Adds a staff account with the command line, password on standard input.
fn add_staff(dir: &std::path::Path, username: &str, role: &str, password: &str) {
    let args = [
        "staff",
        "add",
        username,
        "--name",
        "Owner Person",
        "--role",
        role,
        "--password-stdin",
    ];
    let out = util::with_password(dir, &args, password);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn staff_command_line() {
    let dir = tempfile::tempdir().unwrap();
    add_staff(dir.path(), "owner", "admin", "owner-password-1");
    let run = |args: &[&str]| util::command(dir.path()).args(args).output().unwrap();
    let list = run(&["staff", "list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("owner") && text.contains("admin") && text.contains("active"),
        "{text}"
    );
    // Passwords are never taken from the command line.
    let r = run(&[
        "staff",
        "add",
        "x",
        "--name",
        "X",
        "--role",
        "clerk",
        "--password",
        "secret123456",
    ]);
    assert!(!r.status.success());
    let r = run(&[
        "staff",
        "add",
        "bob",
        "--name",
        "Bob",
        "--role",
        "boss",
        "--password-stdin",
    ]);
    assert!(String::from_utf8_lossy(&r.stderr).contains("unknown role"));
    let out = util::with_password(
        dir.path(),
        &["staff", "reset-password", "owner", "--password-stdin"],
        "short",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));
    add_staff(dir.path(), "second", "admin", "second-password");
    assert!(run(&["staff", "disable", "owner"]).status.success());
    let text = String::from_utf8_lossy(&run(&["staff", "list"]).stdout).into_owned();
    assert!(
        text.lines()
            .any(|l| l.starts_with("owner") && l.contains("disabled")),
        "{text}"
    );
    let r = run(&["staff", "disable", "second"]);
    assert!(String::from_utf8_lossy(&r.stderr).contains("at least one active administrator"));
    for sub in ["serve", "migrate", "staff", "backup", "check"] {
        let help = util::command(dir.path())
            .args([sub, "--help"])
            .output()
            .unwrap();
        assert!(
            help.status.success() && !help.stdout.is_empty(),
            "{sub} --help"
        );
    }
}

#[test]
fn check_and_migrate_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = util::command(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema version"));
    let out = util::command(dir.path()).arg("check").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Configuration is valid") && text.contains("passed its integrity check"),
        "{text}"
    );
    let out = util::command(dir.path())
        .arg("check")
        .env("PAWNBRANCH_BRANCH_CURRENCY", "XYZ")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[branch] currency"));
}

#[test]
fn clear_start_up_errors() {
    let start_err = |dir: &std::path::Path, extra: &[(&str, &str)], listen: &str| {
        let mut cmd = util::command(dir);
        cmd.args(["serve", "--listen", listen]);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let dir = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().to_string();
    assert!(start_err(dir.path(), &[], &port).contains("already in use"));

    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    assert!(start_err(&file.join("data"), &[], "127.0.0.1:0").contains("data directory"));

    let e = start_err(
        dir.path(),
        &[("PAWNBRANCH_MODEM_DEVIC", "/dev/ttyUSB0")],
        "127.0.0.1:0",
    );
    assert!(
        e.contains("PAWNBRANCH_MODEM_DEVIC") && e.contains("unknown"),
        "{e}"
    );
    let e = start_err(
        dir.path(),
        &[("PAWNBRANCH_SERVER_WORKERS", "lots")],
        "127.0.0.1:0",
    );
    assert!(e.contains("[server] workers"), "{e}");
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[branch]\ncountry = \"ID\"\ncolour = \"red\"\n").unwrap();
    let out = util::command(dir.path())
        .arg("--config")
        .arg(&config)
        .arg("check")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("colour"));

    // A database from a newer pawnbranch is refused, and so is a damaged one.
    let newer = tempfile::tempdir().unwrap();
    assert!(
        util::command(newer.path())
            .arg("migrate")
            .output()
            .unwrap()
            .status
            .success()
    );
    let conn = rusqlite::Connection::open(newer.path().join("pawnbranch.sqlite")).unwrap();
    conn.execute("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'x', '', '0')", [])
        .unwrap();
    drop(conn);
    assert!(start_err(newer.path(), &[], "127.0.0.1:0").contains("newer pawnbranch"));
    let corrupt = tempfile::tempdir().unwrap();
    std::fs::write(corrupt.path().join("pawnbranch.sqlite"), vec![7u8; 10_000]).unwrap();
    assert!(start_err(corrupt.path(), &[], "127.0.0.1:0").contains("damaged"));
}

#[test]
fn backup_while_writes_are_going_on() {
    let server = Server::demo();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let mut admin = server.client();
        admin.sign_in(ADMIN.0, ADMIN.1);
        let stop = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let name = format!("writer{n}");
                let r = admin.submit(
                    "/staff/admin/staff",
                    "/staff/admin/staff",
                    &[
                        ("username", &name),
                        ("full_name", "Writer"),
                        ("role", "clerk"),
                        ("password", "long enough pw"),
                        ("password2", "long enough pw"),
                    ],
                );
                assert_eq!(r.status, 303);
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let copies = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let file = copies.path().join(format!("copy{i}.sqlite"));
        let out = util::command(server.dir.path())
            .arg("backup")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let conn = rusqlite::Connection::open(&file).unwrap();
        let verdict: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(verdict, "ok");
        let staff: i64 = conn
            .query_row("SELECT COUNT(*) FROM staff", [], |r| r.get(0))
            .unwrap();
        assert!(staff >= 4);
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.join().unwrap();
    assert!(written > 0, "writes were going on");
    let out = util::command(server.dir.path())
        .arg("backup")
        .arg(copies.path().join("copy0.sqlite"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn graceful_shutdown_finishes_requests_and_exits_zero() {
    let mut server = Server::demo();
    let clients: Vec<Client> = (0..6).map(|_| server.client()).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    let handles: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let page = c.get("/staff/login");
                let _ = tx.send(());
                // A sign-in hashes a password: a request with some work in it.
                let csrf = page.csrf();
                std::panic::catch_unwind(move || {
                    c.post_form(
                        "/staff/login",
                        &[
                            ("csrf", &csrf),
                            ("username", "clerk"),
                            ("password", CLERK.1),
                        ],
                    )
                })
            })
        })
        .collect();
    rx.recv().unwrap();
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    for h in handles {
        // A request accepted before the signal got its whole response; later ones were refused
        // at connect time, which the client reports as a panic. None got half a response.
        if let Ok(Ok(r)) = h.join() {
            assert!(
                r.status == 303 || r.status == 200,
                "{} {}",
                r.status,
                server.stderr.lock().unwrap().join("\n")
            );
        }
    }
    let log = server.stderr.lock().unwrap().join("\n");
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{log}"
    );
}
