//! Issue 11 at the portal: one phone number, one live record (no taking over another
//! customer's login through the profile, a new number only after its code, a pair from before
//! refused at login); a stranger's number answered exactly as a customer's at every step; and a
//! login cookie that does not carry the number.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::portal::{SITI, SITI_E164, add_bare_customer, ask_code, code_from, enter_code, wrong};
use crate::util::{Client, MANAGER, Response, Server};
use pawnbranch::testing::{SimConfig, Simulator};

/// A server with the simulator as its modem and a movable clock, on `data_dir` or a demo.
fn portal_server(link: &Path, data_dir: Option<tempfile::TempDir>) -> Server {
    crate::portal::portal_server_with(link, data_dir)
}

/// Demo customer 1: Budi Rahmawati.
const BUDI: &str = "0812-1000-7919";
const BUDI_E164: &str = "+6281210007919";
/// Nobody's.
const STRANGER: &str = "0813-5555-1212";

fn db(server: &Server) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// One answer as the other side sees it, without what names the number or the browser: the
/// status, where it leads, and the page (the CSRF token and any phone number blanked).
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    status: u16,
    location: Option<String>,
    page: String,
}

/// The page with this browser's CSRF token and every phone number in it blanked.
fn blank(body: &str) -> String {
    let mut page = body.to_owned();
    if let Some(token) = crate::util::hidden_value(body, "csrf") {
        page = page.replace(&token, "CSRF");
    }
    // Masked numbers ("+62 •••") and numbers as typed ("0812-...").
    for start in ["+62", "0812-", "0813-"] {
        while let Some(at) = page.find(start) {
            let end = page[at..]
                .find(['<', '"', '.'])
                .map_or(page.len(), |e| at + e);
            page.replace_range(at..end, "NUMBER");
        }
    }
    page
}

/// What a browser sees after an answer: the answer, or for a redirect the page it leads to.
fn seen(c: &mut Client, r: &Response) -> Seen {
    let location = r.header("location").map(str::to_owned);
    let page = match &location {
        Some(to) => blank(&c.get(to).body),
        None => blank(&r.body),
    };
    Seen {
        status: r.status,
        location,
        page,
    }
}

/// A browser asking for one number's codes.
struct Side {
    client: Client,
    phone: &'static str,
}

/// Runs one step for the customer and for the stranger, timing each answer.
fn side_by_side(
    customer: &mut Side,
    stranger: &mut Side,
    mut step: impl FnMut(&mut Client, &str) -> Response,
) -> (Seen, Seen, Duration, Duration) {
    let mut run = |side: &mut Side| {
        let started = Instant::now();
        let r = step(&mut side.client, side.phone);
        let took = started.elapsed();
        (seen(&mut side.client, &r), took)
    };
    let (known, known_time) = run(customer);
    let (unknown, unknown_time) = run(stranger);
    (known, unknown, known_time, unknown_time)
}

/// Asserts the two sides saw the same, in about the same time; returns what they saw.
fn same(
    what: &str,
    (known, unknown, t_known, t_unknown): (Seen, Seen, Duration, Duration),
) -> Seen {
    assert_eq!(known, unknown, "{what}: customer vs stranger");
    let diff = t_known.as_millis().abs_diff(t_unknown.as_millis());
    assert!(
        diff < 150,
        "{what}: customer {t_known:?} vs stranger {t_unknown:?}"
    );
    known
}

#[test]
fn a_code_by_email_twice_is_answered_alike_for_a_verified_address_none_and_a_stranger() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let _sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link, None);
    // Siti's address is verified (a code by email really goes); Budi has none verified.
    db(&server)
        .execute(
            "UPDATE customers SET email_verified_at = created_at WHERE phone = ?1",
            [SITI_E164],
        )
        .unwrap();
    let by_email = |c: &mut Client, _: &str| c.submit("/login/verify", "/login/email", &[]);
    for other in [STRANGER, BUDI] {
        let mut customer = Side {
            client: server.client(),
            phone: SITI,
        };
        let mut them = Side {
            client: server.client(),
            phone: other,
        };
        same(
            "first request",
            side_by_side(&mut customer, &mut them, ask_code),
        );
        server.advance_clock(31);
        let first = same(
            "a code by email",
            side_by_side(&mut customer, &mut them, by_email),
        );
        assert_eq!(first.location.as_deref(), Some("/login/verify"), "{other}");
        let again = same(
            "a code by email again within 30 s",
            side_by_side(&mut customer, &mut them, by_email),
        );
        assert_eq!(again.status, 429, "{other}: {}", again.page);
        // Past the day's limit and the lock the later steps are the ones the other test walks.
        server.advance_clock(3600);
    }
}

