//! Imports from the branch's previous system and from the bank: `pawnbranch import customers`,
//! `import loans` (in `loans`) and `import payments` (statements, in `payments`, which the
//! staff's upload page in `pages` also uses).
//!
//! The customer list comes as CSV (separated by commas, semicolons or tabs) or as a
//! spreadsheet (`.xlsx`, `.xls`, `.ods`: its first sheet), read by `table`, with a header row
//! naming some of the columns `full_name`, `phone`, `id_number`, `date_of_birth`, `email` and
//! `address`, in any order (`phone` is required; names are matched without regard to case or
//! surrounding spaces; a UTF-8 byte order mark is accepted). Every row is checked before
//! anything is written: the phone is normalised to E.164 with the branch's country, dates are
//! ISO `YYYY-MM-DD` or written in the country's order (`17/08/1990` in Indonesia; see
//! `dates`), and a phone or ID number that appears twice in the file or already belongs to a
//! customer is refused. The import is all or nothing: one bad row and no customer is added,
//! and every problem is listed by the line number a text editor shows, the row number in a
//! spreadsheet (the header is line 1).
//!
//! Imported customers have unverified phones and no completed profile, so their first login
//! takes them through the profile step, pre-filled with what was imported.
//!
//! The other imports follow the same rules for their files: a header row naming the columns in
//! any order, every row checked first, all or nothing, problems listed by line.

pub(crate) mod dates;
pub(crate) mod loans;
pub(crate) mod payments;
pub(crate) mod table;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use dates::DateOrder;
use rusqlite::{Connection, params};
use table::{Next, Table, TableError};

use crate::audit::{Actor, Change};
use crate::plumbing::config::Config;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::phone::{self, E164};

/// What the imports need to know about the branch.
pub(crate) struct Branch<'a> {
    /// The default country of phone numbers.
    pub(crate) country: &'a str,
    /// The currency's exponent, for amounts written in major units.
    pub(crate) exponent: u8,
    /// The branch's offset from UTC, for business dates.
    pub(crate) offset: FixedOffset,
    /// How the branch's country writes dates, besides ISO.
    pub(crate) date_order: DateOrder,
}

impl Branch<'_> {
    /// The branch as configured.
    pub(crate) fn of(config: &Config) -> Branch<'_> {
        Branch {
            country: &config.branch.country,
            exponent: config.currency().exponent,
            offset: config.utc_offset(),
            date_order: DateOrder::of_country(&config.branch.country),
        }
    }

    /// The branch-local business date at `now`.
    pub(crate) fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        crate::plumbing::clock::local_date(now, self.offset)
    }
}

/// The last part of a path, for messages and the audit log.
pub(crate) fn file_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Opens an import's file as a table (CSV or a spreadsheet, see `table`).
fn open_table(file: &Path) -> Result<Table<std::fs::File>, ImportError> {
    Table::open(file).map_err(|source| ImportError::Read {
        path: file.to_owned(),
        source,
    })
}

/// What is wrong with a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HeaderProblem {
    /// A name that is not one of the known columns.
    Unknown(String),
    /// A known column named twice.
    Twice(&'static str),
}

/// Reads a header row against the `known` column names (compared without regard to case or
/// surrounding spaces; a UTF-8 byte order mark is dropped): where each known column is.
fn header_positions<const N: usize>(
    header: &csv::StringRecord,
    known: &[&'static str; N],
) -> Result<[Option<usize>; N], HeaderProblem> {
    let mut found: [Option<usize>; N] = [None; N];
    for (index, raw) in header.iter().enumerate() {
        let name = raw.trim_start_matches('\u{feff}').trim();
        let Some(at) = known.iter().position(|c| c.eq_ignore_ascii_case(name)) else {
            return Err(HeaderProblem::Unknown(name.to_owned()));
        };
        if found[at].replace(index).is_some() {
            return Err(HeaderProblem::Twice(known[at]));
        }
    }
    Ok(found)
}

/// A row that cannot be read as the header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowShape {
    FieldCount {
        len: u64,
        expected: u64,
    },
    NotUtf8,
    /// A spreadsheet's number of more digits than it keeps (written in full).
    LongNumber {
        column: String,
        value: String,
    },
    /// A spreadsheet's formula error in a cell (`#N/A`).
    CellError {
        column: String,
        value: String,
    },
}

