//! Receipts (issue 13, point 4): every money movement of a ticket gets a receipt with a
//! branch-unique sequential number, the branch, customer, ticket, cashier, date and time, the
//! breakdown under its right labels (no "Loan amount IDR 0" on an extension), method and
//! reference, and the new due date or "Redeemed"; the first view is the original, every later
//! one says "Copy". Headless Chromium prints the receipt at A5 and on an 80 mm roll: one page,
//! holding the number, the customer and the cashier, and not the flash, the back link or the
//! buttons around it.

use std::path::Path;

use crate::browser::Browser;
use crate::ticket_print::{ADDRESS, PHONE, branch_with_details, write_ticket};
use crate::util::{CLERK, Client, hidden_value};

/// One gold item, well within the demo product's loan-to-value limit.
const RING: [[&str; 6]; 1] = [["gold", "Cincin emas polos", "", "5", "22", "2.000.000"]];

/// The demo's clerk, as the receipt names the cashier.
const CASHIER: &str = "Kasir Kartika";
/// The demo customer the tickets are written for.
const CUSTOMER: &str = "Budi Rahmawati";

/// The receipt itself: what is inside its `<article>`.
fn printed(body: &str) -> &str {
    let start = body.find("<article").expect("a receipt");
    let end = body[start..].find("</article>").expect("the receipt's end");
    &body[start..start + end]
}

/// The receipt number on a receipt (`<code>-R-<year>-<sequence>`) and its sequence.
fn number(body: &str) -> (String, u64) {
    let at = body.find("-R-").expect("a receipt number");
    let start = body[..at].rfind('>').expect("the number's start") + 1;
    let end = at + body[at..].find('<').expect("the number's end");
    let no = body[start..end].to_owned();
    let sequence = no.rsplit('-').next().unwrap().parse().expect("a sequence");
    (no, sequence)
}

