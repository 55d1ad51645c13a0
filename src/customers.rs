//! Customers of the branch: who they are and how to reach them.
//!
//! This first version holds the records and the dashboard card; the portal login, profile,
//! phone verification, search and duplicates build on it.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use rusqlite::{Connection, params};

use crate::i18n::Msg;
use crate::ids::CustomerId;
use crate::phone::E164;
use crate::web::Ctx;

/// A customer to add.
pub(crate) struct NewCustomer<'a> {
    pub(crate) full_name: &'a str,
    pub(crate) phone: &'a E164,
    pub(crate) id_number: Option<&'a str>,
    pub(crate) date_of_birth: Option<NaiveDate>,
    pub(crate) address: &'a str,
    pub(crate) email: Option<&'a str>,
    pub(crate) phone_verified: bool,
}

/// Adds a customer.
pub(crate) fn insert(
    conn: &Connection,
    new: &NewCustomer,
    now: DateTime<Utc>,
) -> rusqlite::Result<CustomerId> {
    let id = CustomerId::new(now);
    let completed =
        (!new.full_name.is_empty() && new.id_number.is_some() && new.date_of_birth.is_some())
            .then_some(now);
    conn.prepare_cached(
        "INSERT INTO customers (id, full_name, phone, phone_verified_at, id_number, date_of_birth, address, email,
                                profile_completed_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    )?
    .execute(params![
        id,
        new.full_name,
        new.phone.as_str(),
        new.phone_verified.then_some(now),
        new.id_number,
        new.date_of_birth,
        new.address,
        new.email,
        completed,
        now
    ])?;
    Ok(id)
}

/// How many customers the branch has.
pub(crate) fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))
}

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &Connection) -> rusqlite::Result<Markup> {
    let n = count(conn)?;
    Ok(html! {
        section class="card" {
            h2 { (ctx.t(Msg::CardCustomers)) }
            p class="figure" { (n) }
        }
    })
}
