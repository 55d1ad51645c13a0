//! A customer's alternative contacts and guarantors (name, relationship, phone): the people
//! the call centre may ring when the customer cannot be reached (seed 004). Removing one keeps
//! the row, marked removed, so the timeline and head office still know it existed.

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rusqlite::{Connection, params};
use serde_json::json;

use super::{Customer, get};
use crate::audit::{self, Actor};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, StaffId};
use crate::plumbing::phone::E164;
use crate::plumbing::ui;
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// Who may add and remove contacts.
const MAY_EDIT: [Permission; 2] = [Permission::CustomerManagement, Permission::LoanOrigination];

/// What a contact is to the customer's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Alternative,
    Guarantor,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Alternative => "alternative",
            Kind::Guarantor => "guarantor",
        }
    }

    fn from_code(code: &str) -> Option<Kind> {
        match code {
            "alternative" => Some(Kind::Alternative),
            "guarantor" => Some(Kind::Guarantor),
            _ => None,
        }
    }

    fn label(self) -> Msg {
        match self {
            Kind::Alternative => Msg::ContactAlternative,
            Kind::Guarantor => Msg::ContactGuarantor,
        }
    }
}

/// A contact of a customer.
#[derive(Debug, Clone)]
pub(crate) struct Contact {
    pub(crate) id: String,
    pub(crate) kind: Kind,
    pub(crate) full_name: String,
    pub(crate) relationship: String,
    pub(crate) phone: E164,
}

/// A contact to add.
pub(crate) struct NewContact<'a> {
    pub(crate) kind: Kind,
    pub(crate) full_name: &'a str,
    pub(crate) relationship: &'a str,
    pub(crate) phone: &'a E164,
}

/// Adds a contact; returns its id.
pub(crate) fn add(
    conn: &Connection,
    customer: &CustomerId,
    new: &NewContact,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let id = crate::plumbing::ids::new_ulid(now);
    conn.execute(
        "INSERT INTO customer_contacts (id, customer_id, kind, full_name, relationship, phone, staff_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, customer, new.kind.code(), new.full_name, new.relationship, new.phone.as_str(), staff, now],
    )?;
    Ok(id)
}

/// Marks a contact removed; false when it is not this customer's or already removed.
pub(crate) fn remove(
    conn: &Connection,
    customer: &CustomerId,
    contact: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE customer_contacts SET removed_at = ?3 WHERE id = ?1 AND customer_id = ?2 AND removed_at IS NULL",
        params![contact, customer, now],
    )? > 0)
}

/// The customer's current contacts, guarantors first.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Vec<Contact>> {
    conn.prepare_cached(
        "SELECT id, kind, full_name, relationship, phone FROM customer_contacts
         WHERE customer_id = ?1 AND removed_at IS NULL ORDER BY kind DESC, created_at",
    )?
    .query_map([customer], |r| {
        Ok(Contact {
            id: r.get(0)?,
            kind: Kind::from_code(&r.get::<_, String>(1)?).unwrap_or(Kind::Alternative),
            full_name: r.get(2)?,
            relationship: r.get(3)?,
            phone: E164::from_stored(r.get(4)?),
        })
    })?
    .collect()
}

/// The contacts section of the customer page, with the form to add one.
pub(crate) fn section(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &Customer,
    contacts: &[Contact],
    errors: &FormErrors,
) -> Markup {
    let country = &ctx.app.config.branch.country;
    let may_edit = MAY_EDIT.iter().any(|p| user.role.has(*p));
    let csrf = ctx.csrf();
    let base = format!("/staff/customers/{}/contacts", customer.id);
    html! {
        section class="card" id="contacts" {
            h2 { (ctx.t(Msg::ContactsTitle)) }
            @if contacts.is_empty() { p class="muted" { (ctx.t(Msg::ContactsNone)) } }
            ul {
                @for c in contacts {
                    li {
                        span class="badge" { (ctx.t(c.kind.label())) } " "
                        (c.full_name)
                        @if !c.relationship.is_empty() { " (" (c.relationship) ")" }
                        " · " a href={ "tel:" (c.phone.as_str()) } { (c.phone.national(country)) }
                        @if may_edit {
                            form method="post" action={ (base) "/" (c.id) "/remove" } class="inline" {
                                (ui::csrf_input(&csrf))
                                button type="submit" class="link" { (ctx.t(Msg::ContactRemove)) }
                            }
                        }
                    }
                }
            }
            @if may_edit {
                form method="post" action=(base) class="stack" {
                    (ui::csrf_input(&csrf))
                    (ui::select(ctx.t(Msg::ContactKind), "kind", &[
                        ("alternative", ctx.t(Msg::ContactAlternative)),
                        ("guarantor", ctx.t(Msg::ContactGuarantor)),
                    ], errors.kind.as_str(), None))
                    (ui::field(&ui::Field { error: errors.name, ..ui::Field::new(ctx.t(Msg::FullName), "contact_name", &errors.name_value) }))
                    (ui::field(&ui::Field::new(ctx.t(Msg::ContactRelationship), "relationship", &errors.relationship_value)))
                    (ui::field(&ui::Field { kind: "tel", error: errors.phone, ..ui::Field::new(ctx.t(Msg::PhoneNumber), "contact_phone", &errors.phone_value) }))
                    div { button type="submit" class="secondary" { (ctx.t(Msg::ContactAdd)) } }
                }
            }
        }
    }
}

