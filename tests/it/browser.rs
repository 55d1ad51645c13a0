//! The customer portal in a real browser: Debian's headless Chromium, driven through
//! ChromeDriver at a 360×740 phone viewport, walks the whole customer path (landing page, phone
//! number, the code read from the modem simulator, the first-login profile, the loans page and
//! logging out) and checks the Indonesian pages; staff and head office pages get the same
//! checks on the same phone.
//!
//! The HTTP tests elsewhere prove what the server answers; this one proves that the pages work
//! as a customer's phone shows them: the links and buttons can be clicked, the forms submit,
//! nothing scrolls sideways at 360 px and every input has a label. A screenshot of each step is
//! saved under `target/screenshots/` for CI to keep as an artifact.
//!
//! ChromeDriver is spoken to over the W3C WebDriver protocol with a small HTTP/1.1 client of our
//! own, so the test needs no extra crates. Chromium and ChromeDriver must be installed (`.ci/run`
//! installs them): without them the test fails, it is never skipped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::portal::{add_bare_customer, code_from};
use crate::util::{Options, Server};
use pawnbranch::testing::{SimConfig, Simulator};

/// The bare customer's number, as the branch stores it.
const PHONE_E164: &str = "+6281288880000";
/// The same number, as the customer types it.
const PHONE_TYPED: &str = "0812-8888-0000";
/// The viewport of a small phone, in CSS pixels.
const WIDTH: u64 = 360;
const HEIGHT: u64 = 740;
/// How long to wait for an element, a page or a message before failing.
const WAIT: Duration = Duration::from_secs(10);
/// The key under which WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

#[test]
fn a_customer_walks_the_portal_on_a_phone() {
    let started = Instant::now();
    // 1. The simulator as the branch's modem, a demo branch, and a customer known only by phone.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = Server::start(Options {
        demo: true,
        env: vec![
            (
                "PAWNBRANCH_MODEM_DEVICE".to_owned(),
                link.display().to_string(),
            ),
            (
                "PAWNBRANCH_MODEM_BULK_INTERVAL_MS".to_owned(),
                "0".to_owned(),
            ),
        ],
        ..Options::default()
    });
    add_bare_customer(&server, PHONE_E164);
    let mut browser = Browser::start(server.addr, "portal");

    // 2. The landing page offers "Pay My Loan".
    browser.goto("/");
    browser.wait_for_path("/");
    let pay = browser.find_by("link text", "Pay My Loan");
    assert!(
        browser.displayed(&pay),
        "the \"Pay My Loan\" link is visible"
    );
    browser.step("landing");
    browser.click(&pay);

    // 3. The login page: the phone number, typed the way people write it.
    browser.wait_for_path("/login");
    let phone = browser.find("#phone");
    browser.type_into(&phone, PHONE_TYPED);
    browser.step("login");
    browser.click(&browser.find("form[action=\"/login/code\"] button"));

    // 4. The code page: the code arrives by SMS and is typed in.
    browser.wait_for_path("/login/verify");
    let body = browser.text();
    assert!(
        body.contains("If this number is registered with us, we have sent a code."),
        "the code page says a code was sent: {body}"
    );
    let code = code_from(&sim, PHONE_E164, 1);
    browser.type_into(&browser.find("#code"), &code);
    browser.step("code");
    browser.click(&browser.find("form[action=\"/login/verify\"] button"));

    // 5. The first-login profile, pre-filled with what the branch knows.
    browser.wait_for_path("/profile");
    assert_eq!(browser.value_of("full_name"), "Bare Customer");
    assert_eq!(browser.value_of("phone"), PHONE_TYPED);
    browser.step("profile");
    let name = browser.find("#full_name");
    browser.clear(&name);
    browser.type_into(&name, "Dewi Lestari");
    browser.type_into(&browser.find("#id_number"), "3171 0101 9005 0002");
    // A date input takes typed keys in the browser's locale order; setting the value is exact.
    browser.script("document.getElementById('date_of_birth').value = '1990-05-17'; return null;");
    browser.type_into(&browser.find("#address"), "Jl. Melati 7, Jakarta");
    browser.step("profile-filled");
    browser.click(&browser.find("form[action=\"/profile\"] button[type=submit]"));

    // 6. "My loans" greets the customer by the name just saved.
    browser.wait_for_path("/my");
    let body = browser.text();
    assert!(
        body.contains("Hello, Dewi Lestari."),
        "the loans page greets the customer: {body}"
    );
    browser.step("my-loans");

    // 7. Logging out leads back to the landing page.
    browser.click(&browser.find("form[action=\"/logout\"] button"));
    browser.wait_for_path("/");
    let body = browser.text();
    assert!(
        body.contains("You have logged out."),
        "the landing page says so: {body}"
    );
    assert!(browser.displayed(&browser.find_by("link text", "Pay My Loan")));
    browser.step("logged-out");
    drop(browser);
    eprintln!("browser walk of the portal took {:?}", started.elapsed());
}