impl std::fmt::Display for RowShape {
    /// The problem in the words of the customer import.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowShape::FieldCount { len, expected } => write!(
                f,
                "the row has {len} fields but the header row has {expected}"
            ),
            RowShape::NotUtf8 => {
                f.write_str("the row is not UTF-8 text (save the file as \"CSV UTF-8\")")
            }
            RowShape::LongNumber { column, value } => write!(
                f,
                "{column} {value} has {} digits, more than a spreadsheet keeps of a number (15): format the column as text and type the number again",
                value.trim_start_matches('-').len()
            ),
            RowShape::CellError { column, value } => {
                write!(f, "{column} holds the spreadsheet's error {value}")
            }
        }
    }
}

/// The columns a customer file may have, as spelt in its header.
const COLUMNS: [&str; 6] = [
    "full_name",
    "phone",
    "id_number",
    "date_of_birth",
    "email",
    "address",
];

/// The longest full name, in characters (as the profile form allows).
const MAX_NAME: usize = 120;

/// The longest address, in characters (as the profile form allows).
const MAX_ADDRESS: usize = 300;

/// The most line errors that [`ImportError`]'s message lists.
const MAX_SHOWN: usize = 200;

/// The most characters of a bad value quoted in an error.
const MAX_QUOTED: usize = 40;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Customers added.
    pub(crate) rows: usize,
}

/// A problem with one row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineError {
    /// The line the row starts on, as an editor numbers lines (the header is line 1).
    pub(crate) line: u64,
    /// What is wrong, e.g. `phone "12ab" is not a phone number (...)`.
    pub(crate) message: String,
}

impl std::fmt::Display for LineError {
    /// Writes `line 12: <message>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Why an import did not happen. Whatever the error, nothing was written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: TableError },
    #[error(
        "unknown column {0:?} in the header row; the columns are full_name, phone, id_number, date_of_birth, email and address"
    )]
    UnknownColumn(String),
    #[error("column {0:?} appears twice in the header row")]
    DuplicateColumn(String),
    #[error(
        "the header row has no phone column (the first line must name the columns, e.g. full_name,phone,id_number,date_of_birth,email,address)"
    )]
    NoPhoneColumn,
    /// A header row that does not fit the file's columns (the other imports).
    #[error("{0}")]
    Header(String),
    #[error("{}", describe(.0))]
    Invalid(Vec<LineError>),
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
}

/// The message of [`ImportError::Invalid`]: a count, then one line per error (at most
/// [`MAX_SHOWN`]).
fn describe(errors: &[LineError]) -> String {
    let n = errors.len();
    let mut text = format!(
        "{n} problem{} in the file; nothing was imported:",
        if n == 1 { "" } else { "s" }
    );
    for e in errors.iter().take(MAX_SHOWN) {
        let _ = write!(text, "\n{e}");
    }
    if n > MAX_SHOWN {
        let _ = write!(text, "\n... and {} more", n - MAX_SHOWN);
    }
    text
}

/// Where each known column is in the file.
struct Columns {
    full_name: Option<usize>,
    phone: usize,
    id_number: Option<usize>,
    date_of_birth: Option<usize>,
    email: Option<usize>,
    address: Option<usize>,
}

impl Columns {
    /// Reads the header row: every name must be one of [`COLUMNS`], once; `phone` is required.
    fn from_header(header: &csv::StringRecord) -> Result<Columns, ImportError> {
        let mut found: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
        for (index, raw) in header.iter().enumerate() {
            let name = raw.trim_start_matches('\u{feff}').trim();
            let Some(known) = COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name)) else {
                return Err(ImportError::UnknownColumn(name.to_owned()));
            };
            if found[known].replace(index).is_some() {
                return Err(ImportError::DuplicateColumn(COLUMNS[known].to_owned()));
            }
        }
        let [full_name, phone, id_number, date_of_birth, email, address] = found;
        Ok(Columns {
            full_name,
            phone: phone.ok_or(ImportError::NoPhoneColumn)?,
            id_number,
            date_of_birth,
            email,
            address,
        })
    }
}

