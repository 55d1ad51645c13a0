//! The demo branch: invented staff, customers and pawn loans in every state, loaded by
//! `serve --demo` into an empty database so a newcomer can try everything at once.
//!
//! It never touches a database that has data. The demo's staff passwords are fixed and printed
//! at every demo start, and every page of a demo database carries a banner saying so.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::audit::Actor;
use crate::customers::{self, NewCustomer};
use crate::ledger::Method;
use crate::loans::terms::{Terms, first_maturity};
use crate::loans::{LoanState, ops, products};
use crate::plumbing::db;
use crate::plumbing::i18n::Lang;
use crate::plumbing::ids::{CustomerId, LoanId, ProductId, StaffId};
use crate::plumbing::phone;
use crate::reminders;
use crate::roles::Role;
use crate::staff::{self, NewStaff};

/// The demo's staff accounts: username, name, role, password.
pub(crate) const ACCOUNTS: [(&str, &str, Role, &str); 4] = [
    ("admin", "Dewi Admin", Role::Admin, "demo-admin-pass"),
    (
        "manager",
        "Made Manajer",
        Role::Manager,
        "demo-manager-pass",
    ),
    ("clerk", "Kasir Kartika", Role::Clerk, "demo-clerk-pass"),
    ("agent", "Agus Agen", Role::CallAgent, "demo-agent-pass"),
];

/// First and last names the demo customers are made from.
const FIRST: [&str; 10] = [
    "Siti", "Budi", "Ayu", "Rizky", "Putri", "Agus", "Wulan", "Dimas", "Rina", "Hendra",
];
const LAST: [&str; 5] = ["Rahmawati", "Santoso", "Lestari", "Pratama", "Wijaya"];
/// What demo customers pawn, as the branch writes it in English and in Indonesian, and
/// whether it is gold (pawned on the gold product, else on the monthly one).
const ITEMS: [(&str, &str, bool); 6] = [
    ("Gold ring 5 g, 22 karat", "Cincin emas 5 g, 22 karat", true),
    (
        "Gold necklace 12 g, 18 karat",
        "Kalung emas 12 g, 18 karat",
        true,
    ),
    (
        "Samsung Galaxy A54, IMEI ending 4411",
        "Samsung Galaxy A54, IMEI berakhiran 4411",
        false,
    ),
    ("Honda Beat motorcycle BPKB", "BPKB motor Honda Beat", false),
    (
        "Lenovo laptop, serial PF3XK2",
        "Laptop Lenovo, nomor seri PF3XK2",
        false,
    ),
    (
        "Gold bracelet 8 g, 24 karat",
        "Gelang emas 8 g, 24 karat",
        true,
    ),
];

/// The items' categories, gold and the rest, in each language.
const CATEGORIES: [(&str, &str); 2] = [("gold", "emas"), ("electronics", "elektronik")];

/// A demo text in the branch's language.
fn in_language(lang: Lang, (en, id): (&'static str, &'static str)) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Id => id,
    }
}

/// The demo branch's details for its printed tickets (invented, like the rest of the demo).
const DEMO_ADDRESS: &str = "Jl. Kemang Raya No. 8, Bangka, Mampang Prapatan, Jakarta Selatan 12730";
const DEMO_PHONE: &str = "(021) 7179 0123";
const DEMO_LICENCE: &str = "DEMO-001/NB.1/2026";

/// Gives a demo branch's printed tickets an address, phone and licence where the
/// configuration leaves them empty, so the demo shows a ticket as a real branch prints it.
pub(crate) fn fill_branch_details(branch: &mut crate::plumbing::config::BranchConfig) {
    for (value, demo) in [
        (&mut branch.address, DEMO_ADDRESS),
        (&mut branch.phone, DEMO_PHONE),
        (&mut branch.licence, DEMO_LICENCE),
    ] {
        if value.is_empty() {
            demo.clone_into(value);
        }
    }
}

/// The settings key that marks a demo database.
const DEMO_KEY: &str = "demo";

