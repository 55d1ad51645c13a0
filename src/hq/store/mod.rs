//! Head office's store: where everything head office keeps lives, in the users' words. Two
//! stores implement it: SQLite in head office's data directory (`hq.sqlite`, the embedded
//! default) and PostgreSQL (`[hq] database = "postgres://..."`), which several `hq serve`
//! processes can share.
//!
//! The rules are not here: receiving a batch is `receive::receive` over the
//! [`receive::Receiving`] storage interface, signing in is `auth::check_password` over
//! `auth::Accounts`, a session's age is `auth::session_age`, the reference data's rules are
//! `reference`'s over [`reference::ReferenceStorage`]. Each store says only how it keeps
//! rows; [`Store`] picks the one the configuration names.

pub(crate) mod postgres;
pub(crate) mod reports_postgres;
pub(crate) mod reports_sqlite;
pub(crate) mod sqlite;

#[cfg(test)]
#[path = "../../../tests/support/postgres_server.rs"]
mod postgres_server;

use chrono::{DateTime, Utc};

use super::access::{self, AccessError, Branch};
use super::compact;
use super::receive::{self, ReceiveError};
use super::reference::{self, BranchAck, Editor, HqRole, ReferenceError, ReferenceStorage};
use super::reseed::{self, ReseedError};
use crate::auth::SignInError;
use crate::plumbing::config::{Config, StaffConfig};
use crate::plumbing::db::{self, Db, DbError};
use crate::sync::batch::{Batch, Reply};
use crate::sync::reference::{Published, ReferenceSet};

/// A failure of head office's store.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Open(#[from] DbError),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] ::postgres::Error),
    #[error("PostgreSQL migration failed: {0}")]
    Migration(String),
    #[error("branch {0} is not registered")]
    NoBranch(String),
    #[error("the stored data is not readable: {0}")]
    Unreadable(String),
    #[error("another writer stored the same {0} first")]
    Raced(&'static str),
}

/// An entry of one branch stored but set aside, for the branch's page.
#[derive(Debug, Clone)]
pub(crate) struct SetAsideEntry {
    pub(crate) seq: i64,
    pub(crate) entity: String,
    pub(crate) record_id: String,
    pub(crate) reason: String,
    pub(crate) received_at: DateTime<Utc>,
}

/// A customer found at some branch.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) branch: String,
    pub(crate) record_id: String,
    pub(crate) full_name: String,
    pub(crate) phone: String,
    pub(crate) id_number: Option<String>,
    pub(crate) date_of_birth: Option<String>,
    pub(crate) open_tickets: i64,
}

/// What the customer search looks for: the phone number normalised, the text as typed, and
/// a LIKE pattern of the text (escaped with `\`).
pub(crate) struct Search {
    pub(crate) phone: String,
    pub(crate) text: String,
    pub(crate) like: String,
}

impl Search {
    /// The search for `query`, the phone number read in `country`; `None` for an empty one.
    pub(crate) fn new(query: &str, country: &str) -> Option<Search> {
        let text = query.trim();
        if text.is_empty() {
            return None;
        }
        let phone = crate::plumbing::phone::normalise(text, country)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        Some(Search {
            phone,
            like: format!("%{}%", db::escape_like(text)),
            text: text.to_owned(),
        })
    }
}

/// Head office's store, as `[hq] database` names it.
pub(crate) enum Store {
    /// `hq.sqlite` in the data directory (`[hq] database` unset).
    Sqlite(Db),
    /// A PostgreSQL database (or one that speaks its protocol).
    Postgres(Box<postgres::PgStore>),
}

impl Store {
    /// Opens (and migrates) the store the configuration names.
    pub(crate) fn open(config: &Config) -> Result<Store, StoreError> {
        let url = config.hq.database.expose();
        if url.is_empty() {
            let busy = std::time::Duration::from_millis(u64::from(config.storage.busy_timeout_ms));
            let db = Db::open_schema(
                &config.data_dir(),
                db::Schema::HeadOffice,
                busy,
                config.server.workers as usize + 2,
            )?;
            let store = Store::Sqlite(db);
            store.backfill_reports()?;
            Ok(store)
        } else {
            let store = postgres::PgStore::open(url, config.server.workers as usize + 2)?;
            let store = Store::Postgres(Box::new(store));
            store.backfill_reports()?;
            Ok(store)
        }
    }