#[test]
fn the_landing_and_login_pages_speak_bahasa_indonesia() {
    let server = Server::demo();
    let mut browser = Browser::start(server.addr, "portal-id");
    browser.goto("/");
    browser.wait_for_path("/");
    browser.click(&browser.find_by("link text", "Bahasa Indonesia"));
    browser.wait_until("the page language is Indonesian", || {
        browser.poll_script("return document.documentElement.lang;") == json!("id")
    });
    let pay = browser.find_by("link text", "Bayar Pinjaman Saya");
    assert!(browser.displayed(&pay), "the Indonesian link is visible");
    browser.step("landing");
    browser.click(&pay);
    browser.wait_for_path("/login");
    assert_eq!(
        browser.script("return document.documentElement.lang;"),
        json!("id"),
        "the login page stays in Indonesian"
    );
    let heading = browser.script("return document.querySelector('h1').innerText;");
    assert_eq!(heading, json!("Bayar Pinjaman Saya"));
    browser.step("login");
}

#[test]
fn a_customer_extends_a_loan_on_a_phone() {
    // Demo customer 1 (Budi Rahmawati, verified) has an overdue ticket and an active gold one;
    // the branch offers every payment channel, with long details that must still fit.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let env = [
        ("PAWNBRANCH_MODEM_DEVICE", link.display().to_string()),
        ("PAWNBRANCH_MODEM_BULK_INTERVAL_MS", "0".to_owned()),
        (
            "PAWNBRANCH_PAYMENTS_BANK_ACCOUNT",
            "Bank Central Asia 1234567890123456 a.n. PT Pegadaian Cabang Demo Jakarta Selatan"
                .to_owned(),
        ),
        (
            "PAWNBRANCH_PAYMENTS_MOBILE_MONEY_NUMBER",
            "0812-0000-1111 (GoPay, OVO, DANA)".to_owned(),
        ),
    ];
    let server = Server::start(Options {
        demo: true,
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..Options::default()
    });
    let mut browser = Browser::start(server.addr, "extend");
    browser.goto("/login");
    browser.wait_for_path("/login");
    browser.type_into(&browser.find("#phone"), "0812-1000-7919");
    browser.click(&browser.find("form[action=\"/login/code\"] button"));
    browser.wait_for_path("/login/verify");
    let code = code_from(&sim, "+6281210007919", 1);
    browser.type_into(&browser.find("#code"), &code);
    browser.click(&browser.find("form[action=\"/login/verify\"] button"));

    // My loans: the overdue ticket first, each with its amount due today.
    browser.wait_for_path("/my");
    let body = browser.text();
    let overdue = body.find("Overdue").expect("an overdue badge");
    let gold = body.find("Gold necklace").expect("the gold ticket");
    assert!(overdue < gold, "overdue first: {body}");
    assert!(body.contains("Amount due today"), "{body}");
    browser.step("my-loans");
    browser.click(&browser.find_by("link text", "Closed"));
    browser.wait_until("the closed tab", || {
        browser.text().contains("You have no closed loans.")
    });
    browser.step("closed");
    browser.click(&browser.find_by("link text", "Current"));
    browser.wait_for_path("/my");

    // The gold ticket's detail, then its extension.
    browser.click(&browser.find("ul.loans li:nth-child(2) a"));
    browser.wait_until("the loan detail", || {
        browser.text().contains("Loan balance")
    });
    browser.step("loan");
    browser.click(&browser.find_by("link text", "Extend this loan"));
    browser.wait_until("the extension", || browser.text().contains("New due date"));
    browser.step("extend");
    browser.click(&browser.find("form.stack button[type=submit]"));
    browser.wait_until("the payment code", || browser.text().contains("How to pay"));
    let body = browser.text();
    assert!(
        body.contains("At the counter")
            && body.contains("Bank transfer")
            && body.contains("Mobile money"),
        "every channel: {body}"
    );
    browser.step("code");
}