/// Whether this database holds the demo branch.
pub(crate) fn is_demo(conn: &Connection) -> rusqlite::Result<bool> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([DEMO_KEY], |r| r.get(0))
        .optional()?;
    Ok(value.as_deref() == Some("1"))
}

/// What `load` did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Loaded,
    AlreadyDemo,
    /// The database has real data; nothing was touched.
    HasData,
}

/// Loads the demo branch into an empty database, in one transaction.
pub(crate) fn load(
    conn: &mut Connection,
    country: &str,
    lang: Lang,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Outcome, DemoError> {
    if is_demo(conn)? {
        return Ok(Outcome::AlreadyDemo);
    }
    let tx = db::immediate(conn)?;
    let has_data: bool = tx.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM staff) OR EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM loans)",
    )?
    .query_row(
        [],
        |r| r.get(0),
    )?;
    if has_data {
        return Ok(Outcome::HasData);
    }
    let clerk = create_accounts(&tx, now)?;
    // The clerk's drawer, open with no float, takes the demo's cash movements.
    let drawer = crate::drawers::open(
        &tx,
        &clerk,
        0,
        &crate::drawers::Counts::default(),
        today,
        now,
    )
    .map_err(|e| DemoError(e.to_string()))?;
    let mut product_ids = Vec::new();
    for terms in products::starter_products(lang) {
        product_ids.push((products::insert(&tx, &terms, now)?, terms));
    }
    let states = LoanState::ALL;
    for n in 0..50usize {
        let customer_id = insert_customer(&tx, n, country, now)?;
        // Every customer gets one ticket, cycling through every state; some get a second one.
        for k in 0..(1 + n % 2) {
            let ticket = Ticket {
                customer: &customer_id,
                n,
                k,
                state: states[(n + k * 3) % states.len()],
                lang,
            };
            open_ticket(&tx, &ticket, &product_ids, &clerk, today, now)?;
        }
    }
    cover_drawer(&tx, &drawer, &clerk, today, now)?;
    ops::advance_states(&tx, today, now)?;
    mark_demo(&tx, today)?;
    tx.commit()?;
    Ok(Outcome::Loaded)
}

/// Tops the clerk's drawer up from the safe by what the demo paid out beyond what it took
/// in, asked by the clerk and confirmed by the demo's manager, so it opens the day at zero.
fn cover_drawer(
    tx: &Transaction,
    drawer: &crate::plumbing::ids::DrawerId,
    clerk: &StaffId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DemoError> {
    use crate::drawers::{self, safe};
    let failed = |e: drawers::DrawerError| DemoError(e.to_string());
    let balance = drawers::expected(tx, drawer)?;
    if balance >= 0 {
        return Ok(());
    }
    let record = drawers::load(tx, drawer)?
        .ok_or_else(|| DemoError("the demo's drawer vanished".to_owned()))?;
    let manager: StaffId = tx
        .prepare_cached("SELECT id FROM staff WHERE username = 'manager'")?
        .query_row([], |r| r.get(0))?;
    let asked =
        safe::ask(tx, &record, safe::Direction::FromSafe, -balance, clerk, now).map_err(failed)?;
    safe::confirm(tx, &asked, &manager, today, now).map_err(failed)?;
    Ok(())
}

/// Creates the demo's staff accounts; returns the clerk, who handles the demo's tickets.
fn create_accounts(tx: &Transaction, now: DateTime<Utc>) -> Result<StaffId, DemoError> {
    let mut clerk = None;
    for (username, full_name, role, password) in ACCOUNTS {
        let new = NewStaff {
            username,
            full_name,
            role,
            password,
        };
        let user = staff::create_account(tx, &Actor::System, &new, now)
            .map_err(|e| DemoError(e.to_string()))?;
        if role == Role::Clerk {
            clerk = Some(user.id);
        }
    }
    clerk.ok_or_else(|| DemoError("the demo has no clerk".to_owned()))
}

/// Inserts the `n`th invented customer.
fn insert_customer(
    tx: &Transaction,
    n: usize,
    country: &str,
    now: DateTime<Utc>,
) -> Result<CustomerId, DemoError> {
    let full_name = format!(
        "{} {}",
        FIRST[n % FIRST.len()],
        LAST[(n / FIRST.len()) % LAST.len()]
    );
    let local = format!("0812{:08}", 10_000_000 + n * 7919);
    let phone = phone::normalise(&local, country)
        .map_err(|e| DemoError(format!("demo phone {local}: {e}")))?;
    let id_number = format!("3171{:012}", 100_000_000_000u64 + n as u64 * 7_654_321);
    let born = NaiveDate::from_ymd_opt(
        1960 + (n % 40) as i32,
        1 + (n % 12) as u32,
        1 + (n % 28) as u32,
    );
    let address = format!("Jl. Melati No. {}, Jakarta", n + 1);
    let email = n
        .is_multiple_of(3)
        .then(|| format!("{}{}@example.com", FIRST[n % FIRST.len()].to_lowercase(), n));
    let customer = NewCustomer {
        full_name: &full_name,
        phone: &phone,
        id_number: Some(&id_number),
        date_of_birth: born,
        address: &address,
        email: email.as_deref(),
        phone_verified: !n.is_multiple_of(4),
    };
    Ok(customers::insert(
        tx,
        &customer,
        now - Duration::days(200 - n as i64),
    )?)
}

/// The `k`th demo ticket of the `n`th customer, to be put in `state`.
struct Ticket<'a> {
    customer: &'a CustomerId,
    n: usize,
    k: usize,
    state: LoanState,
    /// The branch's language, which its staff write the items in.
    lang: Lang,
}