#[test]
fn a_strangers_number_is_answered_as_a_customers_at_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link, None);
    let mut customer = Side {
        client: server.client(),
        phone: SITI,
    };
    let mut stranger = Side {
        client: server.client(),
        phone: STRANGER,
    };
    customer.client.get("/login");
    stranger.client.get("/login");

    // The first request: to the code page, "if this number is registered".
    let first = same(
        "first request",
        side_by_side(&mut customer, &mut stranger, ask_code),
    );
    assert_eq!(first.location.as_deref(), Some("/login/verify"));
    assert!(first.page.contains("If this number is registered with us"));
    let code = code_from(&sim, SITI_E164, 1);

    // A second request within 30 seconds, from the number form and by "Resend code".
    let again = same(
        "second request within 30 s",
        side_by_side(&mut customer, &mut stranger, ask_code),
    );
    assert_eq!(again.status, 429, "{}", again.page);
    assert!(again.page.contains("Please wait"), "{}", again.page);
    server.advance_clock(10);
    let resend = same(
        "resend within 30 s",
        side_by_side(&mut customer, &mut stranger, |c, _| {
            c.submit("/login/verify", "/login/resend", &[])
        }),
    );
    assert_eq!(resend.status, 429);

    // Three wrong codes count down to the lock, the same for both.
    let entered = wrong(&code);
    let mut countdown = Vec::new();
    for _ in 0..3 {
        let step = same(
            "a wrong code",
            side_by_side(&mut customer, &mut stranger, |c, _| enter_code(c, &entered)),
        );
        countdown.push(step);
    }
    assert!(
        countdown[0].page.contains("2 tries left"),
        "{}",
        countdown[0].page
    );
    assert!(
        countdown[1].page.contains("1 tries left"),
        "{}",
        countdown[1].page
    );
    assert!(
        countdown[2].page.contains("Your account is locked"),
        "{}",
        countdown[2].page
    );

    // Locked: the number form answers 403 for both, and so does the code form.
    server.advance_clock(31);
    let locked = same(
        "a code for a locked number",
        side_by_side(&mut customer, &mut stranger, ask_code),
    );
    assert_eq!(locked.status, 403, "{}", locked.page);
    let locked = same(
        "a code entered for a locked number",
        side_by_side(&mut customer, &mut stranger, |c, _| enter_code(c, &code)),
    );
    assert!(locked.page.contains("Your account is locked"));
    let locked = same(
        "by email for a locked number",
        side_by_side(&mut customer, &mut stranger, |c, _| {
            c.submit("/login/verify", "/login/email", &[])
        }),
    );
    assert_eq!(locked.status, 403, "{}", locked.page);
    assert!(
        sim.received().iter().all(|m| m.to == SITI_E164),
        "nothing goes to a stranger"
    );
}

#[test]
fn the_login_cookie_does_not_carry_the_number() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link, None);
    let mut c = server.client();
    let r = ask_code(&mut c, SITI);
    assert_eq!(r.status, 303);
    let cookie = c.cookies["pb_login"].clone();
    let digits = SITI_E164.trim_start_matches('+');
    let hex: String = SITI_E164.bytes().map(|b| format!("{b:02x}")).collect();
    for form in [
        SITI_E164,
        digits,
        "081210000000",
        "81210000000",
        "10000000",
        "%2B62",
        &hex,
        &hex.to_uppercase(),
        &base64(SITI_E164.as_bytes()),
        &base64(digits.as_bytes()),
    ] {
        assert!(!cookie.contains(form), "{form} in pb_login={cookie}");
    }
    // The cookie still leads to the number: the code page, resend, and the login itself.
    let page = c.get("/login/verify");
    assert!(
        page.body.contains("0000"),
        "the masked number: {}",
        page.body
    );
    let code = code_from(&sim, SITI_E164, 1);
    assert_eq!(enter_code(&mut c, &code).header("location"), Some("/my"));
    // And only in this browser.
    let mut other = server.client();
    other.get("/login");
    other.cookies.insert("pb_login".into(), cookie);
    assert_eq!(
        other.get("/login/verify").header("location"),
        Some("/login")
    );
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