#[test]
fn staff_pages_of_the_customer_file_and_sync_fit_a_phone() {
    // A manager on a small screen: the search, a customer's file (contacts, Verify caller,
    // notes, timeline), the phone and email change form, duplicates and Sync.
    let server = Server::demo();
    let mut browser = Browser::start(server.addr, "staff");
    browser.sign_in_staff(crate::util::MANAGER);
    browser.step("dashboard");
    browser.goto("/staff/customers?q=rahmawaty");
    browser.wait_until("the search", || browser.text().contains("Rahmawati"));
    browser.step("search-misspelt");
    browser.click(&browser.find("table a"));
    browser.wait_until("the customer's file", || {
        browser.text().contains("Verify caller")
    });
    browser.step("customer");
    browser.type_into(&browser.find("#note"), "Called; promised to pay on Friday.");
    browser.click(&browser.find("#notes button"));
    browser.wait_until("the note in the timeline", || {
        browser.text().contains("promised to pay on Friday")
    });
    browser.step("note");
    browser.click(&browser.find_by("link text", "Change phone or email"));
    browser.wait_until("the change form", || {
        browser.text().contains("Reason for the change")
    });
    browser.step("contact-change");
    browser.goto("/staff/customers/duplicates");
    browser.wait_until("the duplicates list", || {
        browser.text().contains("duplicates")
    });
    browser.step("duplicates");
    browser.goto("/staff/sync");
    browser.wait_until("the sync page", || {
        browser.text().contains("Set aside by head office")
    });
    browser.step("sync");
}

#[test]
fn head_office_sign_in_pages_and_sign_out_fit_a_phone() {
    let dir = tempfile::tempdir().unwrap();
    let (user, password) = crate::hq_signin::RINA;
    crate::hq_signin::add_user(dir.path(), user, password);
    let hq = Server::start(Options {
        head_office: true,
        data_dir: Some(dir),
        ..Options::default()
    });
    let mut browser = Browser::start(hq.addr, "hq");
    browser.goto("/customers");
    browser.wait_for_path("/login");
    browser.step("sign-in");
    browser.type_into(&browser.find("#username"), user);
    browser.type_into(&browser.find("#password"), password);
    browser.click(&browser.find("form[action=\"/login\"] button"));
    browser.wait_for_path("/customers");
    browser.type_into(&browser.find("#q"), "siti");
    browser.click(&browser.find("form[action=\"/customers\"] button"));
    browser.wait_until("the search", || {
        browser.text().contains("No customer found")
    });
    browser.step("customers");
    browser.goto("/");
    browser.wait_until("the branches", || browser.text().contains("No branch"));
    browser.step("branches");
    browser.click(&browser.find("form[action=\"/logout\"] button"));
    browser.wait_until("signed out", || {
        browser.text().contains("You have signed out.")
    });
    browser.goto("/");
    browser.wait_for_path("/login");
}

/// The full path of a program on `PATH`; panics (so CI fails loudly) when it is not installed.
fn program(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not installed: the browser tests need Debian's chromium and \
                 chromium-driver packages (.ci/run installs them)"
            )
        })
}