/// One row as read and checked. A field that failed its check is empty here (and the row has
/// an error, so it is never written).
struct Row {
    line: u64,
    full_name: String,
    phone: Option<E164>,
    id_number: Option<String>,
    date_of_birth: Option<NaiveDate>,
    email: Option<String>,
    address: String,
}

/// A value from the file, quoted for an error message: shortened, with control characters
/// escaped so that nothing in the file can drive the terminal.
fn quoted(value: &str) -> String {
    if value.chars().count() > MAX_QUOTED {
        let short: String = value.chars().take(MAX_QUOTED).collect();
        format!("{short:?}…")
    } else {
        format!("{value:?}")
    }
}

/// Checks the rows of a file one by one, remembering phones and ID numbers already seen.
struct Checker<'a> {
    columns: Columns,
    country: &'a str,
    date_order: DateOrder,
    today: NaiveDate,
    earliest_birth: NaiveDate,
    phones: HashMap<E164, u64>,
    id_numbers: HashMap<String, u64>,
    errors: Vec<LineError>,
}

impl Checker<'_> {
    /// Records an error on `line`.
    fn error(&mut self, line: u64, message: String) {
        self.errors.push(LineError { line, message });
    }

    /// Reads and checks one record; `None` for a row with no value at all (spreadsheets
    /// export such rows at the end of a sheet), which is skipped.
    fn check(&mut self, record: &csv::StringRecord, line: u64) -> Option<Row> {
        if record.iter().all(str::is_empty) {
            return None;
        }
        let field = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let full_name = field(self.columns.full_name);
        if full_name.chars().count() > MAX_NAME {
            self.error(
                line,
                format!("full_name is longer than {MAX_NAME} characters"),
            );
        }
        let phone = self.phone(field(Some(self.columns.phone)), line);
        let id_number = self.id_number(field(self.columns.id_number), line);
        let date_of_birth = self.date_of_birth(field(self.columns.date_of_birth), line);
        let email = self.email(field(self.columns.email), line);
        let address = field(self.columns.address);
        if address.chars().count() > MAX_ADDRESS {
            self.error(
                line,
                format!("address is longer than {MAX_ADDRESS} characters"),
            );
        }
        Some(Row {
            line,
            full_name: full_name.to_owned(),
            phone,
            id_number,
            date_of_birth,
            email,
            address: address.to_owned(),
        })
    }

    /// Reads the phone: present, a number of the branch's country or with a country code, and
    /// on no other line of the file.
    fn phone(&mut self, raw_phone: &str, line: u64) -> Option<E164> {
        let phone = if raw_phone.is_empty() {
            self.error(line, "phone is missing".to_owned());
            None
        } else {
            match phone::normalise(raw_phone, self.country) {
                Ok(p) => Some(p),
                Err(e) => {
                    self.error(
                        line,
                        format!("phone {} is not a phone number ({e})", quoted(raw_phone)),
                    );
                    None
                }
            }
        };
        if let Some(p) = &phone {
            if let Some(first) = self.phones.get(p) {
                let message = format!("phone {} ({p}) is also on line {first}", quoted(raw_phone));
                self.error(line, message);
            } else {
                self.phones.insert(p.clone(), line);
            }
        }
        phone
    }

    /// Reads the ID number, if any: 6 to 20 letters and digits, on no other line of the file.
    fn id_number(&mut self, raw: &str, line: u64) -> Option<String> {
        // Typed ID numbers often have spaces between groups of digits; the profile form
        // drops them too.
        let id_number: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if id_number.is_empty() {
            None
        } else if !(6..=20).contains(&id_number.len())
            || !id_number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            self.error(
                line,
                format!(
                    "id_number {} is not 6 to 20 letters and digits",
                    quoted(raw)
                ),
            );
            None
        } else if let Some(first) = self.id_numbers.get(&id_number) {
            let message = format!("id_number {} is also on line {first}", quoted(&id_number));
            self.error(line, message);
            None
        } else {
            self.id_numbers.insert(id_number.clone(), line);
            Some(id_number)
        }
    }

    /// Reads the date of birth, if any: a date in the past, not before 1900.
    fn date_of_birth(&mut self, raw_date: &str, line: u64) -> Option<NaiveDate> {
        if raw_date.is_empty() {
            return None;
        }
        match dates::parse(raw_date, self.date_order) {
            Err(problem) => {
                let message = problem.message("date_of_birth", &quoted(raw_date), self.date_order);
                self.error(line, message);
                None
            }
            Ok(d) if d >= self.today => {
                self.error(
                    line,
                    format!("date_of_birth {} is not in the past", quoted(raw_date)),
                );
                None
            }
            Ok(d) if d < self.earliest_birth => {
                self.error(
                    line,
                    format!("date_of_birth {} is before 1900", quoted(raw_date)),
                );
                None
            }
            Ok(d) => Some(d),
        }
    }

    /// Reads the e-mail address, if any.
    fn email(&mut self, email: &str, line: u64) -> Option<String> {
        if email.is_empty() {
            None
        } else if crate::email::plausible_address(email) {
            Some(email.to_owned())
        } else {
            self.error(
                line,
                format!("email {} is not an email address", quoted(email)),
            );
            None
        }
    }
}

