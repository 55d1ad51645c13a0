//! `pawnbranch import loans FILE.csv`: the open tickets of the branch's previous system.
//!
//! The file is CSV or a spreadsheet (read as for customers, see `table`) with a header row
//! naming the columns `ticket_no`, `customer`, `items`,
//! `appraised`, `principal`, `product`, `start_date`, `maturity_date` and, optionally,
//! `paid_interest`, `paid_fees` and `paid_principal`, in any order. A row is one ticket:
//!
//! - `ticket_no` is kept as it is, and must be new to the file and to the branch;
//! - `customer` is the phone number (read with the branch's country) or the ID number of a
//!   customer already in the database (import the customers first);
//! - `items` describes the collateral, several items separated by `|`; `appraised` is their
//!   total value, split evenly between them (the last takes the remainder);
//! - `product` is the name of a loan product; the ticket keeps a copy of its terms;
//! - amounts are in major units as people write them ("1.500.000", "1500000", "1234.56");
//!   the paid amounts may be empty (nothing paid yet);
//! - dates are `YYYY-MM-DD` or in the branch country's order (`17/08/2026`, see `dates`).
//!
//! Every row is checked first; one bad row and nothing is written, with every problem listed
//! by line. Each ticket is then written as it would stand had it been written here: Active,
//! the principal paid out in cash on `start_date` (ledger reference "imported"), and what was
//! already paid as one payment on `start_date` (reference "imported: paid before"), split
//! into interest, fees and principal as the file says. Paid amounts may not exceed what the
//! ticket owes today under its terms, counting the principal repaid from `start_date`.
//! Finally every open ticket is moved to the state its dates call for today (Due, Grace,
//! Notice, Forfeited), as the nightly scheduler would.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use super::dates::{self, DateOrder};
use super::{Branch, CheckRows, ImportError, LineError, Progress, quoted, read_rows};
use crate::audit::{Actor, Change};
use crate::loans::LoanState;
use crate::loans::ops::{self, Imported, Item};
use crate::loans::products::{self, Product};
use crate::loans::terms::{self, Allocation, Facts, Paid};
use crate::plumbing::ids::{CustomerId, LoanId};
use crate::plumbing::money::{amount_field, parse_amount};
use crate::plumbing::phone;

/// The columns a ticket file may have, as spelt in its header.
const COLUMNS: [&str; 11] = [
    "ticket_no",
    "customer",
    "items",
    "appraised",
    "principal",
    "product",
    "start_date",
    "maturity_date",
    "paid_interest",
    "paid_fees",
    "paid_principal",
];

/// How many of [`COLUMNS`], from the first, every file must have.
const REQUIRED: usize = 8;

/// The longest ticket number, in characters.
const MAX_TICKET_NO: usize = 40;

/// The longest item description, in characters (as the new-ticket form allows).
const MAX_ITEM: usize = 300;

/// What an import of tickets did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Tickets added.
    pub(crate) rows: usize,
    /// How many of them are in each state today, in the order of a ticket's life.
    pub(crate) states: Vec<(LoanState, usize)>,
}

impl std::fmt::Display for Summary {
    /// `Imported 3 tickets (2 active, 1 due).`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let noun = if self.rows == 1 { "ticket" } else { "tickets" };
        write!(f, "Imported {} {noun}", self.rows)?;
        if !self.states.is_empty() {
            let states: Vec<String> = self
                .states
                .iter()
                .map(|(state, n)| format!("{n} {}", state.code()))
                .collect();
            write!(f, " ({})", states.join(", "))?;
        }
        f.write_str(".")
    }
}

/// Where each column is in the file.
struct Columns {
    at: [Option<usize>; COLUMNS.len()],
}

impl Columns {
    /// Reads the header row: every name must be one of [`COLUMNS`], once; the first
    /// [`REQUIRED`] must be there.
    fn from_header(header: &csv::StringRecord) -> Result<Columns, ImportError> {
        let at = super::header_positions(header, &COLUMNS).map_err(|p| {
            ImportError::Header(match p {
                super::HeaderProblem::Unknown(name) => format!(
                    "unknown column {name:?} in the header row; the columns are {}",
                    COLUMNS.join(", ")
                ),
                super::HeaderProblem::Twice(name) => {
                    format!("column {name:?} appears twice in the header row")
                }
            })
        })?;
        let missing: Vec<&str> = COLUMNS[..REQUIRED]
            .iter()
            .zip(at)
            .filter(|(_, at)| at.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::Header(format!(
                "the header row has no {} column{} (the first line must name the columns, e.g. {})",
                missing.join(", "),
                if missing.len() == 1 { "" } else { "s" },
                COLUMNS.join(",")
            )));
        }
        Ok(Columns { at })
    }

    /// The value of column `name` in `record` ("" when the file has no such column).
    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        COLUMNS
            .iter()
            .position(|c| *c == name)
            .and_then(|i| self.at[i])
            .and_then(|i| record.get(i))
            .unwrap_or("")
    }
}