/// Approves and pays out a ticket; returns where the answer leads (the payout's receipt).
fn approve(clerk: &mut Client, loan: &str) -> String {
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    let r = clerk.post_form(
        &format!("/staff/loans/{loan}/approve"),
        &[
            ("csrf", &page.csrf()),
            ("method", "cash"),
            ("reference", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    r.header("location").expect("a location").to_owned()
}

/// Posts the ticket page's payment form of `purpose` with the amount it shows; returns the
/// receipt's path.
fn pay(clerk: &mut Client, loan: &str, purpose: &str, extra: &[(&str, &str)]) -> String {
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    let form = page
        .body
        .split("name=\"purpose\" value=\"")
        .find(|s| s.starts_with(purpose))
        .expect("the payment form");
    let mut fields = vec![
        ("csrf".to_owned(), page.csrf()),
        ("purpose".to_owned(), purpose.to_owned()),
        ("payment".to_owned(), hidden_value(form, "payment").unwrap()),
        (
            "amount".to_owned(),
            hidden_value(form, "amount").unwrap_or_default(),
        ),
        ("method".to_owned(), "bank_transfer".to_owned()),
        ("reference".to_owned(), format!("BCA-{purpose}")),
    ];
    fields.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = clerk.post_form(&format!("/staff/loans/{loan}/pay"), &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    r.header("location").expect("a location").to_owned()
}

/// Asserts that a receipt holds each of `words` and none of `not`.
fn assert_receipt(what: &str, receipt: &str, words: &[&str], not: &[&str]) {
    for word in words {
        assert!(receipt.contains(word), "{what} lacks {word:?}:\n{receipt}");
    }
    for word in not {
        assert!(!receipt.contains(word), "{what} shows {word:?}:\n{receipt}");
    }
}

#[test]
fn every_money_movement_gets_a_numbered_receipt_with_its_parts() {
    let server = branch_with_details();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let loan = write_ticket(&mut clerk, &RING, "1.000.000");
    let ticket_page = clerk.get(&format!("/staff/loans/{loan}"));
    let ticket_no = ticket_page
        .body
        .split("<h1>")
        .nth(1)
        .and_then(|h| h.split("</h1>").next())
        .expect("the ticket number")
        .to_owned();

    // The payout: its receipt says what was paid out, to whom, by whom.
    let payout_path = approve(&mut clerk, &loan);
    let payout = clerk.get(&payout_path);
    assert_eq!(payout.status, 200, "{payout_path}: {}", payout.body);
    let receipt = printed(&payout.body);
    assert_receipt(
        "the payout's receipt",
        receipt,
        &[
            "Receipt",
            ADDRESS,
            PHONE,
            CUSTOMER,
            CASHIER,
            &ticket_no,
            "Amount paid out",
            "IDR 1,000,000",
            "Cash",
        ],
        &["Copy", "Loan amount", "Interest"],
    );
    let (payout_number, payout_no) = number(receipt);

    // An extension: interest and fees, no principal line, the new due date.
    let extension_path = pay(&mut clerk, &loan, "extension", &[]);
    // A HEAD request shows nothing to print: the first GET is still the original.
    assert_eq!(head_status(&server, &clerk, &extension_path), "200");
    let first = clerk.get(&extension_path);
    let receipt = printed(&first.body);
    assert_receipt(
        "the extension's receipt",
        receipt,
        &[
            "Receipt",
            "Extension",
            CUSTOMER,
            CASHIER,
            &ticket_no,
            "Interest",
            "IDR 11,500",
            "Fees",
            "IDR 5,000",
            "IDR 16,500",
            "Bank transfer",
            "BCA-extension",
            "New due date",
        ],
        &[
            "Copy",
            "Loan amount",
            "IDR 0<",
            "Principal repaid",
            "Redeemed",
        ],
    );
    let (extension_no, extension_seq) = number(receipt);
    assert_eq!(extension_seq, payout_no + 1, "numbered in sequence");
    assert!(extension_no.contains("-R-20"), "{extension_no}");

    // Any later view is a copy, with the same number.
    let again = clerk.get(&extension_path);
    let copy = printed(&again.body);
    assert_receipt("a second view", copy, &["Copy", &extension_no], &[]);

    // A redemption says so, with the principal repaid.
    let redemption_path = pay(&mut clerk, &loan, "redemption", &[("handed_over", "yes")]);
    let redeemed = clerk.get(&redemption_path);
    let receipt = printed(&redeemed.body);
    assert_receipt(
        "the redemption's receipt",
        receipt,
        &[
            "Redemption",
            "Principal repaid",
            "IDR 1,000,000",
            "Redeemed",
            CASHIER,
        ],
        &["Copy", "Loan amount", "New due date"],
    );
    let (redemption_number, redemption_seq) = number(receipt);
    assert_eq!(redemption_seq, extension_seq + 1);

    // In Bahasa Indonesia: Kuitansi, and a copy is a Salinan.
    clerk.get("/lang/id?next=/staff");
    let id = clerk.get(&redemption_path);
    assert_receipt(
        "the receipt in Indonesian",
        printed(&id.body),
        &["Kuitansi", "Salinan", "Ditebus"],
        &["Copy"],
    );

    // The ticket page lists its three receipts.
    let ticket_page = clerk.get(&format!("/staff/loans/{loan}"));
    for no in [&payout_number, &extension_no, &redemption_number] {
        assert!(ticket_page.body.contains(no.as_str()), "{no}");
    }
}

#[test]
fn the_printed_receipt_is_one_page_at_a5_and_on_an_80_mm_roll() {
    let server = branch_with_details();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let loan = write_ticket(&mut clerk, &RING, "1.000.000");
    let mut browser = Browser::start(server.addr, "receipt");
    browser.sign_in_staff(CLERK);
    // The clerk approves in the browser: the payout's receipt comes with the flash.
    browser.goto(&format!("/staff/loans/{loan}"));
    let approve = browser.find("form[action$='/approve'] button[type=submit]");
    browser.click(&approve);
    browser.wait_until("the payout's receipt", || {
        browser.text().contains("Loan approved.")
    });
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let page = browser.text();
    assert!(page.contains("Amount paid out"), "{page}");
    browser.step("payout");
    let receipt_path = browser_path(&browser);
    // (language, paper, query, width and height in cm, whether the view is the original)
    let prints = [
        ("en", "a5", "", 14.8, 21.0, true),
        ("en", "80mm", "?size=80mm", 8.0, 29.7, false),
        ("id", "80mm", "?size=80mm", 8.0, 29.7, false),
        ("id", "a5", "", 14.8, 21.0, false),
    ];
    for (lang, paper, query, width, height, original) in prints {
        if !(lang == "en" && original) {
            browser.goto(&format!("/lang/{lang}?next=/staff"));
            browser.wait_for_path("/staff");
            browser.goto(&format!("{receipt_path}{query}"));
            browser.wait_until("the receipt again", || browser.text().contains(CASHIER));
        }
        let pdf = browser.print_pdf(width, height);
        let file = shots.join(format!("receipt-{lang}-{paper}.pdf"));
        std::fs::write(&file, &pdf).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).expect("Chromium's PDF reads");
        assert_eq!(
            doc.get_pages().len(),
            1,
            "{lang} on {paper}: the receipt prints on one page ({})",
            file.display()
        );
        let text = doc.extract_text(&[1]).expect("the page's text");
        let squeezed: String = text.split_whitespace().collect();
        let squeeze = |w: &str| w.split_whitespace().collect::<String>();
        let (title, paid_out, copy, not_printed) = if lang == "en" {
            (
                "Receipt",
                "Amount paid out",
                "Copy",
                [
                    "Loan approved",
                    "Back to the ticket",
                    "Print",
                    "Sign out",
                    "Demo branch",
                ],
            )
        } else {
            (
                "Kuitansi",
                "Jumlah dicairkan",
                "Salinan",
                [
                    "Pinjaman disetujui",
                    "Kembali ke tiket",
                    "Cetak",
                    "Keluar",
                    "Cabang demo",
                ],
            )
        };
        for word in [title, "-R-20", CUSTOMER, CASHIER, paid_out] {
            assert!(
                squeezed.contains(&squeeze(word)),
                "{lang} on {paper}: the print lacks {word:?}:\n{text}"
            );
        }
        for word in not_printed {
            assert!(
                !squeezed.contains(&squeeze(word)),
                "{lang} on {paper}: only the receipt prints, not {word:?}:\n{text}"
            );
        }
        assert_eq!(
            squeezed.contains(copy),
            !original,
            "{lang} on {paper}: the first view is the original, a later one a copy:\n{text}"
        );
    }
}

/// The status of a HEAD request for `path` with `client`'s cookies (the test client reads a
/// body as long as Content-Length says, which a HEAD answer has not).
fn head_status(server: &crate::util::Server, client: &Client, path: &str) -> String {
    use std::io::{Read, Write};
    let cookies: Vec<String> = client
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "HEAD {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
        server.addr,
        cookies.join("; ")
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    answer.split(' ').nth(1).unwrap_or_default().to_owned()
}

/// The path the browser is at.
fn browser_path(browser: &Browser) -> String {
    let url = browser.current_url();
    let after_scheme = url.split("://").nth(1).expect("an absolute URL");
    let path = &after_scheme[after_scheme.find('/').expect("a path")..];
    path.split('?').next().unwrap().to_owned()
}