impl CheckRows for Checker<'_> {
    type Row = Row;

    fn check(&mut self, record: &csv::StringRecord, line: u64) -> Option<Row> {
        Checker::check(self, record, line)
    }

    fn error(&mut self, line: u64, message: String) {
        Checker::error(self, line, message);
    }
}

/// What reads and checks the rows of one kind of file, collecting the errors by line.
trait CheckRows {
    type Row;
    /// Reads and checks one record; `None` for a row that is skipped.
    fn check(&mut self, record: &csv::StringRecord, line: u64) -> Option<Self::Row>;
    /// Records an error on `line`.
    fn error(&mut self, line: u64, message: String);
}

/// Reads every row of `table` and checks each on its own, showing the progress. A row of the
/// wrong shape is an error on its line; any other read failure ends the import.
fn read_rows<R: std::io::Read, C: CheckRows>(
    table: &mut Table<R>,
    checker: &mut C,
    bar: &mut Progress,
) -> Result<Vec<C::Row>, TableError> {
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while let Some(next) = table.next(&mut record)? {
        match next {
            Next::Row(line) => {
                if let Some(row) = checker.check(&record, line) {
                    rows.push(row);
                }
            }
            Next::Bad(line, shape) => checker.error(line, shape.to_string()),
        }
        let (done, size) = table.progress();
        bar.update("Checking", done, size, rows.len());
    }
    let (_, size) = table.progress();
    bar.finish("Checking", size, size, rows.len());
    Ok(rows)
}