/// Logs `phone` in from a fresh browser with the `n`th code to it.
fn log_in(server: &Server, sim: &Simulator, phone: &str, e164: &str, n: usize) -> Client {
    let mut c = server.client();
    assert_eq!(ask_code(&mut c, phone).status, 303);
    let r = enter_code(&mut c, &code_from(sim, e164, n));
    assert_eq!(r.status, 303, "{}", r.body);
    c
}

/// Saves the profile as it is, with `phone`.
fn save_profile_with(c: &mut Client, phone: &str) -> Response {
    let profile = c.get("/profile");
    let field = |name: &str| crate::util::hidden_value(&profile.body, name).unwrap_or_default();
    c.post_form(
        "/profile",
        &[
            ("csrf", &profile.csrf()),
            ("full_name", &field("full_name")),
            ("id_number", &field("id_number")),
            ("date_of_birth", &field("date_of_birth")),
            ("address", &field("address")),
            ("email", &field("email")),
            ("phone", phone),
        ],
    )
}

/// The customer records holding `e164`, with their names.
fn holders(conn: &rusqlite::Connection, e164: &str) -> Vec<String> {
    conn.prepare("SELECT full_name FROM customers WHERE phone = ?1 ORDER BY full_name")
        .unwrap()
        .query_map([e164], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_customer_cannot_take_another_customers_number() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link, None);
    let mut attacker = log_in(&server, &sim, SITI, SITI_E164, 1);
    let r = save_profile_with(&mut attacker, BUDI);
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body
            .contains("This number cannot be used for your account"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("Budi"), "the refusal does not say whose");
    let conn = db(&server);
    assert_eq!(holders(&conn, BUDI_E164), ["Budi Rahmawati"]);
    assert_eq!(holders(&conn, SITI_E164), ["Siti Rahmawati"]);
    // The real owner still lands in their own account.
    let mut owner = log_in(&server, &sim, BUDI, BUDI_E164, 1);
    assert!(owner.get("/my").body.contains("Hello, Budi Rahmawati."));
    // And the database refuses the pair whatever the path.
    let forced = conn.execute(
        "UPDATE customers SET phone = ?1 WHERE full_name = 'Siti Rahmawati'",
        [BUDI_E164],
    );
    assert!(
        forced
            .unwrap_err()
            .to_string()
            .contains("UNIQUE constraint failed"),
        "the unique index"
    );
}

