//! Pawn tickets at the counter: writing a ticket, approval and disbursement, extension,
//! partial payment, redemption with the hand-over, a double-submitted payment, a manager's
//! reversal, and the customer statement.

use crate::util::{CLERK, Client, MANAGER, Server, hidden_value, id_after, reader_date};

/// Asserts that a page holds each of `words`.
fn assert_holds(body: &str, words: &[&str]) {
    for word in words {
        assert!(body.contains(word), "{word}: {body}");
    }
}

/// The printed ticket of a print page (what is inside its `<article>`).
fn printed(body: &str) -> &str {
    let start = body.find("<article").expect("a ticket");
    let end = body[start..].find("</article>").expect("the ticket's end");
    &body[start..start + end]
}

/// Posts a payment form shown on the ticket page (paid in cash unless `extra` names the
/// method).
pub(crate) fn pay(
    c: &mut Client,
    loan: &str,
    purpose: &str,
    amount: Option<&str>,
    extra: &[(&str, &str)],
) -> crate::util::Response {
    let page = c.get(&format!("/staff/loans/{loan}"));
    let form = page
        .body
        .split("name=\"purpose\" value=\"")
        .find(|s| s.starts_with(purpose))
        .unwrap();
    let payment = hidden_value(form, "payment").unwrap();
    let shown = hidden_value(form, "amount").unwrap_or_default();
    let mut fields = vec![
        ("csrf", page.csrf()),
        ("purpose", purpose.to_owned()),
        ("payment", payment),
        ("amount", amount.map_or(shown, str::to_owned)),
    ];
    if !extra.iter().any(|(k, _)| *k == "method") {
        fields.push(("method", "cash".to_owned()));
    }
    fields.extend(extra.iter().map(|(k, v)| ((*k), (*v).to_owned())));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(&format!("/staff/loans/{loan}/pay"), &fields)
}