/// Imports the customers in `file` (CSV or a spreadsheet), all or nothing.
///
/// Phones typed without a country code are read as numbers of `country` (the branch's), dates
/// in its order as well as ISO. Every
/// row is checked first; if any is wrong, [`ImportError::Invalid`] lists every problem by line
/// and nothing is written. Otherwise the customers are added in one transaction, with
/// unverified phones and no completed profile, and one audit entry records the import. With
/// `progress`, a bar on standard error shows how far the import is.
pub(crate) fn customers(
    conn: &mut Connection,
    file: &Path,
    country: &str,
    now: DateTime<Utc>,
    progress: bool,
) -> Result<Summary, ImportError> {
    let read_error = |source| ImportError::Read {
        path: file.to_owned(),
        source,
    };
    let mut table = open_table(file)?;
    let columns = Columns::from_header(table.header())?;
    let earliest_birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    let mut checker = Checker {
        columns,
        country,
        date_order: DateOrder::of_country(country),
        today: now.date_naive(),
        earliest_birth,
        phones: HashMap::new(),
        id_numbers: HashMap::new(),
        errors: Vec::new(),
    };

    // 1. Read and check every row.
    let mut bar = Progress::new(progress);
    let rows = read_rows(&mut table, &mut checker, &mut bar).map_err(read_error)?;

    // 2. Against the database, in the transaction that writes, so that a customer the running
    // server adds meanwhile cannot slip in between the check and the insert.
    let tx = crate::plumbing::db::immediate(conn)?;
    check_against_branch(&tx, &rows, &mut checker)?;
    let mut errors = checker.errors;
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(ImportError::Invalid(errors));
    }

    // 3. Write.
    let total = rows.len();
    if total == 0 {
        return Ok(Summary { rows: 0 });
    }
    insert_customers(&tx, &rows, now, &mut bar)?;
    let change = Change {
        action: "customer.import",
        entity: "customer",
        entity_id: "import",
        before: None,
        after: Some(serde_json::json!({ "file": file_name(file), "rows": total })),
    };
    crate::audit::record(&tx, &Actor::CommandLine, &change, now)?;
    tx.commit()?;
    bar.finish("Importing", total as u64, total as u64, total);
    Ok(Summary { rows: total })
}

/// Checks the rows against the branch: no phone or ID number of a customer it has already.
fn check_against_branch(
    conn: &Connection,
    rows: &[Row],
    checker: &mut Checker,
) -> rusqlite::Result<()> {
    let existing_phones: HashSet<String> = conn
        .prepare("SELECT phone FROM customers")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let existing_ids: HashSet<String> = conn
        .prepare("SELECT id_number FROM customers WHERE id_number IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for row in rows {
        if let Some(p) = row
            .phone
            .as_ref()
            .filter(|p| existing_phones.contains(p.as_str()))
        {
            checker.error(
                row.line,
                format!("phone {p} already belongs to a customer of the branch"),
            );
        }
        if let Some(id) = row.id_number.as_ref().filter(|i| existing_ids.contains(*i)) {
            checker.error(
                row.line,
                format!(
                    "id_number {} already belongs to a customer of the branch",
                    quoted(id)
                ),
            );
        }
    }
    Ok(())
}

/// Adds the checked customers, showing the progress.
fn insert_customers(
    conn: &Connection,
    rows: &[Row],
    now: DateTime<Utc>,
    bar: &mut Progress,
) -> rusqlite::Result<()> {
    let total = rows.len();
    let mut insert = conn.prepare_cached(
        "INSERT INTO customers (id, full_name, phone, id_number, date_of_birth, address, email,
                                created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?;
    for (done, row) in rows.iter().enumerate() {
        // Every row has a phone here: a row without one has an error.
        let Some(phone) = &row.phone else { continue };
        insert.execute(params![
            CustomerId::new(now),
            row.full_name,
            phone.as_str(),
            row.id_number,
            row.date_of_birth,
            row.address,
            row.email,
            now,
        ])?;
        bar.update("Importing", done as u64 + 1, total as u64, done + 1);
    }
    Ok(())
}

/// A progress bar on standard error, redrawn in place with `\r` at most ten times a second.
struct Progress {
    enabled: bool,
    last: Option<Instant>,
    open: bool,
}

impl Progress {
    /// The width of the bar, in characters.
    const WIDTH: u64 = 30;
    /// The shortest time between two redraws.
    const EVERY: Duration = Duration::from_millis(100);

    /// A bar that draws only when `enabled`.
    fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            last: None,
            open: false,
        }
    }

    /// Shows `done` of `total` (bytes or rows) and the rows so far, unless drawn very recently.
    fn update(&mut self, phase: &str, done: u64, total: u64, rows: usize) {
        if !self.enabled || self.last.is_some_and(|t| t.elapsed() < Self::EVERY) {
            return;
        }
        self.draw(phase, done, total, rows);
    }

    /// Shows the phase's last state and ends its line.
    fn finish(&mut self, phase: &str, done: u64, total: u64, rows: usize) {
        if !self.enabled {
            return;
        }
        self.draw(phase, done, total, rows);
        self.end_line();
    }

    /// Draws the bar.
    fn draw(&mut self, phase: &str, done: u64, total: u64, rows: usize) {
        let percent = (done.saturating_mul(100))
            .checked_div(total)
            .unwrap_or(100)
            .min(100);
        let filled = percent * Self::WIDTH / 100;
        let bar: String = (0..Self::WIDTH)
            .map(|i| if i < filled { '#' } else { '-' })
            .collect();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{phase:<10} [{bar}] {percent:>3}%  {rows} rows ");
        let _ = err.flush();
        self.last = Some(Instant::now());
        self.open = true;
    }

    /// Ends the current line, if a bar is on it.
    fn end_line(&mut self) {
        if self.open {
            let _ = writeln!(std::io::stderr());
            self.open = false;
        }
        self.last = None;
    }
}

