//! The contacts section of the customer page and its add and remove forms (the records and
//! rules are `customers::alternative_contacts`).

use maud::{Markup, html};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::customers::alternative_contacts::{self, Contact, Kind, NewContact};
use crate::customers::{Customer, get};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths;
use crate::plumbing::paths::CustomerPart;
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// Who may add and remove contacts.
const MAY_EDIT: [Permission; 2] = [Permission::CustomerManagement, Permission::LoanOrigination];

/// The contacts section of the customer page, with the form to add one.
pub(crate) fn section(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &Customer,
    contacts: &[Contact],
    sent: &FieldErrors,
) -> Markup {
    let country = &ctx.app.config.branch.country;
    let may_edit = MAY_EDIT.iter().any(|p| user.role.has(*p));
    let csrf = ctx.csrf();
    let base = paths::customer_part(&customer.id, CustomerPart::AlternativeContacts);
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
                            form method="post" action=(paths::alternative_contact_remove(&customer.id, &c.id)) class="inline" {
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
                    ], sent.value_or("kind", ""), sent.error_for("kind")))
                    (ui::field(&Field::typed(ctx.t(Msg::FullName), "contact_name", "", sent)))
                    (ui::field(&Field { required: false, ..Field::typed(ctx.t(Msg::ContactRelationship), "relationship", "", sent) }))
                    (ui::field(&Field { kind: "tel", ..Field::typed(ctx.t(Msg::PhoneNumber), "contact_phone", "", sent) }))
                    div { button type="submit" class="secondary" { (ctx.t(Msg::ContactAdd)) } }
                }
            }
        }
    }
}

/// POST /staff/customers/{id}/contacts.
pub(crate) fn add_action(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_EDIT)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("contact", form);
    let (name, relationship) = (form.text("contact_name"), form.text("relationship"));
    let kind = Kind::from_code(form.text("kind"));
    if kind.is_none() {
        sent.add("kind", ctx.t(Msg::ContactKindInvalid));
    }
    let name_len = name.chars().count();
    if !(2..=100).contains(&name_len) || name.chars().any(char::is_control) {
        sent.add("contact_name", ctx.t(Msg::FullNameInvalid));
    }
    let phone = crate::plumbing::phone::normalise(
        form.text("contact_phone"),
        &ctx.app.config.branch.country,
    );
    if phone.is_err() {
        sent.add("contact_phone", ctx.t(Msg::PhoneInvalid));
    }
    if relationship.chars().count() > 60 {
        sent.add("relationship", ctx.t(Msg::ContactRelationshipInvalid));
    }
    let (Some(kind), Ok(phone), true) = (kind, phone, sent.is_empty()) else {
        return crate::web::customers::render_show(ctx, user, &id, &sent, 400);
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let customer = get(&tx, &id)?.ok_or(AppError::NotFound)?;
    let new = NewContact {
        kind,
        full_name: name,
        relationship,
        phone: &phone,
    };
    let contact = alternative_contacts::add(&tx, &customer.id, &new, Some(&user.id), ctx.now)?;
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
        "{}#contacts",
        paths::customer(&customer.id)
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
    if !alternative_contacts::remove(&tx, &id, contact, ctx.now)? {
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
        "{}#contacts",
        paths::customer(&id)
    )))
}