/// A port nobody listens on now: the operating system picks it, and we let it go at once.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A headless Chromium at the phone viewport, under a ChromeDriver of its own. Dropping it
/// closes the browser session and kills ChromeDriver.
pub(crate) struct Browser {
    /// The ChromeDriver process.
    driver: Child,
    /// The port ChromeDriver listens on.
    port: u16,
    /// The WebDriver session, once created.
    session: Option<String>,
    /// The server under test, as `http://host:port`.
    base: String,
    /// Where screenshots go.
    shots: PathBuf,
    /// What screenshot names start with.
    prefix: &'static str,
    /// The number of the last screenshot.
    step: u32,
    /// The viewport's width in CSS pixels (the phone's, or a counter screen's).
    width: u64,
    /// Chromium's fresh profile; deleted after the driver (fields drop after `Drop::drop`).
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver and a browser session pointed at the server at `addr`; screenshots
    /// are named `<prefix>-NN-<step>.png`.
    pub(crate) fn start(addr: SocketAddr, prefix: &'static str) -> Browser {
        Browser::start_sized(addr, prefix, (WIDTH, HEIGHT))
    }

    /// The same at a viewport of `(width, height)` CSS pixels (a counter screen).
    pub(crate) fn start_sized(
        addr: SocketAddr,
        prefix: &'static str,
        (width, height): (u64, u64),
    ) -> Browser {
        let chromium = program("chromium");
        let chromedriver = program("chromedriver");
        let profile = tempfile::tempdir().expect("a profile directory");
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&shots).expect("the screenshot directory");
        let mut browser = Browser {
            driver,
            port,
            session: None,
            base: format!("http://{addr}"),
            shots,
            prefix,
            step: 0,
            width,
            profile,
        };
        browser.wait_for_driver();
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": { "pageLoad": 30_000, "script": 10_000, "implicit": 0 },
                    "goog:chromeOptions": {
                        "binary": chromium.display().to_string(),
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            format!("--window-size={width},{height}"),
                            format!("--user-data-dir={}", browser.profile.path().display()),
                        ],
                        "mobileEmulation": {
                            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1 }
                        }
                    }
                }
            }
        });
        let created = http(port, "POST", "/session", Some(&capabilities))
            .unwrap_or_else(|e| panic!("ChromeDriver did not create a session: {e}"));
        let id = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {created}"))
            .to_owned();
        browser.session = Some(id);
        // The emulated phone lays out a page without a viewport tag (such as the blank start
        // page) 980 px wide, as phones do; ours has the tag, so it must be 360 px.
        browser.goto("/");
        let inner = browser.script("return window.innerWidth;");
        assert_eq!(
            inner,
            json!(width),
            "the server's pages are {width} CSS pixels wide in the emulated screen"
        );
        browser
    }

    /// Polls ChromeDriver's status until it is ready (at most 30 s).
    fn wait_for_driver(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.driver.try_wait().expect("ChromeDriver's status") {
                panic!("ChromeDriver exited at start with {status}");
            }
            match http(self.port, "GET", "/status", None) {
                Ok(value) if value["ready"] == json!(true) => return,
                answer => assert!(
                    Instant::now() < deadline,
                    "ChromeDriver was not ready within 30 s: {answer:?}"
                ),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends a command to the session and returns its value, or the WebDriver error.
    fn try_command(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let session = self.session.as_deref().expect("a session");
        let body = body.or_else(|| (method == "POST").then(|| json!({})));
        http(
            self.port,
            method,
            &format!("/session/{session}{path}"),
            body.as_ref(),
        )
    }

    /// Sends a command to the session and returns its value; panics on an error.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_command(method, path, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    /// Signs a staff member in through the sign-in page, and waits for the dashboard.
    pub(crate) fn sign_in_staff(&self, (username, password): (&str, &str)) {
        self.goto("/staff/login");
        self.wait_for_path("/staff/login");
        self.type_into(&self.find("#username"), username);
        self.type_into(&self.find("#password"), password);
        self.click(&self.find("form[action=\"/staff/login\"] button"));
        self.wait_for_path("/staff");
    }

    /// Opens a page of the server under test.
    pub(crate) fn goto(&self, path: &str) {
        self.command(
            "POST",
            "/url",
            Some(json!({ "url": format!("{}{path}", self.base) })),
        );
    }

    /// Runs a script in the page (it must `return` its result) and returns what it returned.
    pub(crate) fn script(&self, script: &str) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Runs a script like [`Browser::script`], but answers `Null` on an error (a page may be
    /// between two documents while a condition is polled).
    fn poll_script(&self, script: &str) -> Value {
        self.try_command(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .unwrap_or(Value::Null)
    }

    /// Polls `condition` until it holds; panics after [`WAIT`] naming `what` was awaited.
    pub(crate) fn wait_until(&self, what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        while !condition() {
            assert!(
                Instant::now() < deadline,
                "waited {WAIT:?} for {what}; the browser is at {} showing:\n{}",
                self.current_url(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The address the browser shows.
    pub(crate) fn current_url(&self) -> String {
        self.try_command("GET", "/url", None)
            .unwrap_or_else(|e| Value::String(format!("(unknown: {e})")))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until the browser has loaded `path` (without query) of the server under test.
    pub(crate) fn wait_for_path(&self, path: &str) {
        let expected = format!("{}{path}", self.base);
        self.wait_until(&format!("the page {path}"), || {
            let url = self.poll_script("return location.href;");
            let url = url.as_str().unwrap_or_default();
            url.split(['?', '#']).next() == Some(expected.as_str())
                && self.poll_script("return document.readyState;") == json!("complete")
        });
    }

    /// The visible text of the page (empty while there is none).
    pub(crate) fn text(&self) -> String {
        self.poll_script("return document.body.innerText;")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits for an element by CSS selector and returns its reference.
    pub(crate) fn find(&self, css: &str) -> String {
        self.find_by("css selector", css)
    }

    /// Waits for an element by any WebDriver strategy ("css selector", "link text", ...).
    fn find_by(&self, using: &str, value: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let answer = self.try_command(
                "POST",
                "/element",
                Some(json!({ "using": using, "value": value })),
            );
            let last = match answer {
                Ok(found) => match found[ELEMENT_KEY].as_str() {
                    Some(element) => return element.to_owned(),
                    None => format!("no element reference in {found}"),
                },
                Err(e) => e,
            };
            assert!(
                Instant::now() < deadline,
                "waited {WAIT:?} for an element by {using} {value:?} ({last}); the browser is at \
                 {} showing:\n{}",
                self.current_url(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether an element is shown.
    fn displayed(&self, element: &str) -> bool {
        self.command("GET", &format!("/element/{element}/displayed"), None) == json!(true)
    }

    /// Clicks an element.
    pub(crate) fn click(&self, element: &str) {
        self.command("POST", &format!("/element/{element}/click"), None);
    }

    /// Empties an input.
    fn clear(&self, element: &str) {
        self.command("POST", &format!("/element/{element}/clear"), None);
    }

    /// Types text into an input, key by key.
    pub(crate) fn type_into(&self, element: &str, text: &str) {
        self.command(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// The current value of the input with this id.
    fn value_of(&self, id: &str) -> String {
        let script = format!("return document.getElementById('{id}').value;");
        match self.script(&script) {
            Value::String(value) => value,
            other => panic!("no input #{id}: {other}"),
        }
    }

    /// Prints the page to PDF as Chromium's print dialog does on paper `width_cm` ×
    /// `height_cm`, with the page's own CSS margins and nothing shrunk to fit; returns the PDF.
    pub(crate) fn print_pdf(&self, width_cm: f64, height_cm: f64) -> Vec<u8> {
        let options = json!({
            "page": { "width": width_cm, "height": height_cm },
            "margin": { "top": 0, "bottom": 0, "left": 0, "right": 0 },
            "background": true,
            "shrinkToFit": false,
        });
        let pdf = base64_decode(
            self.command("POST", "/print", Some(options))
                .as_str()
                .expect("a base64 PDF"),
        );
        assert!(pdf.starts_with(b"%PDF-"), "the print is a PDF");
        pdf
    }

    /// Saves a screenshot of this step, then checks the page fits the phone and labels its
    /// inputs (the screenshot comes first, so a failing page is on record).
    pub(crate) fn step(&mut self, name: &str) {
        self.step += 1;
        let png = base64_decode(
            self.command("GET", "/screenshot", None)
                .as_str()
                .expect("a base64 screenshot"),
        );
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot is a PNG"
        );
        let file = self
            .shots
            .join(format!("{}-{:02}-{name}.png", self.prefix, self.step));
        std::fs::write(&file, &png).expect("write the screenshot");
        eprintln!("screenshot: {}", file.display());

        let layout = self.script(
            "const inputs = [...document.querySelectorAll('input:not([type=hidden])')];
             return {
                 scrollWidth: document.documentElement.scrollWidth,
                 innerWidth: window.innerWidth,
                 labelled: inputs.every(i => i.labels && i.labels.length > 0),
                 unlabelled: inputs.filter(i => !(i.labels && i.labels.length > 0))
                     .map(i => i.id || i.name || i.outerHTML),
             };",
        );
        let width = self.width;
        assert_eq!(
            layout["innerWidth"],
            json!(width),
            "{name}: the viewport stays {width} px wide"
        );
        let scroll = layout["scrollWidth"].as_u64().expect("scrollWidth");
        assert!(
            scroll <= width,
            "{name}: the page is {scroll} px wide, so it scrolls sideways at {width} px"
        );
        assert_eq!(
            layout["labelled"],
            json!(true),
            "{name}: inputs without a label: {}",
            layout["unlabelled"]
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let _ = http(self.port, "DELETE", &format!("/session/{session}"), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// One WebDriver request over a fresh connection: returns the response's `value`, or the
/// WebDriver error (or the transport failure) as text.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect to ChromeDriver: {e}"))?;
    // Page loads are bounded at 30 s by the session's timeouts; allow some more.
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    )
    .into_bytes();
    request.extend_from_slice(payload.as_bytes());
    stream
        .write_all(&request)
        .map_err(|e| format!("send to ChromeDriver: {e}"))?;
    let (status, content) = read_response(&mut stream)?;
    let answer: Value = serde_json::from_slice(&content).map_err(|e| {
        format!(
            "HTTP {status}, not JSON ({e}): {}",
            String::from_utf8_lossy(&content)
        )
    })?;
    let value = answer["value"].clone();
    if status == 200 {
        Ok(value)
    } else {
        Err(format!(
            "HTTP {status} {}: {}",
            value["error"].as_str().unwrap_or("?"),
            value["message"].as_str().unwrap_or("")
        ))
    }
}

/// Reads one HTTP response: its status and its body. ChromeDriver keeps the connection open
/// after its answer despite `Connection: close`, so the body ends at its `Content-Length`
/// (and at the end of the stream only when there is none).
fn read_response(stream: &mut TcpStream) -> Result<(u16, Vec<u8>), String> {
    let mut raw = Vec::new();
    let mut chunk = [0_u8; 16 * 1024];
    loop {
        let read = stream
            .read(&mut chunk)
            .map_err(|e| format!("read from ChromeDriver: {e}"))?;
        raw.extend_from_slice(&chunk[..read]);
        let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n");
        if let Some(split) = head_end {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let length = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                (name.trim() == "content-length").then(|| value.trim().parse::<usize>().ok())?
            });
            let body = &raw[split + 4..];
            let complete = match length {
                Some(n) => body.len() >= n,
                None => read == 0,
            };
            if complete {
                assert!(
                    !head.contains("transfer-encoding"),
                    "ChromeDriver sent a chunked body, which this client does not read"
                );
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("no status in {head:?}"))?;
                let body = &body[..length.unwrap_or(body.len()).min(body.len())];
                return Ok((status, body.to_vec()));
            }
        }
        if read == 0 {
            return Err(format!(
                "the connection closed mid-answer: {:?}",
                String::from_utf8_lossy(&raw)
            ));
        }
    }
}

/// Decodes standard base64 (padding and line breaks ignored); panics on anything else.
fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut bits: u32 = 0;
    let mut count = 0;
    for byte in text.bytes() {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' => continue,
            other => panic!("not base64: byte {other:#04x}"),
        };
        bits = ((bits << 6) | u32::from(sextet)) & 0xffff;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from((bits >> count) & 0xff).unwrap_or(0));
        }
    }
    out
}

#[test]
fn base64_decodes_with_and_without_padding() {
    assert_eq!(base64_decode("TWFu"), b"Man");
    assert_eq!(base64_decode("TWE="), b"Ma");
    assert_eq!(base64_decode("TQ=="), b"M");
    assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
}