/// The add form's values and errors, kept when it is shown again.
#[derive(Debug, Default)]
pub(crate) struct FormErrors {
    kind: String,
    name_value: String,
    relationship_value: String,
    phone_value: String,
    name: Option<&'static str>,
    phone: Option<&'static str>,
}

/// POST /staff/customers/{id}/contacts.
pub(crate) fn add_action(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_EDIT)?;
    let form = ctx.form()?;
    let mut errors = FormErrors {
        kind: form.text("kind").to_owned(),
        name_value: form.text("contact_name").trim().to_owned(),
        relationship_value: form.text("relationship").trim().to_owned(),
        phone_value: form.text("contact_phone").trim().to_owned(),
        ..FormErrors::default()
    };
    let kind = Kind::from_code(&errors.kind)
        .ok_or_else(|| AppError::BadRequest(ctx.t(Msg::ContactKindInvalid).to_owned()))?;
    let name_len = errors.name_value.chars().count();
    if !(2..=100).contains(&name_len) || errors.name_value.chars().any(char::is_control) {
        errors.name = Some(ctx.t(Msg::FullNameInvalid));
    }
    let phone =
        crate::plumbing::phone::normalise(&errors.phone_value, &ctx.app.config.branch.country);
    if phone.is_err() {
        errors.phone = Some(ctx.t(Msg::PhoneInvalid));
    }
    if errors.relationship_value.chars().count() > 60 {
        return Err(AppError::BadRequest(
            ctx.t(Msg::ContactRelationshipInvalid).to_owned(),
        ));
    }
    let mut conn = ctx.app.db.conn()?;
    let (Ok(phone), None) = (phone, errors.name) else {
        drop(conn);
        return super::pages::render_show(ctx, user, &id, &errors, 400);
    };
    let tx = db::immediate(&mut conn)?;
    let customer = get(&tx, &id)?.ok_or(AppError::NotFound)?;
    let new = NewContact {
        kind,
        full_name: &errors.name_value,
        relationship: &errors.relationship_value,
        phone: &phone,
    };
    let contact = add(&tx, &customer.id, &new, Some(&user.id), ctx.now)?;
    let change = audit::Change {
        action: "customer.contact_add",
        entity: "customer",
        entity_id: customer.id.as_str(),
        before: None,
        after: Some(json!({
            "contact": contact, "kind": kind.code(), "full_name": new.full_name,
            "relationship": new.relationship, "phone": phone.as_str(),
        })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::ContactAdded));
    Ok(Response::see_other(&format!(
        "/staff/customers/{}#contacts",
        customer.id
    )))
}

/// POST /staff/customers/{id}/contacts/{contact}/remove.
pub(crate) fn remove_action(
    ctx: &Ctx,
    id: CustomerId,
    contact: &str,
) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_EDIT)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    if !remove(&tx, &id, contact, ctx.now)? {
        return Err(AppError::NotFound);
    }
    let change = audit::Change {
        action: "customer.contact_remove",
        entity: "customer",
        entity_id: id.as_str(),
        before: Some(json!({ "contact": contact })),
        after: None,
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    Ok(Response::see_other(&format!(
        "/staff/customers/{id}#contacts"
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::db::tests::test_db;

    #[test]
    fn contacts_are_added_listed_and_removed_per_customer() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let now = crate::plumbing::clock::Clock::now(&crate::plumbing::clock::SystemClock);
        let phone = E164::from_stored("+6281210000001".to_owned());
        let new_customer = |p: &str| {
            crate::customers::insert(
                &conn,
                &crate::customers::NewCustomer {
                    full_name: "Siti",
                    phone: &E164::from_stored(p.to_owned()),
                    id_number: None,
                    date_of_birth: None,
                    address: "",
                    email: None,
                    phone_verified: false,
                },
                now,
            )
            .unwrap()
        };
        let (a, b) = (
            new_customer("+6281200000001"),
            new_customer("+6281200000002"),
        );
        let new = NewContact {
            kind: Kind::Guarantor,
            full_name: "Budi",
            relationship: "brother",
            phone: &phone,
        };
        let contact = add(&conn, &a, &new, None, now).unwrap();
        let alt = NewContact {
            kind: Kind::Alternative,
            ..new
        };
        add(&conn, &a, &alt, None, now).unwrap();
        let listed = of_customer(&conn, &a).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].kind, Kind::Guarantor);
        assert!(of_customer(&conn, &b).unwrap().is_empty());
        assert!(
            !remove(&conn, &b, &contact, now).unwrap(),
            "not b's contact"
        );
        assert!(remove(&conn, &a, &contact, now).unwrap());
        assert!(
            !remove(&conn, &a, &contact, now).unwrap(),
            "already removed"
        );
        assert_eq!(of_customer(&conn, &a).unwrap().len(), 1);
    }
}