/// The amounts of a row, when all of them could be read.
#[derive(Debug, Clone, Copy)]
struct Amounts {
    appraised: i64,
    principal: i64,
    paid: Allocation,
}

/// One row as read and checked on its own. A value that failed its check is empty or `None`
/// here (and the row has an error, so it is never written).
struct Row {
    line: u64,
    ticket_no: String,
    customer: String,
    items: Vec<String>,
    product: String,
    amounts: Option<Amounts>,
    /// Start and maturity, when both are dates in the right order.
    dates: Option<(NaiveDate, NaiveDate)>,
}

/// Checks the rows of a file one by one, remembering the ticket numbers seen.
struct Checker {
    columns: Columns,
    exponent: u8,
    date_order: DateOrder,
    today: NaiveDate,
    tickets: HashMap<String, u64>,
    errors: Vec<LineError>,
}

impl Checker {
    /// Records an error on `line`.
    fn error(&mut self, line: u64, message: String) {
        self.errors.push(LineError { line, message });
    }

    /// Reads an amount column: `None` (with an error) when it is not an amount; an empty
    /// optional column is zero.
    fn amount(&mut self, record: &csv::StringRecord, line: u64, name: &str) -> Option<i64> {
        let raw = self.columns.get(record, name);
        let required = !name.starts_with("paid_");
        if raw.is_empty() && !required {
            return Some(0);
        }
        match parse_amount(raw, self.exponent) {
            None if raw.is_empty() => {
                self.error(line, format!("{name} is missing"));
                None
            }
            Some(a) if a > 0 || !required => Some(a),
            _ => {
                let problem = if required {
                    "is not an amount above zero"
                } else {
                    "is not an amount"
                };
                self.error(line, format!("{name} {} {problem}", quoted(raw)));
                None
            }
        }
    }

    /// Reads a date column.
    fn date(&mut self, record: &csv::StringRecord, line: u64, name: &str) -> Option<NaiveDate> {
        let raw = self.columns.get(record, name);
        if raw.is_empty() {
            self.error(line, format!("{name} is missing"));
            return None;
        }
        let parsed = dates::parse(raw, self.date_order);
        if let Err(problem) = parsed {
            let message = problem.message(name, &quoted(raw), self.date_order);
            self.error(line, message);
        }
        parsed.ok()
    }

    /// Reads and checks one record; `None` for a row with no value at all, which is skipped.
    fn check(&mut self, record: &csv::StringRecord, line: u64) -> Option<Row> {
        if record.iter().all(str::is_empty) {
            return None;
        }
        let ticket_no = self.ticket_no(record, line);
        let customer = self.columns.get(record, "customer").to_owned();
        if customer.is_empty() {
            self.error(line, "customer is missing".to_owned());
        }
        let items = self.items(record, line);
        let product = self.columns.get(record, "product").to_owned();
        if product.is_empty() {
            self.error(line, "product is missing".to_owned());
        }
        let amounts = self.amounts(record, line);
        if let Some(a) = amounts {
            self.check_amounts(a, items.len(), line);
        }
        let dates = self.dates(record, line);
        Some(Row {
            line,
            ticket_no,
            customer,
            items,
            product,
            amounts,
            dates,
        })
    }

    /// Reads the ticket number: present, short, and on no other line of the file.
    fn ticket_no(&mut self, record: &csv::StringRecord, line: u64) -> String {
        let ticket_no = self.columns.get(record, "ticket_no").to_owned();
        if ticket_no.is_empty() {
            self.error(line, "ticket_no is missing".to_owned());
        } else if ticket_no.chars().count() > MAX_TICKET_NO
            || ticket_no.chars().any(char::is_control)
        {
            self.error(
                line,
                format!(
                    "ticket_no {} is not a ticket number of at most {MAX_TICKET_NO} characters",
                    quoted(&ticket_no)
                ),
            );
        } else if let Some(first) = self.tickets.get(&ticket_no) {
            let message = format!("ticket_no {} is also on line {first}", quoted(&ticket_no));
            self.error(line, message);
        } else {
            self.tickets.insert(ticket_no.clone(), line);
        }
        ticket_no
    }