    /// Back-fills the chain reports' rows from the records held before they existed (once,
    /// `reports::backfill`); returns how many records it projected.
    pub(crate) fn backfill_reports(&self) -> Result<u64, StoreError> {
        let done = match &self {
            Store::Sqlite(db) => {
                let mut conn = db.conn()?;
                let tx = db::immediate(&mut conn)?;
                let done = super::reports::backfill(&mut sqlite::Receiver::new(&tx))?;
                tx.commit()?;
                done
            }
            Store::Postgres(pg) => pg.backfill_reports()?,
        };
        if done > 0 {
            log::info!("head office: chain reports back-filled from {done} records");
        }
        Ok(done)
    }

    /// The chain reports' rows of `entity` from week `from` on (a Monday, `YYYY-MM-DD`), of
    /// `branch` or (`None`) every branch, grouped by branch, category, outcome and week.
    pub(crate) fn report_groups(
        &self,
        entity: &str,
        from: &str,
        branch: Option<&str>,
    ) -> Result<Vec<super::reports::Group>, StoreError> {
        match self {
            Store::Sqlite(db) => Ok(reports_sqlite::groups(&*db.conn()?, entity, from, branch)?),
            Store::Postgres(pg) => pg.report_groups(entity, from, branch),
        }
    }

    /// Open tickets by branch and product, of `branch` or (`None`) every branch.
    pub(crate) fn holdings(
        &self,
        branch: Option<&str>,
    ) -> Result<Vec<super::reports::Holding>, StoreError> {
        match self {
            Store::Sqlite(db) => Ok(reports_sqlite::holdings(&*db.conn()?, branch)?),
            Store::Postgres(pg) => pg.holdings(branch),
        }
    }

