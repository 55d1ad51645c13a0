//! The customer portal: login by SMS code, the rules of seed 001, the first-login profile,
//! phone verification at the portal and at the counter, and no enumeration.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{ADMIN, CLERK, Client, MANAGER, Options, Server};
use pawnbranch::testing::{SimConfig, Simulator};

/// A demo server with the simulator as its modem and a clock the test can move.
fn portal_server(link: &Path) -> Server {
    portal_server_with(link, None)
}

/// A server with the simulator as its modem and a clock the test can move, on `data_dir`
/// (else a demo branch on a fresh one).
pub(crate) fn portal_server_with(link: &Path, data_dir: Option<tempfile::TempDir>) -> Server {
    let env = vec![
        (
            "PAWNBRANCH_MODEM_DEVICE".to_owned(),
            link.display().to_string(),
        ),
        (
            "PAWNBRANCH_MODEM_BULK_INTERVAL_MS".to_owned(),
            "0".to_owned(),
        ),
    ];
    Server::start(Options {
        demo: data_dir.is_none(),
        movable_clock: true,
        env,
        data_dir,
        ..Options::default()
    })
}

/// The first demo customer: Siti Rahmawati, unverified phone, complete profile.
pub(crate) const SITI: &str = "0812-1000-0000";
pub(crate) const SITI_E164: &str = "+6281210000000";

/// Adds a customer with only a phone number (as an import does) straight into the database.
pub(crate) fn add_bare_customer(server: &Server, phone_e164: &str) {
    let id = format!("01BARE{:0>20}", phone_e164.trim_start_matches('+'));
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let now = chrono::Utc::now();
    conn.execute(
        "INSERT INTO customers (id, full_name, phone, address, created_at, updated_at) VALUES (?1, 'Bare Customer', ?2, '', ?3, ?3)",
        rusqlite::params![id, phone_e164, now],
    )
    .unwrap();
}

/// Waits for the `n`th message to `to` and returns the 6-digit code in it.
pub(crate) fn code_from(sim: &Simulator, to: &str, n: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let texts: Vec<String> = sim
            .received()
            .into_iter()
            .filter(|m| m.to == to)
            .map(|m| m.text)
            .collect();
        if let Some(text) = texts.get(n - 1) {
            let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
            assert_eq!(digits.len(), 6, "{text}");
            return digits;
        }
        assert!(
            Instant::now() < deadline,
            "no code number {n} to {to}; got {texts:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Asks for a login code for `phone` from this browser.
pub(crate) fn ask_code(c: &mut Client, phone: &str) -> crate::util::Response {
    c.submit("/login", "/login/code", &[("phone", phone)])
}

/// Enters a login code.
pub(crate) fn enter_code(c: &mut Client, code: &str) -> crate::util::Response {
    c.submit("/login/verify", "/login/verify", &[("code", code)])
}

/// A code that is surely wrong.
pub(crate) fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[test]
fn first_login_profile_loans_logout_and_return() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link);
    add_bare_customer(&server, "+6281299990000");
    let mut c = server.client();
    assert!(c.get("/").body.contains("href=\"/login\""));
    let r = ask_code(&mut c, "+62 812 9999 0000");
    assert_eq!(r.status, 303);
    let page = c.get("/login/verify");
    assert!(
        page.body
            .contains("If this number is registered with us, we have sent a code.")
    );
    assert!(page.body.contains("Resend code") && page.body.contains("Log in"));
    let code = code_from(&sim, "+6281299990000", 1);
    let r = enter_code(&mut c, &code);
    assert_eq!(
        r.header("location"),
        Some("/profile"),
        "first login goes to the profile"
    );
    let cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|v| v.starts_with("pb_cust="))
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite"),
        "{cookie}"
    );
    // Nothing else before the profile is complete.
    assert_eq!(c.get("/my").header("location"), Some("/profile"));
    let profile = c.get("/profile");
    assert!(
        profile.body.contains("Bare Customer"),
        "what the branch knows is pre-filled"
    );
    for label in [
        "Full name",
        "ID number",
        "Date of birth",
        "Address",
        "Email (optional)",
        "Save",
    ] {
        assert!(profile.body.contains(label), "{label}");
    }
    let csrf = profile.csrf();
    let bad = c.post_form(
        "/profile",
        &[
            ("csrf", &csrf),
            ("full_name", "B"),
            ("id_number", "12"),
            ("date_of_birth", "2099-01-01"),
            ("address", ""),
            ("email", "nope"),
            ("phone", "0812-9999-0000"),
        ],
    );
    assert_eq!(bad.status, 400);
    for msg in [
        "Enter your full name.",
        "Enter 6 to 20 letters or digits.",
        "Enter a real date of birth",
        "Enter your address.",
        "does not look like an email",
    ] {
        assert!(bad.body.contains(msg), "{msg}");
    }
    let good = c.post_form(
        "/profile",
        &[
            ("csrf", &csrf),
            ("full_name", "Bambang Susilo"),
            ("id_number", "3171 0101 8500 0001"),
            ("date_of_birth", "1985-01-01"),
            ("address", "Jl. Kenanga 5, Jakarta"),
            ("email", ""),
            ("phone", "0812-9999-0000"),
        ],
    );
    assert_eq!(good.status, 303, "{}", good.body);
    let my = c.get("/my");
    assert!(
        my.body.contains("Hello, Bambang Susilo.") && my.body.contains("You have no pawn loans"),
        "{}",
        my.body
    );
    assert!(
        !my.body.contains("Verify now"),
        "the login proved the phone"
    );
    let r = c.post_form("/logout", &[("csrf", &my.csrf())]);
    assert_eq!(r.status, 303);
    assert_eq!(c.get("/my").header("location"), Some("/login"));

    // Returning: a code again, never the profile again. (The next code may go after 30 s.)
    server.advance_clock(31);
    ask_code(&mut c, "081299990000");
    let code = code_from(&sim, "+6281299990000", 2);
    assert_eq!(enter_code(&mut c, &code).header("location"), Some("/my"));
    assert!(c.get("/my").body.contains("Bambang Susilo"));
}