    /// Reads the items, separated by `|`.
    fn items(&mut self, record: &csv::StringRecord, line: u64) -> Vec<String> {
        let items: Vec<String> = self
            .columns
            .get(record, "items")
            .split('|')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(str::to_owned)
            .collect();
        if items.is_empty() {
            self.error(line, "items is missing".to_owned());
        } else if items.iter().any(|i| i.chars().count() > MAX_ITEM) {
            self.error(
                line,
                format!("an item in items is longer than {MAX_ITEM} characters"),
            );
        }
        items
    }

    /// Reads the five amount columns; `None` if any is wrong.
    fn amounts(&mut self, record: &csv::StringRecord, line: u64) -> Option<Amounts> {
        let appraised = self.amount(record, line, "appraised");
        let principal = self.amount(record, line, "principal");
        let paid_interest = self.amount(record, line, "paid_interest");
        let paid_fees = self.amount(record, line, "paid_fees");
        let paid_principal = self.amount(record, line, "paid_principal");
        match (
            appraised,
            principal,
            paid_interest,
            paid_fees,
            paid_principal,
        ) {
            (Some(appraised), Some(principal), Some(interest), Some(fees), Some(repaid)) => {
                Some(Amounts {
                    appraised,
                    principal,
                    paid: Allocation {
                        interest,
                        fees,
                        principal: repaid,
                    },
                })
            }
            _ => None,
        }
    }

    /// Checks the amounts against each other: the appraisal covers every item, and the ticket
    /// is not repaid in full.
    fn check_amounts(&mut self, a: Amounts, item_count: usize, line: u64) {
        let n = i64::try_from(item_count).unwrap_or(i64::MAX);
        if a.appraised < n {
            self.error(
                line,
                format!(
                    "appraised {} cannot be split between {n} items",
                    amount_field(a.appraised, self.exponent)
                ),
            );
        }
        if a.paid.principal >= a.principal {
            self.error(
                line,
                format!(
                    "paid_principal {} is not less than the principal {} (a ticket repaid in full is not open)",
                    amount_field(a.paid.principal, self.exponent),
                    amount_field(a.principal, self.exponent)
                ),
            );
        }
    }

    /// Reads the start and maturity dates: a start not after today, a maturity not before it.
    fn dates(&mut self, record: &csv::StringRecord, line: u64) -> Option<(NaiveDate, NaiveDate)> {
        let start = self.date(record, line, "start_date");
        let maturity = self.date(record, line, "maturity_date");
        match (start, maturity) {
            (Some(start), Some(_)) if start > self.today => {
                self.error(
                    line,
                    format!("start_date {start} is after today ({})", self.today),
                );
                None
            }
            (Some(start), Some(maturity)) if maturity < start => {
                self.error(
                    line,
                    format!("maturity_date {maturity} is before start_date {start}"),
                );
                None
            }
            (Some(start), Some(maturity)) => Some((start, maturity)),
            _ => None,
        }
    }
}

impl CheckRows for Checker {
    type Row = Row;

    fn check(&mut self, record: &csv::StringRecord, line: u64) -> Option<Row> {
        Checker::check(self, record, line)
    }

    fn error(&mut self, line: u64, message: String) {
        Checker::error(self, line, message);
    }
}

/// The customers, by phone and by ID number (the oldest record first, as the counter finds
/// them).
struct Customers {
    by_phone: HashMap<String, CustomerId>,
    by_id_number: HashMap<String, CustomerId>,
}

impl Customers {
    /// Reads every customer.
    fn load(conn: &Connection) -> rusqlite::Result<Customers> {
        let mut by_phone = HashMap::new();
        let mut by_id_number = HashMap::new();
        let mut stmt =
            conn.prepare("SELECT id, phone, id_number FROM customers ORDER BY created_at, id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, CustomerId>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (id, phone, id_number) = row?;
            if let Some(number) = id_number {
                by_id_number.entry(number).or_insert_with(|| id.clone());
            }
            by_phone.entry(phone).or_insert(id);
        }
        Ok(Customers {
            by_phone,
            by_id_number,
        })
    }

    /// The customer whose ID number or phone `value` is.
    fn find(&self, value: &str, country: &str) -> Result<CustomerId, String> {
        let id_number: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let by_id = self.by_id_number.get(&id_number);
        let by_phone = phone::normalise(value, country)
            .ok()
            .and_then(|p| self.by_phone.get(p.as_str()));
        match (by_id, by_phone) {
            (Some(a), Some(b)) if a != b => Err(format!(
                "customer {} is the ID number of one customer and the phone of another",
                quoted(value)
            )),
            (Some(id), _) | (None, Some(id)) => Ok(id.clone()),
            (None, None) => Err(format!(
                "customer {} is neither the phone nor the ID number of a customer of the branch (import the customers first)",
                quoted(value)
            )),
        }
    }
}