impl Drop for Progress {
    /// Leaves the terminal on a fresh line when the import stops half-way.
    fn drop(&mut self) {
        self.end_line();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::plumbing::db::tests::test_db;

    /// A fixed "now" for the tests.
    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Writes `text` to a file in `dir` and returns its path.
    fn file(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("customers.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Imports `text` into a fresh database; returns the outcome, the database and its dir.
    fn import(
        text: &str,
    ) -> (
        Result<Summary, ImportError>,
        tempfile::TempDir,
        crate::plumbing::db::Db,
    ) {
        let (dir, db) = test_db();
        let path = file(&dir, text);
        let outcome = customers(&mut db.conn().unwrap(), &path, "ID", now(), false);
        (outcome, dir, db)
    }

    /// The line errors of an invalid import.
    fn line_errors(outcome: Result<Summary, ImportError>) -> Vec<LineError> {
        match outcome {
            Err(ImportError::Invalid(errors)) => errors,
            other => panic!("expected line errors, got {other:?}"),
        }
    }

    /// Customers and audit entries in the database.
    fn counts(db: &crate::plumbing::db::Db) -> (i64, i64) {
        let conn = db.conn().unwrap();
        let customers = conn
            .query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))
            .unwrap();
        let audits = conn
            .query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'customer.import'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (customers, audits)
    }

    /// Writes a customer file of `n` valid rows (the same shape as a real export).
    fn generate(path: &Path, n: usize) {
        let mut text = String::from("full_name,phone,id_number,date_of_birth,email,address\n");
        for i in 0..n {
            let _ = writeln!(
                text,
                "Customer {i},0812{i:08},3171{i:012},19{:02}-{:02}-{:02},c{i}@example.com,\"Jl. Merdeka No. {i}, Jakarta\"",
                50 + i % 50,
                1 + i % 12,
                1 + i % 28,
            );
        }
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn imports_in_any_column_order_with_bom_quotes_and_empty_fields() {
        let text = "\u{feff} Phone ,FULL_NAME,address,date_of_birth,email,id_number\n\
                    0812-3456-7890,\"Siti, Nur\",\"Jl. Sudirman 1, Jakarta\",1980-02-03,siti@example.com,3171 0123 4567 8901\n\
                    +62 813 1111 2222,Budi,,,,\n\
                    6281399998888 ,  Ani  ,\"Jl. Baru, 2\",,ani@example.co.id,\n";
        let (outcome, _dir, db) = import(text);
        assert_eq!(outcome.unwrap(), Summary { rows: 3 });
        let conn = db.conn().unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT full_name, phone, id_number, date_of_birth, address, email,
                        phone_verified_at IS NULL, profile_completed_at IS NULL
                 FROM customers ORDER BY phone",
            )
            .unwrap();
        type Got = (
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            bool,
            bool,
        );
        let rows: Vec<Got> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (
                    "Siti, Nur".to_owned(),
                    "+6281234567890".to_owned(),
                    Some("3171012345678901".to_owned()),
                    Some("1980-02-03".to_owned()),
                    "Jl. Sudirman 1, Jakarta".to_owned(),
                    Some("siti@example.com".to_owned()),
                    true,
                    true,
                ),
                (
                    "Budi".to_owned(),
                    "+6281311112222".to_owned(),
                    None,
                    None,
                    String::new(),
                    None,
                    true,
                    true,
                ),
                (
                    "Ani".to_owned(),
                    "+6281399998888".to_owned(),
                    None,
                    None,
                    "Jl. Baru, 2".to_owned(),
                    Some("ani@example.co.id".to_owned()),
                    true,
                    true,
                ),
            ]
        );
        // Complete rows too go through the profile step: the customer reads it back there.
        let imported = crate::customers::find_by_phone(
            &conn,
            &phone::normalise("081234567890", "ID").unwrap(),
        )
        .unwrap()
        .unwrap();
        assert!(imported.profile_completed_at.is_none());
        assert!(imported.phone_verified_at.is_none());
        let after: String = conn
            .query_row(
                "SELECT after_json FROM audit_log WHERE action = 'customer.import' AND entity = 'customer'
                   AND entity_id = 'import' AND actor = 'command-line'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let after: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(
            after,
            serde_json::json!({ "file": "customers.csv", "rows": 3 })
        );
    }