#[test]
fn codes_expire_are_single_use_bound_to_the_browser_and_resend_voids_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link);
    let mut c = server.client();
    ask_code(&mut c, SITI);
    let first = code_from(&sim, SITI_E164, 1);
    server.advance_clock(5 * 60 + 1);
    let r = enter_code(&mut c, &first);
    assert!(
        r.body.contains("This code has expired. Request a new one."),
        "{}",
        r.body
    );

    // Resend voids the old code (and waits 30 s after the last).
    let r = c.submit("/login/verify", "/login/resend", &[]);
    assert_eq!(r.status, 303);
    let r = c.submit("/login/verify", "/login/resend", &[]);
    assert!(
        r.body.contains("Please wait") && r.body.contains("seconds"),
        "{}",
        r.body
    );
    let second = code_from(&sim, SITI_E164, 2);
    server.advance_clock(31);
    c.submit("/login/verify", "/login/resend", &[]);
    let third = code_from(&sim, SITI_E164, 3);
    let r = enter_code(&mut c, &second);
    assert!(
        r.body.contains("That code is not right"),
        "a replaced code no longer works"
    );

    // A code works only in the browser that asked for it.
    let mut other = server.client();
    let csrf = other.get("/login").csrf();
    other
        .cookies
        .insert("pb_login".into(), c.cookies["pb_login"].clone());
    let r = other.post_form("/login/verify", &[("csrf", &csrf), ("code", &third)]);
    assert_eq!(
        r.header("location"),
        Some("/login"),
        "another browser cannot use this browser's code"
    );
    assert!(!other.cookies.contains_key("pb_cust"));

    let r = enter_code(&mut c, &third);
    assert_eq!(r.status, 303, "{}", r.body);
    // Used: not again (in a fresh login from the same browser).
    let csrf = c.get("/my").csrf();
    c.post_form("/logout", &[("csrf", &csrf)]);
    let mut again = server.client();
    again.cookies = c.cookies.clone();
    let r = again.submit("/login", "/login/code", &[("phone", SITI)]);
    assert!(r.status == 303 || r.status == 429);
    let r = enter_code(&mut again, &third);
    assert_ne!(r.status, 303, "a used code is refused");
    assert!(
        !sim.received()
            .iter()
            .any(|m| m.text.contains(&format!("{first}{first}")))
    );
}