/// The products, by name without regard to case.
struct Products {
    by_name: HashMap<String, Vec<Product>>,
    names: String,
}

impl Products {
    /// Reads every product.
    fn load(conn: &Connection) -> rusqlite::Result<Products> {
        let all = products::list(conn)?;
        let names = all
            .iter()
            .map(|p| format!("{:?}", p.terms.product))
            .collect::<Vec<_>>()
            .join(", ");
        let mut by_name: HashMap<String, Vec<Product>> = HashMap::new();
        for p in all {
            by_name
                .entry(p.terms.product.trim().to_lowercase())
                .or_default()
                .push(p);
        }
        Ok(Products { by_name, names })
    }

    /// The product named `name`: an active one if several share the name.
    fn find(&self, name: &str) -> Result<&Product, String> {
        let found = self
            .by_name
            .get(&name.trim().to_lowercase())
            .map_or(&[][..], Vec::as_slice);
        let active: Vec<&Product> = found.iter().filter(|p| p.active).collect();
        match (found, active.as_slice()) {
            ([], _) if self.names.is_empty() => Err(format!(
                "product {} is not a loan product of the branch (the branch has no products yet)",
                quoted(name)
            )),
            ([], _) => Err(format!(
                "product {} is not a loan product of the branch (the products are {})",
                quoted(name),
                self.names
            )),
            ([only], _) => Ok(only),
            (_, [only]) => Ok(*only),
            _ => Err(format!(
                "product {} names several products; rename them to tell them apart",
                quoted(name)
            )),
        }
    }
}

/// A row that passed every check, with its customer and product found.
type Ready<'a> = (
    &'a Row,
    CustomerId,
    &'a Product,
    Amounts,
    (NaiveDate, NaiveDate),
);

/// Imports the open tickets in `file` (CSV or a spreadsheet), all or nothing; see the module documentation.
///
/// Every row is checked first; if any is wrong, [`ImportError::Invalid`] lists every problem
/// by line and nothing is written. Otherwise the tickets are added in one transaction, the
/// open tickets are moved to today's states, and one audit entry records the import. With
/// `progress`, a bar on standard error shows how far the import is.
pub(crate) fn import(
    conn: &mut Connection,
    file: &Path,
    branch: &Branch,
    now: DateTime<Utc>,
    progress: bool,
) -> Result<Summary, ImportError> {
    let table = super::open_table(file)?;
    let today = branch.today(now);
    let mut bar = Progress::new(progress);

    // 1. Read and check every row on its own.
    let (rows, mut checker) = read_file(table, file, branch, today, &mut bar)?;

    // 2. Against the database, in the transaction that writes.
    let tx = crate::plumbing::db::immediate(conn)?;
    let customers = Customers::load(&tx)?;
    let products = Products::load(&tx)?;
    let ready = check_against_branch(&tx, &rows, &mut checker, &customers, &products, branch)?;
    let mut errors = checker.errors;
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(ImportError::Invalid(errors));
    }

    // 3. Write.
    let total = ready.len();
    let imported = write_tickets(&tx, &ready, now, &mut bar)?;
    let changed = ops::advance_states(&tx, today, now)?;
    let states = count_states(&changed, &imported, total);
    if total > 0 {
        record_import(&tx, file, total, &states, now)?;
    }
    tx.commit()?;
    Ok(Summary {
        rows: total,
        states,
    })
}

/// Reads every row of the file and checks each on its own, showing the progress.
fn read_file(
    mut table: super::Table<std::fs::File>,
    file: &Path,
    branch: &Branch,
    today: NaiveDate,
    bar: &mut Progress,
) -> Result<(Vec<Row>, Checker), ImportError> {
    let read_error = |source| ImportError::Read {
        path: file.to_owned(),
        source,
    };
    let columns = Columns::from_header(table.header())?;
    let mut checker = Checker {
        columns,
        exponent: branch.exponent,
        date_order: branch.date_order,
        today,
        tickets: HashMap::new(),
        errors: Vec::new(),
    };
    let rows = read_rows(&mut table, &mut checker, bar).map_err(read_error)?;
    Ok((rows, checker))
}