#[test]
fn a_new_number_takes_effect_only_once_its_code_is_entered() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link, None);
    let mut c = log_in(&server, &sim, SITI, SITI_E164, 1);
    let r = save_profile_with(&mut c, "0812-7777-6666");
    assert_eq!(r.status, 303, "{}", r.body);
    let conn = db(&server);
    assert_eq!(
        holders(&conn, SITI_E164),
        ["Siti Rahmawati"],
        "the old number stays"
    );
    assert!(holders(&conn, "+6281277776666").is_empty());
    let profile = c.get("/profile");
    assert!(
        profile.body.contains("Your new number")
            && profile.body.contains("6666")
            && profile.body.contains("Confirm the new number"),
        "the pending change is shown: {}",
        profile.body
    );
    // The code goes to the new number; a wrong one counts like any other.
    let code = code_from(&sim, "+6281277776666", 1);
    let r = c.submit("/profile", "/profile/phone", &[("code", &wrong(&code))]);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("2 tries left"), "{}", r.body);
    // The old number still logs in meanwhile.
    server.advance_clock(31);
    let mut elsewhere = log_in(&server, &sim, SITI, SITI_E164, 2);
    assert!(elsewhere.get("/my").body.contains("Siti Rahmawati"));
    let r = c.submit("/profile", "/profile/phone", &[("code", &code)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(holders(&conn, "+6281277776666"), ["Siti Rahmawati"]);
    assert!(holders(&conn, SITI_E164).is_empty());
    let my = c.get("/my");
    assert!(
        !my.body.contains("Verify now"),
        "the code proved the new number: {}",
        my.body
    );
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let audit = manager.get("/staff/audit").body;
    assert!(audit.contains("customer.phone_change"), "{audit}");
    assert!(!audit.contains(&code), "the code is never in the audit log");
}

#[test]
fn a_number_taken_meanwhile_is_refused_at_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link, None);
    let mut c = log_in(&server, &sim, SITI, SITI_E164, 1);
    assert_eq!(save_profile_with(&mut c, "0812-7777-6666").status, 303);
    let code = code_from(&sim, "+6281277776666", 1);
    // Meanwhile the number becomes another customer's.
    add_bare_customer(&server, "+6281277776666");
    let r = c.submit("/profile", "/profile/phone", &[("code", &code)]);
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body
            .contains("This number cannot be used for your account")
    );
    let conn = db(&server);
    assert_eq!(holders(&conn, SITI_E164), ["Siti Rahmawati"]);
    assert_eq!(holders(&conn, "+6281277776666"), ["Bare Customer"]);
}

/// A branch database at schema version 11 (before issue 11) with two live records of one
/// number, as a branch may have them.
fn database_with_a_pair() -> tempfile::TempDir {
    mod before {
        refinery::embed_migrations!("migrations/branch");
    }
    let data = tempfile::tempdir().unwrap();
    let mut conn = rusqlite::Connection::open(data.path().join("pawnbranch.sqlite")).unwrap();
    before::migrations::runner()
        .set_target(refinery::Target::Version(11))
        .set_grouped(true)
        .run(&mut conn)
        .unwrap();
    for (id, name, at) in [
        (
            "01PAIR00000000000000000001",
            "Dewi Older",
            "2026-01-01T00:00:00+00:00",
        ),
        (
            "01PAIR00000000000000000002",
            "Dewi Newer",
            "2026-02-01T00:00:00+00:00",
        ),
    ] {
        conn.execute(
            "INSERT INTO customers (id, full_name, phone, address, created_at, updated_at)
             VALUES (?1, ?2, '+6281244440000', 'Jl. Dahlia 1', ?3, ?3)",
            [id, name, at],
        )
        .unwrap();
    }
    data
}

#[test]
fn a_pair_from_before_survives_the_upgrade_and_its_number_is_sent_to_the_counter() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server(&link, Some(database_with_a_pair()));
    let conn = db(&server);
    assert_eq!(
        holders(&conn, "+6281244440000"),
        ["Dewi Newer", "Dewi Older"],
        "the upgrade keeps both records"
    );
    let mut c = server.client();
    let r = ask_code(&mut c, "0812-4444-0000");
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("Please see the counter"), "{}", r.body);
    assert!(!r.body.contains("Dewi"));
    // No third record can join the pair.
    let third = conn.execute(
        "INSERT INTO customers (id, full_name, phone, address, created_at, updated_at)
         VALUES ('01PAIR00000000000000000003', 'Dewi Third', '+6281244440000', '', '2026-03-01', '2026-03-01')",
        [],
    );
    assert!(
        third
            .unwrap_err()
            .to_string()
            .contains("UNIQUE constraint failed")
    );
    // Once staff give one of them another number, the other logs in.
    conn.execute(
        "UPDATE customers SET phone = '+6281244440001' WHERE full_name = 'Dewi Older'",
        [],
    )
    .unwrap();
    let r = ask_code(&mut server.client(), "0812-4444-0000");
    assert_eq!(r.status, 303, "{}", r.body);
    code_from(&sim, "+6281244440000", 1);
    // And the pair cannot come back.
    let back = conn.execute(
        "UPDATE customers SET phone = '+6281244440000' WHERE full_name = 'Dewi Older'",
        [],
    );
    assert!(
        back.unwrap_err()
            .to_string()
            .contains("UNIQUE constraint failed")
    );
}