    #[test]
    fn refuses_unknown_duplicate_and_missing_columns() {
        let (outcome, _dir, db) = import("full_name,phone,mobile\nA,0812345678,x\n");
        let e = outcome.unwrap_err();
        assert!(
            matches!(&e, ImportError::UnknownColumn(c) if c == "mobile"),
            "{e}"
        );
        assert!(e.to_string().contains("\"mobile\""), "{e}");

        let (outcome, _dir, _db) = import("phone,Phone\n0812345678,0812345679\n");
        let e = outcome.unwrap_err();
        assert!(
            matches!(&e, ImportError::DuplicateColumn(c) if c == "phone"),
            "{e}"
        );

        let (outcome, _dir, _db) = import("full_name,email\nA,a@example.com\n");
        assert!(matches!(outcome, Err(ImportError::NoPhoneColumn)));

        let (outcome, _dir, _db) = import("");
        assert!(matches!(outcome, Err(ImportError::NoPhoneColumn)));
        assert_eq!(counts(&db), (0, 0));
    }

    #[test]
    fn reports_bad_rows_by_line_and_writes_nothing() {
        let text = "full_name,phone,date_of_birth,email,id_number,address\n\
                    Good,081234567890,1990-01-01,good@example.com,,\n\
                    \"Two\nLines\",081234567891,,,,\n\
                    Bad phone,12ab,,,,\n\
                    Bad date,081234567892,1990-02-30,,,\n\
                    Future,081234567893,2030-01-01,,,\n\
                    Old,081234567894,1899-12-31,,,\n\
                    Bad email,081234567895,,a@b@example.com,,\n\
                    Short id,081234567896,,,12345,\n\
                    No phone,,,,,\n\
                    Too few,081234567897\n\
                    ,,,,,\n\
                    Spaces,081234567898,,a b@example.com,,\n";
        let (outcome, _dir, db) = import(text);
        let errors = line_errors(outcome);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                "line 5: phone \"12ab\" is not a phone number (phone number has invalid characters)",
                "line 6: date_of_birth \"1990-02-30\" is not a date written YYYY-MM-DD or DD/MM/YYYY",
                "line 7: date_of_birth \"2030-01-01\" is not in the past",
                "line 8: date_of_birth \"1899-12-31\" is before 1900",
                "line 9: email \"a@b@example.com\" is not an email address",
                "line 10: id_number \"12345\" is not 6 to 20 letters and digits",
                "line 11: phone is missing",
                "line 12: the row has 2 fields but the header row has 6",
                "line 14: email \"a b@example.com\" is not an email address",
            ]
        );
        assert_eq!(counts(&db), (0, 0), "all or nothing");
    }

    #[test]
    fn reports_long_values() {
        let long_name = "N".repeat(MAX_NAME + 1);
        let long_address = "A".repeat(MAX_ADDRESS + 1);
        let text = format!(
            "full_name,phone,address\n{long_name},081234567890,x\nok,081234567891,{long_address}\n{},081234567892,\n",
            "é".repeat(MAX_NAME)
        );
        let (outcome, _dir, _db) = import(&text);
        let shown: Vec<String> = line_errors(outcome)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            vec![
                "line 2: full_name is longer than 120 characters",
                "line 3: address is longer than 300 characters",
            ]
        );
    }

    #[test]
    fn reports_duplicates_in_the_file_with_both_lines() {
        let text = "phone,id_number\n\
                    081234567890,AB123456\n\
                    0812-3456-7891,XY987654\n\
                    +62 812 3456 7890,CD123456\n\
                    081234567892,XY987654\n";
        let (outcome, _dir, db) = import(text);
        let shown: Vec<String> = line_errors(outcome)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            vec![
                "line 4: phone \"+62 812 3456 7890\" (+6281234567890) is also on line 2",
                "line 5: id_number \"XY987654\" is also on line 3",
            ]
        );
        assert_eq!(counts(&db), (0, 0));
    }

    #[test]
    fn reports_duplicates_of_customers_in_the_database() {
        let (dir, db) = test_db();
        let existing = phone::normalise("081234567890", "ID").unwrap();
        let new = crate::customers::NewCustomer {
            full_name: "Existing",
            phone: &existing,
            id_number: Some("3171000000000001"),
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: true,
        };
        crate::customers::insert(&db.conn().unwrap(), &new, now()).unwrap();
        let path = file(
            &dir,
            "phone,id_number\n0812 3456 7890,\n081234567891,3171000000000001\n081234567892,\n",
        );
        let outcome = customers(&mut db.conn().unwrap(), &path, "ID", now(), false);
        let shown: Vec<String> = line_errors(outcome)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            vec![
                "line 2: phone +6281234567890 already belongs to a customer of the branch",
                "line 3: id_number \"3171000000000001\" already belongs to a customer of the branch",
            ]
        );
        assert_eq!(counts(&db), (1, 0));
    }

    #[test]
    fn error_message_lists_at_most_200_lines() {
        let mut text = String::from("phone\n");
        for _ in 0..250 {
            text.push_str("x\n");
        }
        let (outcome, _dir, _db) = import(&text);
        let message = outcome.unwrap_err().to_string();
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines.len(), 1 + MAX_SHOWN + 1);
        assert_eq!(lines[0], "250 problems in the file; nothing was imported:");
        assert_eq!(
            lines[1],
            "line 2: phone \"x\" is not a phone number (phone number has invalid characters)"
        );
        assert_eq!(lines[MAX_SHOWN + 1], "... and 50 more");
    }

    #[test]
    fn imports_a_generated_file_and_a_header_only_file() {
        let (dir, db) = test_db();
        let path = dir.path().join("big.csv");
        generate(&path, 2_000);
        let summary = customers(&mut db.conn().unwrap(), &path, "ID", now(), false).unwrap();
        assert_eq!(summary, Summary { rows: 2_000 });
        assert_eq!(counts(&db), (2_000, 1));
        let distinct: i64 = db
            .conn()
            .unwrap()
            .query_row("SELECT COUNT(DISTINCT id) FROM customers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(distinct, 2_000);

        // The same file again: every row is a duplicate now.
        let outcome = customers(&mut db.conn().unwrap(), &path, "ID", now(), false);
        assert_eq!(line_errors(outcome).len(), 4_000);
        assert_eq!(counts(&db), (2_000, 1));

        let (outcome, _dir, db) = import("phone,full_name\n");
        assert_eq!(outcome.unwrap(), Summary { rows: 0 });
        assert_eq!(counts(&db), (0, 0));
    }

    #[test]
    fn a_missing_file_is_named() {
        let (dir, db) = test_db();
        let path = dir.path().join("nope.csv");
        let e = customers(&mut db.conn().unwrap(), &path, "ID", now(), false).unwrap_err();
        assert!(e.to_string().contains("nope.csv"), "{e}");
    }
}