/// Checks the rows against the branch: new ticket numbers, known customers and products,
/// payments within what the product's terms make owed. Returns the rows ready to write.
fn check_against_branch<'a>(
    conn: &Connection,
    rows: &'a [Row],
    checker: &mut Checker,
    customers: &Customers,
    products: &'a Products,
    branch: &Branch,
) -> rusqlite::Result<Vec<Ready<'a>>> {
    let existing: HashSet<String> = conn
        .prepare("SELECT ticket_no FROM loans")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut ready = Vec::with_capacity(rows.len());
    for row in rows {
        let line = row.line;
        if existing.contains(&row.ticket_no) {
            checker.error(
                line,
                format!(
                    "ticket_no {} is already a ticket of the branch",
                    quoted(&row.ticket_no)
                ),
            );
        }
        let customer = if row.customer.is_empty() {
            None
        } else {
            customers
                .find(&row.customer, branch.country)
                .map_err(|m| checker.error(line, m))
                .ok()
        };
        let product = if row.product.is_empty() {
            None
        } else {
            products
                .find(&row.product)
                .map_err(|m| checker.error(line, m))
                .ok()
        };
        if let (Some(product), Some(a), Some(dates)) = (product, row.amounts, row.dates) {
            check_paid_within_owed(checker, line, product, a, dates, branch);
        }
        if let (Some(customer), Some(product), Some(amounts), Some(dates)) =
            (customer, product, row.amounts, row.dates)
        {
            ready.push((row, customer, product, amounts, dates));
        }
    }
    Ok(ready)
}

/// Checks that the interest and fees already paid are not more than the ticket owes today.
fn check_paid_within_owed(
    checker: &mut Checker,
    line: u64,
    product: &Product,
    a: Amounts,
    (start, maturity): (NaiveDate, NaiveDate),
    branch: &Branch,
) {
    // What the ticket owes today before the earlier payments, the principal repaid
    // counting from the start (as the payment is dated).
    let ticket = Facts {
        terms: &product.terms,
        principal: a.principal,
        start,
        maturity,
        ticket_lost: false,
        payout_waits: false,
    };
    let repaid = Paid {
        principal: if a.paid.principal > 0 {
            vec![(start, a.paid.principal)]
        } else {
            Vec::new()
        },
        ..Paid::default()
    };
    let owed = terms::owed(&ticket, &repaid, checker.today);
    let exp = branch.exponent;
    for (name, paid, limit, what) in [
        ("paid_interest", a.paid.interest, owed.interest, "interest"),
        ("paid_fees", a.paid.fees, owed.fees, "fees"),
    ] {
        if paid > limit {
            checker.error(
                line,
                format!(
                    "{name} {} is more than the {what} owed by today under the product's terms ({})",
                    amount_field(paid, exp),
                    amount_field(limit, exp)
                ),
            );
        }
    }
}

/// Adds the checked tickets, showing the progress; returns their ids.
fn write_tickets(
    conn: &Connection,
    ready: &[Ready],
    now: DateTime<Utc>,
    bar: &mut Progress,
) -> rusqlite::Result<HashSet<LoanId>> {
    let total = ready.len();
    let mut imported: HashSet<LoanId> = HashSet::with_capacity(total);
    for (done, (row, customer, product, amounts, (start, maturity))) in ready.iter().enumerate() {
        let items = items(&row.items, amounts.appraised);
        let ticket = Imported {
            ticket_no: &row.ticket_no,
            customer,
            product,
            items: &items,
            principal: amounts.principal,
            start: *start,
            maturity: *maturity,
            paid: amounts.paid,
        };
        imported.insert(ops::import_ticket(conn, &ticket, now)?);
        bar.update("Importing", done as u64 + 1, total as u64, done + 1);
    }
    bar.finish("Importing", total as u64, total as u64, total);
    Ok(imported)
}