    /// Which store this is, for the log and `/healthz`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgresql",
        }
    }

    /// Stores a checked batch of `branch` by the receive rules, in one transaction committed
    /// before this returns.
    pub(crate) fn receive(
        &self,
        branch: &str,
        batch: &Batch,
        now: DateTime<Utc>,
    ) -> Result<Reply, ReceiveError> {
        match self {
            Store::Sqlite(db) => {
                let mut conn = db.conn().map_err(StoreError::from)?;
                let tx = db::immediate(&mut conn).map_err(StoreError::from)?;
                let mut receiving = sqlite::Receiver::new(&tx);
                let reply = receive::receive(&mut receiving, branch, batch, now)?;
                tx.commit().map_err(StoreError::from)?;
                Ok(reply)
            }
            Store::Postgres(pg) => pg.receive(branch, batch, now),
        }
    }

    /// Compacts the raw change log of every branch: entries received before `before` that the
    /// rules of `compact` let go, one page (at most `page` entries looked at) per transaction.
    /// Stops between pages once `go_on` says no. Returns how many entries went.
    pub(crate) fn compact(
        &self,
        before: DateTime<Utc>,
        page: i64,
        go_on: &dyn Fn() -> bool,
    ) -> Result<u64, StoreError> {
        let mut removed = 0;
        for branch in self.branches()? {
            let mut after = 0;
            while go_on() {
                let done = self.compact_page(&branch.code, after, before, page)?;
                removed += done.removed;
                match done.next {
                    Some(next) => after = next,
                    None => break,
                }
            }
        }
        Ok(removed)
    }

    fn compact_page(
        &self,
        branch: &str,
        after: i64,
        before: DateTime<Utc>,
        page: i64,
    ) -> Result<compact::Page, StoreError> {
        match self {
            Store::Sqlite(db) => {
                let mut conn = db.conn()?;
                let tx = db::immediate(&mut conn)?;
                let mut compactor = sqlite::Compactor::new(&tx);
                let done = compact::compact_page(&mut compactor, branch, after, before, page)?;
                tx.commit()?;
                Ok(done)
            }
            Store::Postgres(pg) => pg.compact_page(branch, after, before, page),
        }
    }

    /// Re-seeds `branch` (see `hq::reseed`) in one transaction; returns its new position.
    pub(crate) fn reseed(
        &self,
        branch: &str,
        request: reseed::Request,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, ReseedError> {
        match self {
            Store::Sqlite(db) => {
                let mut conn = db.conn().map_err(StoreError::from)?;
                let tx = db::immediate(&mut conn).map_err(StoreError::from)?;
                let moved = reseed::reseed(
                    &mut sqlite::Receiver::new(&tx),
                    branch,
                    request,
                    address,
                    now,
                )?;
                tx.commit().map_err(StoreError::from)?;
                Ok(moved)
            }
            Store::Postgres(pg) => pg.reseed(branch, request, address, now),
        }
    }

    /// The branch a bearer credential belongs to, if it is registered and not revoked.
    pub(crate) fn branch_of(&self, credential: &str) -> Result<Option<String>, StoreError> {
        let Some((code, secret)) = credential.split_once('.') else {
            return Ok(None);
        };
        let stored = match self {
            Store::Sqlite(db) => access::credential_hash(&*db.conn()?, code)?,
            Store::Postgres(pg) => pg.credential_hash(code)?,
        };
        Ok(access::credential_matches(stored.as_deref(), secret).then(|| code.to_owned()))
    }

    /// Registers a branch; returns its credential (`CODE.secret`), which is never stored.
    pub(crate) fn add_branch(
        &self,
        code: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<String, AccessError> {
        access::check_branch(code, name)?;
        let (secret, hash) = access::new_credential();
        let added = match self {
            Store::Sqlite(db) => access::insert_branch(
                &*db.conn().map_err(StoreError::from)?,
                code,
                name,
                &hash,
                now,
            )?,
            Store::Postgres(pg) => pg.insert_branch(code, name.trim(), &hash, now)?,
        };
        if !added {
            return Err(AccessError::Exists(code.to_owned()));
        }
        Ok(format!("{code}.{secret}"))
    }

    /// Revokes a branch's credential: its uploads get 401 from now on.
    pub(crate) fn revoke_branch(&self, code: &str, now: DateTime<Utc>) -> Result<(), AccessError> {
        let changed = match self {
            Store::Sqlite(db) => {
                access::revoke_branch(&*db.conn().map_err(StoreError::from)?, code, now)?
            }
            Store::Postgres(pg) => pg.revoke_branch(code, now)?,
        };
        if !changed {
            return Err(AccessError::NoBranch(code.to_owned()));
        }
        Ok(())
    }

    /// Every registered branch, by code.
    pub(crate) fn branches(&self) -> Result<Vec<Branch>, StoreError> {
        match self {
            Store::Sqlite(db) => Ok(access::branches(&*db.conn()?)?),
            Store::Postgres(pg) => pg.branches(),
        }
    }

    /// How many branches are registered.
    pub(crate) fn branch_count(&self) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(db) => Ok(sqlite::branch_count(&*db.conn()?)?),
            Store::Postgres(pg) => pg.branch_count(),
        }
    }

    /// Outstanding tickets of one branch: how many, and the principal they still owe.
    pub(crate) fn outstanding(&self, branch: &str) -> Result<(i64, i64), StoreError> {
        match self {
            Store::Sqlite(db) => Ok(sqlite::outstanding(&*db.conn()?, branch)?),
            Store::Postgres(pg) => pg.outstanding(branch),
        }
    }

    /// The latest 200 entries of one branch set aside, newest first.
    pub(crate) fn set_aside_entries(&self, branch: &str) -> Result<Vec<SetAsideEntry>, StoreError> {
        match self {
            Store::Sqlite(db) => Ok(sqlite::set_aside_entries(&*db.conn()?, branch)?),
            Store::Postgres(pg) => pg.set_aside_entries(branch),
        }
    }

    /// Customers of every branch matching `query`: the phone number (any local format, in
    /// `country`), the ID number, or part of the name; records a branch merged into another
    /// are left out (their survivor is found).
    pub(crate) fn search_customers(
        &self,
        query: &str,
        country: &str,
    ) -> Result<Vec<Found>, StoreError> {
        let Some(search) = Search::new(query, country) else {
            return Ok(Vec::new());
        };
        match self {
            Store::Sqlite(db) => Ok(sqlite::search(&*db.conn()?, &search)?),
            Store::Postgres(pg) => pg.search(&search),
        }
    }

    /// Adds a head office user who may read the pages.
    pub(crate) fn add_user(
        &self,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AccessError> {
        access::check_username(username)?;
        let hash = crate::plumbing::crypto::hash_password(password)
            .map_err(|e| AccessError::Hash(e.to_string()))?;
        let added = match self {
            Store::Sqlite(db) => {
                access::insert_user(&*db.conn().map_err(StoreError::from)?, username, &hash, now)?
            }
            Store::Postgres(pg) => pg.insert_user(username, &hash, now)?,
        };
        if !added {
            return Err(AccessError::UserExists(username.to_owned()));
        }
        Ok(())
    }

    /// Checks a head office user's username and password from `address` (the staff sign-in's
    /// procedure, `auth::check_password`); returns the username as stored.
    pub(crate) fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: &str,
        rules: &StaffConfig,
        now: DateTime<Utc>,
    ) -> Result<String, SignInError<StoreError>> {
        let username = access::typed(username);
        match self {
            Store::Sqlite(db) => {
                let mut conn = db.conn().map_err(StoreError::from)?;
                access::sign_in(&mut conn, &username, password, address, rules, now)
                    .map_err(sqlite::store_refusal)
            }
            Store::Postgres(pg) => pg.sign_in(&username, password, address, rules, now),
        }
    }

    /// Starts a session for `username` (already signed in); returns the token for the cookie.
    pub(crate) fn start_session(
        &self,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        match self {
            Store::Sqlite(db) => Ok(access::start_session(&*db.conn()?, username, now)?),
            Store::Postgres(pg) => pg.start_session(username, now),
        }
    }

    /// Ends the session with this token without a sign-out (its browser is signing in again).
    pub(crate) fn end_session(&self, token: &str) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(db) => Ok(access::end_session(&*db.conn()?, token)?),
            Store::Postgres(pg) => pg.end_session(token),
        }
    }

    /// Ends the session with this token, if there is one, and audits the sign-out; returns
    /// whose session it was.
    pub(crate) fn sign_out(
        &self,
        token: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        match self {
            Store::Sqlite(db) => Ok(access::sign_out(&mut *db.conn()?, token, address, now)?),
            Store::Postgres(pg) => pg.sign_out(token, address, now),
        }
    }

    /// The user whose live session has this token, by the `[staff]` idle and absolute limits
    /// (`auth::session_age`). An ended session (or one of a disabled user) is deleted.
    pub(crate) fn session_user(
        &self,
        token: &str,
        rules: &StaffConfig,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        match self {
            Store::Sqlite(db) => Ok(access::session_user(&*db.conn()?, token, rules, now)?),
            Store::Postgres(pg) => pg.session_user(token, rules, now),
        }
    }
    /// Runs `work` over the reference data's rows: on SQLite on one connection (in one
    /// immediate transaction when `write`), on PostgreSQL in one transaction, tried again
    /// whole when it raced another writer or the database aborted it.
    fn reference<T, E: From<StoreError>>(
        &self,
        write: bool,
        mut work: impl FnMut(&mut dyn ReferenceStorage) -> Result<T, E>,
        store_error: impl Fn(&E) -> Option<&StoreError>,
    ) -> Result<T, E> {
        match self {
            Store::Sqlite(db) => {
                let mut conn = db.conn().map_err(StoreError::from)?;
                if !write {
                    return work(&mut sqlite::Reference::new(&conn));
                }
                let tx = db::immediate(&mut conn).map_err(StoreError::from)?;
                let done = work(&mut sqlite::Reference::new(&tx))?;
                tx.commit().map_err(StoreError::from)?;
                Ok(done)
            }
            Store::Postgres(pg) => {
                pg.reference(work, |e| store_error(e).is_some_and(postgres::retryable))
            }
        }
    }

    /// The reference data's draft managers edit (the latest version when none is saved).
    pub(crate) fn reference_draft(&self) -> Result<ReferenceSet, ReferenceError> {
        self.reference(false, reference::draft, ReferenceError::store)
    }

    /// The latest published version of the reference data, if any.
    pub(crate) fn latest_reference(&self) -> Result<Option<Published>, ReferenceError> {
        self.reference(false, reference::latest, ReferenceError::store)
    }

    /// Every registered branch with the reference data version it acknowledged, by code.
    pub(crate) fn reference_acks(&self) -> Result<Vec<BranchAck>, StoreError> {
        self.reference(false, |s| s.acks(), itself)
    }

    /// Changes the draft by `edit` (see `reference::edit_draft`) in one transaction; the
    /// inner error is `edit`'s refusal, nothing saved.
    pub(crate) fn edit_reference_draft<E>(
        &self,
        editor: &Editor,
        now: DateTime<Utc>,
        mut edit: impl FnMut(ReferenceSet) -> Result<(ReferenceSet, serde_json::Value), E>,
    ) -> Result<Result<(), E>, ReferenceError> {
        self.reference(
            true,
            |s| reference::edit_draft(s, editor, now, &mut edit),
            ReferenceError::store,
        )
    }

    /// Saves `set` as the draft (all of it checked), audited with `what` changed (for tests;
    /// the page edits the draft by [`Store::edit_reference_draft`]).
    #[cfg(test)]
    pub(crate) fn save_reference_draft(
        &self,
        set: &ReferenceSet,
        editor: &Editor,
        what: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), ReferenceError> {
        let saved = self.edit_reference_draft(editor, now, |_| {
            Ok::<_, std::convert::Infallible>((set.clone(), what.clone()))
        })?;
        match saved {
            Ok(()) => Ok(()),
            Err(never) => match never {},
        }
    }

    /// Publishes the draft as the next version of the reference data; returns its number.
    pub(crate) fn publish_reference(
        &self,
        editor: &Editor,
        now: DateTime<Utc>,
    ) -> Result<i64, ReferenceError> {
        self.reference(
            true,
            |s| reference::publish(s, editor, now),
            ReferenceError::store,
        )
    }

    /// Records that `branch` applied reference data `version`; `false` when no such version
    /// was published.
    pub(crate) fn acknowledge_reference(
        &self,
        branch: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.reference(
            true,
            |s| reference::acknowledge(s, branch, version, now),
            itself,
        )
    }

    /// A head office user's role (none for an unknown name).
    pub(crate) fn role_of(&self, username: &str) -> Result<Option<HqRole>, StoreError> {
        self.reference(false, |s| reference::role_of(s, username), itself)
    }

    /// Gives a head office user another role; `false` when there is no such user.
    pub(crate) fn set_role(&self, username: &str, role: HqRole) -> Result<bool, StoreError> {
        self.reference(true, |s| reference::set_role(s, username, role), itself)
    }
}