#[test]
fn five_codes_a_day_until_local_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link);
    let mut c = server.client();
    // Move to 12:00 branch time (UTC+7) today, so five codes 31 s apart stay on one day.
    let now = chrono::Utc::now();
    let local_noon = (now + chrono::Duration::hours(7))
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let shift = (local_noon - chrono::Duration::hours(7)).and_utc() - now;
    server.advance_clock(shift.num_seconds());
    for i in 1..=5 {
        let r = ask_code(&mut c, SITI);
        assert_eq!(r.status, 303, "code {i}: {}", r.body);
        server.advance_clock(31);
    }
    let r = ask_code(&mut c, SITI);
    assert!(
        r.body
            .contains("You have reached today's limit; try again tomorrow or ask at the counter."),
        "{}",
        r.body
    );
    assert_eq!(sim.wait_for(5, Duration::from_secs(20)).len(), 5);
    // Midnight in the branch's time zone: a new day.
    server.advance_clock(12 * 3600);
    assert_eq!(ask_code(&mut c, SITI).status, 303);
    assert_eq!(sim.wait_for(6, Duration::from_secs(20)).len(), 6);
}

#[test]
fn three_wrong_codes_lock_until_staff_unlock_and_lock_again() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link);
    let mut c = server.client();
    ask_code(&mut c, SITI);
    let code = code_from(&sim, SITI_E164, 1);
    assert!(
        enter_code(&mut c, &wrong(&code))
            .body
            .contains("2 tries left")
    );
    // A new code does not reset the count.
    server.advance_clock(31);
    c.submit("/login/verify", "/login/resend", &[]);
    let code = code_from(&sim, SITI_E164, 2);
    assert!(
        enter_code(&mut c, &wrong(&code))
            .body
            .contains("1 tries left")
    );
    let r = enter_code(&mut c, &wrong(&code));
    assert!(r.body.contains("Your account is locked"), "{}", r.body);
    assert!(
        enter_code(&mut c, &code)
            .body
            .contains("Your account is locked"),
        "the right code is refused too"
    );
    server.advance_clock(31);
    let r = ask_code(&mut c, SITI);
    assert!(
        r.body.contains("Your account is locked"),
        "a locked customer gets no code: {}",
        r.body
    );
    assert_eq!(sim.received().len(), 2);

    // Staff: a clerk may not unlock; a manager may, and it is audited.
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let list = manager.get("/staff/customers?q=Siti+Rahmawati");
    let id = crate::util::id_after(&list.body, "/staff/customers/");
    let page = manager.get(&format!("/staff/customers/{id}"));
    assert!(
        page.body.contains("Locked after wrong codes") && page.body.contains("Wrong code entered"),
        "history"
    );
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let csrf = clerk.get("/staff").csrf();
    assert_eq!(
        clerk
            .post_form(&format!("/staff/customers/{id}/unlock"), &[("csrf", &csrf)])
            .status,
        403
    );
    let r = manager.post_form(
        &format!("/staff/customers/{id}/unlock"),
        &[("csrf", &page.csrf())],
    );
    assert_eq!(r.status, 303);
    assert!(manager.get("/staff/audit").body.contains("customer.unlock"));
    assert!(
        manager
            .get(&format!("/staff/customers/{id}"))
            .body
            .contains("Unlocked")
    );

    // After the unlock, wrong codes lock again.
    server.advance_clock(31);
    ask_code(&mut c, SITI);
    let code = code_from(&sim, SITI_E164, 3);
    for _ in 0..2 {
        enter_code(&mut c, &wrong(&code));
    }
    assert!(
        enter_code(&mut c, &wrong(&code))
            .body
            .contains("Your account is locked")
    );
}