#[test]
fn a_ticket_from_writing_to_redemption_with_a_correction() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    // Budi (demo customer 1) has a verified phone.
    let list = clerk.get("/staff/customers?q=Budi+Rahmawati");
    let customer = id_after(&list.body, "/staff/customers/");
    let form = clerk.get(&format!("/staff/customers/{customer}/tickets/new"));
    let gold = form
        .body
        .split("<option value=\"")
        .find(|o| o[26..].starts_with("\">Gold"))
        .unwrap();
    let product = gold[..26].to_owned();
    let new = format!("/staff/customers/{customer}/tickets/new");
    let above = clerk.post_form(
        &new,
        &[
            ("csrf", &form.csrf()),
            ("product", &product),
            ("category", "gold"),
            ("description", "Ring 5 g 22 karat"),
            ("marks", ""),
            ("appraised", "2.000.000"),
            ("principal", "1.900.000"),
        ],
    );
    assert_eq!(above.status, 400);
    assert!(
        above.body.contains("above what this item allows"),
        "{}",
        above.body
    );
    let r = clerk.post_form(
        &new,
        &[
            ("csrf", &form.csrf()),
            ("product", &product),
            ("category", "gold"),
            ("description", "Ring 5 g 22 karat"),
            ("marks", "engraved S"),
            ("appraised", "2.000.000"),
            ("principal", "1.000.000"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    assert!(page.body.contains("Being prepared") && page.body.contains("Approve and pay out"));
    let r = clerk.post_form(
        &format!("/staff/loans/{loan}/approve"),
        &[
            ("csrf", &page.csrf()),
            ("method", "cash"),
            ("reference", ""),
        ],
    );
    assert_eq!(r.status, 303);
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    assert!(page.body.contains(">Active<"), "{}", page.body);
    // Gold pawn: 1.15% of Rp 1,000,000 = Rp 11,500 a 15-day period, plus the Rp 5,000 fee.
    assert!(
        page.body.contains("IDR 11,500") && page.body.contains("IDR 5,000"),
        "{}",
        page.body
    );

    // Extension: exactly the interest and fees; shown before anything happens.
    assert!(page.body.contains("the new due date is"));
    let r = pay(&mut clerk, &loan, "extension", Some("1000"), &[]);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("must be exactly IDR 16,500"), "{}", r.body);
    let r = pay(&mut clerk, &loan, "extension", None, &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = clerk.get(r.header("location").unwrap());
    let history = clerk.get(&format!("/staff/loans/{loan}"));
    assert!(
        history.body.contains("Extended: due date"),
        "the history shows the extension"
    );
    assert!(
        receipt.body.contains("IDR 11,500") && receipt.body.contains("IDR 1,000,000"),
        "{}",
        receipt.body
    );

    // A payment form sent twice is applied once.
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    let form = page
        .body
        .split("name=\"purpose\" value=\"")
        .find(|s| s.starts_with("partial"))
        .unwrap();
    let payment = hidden_value(form, "payment").unwrap();
    let fields = [
        ("csrf", page.csrf()),
        ("purpose", "partial".into()),
        ("payment", payment),
        ("amount", "200.000".into()),
        ("method", "mobile_money".into()),
        ("reference", "MP-778".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = clerk.post_form(&format!("/staff/loans/{loan}/pay"), &fields);
    let second = clerk.post_form(&format!("/staff/loans/{loan}/pay"), &fields);
    assert_eq!(
        first.header("location"),
        second.header("location"),
        "the same receipt"
    );
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    assert_eq!(page.body.matches("MP-778").count(), 1, "one payment row");
    assert!(
        page.body.contains("IDR 800,000"),
        "principal outstanding after Rp 200,000: {}",
        page.body
    );

    // Too much, and a redemption without the hand-over, are refused.
    let r = pay(&mut clerk, &loan, "partial", Some("9.000.000"), &[]);
    assert!(r.body.contains("more than everything owed"));
    let r = pay(&mut clerk, &loan, "redemption", None, &[]);
    assert!(
        r.body
            .contains("Confirm that the item has been handed over")
    );
    let r = pay(
        &mut clerk,
        &loan,
        "redemption",
        None,
        &[("handed_over", "yes")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    assert!(page.body.contains("Redeemed"));
    assert!(
        !page.body.contains("Take a payment"),
        "a closed ticket takes no payment"
    );
    assert!(!page.body.contains(">Reverse<"), "a clerk cannot reverse");

    // A manager reverses the redemption's principal row: the ticket owes again and reopens.
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let page = manager.get(&format!("/staff/loans/{loan}"));
    let rows: Vec<&str> = page
        .body
        .split("<tr>")
        .filter(|r| r.contains("Principal repaid"))
        .collect();
    let last = rows.last().unwrap();
    let row = id_after(last, "/staff/ledger/");
    let r = manager.post_form(
        &format!("/staff/ledger/{row}/reverse"),
        &[("csrf", &page.csrf()), ("reason", "")],
    );
    assert_eq!(r.status, 400, "a reason is required");
    let r = manager.post_form(
        &format!("/staff/ledger/{row}/reverse"),
        &[("csrf", &page.csrf()), ("reason", "counted twice")],
    );
    assert_eq!(r.status, 303);
    let page = manager.get(&format!("/staff/loans/{loan}"));
    assert!(page.body.contains("Reversed") && page.body.contains("counted twice"));
    assert!(
        page.body.contains("Take a payment"),
        "reopened: {}",
        page.body
    );
    let r = manager.post_form(
        &format!("/staff/ledger/{row}/reverse"),
        &[("csrf", &page.csrf()), ("reason", "again")],
    );
    assert_eq!(r.status, 409, "a row is reversed once");
    assert!(manager.get("/staff/audit").body.contains("ledger.reverse"));

    // The statement lists every movement and charge with a running balance.
    let statement = manager.get(&format!("/staff/customers/{customer}/statement"));
    assert!(
        statement.body.contains("Loan paid out")
            && statement.body.contains("Interest charged")
            && statement.body.contains("Balance"),
        "{}",
        statement.body
    );
}

#[test]
fn products_printed_tickets_and_forfeited_items() {
    let server = Server::demo();
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let page = manager.get("/staff/products");
    assert!(page.body.contains("Gold pawn (15-day periods, 120 days)"));
    let fields = |name: &'static str, rate: &'static str| {
        vec![
            ("kind", "pawn"),
            ("name", name),
            ("rate", rate),
            ("period_days", "30"),
            ("term_periods", "3"),
            ("min_interest_days", "30"),
            ("ticket_fee", "amount"),
            ("ticket_fee_value", "2.000"),
            ("late_fee", "rate"),
            ("late_fee_value", "0,50"),
            ("lost_ticket_fee", "none"),
            ("grace_days", "3"),
            ("notice_days", "7"),
            ("forfeit_days", "7"),
            ("max_ltv", "80"),
            ("rounding", "half_up"),
        ]
    };
    let r = manager.submit(
        "/staff/products",
        "/staff/products",
        &fields("Bad", "1.234"),
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Check the product"));
    let r = manager.submit(
        "/staff/products",
        "/staff/products",
        &fields("Watch pawn", "2.5"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = manager.get("/staff/products");
    assert!(page.body.contains("Watch pawn") && page.body.contains("2.50%"));
    assert!(manager.get("/staff/audit").body.contains("product.create"));
    // Editing a product never alters the tickets written under it.
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    let count_at_115 = || -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM loans WHERE terms LIKE '%\"rate_bp\":115,%'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let before = count_at_115();
    assert!(before > 0);
    let gold = id_after(
        page.body.split("Gold pawn").nth(1).unwrap(),
        "/staff/products/",
    );
    let edit = manager.get(&format!("/staff/products/{gold}"));
    assert!(
        edit.body.contains("value=\"1.15\""),
        "the form is pre-filled"
    );
    assert!(
        edit.body
            .contains("<option value=\"amount\" selected>Fixed amount</option>")
            && edit.body.contains("value=\"5,000\""),
        "the ticket fee is chosen from the list, its amount grouped: {}",
        edit.body
    );
    let mut changed = fields("Gold pawn (15-day periods, 120 days)", "2.00");
    changed[3] = ("period_days", "15");
    let r = manager.submit(
        &format!("/staff/products/{gold}"),
        &format!("/staff/products/{gold}"),
        &changed,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(manager.get("/staff/products").body.contains("2.00%"));
    assert!(manager.get("/staff/audit").body.contains("product.update"));
    assert_eq!(count_at_115(), before, "existing tickets keep their terms");
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert_eq!(clerk.get("/staff/products").status, 403);
    assert_eq!(clerk.get(&format!("/staff/products/{gold}")).status, 403);

    // A product counted in calendar months: a period of 1 to 12 months.
    let mut monthly = fields("Laptop pawn", "4.00");
    monthly[3] = ("period_days", "13");
    monthly.push(("period_unit", "month"));
    let r = manager.submit("/staff/products", "/staff/products", &monthly);
    assert_eq!(r.status, 400, "13 months is more than a year");
    monthly[3] = ("period_days", "1");
    let r = manager.submit("/staff/products", "/staff/products", &monthly);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = manager.get("/staff/products");
    let row = page.body.split("Laptop pawn").nth(1).unwrap();
    assert!(row.contains("<td>1 month(s)</td>"), "{row}");
    let laptop = id_after(row, "/staff/products/");
    let edit = manager.get(&format!("/staff/products/{laptop}"));
    assert!(
        edit.body.contains("<option value=\"month\" selected"),
        "{}",
        edit.body
    );

    // The printed terms say how the periods are counted, in both languages.
    let ticket_of = |unit: &str| -> (String, String) {
        conn.query_row(
            "SELECT id, matures_on FROM loans WHERE state = 'active' AND terms LIKE ?1 LIMIT 1",
            [format!("%\"period_unit\":\"{unit}\"%")],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (gold, gold_due) = ticket_of("day");
    let gold_due = reader_date(&gold_due, "en");
    let print = clerk.get(&format!("/staff/loans/{gold}/print"));
    assert!(
        print.body.contains("for every 15 days or part of them")
            && print
                .body
                .contains(&format!("Redeem or extend by {gold_due}.")),
        "{}",
        print.body
    );
    let (laptop, iso_due) = ticket_of("month");
    let laptop_due = reader_date(&iso_due, "en");
    let print = clerk.get(&format!("/staff/loans/{laptop}/print"));
    assert!(
        print
            .body
            .contains("for every 1 calendar month(s) or part of one, counted from the start date")
            && print
                .body
                .contains(&format!("Redeem or extend by {laptop_due}.")),
        "{}",
        print.body
    );
    assert_eq!(clerk.get("/lang/id?next=/staff").status, 303);
    let print = clerk.get(&format!("/staff/loans/{laptop}/print"));
    assert!(
        print
            .body
            .contains("untuk setiap 1 bulan kalender atau bagiannya, dihitung dari tanggal gadai")
            && print.body.contains(&format!(
                "Tebus atau perpanjang paling lambat {}.",
                reader_date(&iso_due, "id")
            )),
        "{}",
        print.body
    );
    let print = clerk.get(&format!("/staff/loans/{gold}/print"));
    assert!(
        print.body.contains("untuk setiap 15 hari atau bagiannya"),
        "{}",
        print.body
    );
    assert_eq!(clerk.get("/lang/en?next=/staff").status, 303);

    let forfeited = clerk.get("/staff/forfeited");
    assert!(
        forfeited.body.contains("DEMO-"),
        "demo forfeited tickets are listed: {}",
        forfeited.body
    );
    let loan = id_after(&forfeited.body, "/staff/loans/");
    let print = clerk.get(&format!("/staff/loans/{loan}/print?size=80mm"));
    assert!(
        print.body.contains("The terms in plain words") && print.body.contains("ticket roll"),
        "{}",
        print.body
    );
}

#[test]
fn staff_mark_a_customer_do_not_text() {
    let server = Server::demo();
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let list = manager.get("/staff/customers?q=Budi+Rahmawati");
    let customer = id_after(&list.body, "/staff/customers/");
    let page = manager.get(&format!("/staff/customers/{customer}"));
    assert!(page.body.contains("Stop reminders by SMS"));
    let r = manager.post_form(
        &format!("/staff/customers/{customer}/do-not-text"),
        &[("csrf", &page.csrf()), ("value", "1")],
    );
    assert_eq!(r.status, 303);
    let page = manager.get(&format!("/staff/customers/{customer}"));
    assert!(page.body.contains("Do not text") && page.body.contains("Send reminders by SMS again"));
    assert!(
        manager
            .get("/staff/audit")
            .body
            .contains("customer.do_not_text")
    );
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    let quiet: bool = conn
        .query_row(
            "SELECT do_not_text FROM customers WHERE id = ?1",
            [&customer],
            |r| r.get(0),
        )
        .unwrap();
    assert!(quiet);
}

#[test]
fn a_new_customer_at_the_counter_starts_unverified() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let fields = [
        ("full_name", "Rudi Hartono"),
        ("id_number", "3171 0202 8800 0009"),
        ("date_of_birth", "1988-02-02"),
        ("address", "Jl. Anggrek 9, Depok"),
        ("email", ""),
        ("phone", "0812-7000-1234"),
    ];
    let bad = clerk.submit(
        "/staff/customers/new",
        "/staff/customers/new",
        &[("full_name", "R"), ("phone", "12")],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Enter your full name.") || bad.body.contains("full_name-error"));
    let r = clerk.submit("/staff/customers/new", "/staff/customers/new", &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = clerk.get(r.header("location").unwrap());
    assert!(
        page.body.contains("Rudi Hartono") && page.body.contains("Phone verification"),
        "{}",
        page.body
    );
    let again = clerk.submit("/staff/customers/new", "/staff/customers/new", &fields);
    assert_eq!(again.status, 409);
    assert!(again.body.contains("already registered") && again.body.contains("Rudi Hartono"));
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    assert!(manager.get("/staff/audit").body.contains("customer.create"));
}

#[test]
fn one_ticket_for_several_items_with_gold_weight_and_karat() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let list = clerk.get("/staff/customers?q=Budi+Rahmawati");
    let customer = id_after(&list.body, "/staff/customers/");
    let new = format!("/staff/customers/{customer}/tickets/new");
    let gold = crate::ticket_print::gold_product(&clerk.get(&new).body);
    let mut fields = vec![
        ("product", gold.as_str()),
        ("category", "gold"),
        ("description", "Necklace"),
        ("weight", "12.5"),
        ("karat", "30"),
        ("appraised", "6.000.000"),
        ("category_2", "phone"),
        ("description_2", "Samsung A54"),
        ("appraised_2", "2.000.000"),
        ("principal", "7.000.000"),
    ];
    let r = clerk.submit(&new, &new, &fields);
    assert_eq!(r.status, 400, "karat 30 is refused");
    fields[4] = ("karat", "22");
    let r = clerk.submit(&new, &new, &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    let print = clerk.get(&format!("/staff/loans/{loan}/print"));
    assert!(
        print.body.contains("Necklace") && print.body.contains("Samsung A54"),
        "{}",
        print.body
    );
    // Both items with what identifies them, under a heading for two, for one customer.
    assert_holds(
        &print.body,
        &[
            "<h2>Items</h2>",
            "<dt>Customer</dt>",
            "Weight 12.50 g",
            "22 karat",
            "IDR 6,000,000",
        ],
    );
    assert!(
        !printed(&print.body).contains("Customers"),
        "{}",
        print.body
    );
    // The ticket page at the counter lists them too, to check at redemption.
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    assert_holds(
        &page.body,
        &[
            "<dt>Customer</dt>",
            "<h2>Items</h2>",
            "Necklace",
            "Samsung A54",
            "12.50 g",
            "22 karat",
        ],
    );
    assert_eq!(clerk.get("/lang/id?next=/staff").status, 303);
    let print = clerk.get(&format!("/staff/loans/{loan}/print"));
    assert!(
        print.body.contains("Berat 12,50 g") && print.body.contains("<h2>Barang</h2>"),
        "{}",
        print.body
    );
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    let (weight, karat): (i64, i64) = conn
        .query_row(
            "SELECT weight_mg, karat FROM loan_items WHERE description = 'Necklace'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((weight, karat), (12_500, 22));
}

#[test]
fn the_printed_ticket_names_the_branch_and_the_auction_terms() {
    use crate::ticket_print::{ADDRESS, LICENCE, PHONE, branch_with_details, write_ticket};
    let server = branch_with_details();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let ring = [["gold", "Ring", "engraved S", "5", "22", "2.000.000"]];
    let loan = write_ticket(&mut clerk, &ring, "1.000.000");
    let print = clerk.get(&format!("/staff/loans/{loan}/print"));
    assert_holds(
        &print.body,
        &[
            ADDRESS,
            &format!("Phone {PHONE}"),
            &format!("Licence no. {LICENCE}"),
            "<h2>Item</h2>",
            "Weight 5.00 g",
            "is sold at a public auction",
            "the surplus is paid to you when you claim it within 365 days of the auction",
            "Customer's signature",
            "Clerk's signature",
        ],
    );
    assert_eq!(clerk.get("/lang/id?next=/staff").status, 303);
    let print = clerk.get(&format!("/staff/loans/{loan}/print?size=80mm"));
    assert_holds(
        &print.body,
        &[
            &format!("Telp. {PHONE}"),
            &format!("No. izin usaha {LICENCE}"),
            "Berat 5,00 g",
            "barang jaminan dijual melalui lelang",
            "selisihnya (uang kelebihan) dibayarkan kepada Anda jika diambil dalam waktu 365 hari sejak tanggal lelang",
            "Tanda tangan nasabah",
            "Tanda tangan petugas",
        ],
    );
    assert!(!print.body.contains("menjadi milik kami"), "{}", print.body);

    // The demo branch prints invented details where its configuration has none.
    let demo = Server::demo();
    let mut clerk = demo.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let loan = write_ticket(&mut clerk, &ring, "1.000.000");
    let print = clerk.get(&format!("/staff/loans/{loan}/print"));
    assert_holds(
        &print.body,
        &[
            "Jl. Kemang Raya No. 8",
            "Phone (021) 7179 0123",
            "Licence no. DEMO-001",
        ],
    );
}