/// The store's failure itself, for [`Store::reference`] over `StoreError`.
fn itself(e: &StoreError) -> Option<&StoreError> {
    Some(e)
}

/// Tests of both stores: every test of head office's store runs on SQLite and on the test
/// run's PostgreSQL server (`tests/support/postgres_server.rs`), a new database each.
#[cfg(test)]
pub(crate) mod testing {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use super::postgres_server;

    /// A store for one test, with what must live as long as it.
    pub(crate) struct TestStore {
        pub(crate) store: Store,
        _dir: tempfile::TempDir,
    }

    impl std::ops::Deref for TestStore {
        type Target = Store;
        fn deref(&self) -> &Store {
            &self.store
        }
    }

    /// A new, empty SQLite store.
    pub(crate) fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_schema(
            dir.path(),
            db::Schema::HeadOffice,
            std::time::Duration::from_secs(5),
            2,
        )
        .unwrap();
        TestStore {
            store: Store::Sqlite(db),
            _dir: dir,
        }
    }

    /// A new, empty PostgreSQL store: a new database on the test run's server.
    pub(crate) fn postgres() -> TestStore {
        let url = postgres_server::new_database();
        TestStore {
            store: Store::Postgres(Box::new(postgres::PgStore::open(&url, 2).unwrap())),
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    impl Store {
        /// Runs SQL that both stores accept, without parameters.
        pub(crate) fn run(&self, sql: &str) {
            match self {
                Store::Sqlite(db) => {
                    db.conn().unwrap().execute_batch(sql).unwrap();
                }
                Store::Postgres(pg) => pg.run(sql),
            }
        }

        /// The one integer a query that both stores accept answers.
        pub(crate) fn count(&self, sql: &str) -> i64 {
            match self {
                Store::Sqlite(db) => db.conn().unwrap().query_row(sql, [], |r| r.get(0)).unwrap(),
                Store::Postgres(pg) => pg.count(sql),
            }
        }

        /// The first column (text) of every row a query answers.
        pub(crate) fn texts(&self, sql: &str) -> Vec<String> {
            self.column(sql)
        }

        /// The first column (bytes) of every row a query answers.
        pub(crate) fn blobs(&self, sql: &str) -> Vec<Vec<u8>> {
            self.column(sql)
        }

        fn column<T>(&self, sql: &str) -> Vec<T>
        where
            T: rusqlite::types::FromSql + for<'a> ::postgres::types::FromSql<'a>,
        {
            match self {
                Store::Sqlite(db) => {
                    let conn = db.conn().unwrap();
                    let mut stmt = conn.prepare(sql).unwrap();
                    stmt.query_map([], |r| r.get(0))
                        .unwrap()
                        .collect::<rusqlite::Result<_>>()
                        .unwrap()
                }
                Store::Postgres(pg) => pg.column(sql),
            }
        }
    }

    /// Runs a test on both stores: `both_stores!(name)` for `fn name(store: &Store)` makes
    /// the tests `name::sqlite` and `name::postgres`.
    macro_rules! both_stores {
        ($($name:ident),* $(,)?) => {$(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name(&$crate::hq::store::testing::sqlite());
                }
                #[test]
                fn postgres() {
                    super::$name(&$crate::hq::store::testing::postgres());
                }
            }
        )*};
    }
    pub(crate) use both_stores;
}