#[test]
fn unknown_numbers_look_the_same_and_get_no_sms() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link);
    let time = |phone: &str| {
        let mut c = server.client();
        c.get("/login");
        let started = Instant::now();
        let r = ask_code(&mut c, phone);
        let elapsed = started.elapsed();
        let page = c.get("/login/verify");
        (
            r.status,
            r.header("location").map(str::to_owned),
            elapsed,
            page.body,
        )
    };
    let (status_known, location_known, known, page_known) = time(SITI);
    let (status_unknown, location_unknown, unknown, page_unknown) = time("0813-5555-1212");
    assert_eq!(
        (status_known, location_known.clone()),
        (status_unknown, location_unknown)
    );
    assert_eq!(location_known.as_deref(), Some("/login/verify"));
    let wording = "If this number is registered with us, we have sent a code.";
    assert!(page_known.contains(wording) && page_unknown.contains(wording));
    let diff = known.as_millis().abs_diff(unknown.as_millis());
    assert!(diff < 150, "known {known:?} vs unknown {unknown:?}");
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        sim.received().iter().all(|m| m.to == SITI_E164),
        "no SMS to a stranger"
    );
    // A wrong code for a stranger's number reads like any wrong code.
    let mut c = server.client();
    ask_code(&mut c, "0813-5555-1213");
    assert!(
        enter_code(&mut c, "123456")
            .body
            .contains("That code is not right")
    );
    // An invalid number is told plainly.
    let r = ask_code(&mut server.client(), "12ab");
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("This is not a phone number we can send to.")
    );
}

#[test]
fn a_changed_phone_is_unverified_until_a_code_proves_it() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link);
    let mut c = server.client();
    ask_code(&mut c, SITI);
    enter_code(&mut c, &code_from(&sim, SITI_E164, 1));
    // The counter changes the number (the portal's own change waits for a code first:
    // portal_security.rs).
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let list = manager.get("/staff/customers?q=Siti+Rahmawati");
    let id = crate::util::id_after(&list.body, "/staff/customers/");
    let contact = format!("/staff/customers/{id}/contact");
    let r = manager.submit(
        &contact,
        &contact,
        &[
            ("phone", "0812-7777-6666"),
            ("email", ""),
            ("reason", "new SIM card"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    for path in ["/my", "/profile"] {
        let page = c.get(path);
        assert!(
            page.body.contains("Your phone number is not verified yet.")
                && page.body.contains("Verify now"),
            "{path}"
        );
    }
    // Leaving the code form without a code keeps the reminder.
    c.submit("/verify", "/verify/send", &[]);
    assert!(c.get("/my").body.contains("Verify now"));
    let code = code_from(&sim, "+6281277776666", 1);
    let r = c.submit("/verify", "/verify", &[("code", &code)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let my = c.get("/my");
    assert!(
        my.body.contains("Your phone number is verified.") && !my.body.contains("Verify now"),
        "{}",
        my.body
    );
}

#[test]
fn origination_waits_for_phone_verification_at_the_counter() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link);
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    // Demo customer 0 (Siti, unverified) has a ticket awaiting approval.
    let list = clerk.get("/staff/customers?q=Siti+Rahmawati");
    let id = crate::util::id_after(&list.body, "/staff/customers/");
    let customer = clerk.get(&format!("/staff/customers/{id}"));
    assert!(
        customer.body.contains("Phone verification"),
        "{}",
        customer.body
    );
    let loan = customer.body.split("/staff/loans/").nth(1).unwrap()[..26].to_owned();
    let loan_page = clerk.get(&format!("/staff/loans/{loan}"));
    assert!(
        loan_page.body.contains("Being prepared"),
        "{}",
        loan_page.body
    );
    assert!(
        loan_page.body.contains("Phone Number Verification")
            && loan_page.body.contains("cannot be approved")
    );
    let r = clerk.post_form(
        &format!("/staff/loans/{loan}/approve"),
        &[("csrf", &loan_page.csrf())],
    );
    assert_eq!(
        r.status, 409,
        "approval is refused while the phone is unverified"
    );
    // The counter flow: send, the customer reads the code out, staff type it in.
    let back = format!("/staff/loans/{loan}");
    let r = clerk.submit(
        &back,
        &format!("/staff/customers/{id}/verification/send"),
        &[("back", &back)],
    );
    assert_eq!(r.status, 303);
    let code = code_from(&sim, SITI_E164, 1);
    let r = clerk.submit(
        &back,
        &format!("/staff/customers/{id}/verification"),
        &[("back", &back), ("code", &code)],
    );
    assert_eq!(r.status, 303);
    let loan_page = clerk.get(&back);
    assert!(
        loan_page.body.contains("Phone number verified."),
        "{}",
        loan_page.body
    );
    let r = clerk.post_form(
        &format!("/staff/loans/{loan}/approve"),
        &[("csrf", &loan_page.csrf())],
    );
    assert_eq!(r.status, 303);
    assert!(clerk.get(&back).body.contains("Loan approved."));
    let mut admin = server.client();
    admin.sign_in(ADMIN.0, ADMIN.1);
    let history = admin.get(&format!("/staff/customers/{id}"));
    assert!(
        history.body.contains("Phone verified") && history.body.contains("Kasir Kartika"),
        "who verified"
    );
    assert!(admin.get("/staff/audit").body.contains("loan.approve"));
}

#[test]
fn sessions_idle_out_and_codes_never_show_in_logs_or_staff_pages() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link);
    let mut c = server.client();
    ask_code(&mut c, SITI);
    let code = code_from(&sim, SITI_E164, 1);
    assert_eq!(enter_code(&mut c, &code).header("location"), Some("/my"));
    assert_eq!(c.get("/my").status, 200);
    server.advance_clock(14 * 60);
    assert_eq!(c.get("/my").status, 200, "14 minutes idle: still signed in");
    server.advance_clock(16 * 60);
    assert_eq!(
        c.get("/my").header("location"),
        Some("/login"),
        "16 minutes idle: signed out"
    );

    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let sms_page = manager.get("/staff/sms");
    assert!(sms_page.body.contains("••••••"), "{}", sms_page.body);
    assert!(
        !sms_page.body.contains(&code),
        "the code is masked on the staff page"
    );
    let log = server.stderr.lock().unwrap().join("\n");
    assert!(!log.contains(&code), "the code is never logged");
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    let bodies: Vec<String> = conn
        .prepare("SELECT body FROM sms_outbox")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        bodies.iter().all(|b| !b.contains(&code)),
        "the sent code is blanked in the outbox: {bodies:?}"
    );
}