/// The day a ticket must have started to be in `state` today under the pawn products' terms
/// (a term of about 120 days, 5 days' grace, notice until 29 days after maturity).
fn start_for(state: LoanState, terms: &Terms, n: usize, today: NaiveDate) -> NaiveDate {
    let ago = |days: i64| today - Duration::days(days);
    match state {
        LoanState::Origination | LoanState::Cancelled => today,
        LoanState::Active => ago(10 + (n as i64 % 60)),
        LoanState::Redeemed => ago(90),
        LoanState::Due => start_matured_by(terms, today),
        LoanState::Grace => start_matured_by(terms, ago(3)),
        LoanState::Notice => start_matured_by(terms, ago(15)),
        LoanState::Forfeited => start_matured_by(terms, ago(80)),
    }
}

/// The latest start day whose ticket matures on or before `day` (on it, for periods of days;
/// a term of calendar months cannot end on every day, e.g. 4 months never end on 30 June).
fn start_matured_by(terms: &Terms, day: NaiveDate) -> NaiveDate {
    let term = first_maturity(terms, day) - day;
    let mut start = day - term;
    while first_maturity(terms, start) > day {
        start -= Duration::days(1);
    }
    while first_maturity(terms, start + Duration::days(1)) <= day {
        start += Duration::days(1);
    }
    start
}

