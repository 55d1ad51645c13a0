//! The printed pawn ticket on paper: headless Chromium prints a ticket with three items (the
//! most the form takes, with long descriptions and a long branch address) to PDF, on an A5
//! sheet and on an 80 mm receipt roll, in English and in Bahasa Indonesia. Each print must be
//! one page, and its text must carry what the customer signs for: the branch's address, phone
//! and licence, the gold's weight and karat, the auction and surplus terms and both signature
//! lines. The PDFs are kept under `target/screenshots/` to look at, beside screenshots of the
//! ticket page and the print view on a 360 px phone, which must not scroll sideways.

use std::path::Path;

use crate::browser::Browser;
use crate::util::{CLERK, Client, Options, Server, id_after};

/// The branch details printed on every ticket.
pub(crate) const ADDRESS: &str = "Jl. Raya Pasar Minggu No. 17, RT 004/RW 005, Pejaten Timur, Pasar Minggu, Jakarta Selatan 12510";
pub(crate) const PHONE: &str = "(021) 7940 1234";
pub(crate) const LICENCE: &str = "KEP-123/NB.1/2024";

/// A5 and the roll as Chromium's print dialog offers them: the roll at the
/// 80 mm × 297 mm page of thermal receipt printers' drivers.
const PAPERS: [(&str, &str, f64, f64); 2] =
    [("a5", "", 14.8, 21.0), ("80mm", "?size=80mm", 8.0, 29.7)];

/// A branch whose configuration gives the printed ticket its address, phone and licence.
pub(crate) fn branch_with_details() -> Server {
    let env = [
        ("PAWNBRANCH_BRANCH_ADDRESS", ADDRESS),
        ("PAWNBRANCH_BRANCH_PHONE", PHONE),
        ("PAWNBRANCH_BRANCH_LICENCE", LICENCE),
        ("PAWNBRANCH_LOANS_SURPLUS_CLAIM_DAYS", "365"),
    ];
    Server::start(Options {
        demo: true,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Options::default()
    })
}

/// The id of the demo's gold product, among the options of a new-ticket form.
pub(crate) fn gold_product(form: &str) -> String {
    form.split("<option value=\"")
        .find(|o| o[26..].starts_with("\">Gold"))
        .expect("the demo's gold product")[..26]
        .to_owned()
}

/// Writes a gold ticket for demo customer Budi with `items` (category, description, marks,
/// grams, karat, appraised) and returns its id.
pub(crate) fn write_ticket(clerk: &mut Client, items: &[[&str; 6]], principal: &str) -> String {
    let list = clerk.get("/staff/customers?q=Budi+Rahmawati");
    let customer = id_after(&list.body, "/staff/customers/");
    let new = format!("/staff/customers/{customer}/tickets/new");
    let product = gold_product(&clerk.get(&new).body);
    let names = [
        "category",
        "description",
        "marks",
        "weight",
        "karat",
        "appraised",
    ];
    let mut fields: Vec<(String, String)> = vec![
        ("product".to_owned(), product),
        ("principal".to_owned(), principal.to_owned()),
    ];
    for (row, item) in items.iter().enumerate() {
        for (name, value) in names.iter().zip(item) {
            let name = if row == 0 {
                (*name).to_owned()
            } else {
                format!("{name}_{}", row + 1)
            };
            fields.push((name, (*value).to_owned()));
        }
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = clerk.submit(&new, &new, &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    id_after(r.header("location").expect("a location"), "/staff/loans/")
}

/// The three items of the fullest ticket.
pub(crate) const THREE_ITEMS: [[&str; 6]; 3] = [
    [
        "gold",
        "Kalung emas rantai Italia dengan liontin hati",
        "cap toko \"Sinar Mas\", kait patah sedikit",
        "12.5",
        "22",
        "6.000.000",
    ],
    [
        "gold",
        "Cincin emas polos",
        "ukiran \"D & S 2019\" di dalam",
        "3.2",
        "18",
        "1.500.000",
    ],
    [
        "phone",
        "Samsung Galaxy A54 5G 8/256 GB hitam, dengan dus dan pengisi daya",
        "IMEI 356789104455667, retak kecil di pojok kanan atas",
        "",
        "",
        "2.000.000",
    ],
];

#[test]
fn the_printed_ticket_is_one_page_at_a5_and_on_an_80_mm_roll() {
    let server = branch_with_details();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let loan = write_ticket(&mut clerk, &THREE_ITEMS, "8.000.000");
    let mut browser = Browser::start(server.addr, "ticket");
    browser.sign_in_staff(CLERK);
    // On a phone at the counter: the ticket page lists the items, and the print view reads.
    browser.goto(&format!("/staff/loans/{loan}"));
    browser.wait_until("the ticket page's items", || {
        browser.text().contains("Kalung emas rantai Italia")
    });
    browser.step("ticket-page");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    // (language, the words each print must hold besides the branch's details, and words of
    // the page around the ticket that must not print: navigation, demo banner, paper links)
    let languages: [(&str, [&str; 7], [&str; 4]); 2] = [
        (
            "en",
            [
                "12.50 g",
                "22 karat",
                "3.20 g",
                "auction",
                "365 days",
                "Customer's signature",
                "Clerk's signature",
            ],
            ["Sign out", "Dashboard", "Demo branch", "Print on"],
        ),
        (
            "id",
            [
                "12,50 g",
                "22 karat",
                "3,20 g",
                "lelang",
                "uang kelebihan",
                "Tanda tangan nasabah",
                "Tanda tangan petugas",
            ],
            ["Keluar", "Dasbor", "Cabang demo", "Cetak di"],
        ),
    ];
    for (lang, words, not_printed) in languages {
        browser.goto(&format!("/lang/{lang}?next=/staff"));
        browser.wait_for_path("/staff");
        for (paper, query, width, height) in PAPERS {
            browser.goto(&format!("/staff/loans/{loan}/print{query}"));
            browser.wait_until("the printable ticket", || browser.text().contains(LICENCE));
            browser.step(&format!("{lang}-{paper}"));
            let pdf = browser.print_pdf(width, height);
            let file = shots.join(format!("ticket-{lang}-{paper}.pdf"));
            std::fs::create_dir_all(&shots).unwrap();
            std::fs::write(&file, &pdf).unwrap();
            eprintln!("printed: {}", file.display());
            let doc = lopdf::Document::load_mem(&pdf).expect("Chromium's PDF reads");
            let pages = doc.get_pages();
            assert_eq!(
                pages.len(),
                1,
                "{lang} on {paper}: the ticket must print on one page ({})",
                file.display()
            );
            let text = doc.extract_text(&[1]).expect("the page's text");
            // Lines wrap differently on each paper: compare with the spaces squeezed out.
            let squeezed: String = text.split_whitespace().collect();
            for word in [ADDRESS, PHONE, LICENCE].iter().chain(words.iter()) {
                let word: String = word.split_whitespace().collect();
                assert!(
                    squeezed.contains(&word),
                    "{lang} on {paper}: the print lacks {word:?}:\n{text}"
                );
            }
            for word in not_printed {
                assert!(
                    !text.contains(word),
                    "{lang} on {paper}: only the ticket prints, not {word:?}:\n{text}"
                );
            }
        }
    }
}
