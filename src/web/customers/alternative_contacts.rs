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
use crate::plumbing::ui;
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
    errors: &FormErrors,
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
        return crate::web::customers::render_show(ctx, user, &id, &errors, 400);
    };
    let tx = db::immediate(&mut conn)?;
    let customer = get(&tx, &id)?.ok_or(AppError::NotFound)?;
    let new = NewContact {
        kind,
        full_name: &errors.name_value,
        relationship: &errors.relationship_value,
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