#[test]
fn code_requests_are_throttled_per_client_address() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let _sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let env = vec![
        (
            "PAWNBRANCH_MODEM_DEVICE".to_owned(),
            link.display().to_string(),
        ),
        (
            "PAWNBRANCH_OTP_REQUESTS_PER_ADDRESS_PER_HOUR".to_owned(),
            "3".to_owned(),
        ),
    ];
    let server = Server::start(Options {
        demo: true,
        env,
        ..Options::default()
    });
    for phone in ["0813-1111-0001", "0813-1111-0002", "0813-1111-0003"] {
        assert_eq!(ask_code(&mut server.client(), phone).status, 303);
    }
    let r = ask_code(&mut server.client(), "0813-1111-0004");
    assert_eq!(r.status, 429, "SMS pumping from one address is stopped");
    assert!(r.body.contains("Too many attempts from this device"));
}

#[test]
fn imported_customers_log_in_and_complete_a_prefilled_profile() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let csv = data.path().join("customers.csv");
    std::fs::write(
        &csv,
        "phone,full_name,date_of_birth,id_number,address,email\n\
         0812-5555-0101,\"Wijaya, Hendra\",1979-03-02,3171020203790001,\"Jl. Mawar 3, Bogor\",\n\
         +62 812 5555 0102,Lestari Ayu,,,,ayu@example.com\n",
    )
    .unwrap();
    let out = crate::util::command(data.path())
        .arg("import")
        .arg("customers")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 2 customers."));
    // A bad file is refused whole, with line numbers.
    std::fs::write(&csv, "phone,colour\n0812,red\n").unwrap();
    let out = crate::util::command(data.path())
        .arg("import")
        .arg("customers")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("colour"));

    let env = vec![(
        "PAWNBRANCH_MODEM_DEVICE".to_owned(),
        link.display().to_string(),
    )];
    let server = Server::start(Options {
        env,
        data_dir: Some(data),
        ..Options::default()
    });
    let mut c = server.client();
    ask_code(&mut c, "081255550101");
    let code = code_from(&sim, "+6281255550101", 1);
    assert_eq!(
        enter_code(&mut c, &code).header("location"),
        Some("/profile"),
        "imported: the profile step first"
    );
    let profile = c.get("/profile");
    assert!(
        profile.body.contains("Wijaya, Hendra") && profile.body.contains("1979-03-02"),
        "pre-filled"
    );
    assert!(profile.body.contains("Jl. Mawar 3, Bogor"));
}