/// How many imported tickets are in each state once today's states are applied (every
/// imported ticket starts Active); states with none are left out.
fn count_states(
    changed: &[(ops::Ticket, LoanState)],
    imported: &HashSet<LoanId>,
    total: usize,
) -> Vec<(LoanState, usize)> {
    let index = |s: LoanState| LoanState::ALL.iter().position(|a| *a == s).unwrap_or(0);
    let mut counts = [0usize; LoanState::ALL.len()];
    counts[index(LoanState::Active)] = total;
    for (record, state) in changed.iter().filter(|(r, _)| imported.contains(&r.id)) {
        counts[index(record.state)] -= 1;
        counts[index(*state)] += 1;
    }
    LoanState::ALL
        .into_iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The one audit entry of an import: the file, the rows and the states they are in.
fn record_import(
    conn: &Connection,
    file: &Path,
    total: usize,
    states: &[(LoanState, usize)],
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let mut by_state = serde_json::Map::new();
    for (state, n) in states {
        by_state.insert(state.code().to_owned(), serde_json::json!(n));
    }
    let change = Change {
        action: "loan.import",
        entity: "loan",
        entity_id: "import",
        before: None,
        after: Some(
            serde_json::json!({ "file": super::file_name(file), "rows": total, "states": by_state }),
        ),
    };
    crate::audit::record(conn, &Actor::CommandLine, &change, now)
}

/// The items of a row, the appraised total split evenly between them (the last one takes
/// what is left).
fn items(descriptions: &[String], appraised: i64) -> Vec<Item> {
    let n = i64::try_from(descriptions.len().max(1)).unwrap_or(1);
    let part = appraised / n;
    descriptions
        .iter()
        .enumerate()
        .map(|(i, description)| Item {
            category: String::new(),
            description: description.clone(),
            marks: String::new(),
            weight_mg: None,
            karat: None,
            appraised: if i + 1 == descriptions.len() {
                appraised - part * (n - 1)
            } else {
                part
            },
        })
        .collect()
}

/// Writes a ticket file of `n` valid rows for `customers` (phones) and `product`: the shape
/// of a real export, for tests and measurements.
#[cfg(test)]
pub(crate) fn generate(n: usize, customers: &[String], product: &str, today: NaiveDate) -> String {
    use std::fmt::Write as _;
    let mut text = String::from(
        "ticket_no,customer,items,appraised,principal,product,start_date,maturity_date,paid_interest,paid_fees,paid_principal\n",
    );
    for i in 0..n {
        let start = today - chrono::Duration::days(i64::try_from(i % 150).unwrap_or(0));
        let maturity = start + chrono::Duration::days(120);
        let customer = &customers[i % customers.len()];
        let paid = if i % 3 == 0 { "5.000" } else { "" };
        let _ = writeln!(
            text,
            "OLD-{i:07},{customer},\"Gold ring {i}|Gold chain, 18 karat\",\"2.000.000\",1.000.000,{product},{start},{maturity},,{paid},"
        );
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::customers::{self, NewCustomer};
    use crate::loans::terms::tests::pegadaian;
    use crate::plumbing::db::tests::test_db;

    /// A fixed "now" for the tests: 2025-06-01 12:00 UTC.
    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The branch of the tests: Indonesia, whole rupiah, UTC+7.
    fn branch() -> Branch<'static> {
        Branch {
            country: "ID",
            exponent: 0,
            offset: chrono::FixedOffset::east_opt(7 * 3600).unwrap(),
            date_order: crate::import::dates::DateOrder::DayFirst,
        }
    }

    /// A database with two customers (one with an ID number) and the "Gadai Emas" product.
    fn setup() -> (tempfile::TempDir, crate::plumbing::db::Db) {
        let (dir, db) = test_db();
        let conn = db.conn().unwrap();
        for (phone, id_number) in [
            ("081234567890", Some("3171012345678901")),
            ("081299990000", None),
        ] {
            let phone = phone::normalise(phone, "ID").unwrap();
            let new = NewCustomer {
                full_name: "Customer",
                phone: &phone,
                id_number,
                date_of_birth: None,
                address: "",
                email: None,
                phone_verified: false,
            };
            customers::insert(&conn, &new, now()).unwrap();
        }
        products::insert(&conn, &pegadaian(), now()).unwrap();
        drop(conn);
        (dir, db)
    }

    /// Imports `text` into `db`.
    fn import_text(
        dir: &tempfile::TempDir,
        db: &crate::plumbing::db::Db,
        text: &str,
    ) -> Result<Summary, ImportError> {
        let path = dir.path().join("loans.csv");
        std::fs::write(&path, text).unwrap();
        import(&mut db.conn().unwrap(), &path, &branch(), now(), false)
    }

    /// The line errors of an invalid import, as shown.
    fn shown(outcome: Result<Summary, ImportError>) -> Vec<String> {
        match outcome {
            Err(ImportError::Invalid(errors)) => errors.iter().map(ToString::to_string).collect(),
            other => panic!("expected line errors, got {other:?}"),
        }
    }

    /// Tickets in the database.
    fn tickets(db: &crate::plumbing::db::Db) -> i64 {
        db.conn()
            .unwrap()
            .query_row("SELECT COUNT(*) FROM loans", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn imports_tickets_with_items_ledger_and_todays_state() {
        let (dir, db) = setup();
        // Columns in another order; a ticket found by ID number, one by phone.
        let text = "Customer,ticket_no,product,items,appraised,principal,start_date,maturity_date,paid_interest,paid_fees,paid_principal\n\
                    3171 0123 4567 8901,OLD-1,gadai emas,Ring 5 g | Chain 10 g|,\"2.000.000\",1.000.000,2025-05-20,2025-09-17,\"11.500\",5.000,\n\
                    0812-9999-0000,OLD-2,Gadai Emas,Bracelet,1.000.000,500.000,2025-01-01,2025-05-10,,,100.000\n";
        let summary = import_text(&dir, &db, text).unwrap();
        assert_eq!(
            summary,
            Summary {
                rows: 2,
                states: vec![(LoanState::Active, 1), (LoanState::Notice, 1)],
            }
        );
        assert_eq!(
            summary.to_string(),
            "Imported 2 tickets (1 active, 1 notice)."
        );
        let conn = db.conn().unwrap();
        let id: LoanId = conn
            .query_row("SELECT id FROM loans WHERE ticket_no = 'OLD-1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let record = ops::load(&conn, &id).unwrap().unwrap();
        assert_eq!(record.state, LoanState::Active);
        assert_eq!(record.principal, 1_000_000);
        assert_eq!(record.start, date("2025-05-20"));
        assert_eq!(record.maturity, date("2025-09-17"));
        assert_eq!(record.terms, pegadaian(), "a copy of the product's terms");
        let items: Vec<(String, i64)> = conn
            .prepare("SELECT description, appraised FROM loan_items WHERE loan_id = ?1 ORDER BY appraised")
            .unwrap()
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            items,
            vec![
                ("Ring 5 g".to_owned(), 1_000_000),
                ("Chain 10 g".to_owned(), 1_000_000)
            ]
        );
        // The disbursement and the earlier payment, both dated the start.
        let rows = crate::ledger::entries(&conn, &record.customer, Some(&id), None, None).unwrap();
        let mut seen: Vec<(&str, i64, &str, NaiveDate)> = rows
            .iter()
            .map(|r| (r.kind.code(), r.amount, r.reference.as_str(), r.on))
            .collect();
        // The rows of one payment share their time; their order among themselves is not kept.
        seen[1..].sort();
        assert_eq!(
            seen,
            vec![
                ("disbursement", 1_000_000, "imported", date("2025-05-20")),
                ("fee", 5_000, "imported: paid before", date("2025-05-20")),
                (
                    "interest",
                    11_500,
                    "imported: paid before",
                    date("2025-05-20")
                ),
            ]
        );
        // Today, in the first period, nothing more is owed, nor on day 15 (4 June), its last
        // day; the second period (from day 16) owes interest.
        let owed = ops::owed_on(&conn, &record, date("2025-06-01")).unwrap();
        assert_eq!(
            (owed.interest, owed.fees, owed.principal),
            (0, 0, 1_000_000)
        );
        let owed = ops::owed_on(&conn, &record, date("2025-06-04")).unwrap();
        assert_eq!((owed.interest, owed.fees), (0, 0));
        let owed = ops::owed_on(&conn, &record, date("2025-06-05")).unwrap();
        assert_eq!((owed.interest, owed.fees), (11_500, 0));

        // The second ticket matured 22 days ago: under notice; its principal repaid in part.
        let id2: LoanId = conn
            .query_row("SELECT id FROM loans WHERE ticket_no = 'OLD-2'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let record2 = ops::load(&conn, &id2).unwrap().unwrap();
        assert_eq!(record2.state, LoanState::Notice);
        let owed = ops::owed_on(&conn, &record2, date("2025-06-01")).unwrap();
        assert_eq!(owed.principal, 400_000);
        let after: String = conn
            .query_row(
                "SELECT after_json FROM audit_log WHERE action = 'loan.import' AND actor = 'command-line'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let after: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(
            after,
            serde_json::json!({ "file": "loans.csv", "rows": 2, "states": { "active": 1, "notice": 1 } })
        );
    }

    #[test]
    fn reports_bad_rows_by_line_and_writes_nothing() {
        let (dir, db) = setup();
        let text = "ticket_no,customer,items,appraised,principal,product,start_date,maturity_date,paid_interest,paid_fees,paid_principal\n\
                    OK-1,081234567890,Ring,1.000.000,500.000,Gadai Emas,2025-05-01,2025-08-29,,,\n\
                    OK-1,081234567890,Ring,1.000.000,500.000,Gadai Emas,2025-05-01,2025-08-29,,,\n\
                    B-3,0811111111,Ring,1.000.000,500.000,Gadai Emas,2025-05-01,2025-08-29,,,\n\
                    B-4,081234567890,Ring,1.000.000,500.000,Silver,2025-05-01,2025-08-29,,,\n\
                    B-5,081234567890,,abc,0,Gadai Emas,2025-02-30,2025-08-29,x,,\n\
                    B-6,081234567890,Ring,1.000.000,500.000,Gadai Emas,2025-05-01,2025-04-01,,,\n\
                    B-7,081234567890,Ring,1.000.000,500.000,Gadai Emas,2025-07-01,2025-10-29,,,\n\
                    B-8,081234567890,Ring,1.000.000,500.000,Gadai Emas,2025-05-01,2025-08-29,900.000,10.000,500.000\n\
                    B-9,081234567890,A|B|C,2,1,Gadai Emas,2025-05-01,2025-08-29,,,\n\
                    ,,,,,,,,,,\n\
                    B-11,081234567890\n";
        let outcome = import_text(&dir, &db, text);
        assert_eq!(
            shown(outcome),
            vec![
                "line 3: ticket_no \"OK-1\" is also on line 2",
                "line 4: customer \"0811111111\" is neither the phone nor the ID number of a customer of the branch (import the customers first)",
                "line 5: product \"Silver\" is not a loan product of the branch (the products are \"Gadai Emas\")",
                "line 6: items is missing",
                "line 6: appraised \"abc\" is not an amount above zero",
                "line 6: principal \"0\" is not an amount above zero",
                "line 6: paid_interest \"x\" is not an amount",
                "line 6: start_date \"2025-02-30\" is not a date written YYYY-MM-DD or DD/MM/YYYY",
                "line 7: maturity_date 2025-04-01 is before start_date 2025-05-01",
                "line 8: start_date 2025-07-01 is after today (2025-06-01)",
                "line 9: paid_principal 500000 is not less than the principal 500000 (a ticket repaid in full is not open)",
                "line 9: paid_interest 900000 is more than the interest owed by today under the product's terms (0)",
                "line 9: paid_fees 10000 is more than the fees owed by today under the product's terms (5000)",
                "line 10: appraised 2 cannot be split between 3 items",
                "line 12: the row has 2 fields but the header row has 11",
            ]
        );
        assert_eq!(tickets(&db), 0, "all or nothing");
    }

    #[test]
    fn refuses_bad_headers_and_tickets_already_in_the_branch() {
        let (dir, db) = setup();
        let e = import_text(&dir, &db, "ticket_no,customer,colour\n").unwrap_err();
        assert!(e.to_string().contains("unknown column \"colour\""), "{e}");
        let e = import_text(&dir, &db, "ticket_no,customer,items\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the header row has no appraised, principal, product, start_date, maturity_date columns (the first line must name the columns, e.g. ticket_no,customer,items,appraised,principal,product,start_date,maturity_date,paid_interest,paid_fees,paid_principal)"
        );
        let e = import_text(&dir, &db, "ticket_no,TICKET_NO\n").unwrap_err();
        assert!(e.to_string().contains("appears twice"), "{e}");

        let text = "ticket_no,customer,items,appraised,principal,product,start_date,maturity_date\n\
                    OLD-9,081234567890,Ring,1.000.000,500.000,Gadai Emas,2025-05-01,2025-08-29\n";
        import_text(&dir, &db, text).unwrap();
        assert_eq!(
            shown(import_text(&dir, &db, text)),
            vec!["line 2: ticket_no \"OLD-9\" is already a ticket of the branch"]
        );
        assert_eq!(tickets(&db), 1);
        // A header-only file imports nothing and records nothing.
        let summary = import_text(
            &dir,
            &db,
            "ticket_no,customer,items,appraised,principal,product,start_date,maturity_date\n",
        )
        .unwrap();
        assert_eq!(summary.to_string(), "Imported 0 tickets.");
    }

    #[test]
    fn imports_a_generated_file() {
        let (dir, db) = setup();
        let customers = vec!["081234567890".to_owned(), "3171012345678901".to_owned()];
        let text = generate(1_000, &customers, "Gadai Emas", date("2025-06-01"));
        let summary = import_text(&dir, &db, &text).unwrap();
        assert_eq!(summary.rows, 1_000);
        assert_eq!(summary.states.iter().map(|(_, n)| n).sum::<usize>(), 1_000);
        assert_eq!(tickets(&db), 1_000);
        let paid_before: i64 = db
            .conn()
            .unwrap()
            .query_row(
                "SELECT COUNT(DISTINCT payment_id) FROM ledger WHERE reference = 'imported: paid before'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(paid_before, 334);
    }
}