/// Opens a demo ticket and takes it through the steps that put it in its state.
fn open_ticket(
    tx: &Transaction,
    ticket: &Ticket,
    product_ids: &[(ProductId, Terms)],
    clerk: &StaffId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DemoError> {
    let Ticket {
        n, k, state, lang, ..
    } = *ticket;
    let (en, id, gold) = ITEMS[(n + k) % ITEMS.len()];
    let item = in_language(lang, (en, id));
    let (product, terms) = &product_ids[usize::from(!gold)];
    let started = start_for(state, terms, n, today);
    let appraised = 1_000_000 + (n as i64 % 10) * 400_000;
    let items = [ops::Item {
        category: in_language(lang, CATEGORIES[usize::from(!gold)]).to_owned(),
        description: item.to_owned(),
        marks: String::new(),
        weight_mg: None,
        karat: None,
        appraised,
    }];
    let principal = appraised / 2;
    let at = now - Duration::days((today - started).num_days());
    let id = ops::originate(
        tx,
        &Actor::System,
        "DEMO",
        ticket.customer,
        product,
        &items,
        principal,
        started,
        at,
    )
    .map_err(|e| DemoError(e.to_string()))?;
    let record =
        ops::load(tx, &id)?.ok_or_else(|| DemoError("a demo ticket vanished".to_owned()))?;
    match state {
        LoanState::Origination => (),
        LoanState::Cancelled => ops::cancel(tx, &record, clerk, at)?,
        _ => {
            ops::approve_and_disburse(tx, &record, Method::Cash, "", clerk, started, at)?;
            if state == LoanState::Redeemed {
                redeem(tx, &id, clerk, started + Duration::days(60), at)?;
            }
        }
    }
    Ok(())
}

/// Pays off a demo ticket on `day` and releases the item.
fn redeem(
    tx: &Transaction,
    id: &LoanId,
    clerk: &StaffId,
    day: NaiveDate,
    at: DateTime<Utc>,
) -> Result<(), DemoError> {
    let record =
        ops::load(tx, id)?.ok_or_else(|| DemoError("a demo ticket vanished".to_owned()))?;
    let payoff = ops::owed_on(tx, &record, day)?.payoff();
    let payment = ops::Payment {
        amount: payoff,
        method: Method::Cash,
        reference: "",
        purpose: ops::Purpose::Redemption { released: true },
        staff: Some(clerk),
    };
    ops::take_payment(
        tx,
        &record,
        &payment,
        &crate::plumbing::ids::PaymentId::new(at),
        day,
        at,
    )
    .map_err(|e| DemoError(e.to_string()))?;
    Ok(())
}

/// Marks the database as the demo branch.
fn mark_demo(tx: &Transaction, today: NaiveDate) -> rusqlite::Result<()> {
    // Reminders that fell due up to today belong to the invented past: starting the demo does
    // not text its customers at once; from tomorrow they get reminders as real ones would.
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)",
        params![reminders::FROM_KEY, today + Duration::days(1)],
    )?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, '1')",
        [DEMO_KEY],
    )?;
    Ok(())
}

/// The demo could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("loading the demo branch failed: {0}")]
pub(crate) struct DemoError(String);

impl From<rusqlite::Error> for DemoError {
    fn from(e: rusqlite::Error) -> Self {
        DemoError(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn demo_tickets_mature_on_the_day_their_state_needs() {
        let [gold, monthly, _] = products::starter_products(Lang::En);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let due = day("2026-06-30");
        let start = start_matured_by(&gold, due);
        assert_eq!(
            (start, first_maturity(&gold, start)),
            (day("2026-03-02"), due)
        );
        let start = start_matured_by(&monthly, day("2026-05-31"));
        assert_eq!(start, day("2026-01-31"));
        assert_eq!(first_maturity(&monthly, start), day("2026-05-31"));
        // No 4-month term ends on 30 June: the latest start is 28 February, due 28 June.
        let start = start_matured_by(&monthly, due);
        assert_eq!(
            (start, first_maturity(&monthly, start)),
            (day("2026-02-28"), day("2026-06-28"))
        );
    }

    #[test]
    fn loads_once_with_every_state_and_never_over_data() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let today = now.date_naive();
        assert_eq!(
            load(&mut conn, "ID", Lang::En, today, now).unwrap(),
            Outcome::Loaded
        );
        assert_eq!(
            load(&mut conn, "ID", Lang::En, today, now).unwrap(),
            Outcome::AlreadyDemo
        );
        let customers: i64 = conn
            .query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(customers, 50);
        let states: i64 = conn
            .query_row("SELECT COUNT(DISTINCT state) FROM loans", [], |r| r.get(0))
            .unwrap();
        assert_eq!(states, LoanState::ALL.len() as i64);

        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let tx = db::immediate(&mut conn).unwrap();
        let new = NewStaff {
            username: "real",
            full_name: "Real",
            role: Role::Admin,
            password: "long enough pw",
        };
        staff::create_account(&tx, &Actor::CommandLine, &new, now).unwrap();
        tx.commit().unwrap();
        assert_eq!(
            load(&mut conn, "ID", Lang::En, today, now).unwrap(),
            Outcome::HasData
        );
        let customers: i64 = conn
            .query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(customers, 0);
    }
}
