//! The contacts section of the customer page and of the call centre's follow-up screen: the
//! alternative contacts and guarantors with their history, and the forms to add, change and
//! remove one (the records and rules are `customers::alternative_contacts`).

use maud::{Markup, html};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::callcentre::contact_codes::{self, ContactStore, NotSent};
use crate::callcentre::rules::ContactRules;
use crate::customers::alternative_contacts::{self, Change, Contact, Kind, NewContact};
use crate::customers::{Customer, get};
use crate::otp::{CodeStore, CodeText, Destination, Purpose};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths;
use crate::plumbing::paths::CustomerPart;
use crate::plumbing::phone::E164;
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;
use crate::web::codes;

/// Who may add, change and remove contacts: the counter and the call centre.
const MAY_EDIT: [Permission; 3] = [
    Permission::CustomerManagement,
    Permission::LoanOrigination,
    Permission::CallCentre,
];

/// A customer's current contacts, each with its history, for [`section`].
pub(crate) fn with_history(
    conn: &rusqlite::Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Vec<(Contact, Vec<Change>)>> {
    alternative_contacts::of_customer(conn, customer)?
        .into_iter()
        .map(|c| {
            let h = alternative_contacts::history(conn, &c.id)?;
            Ok((c, h))
        })
        .collect()
}

/// The contacts section of a customer's page, with the forms to add, change and remove one.
/// `sent` is the page's refused form, if any: `contact` (adding) or `contact_edit` (changing
/// the contact whose id it sent).
pub(crate) fn section(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &Customer,
    contacts: &[(Contact, Vec<Change>)],
    sent: &FieldErrors,
) -> Markup {
    let country = &ctx.app.config.branch.country;
    let may_edit = MAY_EDIT.iter().any(|p| user.role.has(*p));
    let csrf = ctx.csrf();
    let base = paths::customer_part(&customer.id, CustomerPart::AlternativeContacts);
    let adding = sent.of("contact");
    let editing = sent.of("contact_edit");
    html! {
        section class="card" id="contacts" {
            h2 { (ctx.t(Msg::ContactsTitle)) }
            @if contacts.is_empty() { p class="muted" { (ctx.t(Msg::ContactsNone)) } }
            ul {
                @for (c, history) in contacts {
                    li {
                        span class="badge" { (ctx.t(c.kind.label())) } " "
                        (c.full_name)
                        @if !c.relationship.is_empty() { " (" (c.relationship) ")" }
                        " · " a href={ "tel:" (c.phone.as_str()) } { (c.phone.national(country)) }
                        @if let Some(email) = &c.email { " · " (email) }
                        " " (phone_badge(ctx, c))
                        @if may_edit && !c.locked && !c.phone_verified { (code_forms(ctx, &customer.id, c, &csrf)) }
                        @if may_edit {
                            form method="post" action=(paths::alternative_contact_remove(&customer.id, &c.id)) class="inline" {
                                (ui::csrf_input(&csrf))
                                button type="submit" class="link" { (ctx.t(Msg::ContactRemove)) }
                            }
                            @let refused = editing.value_or("contact_id", "") == c.id;
                            @let mine = if refused { editing } else { FieldErrors::none() };
                            details open[refused] {
                                summary { (ctx.t(Msg::ContactEdit)) }
                                (edit_form(ctx, &customer.id, c, mine, &csrf))
                            }
                        }
                        (history_list(ctx, history))
                    }
                }
            }
            @if may_edit {
                form method="post" action=(base) class="stack" {
                    (ui::csrf_input(&csrf))
                    (ui::select(ctx.t(Msg::ContactKind), "kind", &[
                        ("alternative", ctx.t(Msg::ContactAlternative)),
                        ("guarantor", ctx.t(Msg::ContactGuarantor)),
                    ], adding.value_or("kind", ""), adding.error_for("kind")))
                    (ui::field(&Field::typed(ctx.t(Msg::FullName), "contact_name", "", adding)))
                    (ui::field(&Field { required: false, ..Field::typed(ctx.t(Msg::ContactRelationship), "relationship", "", adding) }))
                    (ui::field(&Field { kind: "tel", ..Field::typed(ctx.t(Msg::PhoneNumber), "contact_phone", "", adding) }))
                    (ui::field(&Field { kind: "email", required: false, ..Field::typed(ctx.t(Msg::ContactEmail), "contact_email", "", adding) }))
                    div { button type="submit" class="secondary" { (ctx.t(Msg::ContactAdd)) } }
                }
            }
        }
    }
}

/// Whether the contact's phone was checked by a code.
fn phone_badge(ctx: &Ctx, c: &Contact) -> Markup {
    html! {
        @if c.locked { span class="badge bad" { (ctx.t(Msg::ContactLocked)) } }
        @else if c.phone_verified { span class="badge ok" { (ctx.t(Msg::ContactPhoneVerified)) } }
        @else { span class="badge warn" { (ctx.t(Msg::ContactPhoneUnverified)) } }
    }
}

/// Send a code to the contact's phone, and check the code the contact reads out.
fn code_forms(ctx: &Ctx, customer: &CustomerId, c: &Contact, csrf: &str) -> Markup {
    let id = format!("code-{}", c.id);
    html! {
        form method="post" action=(paths::alternative_contact_code(customer, &c.id, true)) class="inline" {
            (ui::csrf_input(csrf))
            button type="submit" class="link" { (ctx.t(Msg::ContactSendCode)) }
        }
        form method="post" action=(paths::alternative_contact_code(customer, &c.id, false)) class="inline" {
            (ui::csrf_input(csrf))
            label for=(id) { (ctx.t(Msg::ContactCode)) } " "
            input id=(id) name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="7" size="7";
            " " button type="submit" class="secondary" { (ctx.t(Msg::ContactCheckCode)) }
        }
    }
}

/// The store of a current contact's codes, or not found.
fn store<'a>(
    conn: &'a rusqlite::Connection,
    customer: &'a CustomerId,
    contact: &'a str,
    user: &'a StaffUser,
) -> Result<(ContactStore<'a>, E164), AppError> {
    let store = ContactStore {
        conn,
        customer,
        contact,
        staff: Some(&user.id),
    };
    let phone = store.phone()?.ok_or(AppError::NotFound)?;
    Ok((store, phone))
}

/// POST /staff/customers/{id}/contacts/{contact}/code/send: a code to the contact's phone.
pub(crate) fn send_code(ctx: &Ctx, id: CustomerId, contact: &str) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_EDIT)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let (mut store, phone) = store(&tx, &id, contact, user)?;
    let lang = store.language()?.unwrap_or(ctx.lang);
    let (text, subject) = codes::code_words(ctx, lang, &Destination::Phone(&phone));
    let words = CodeText {
        text: &text,
        subject: &subject,
    };
    let rules = ContactRules::from_config(&ctx.app.config);
    let outcome = codes::with_codes(ctx, Purpose::Verification, Some(&user.id), |c, r| {
        contact_codes::send(
            &mut store,
            c,
            &phone,
            r,
            &words,
            &rules,
            crate::web::loans::today(ctx),
            ctx.now,
        )
    });
    let refused = match outcome {
        Ok(()) => None,
        Err(NotSent::Blocked(blocked)) => Some(format!(
            "{} {}",
            blocked.message(ctx.lang),
            ctx.t(Msg::ContactCodeNotSent)
        )),
        Err(NotSent::Refused(refusal)) => Some(codes::refusal_message(ctx, &refusal)),
        Err(NotSent::Db(e)) => return Err(e.into()),
    };
    tx.commit()?;
    match refused {
        None => {
            ctx.app.sms.wake();
            ctx.flash(
                &ctx.lang
                    .fill(Msg::CodeSentTo, &[("phone", &phone.masked())]),
            );
        }
        Some(message) => ctx.flash(&message),
    }
    Ok(Response::see_other(&format!(
        "{}#contacts",
        paths::customer(&id)
    )))
}

/// POST /staff/customers/{id}/contacts/{contact}/code: the code the contact read out.
pub(crate) fn check_code(ctx: &Ctx, id: CustomerId, contact: &str) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_EDIT)?;
    let entered = ctx.form()?.text("code").to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let (mut store, _) = store(&tx, &id, contact, user)?;
    let checked = crate::web::codes::check_with(
        ctx,
        &mut store,
        Purpose::Verification,
        Some(&user.id),
        &entered,
    )?;
    tx.commit()?;
    match crate::web::codes::checked_message(ctx, &checked) {
        None => ctx.flash(ctx.t(Msg::ContactPhoneVerifiedNow)),
        Some(message) => ctx.flash(&message),
    }
    Ok(Response::see_other(&format!(
        "{}#contacts",
        paths::customer(&id)
    )))
}

/// The form that changes one contact; its ids carry the contact's, as the page has one each.
fn edit_form(
    ctx: &Ctx,
    customer: &CustomerId,
    c: &Contact,
    sent: &FieldErrors,
    csrf: &str,
) -> Markup {
    let country = &ctx.app.config.branch.country;
    let phone = c.phone.national(country);
    let fields: [(&str, Msg, &str, &str); 4] = [
        ("contact_name", Msg::FullName, "text", &c.full_name),
        (
            "relationship",
            Msg::ContactRelationship,
            "text",
            &c.relationship,
        ),
        ("contact_phone", Msg::PhoneNumber, "tel", &phone),
        (
            "contact_email",
            Msg::ContactEmail,
            "email",
            c.email.as_deref().unwrap_or(""),
        ),
    ];
    html! {
        form method="post" action=(paths::alternative_contact_edit(customer, &c.id)) class="stack" {
            (ui::csrf_input(csrf))
            input type="hidden" name="contact_id" value=(c.id);
            @for (name, label, kind, shown) in fields {
                @let id = format!("{name}-{}", c.id);
                @let error = sent.error_for(name);
                div class={ "field" @if error.is_some() { " invalid" } } {
                    label for=(id) { (ctx.t(label)) }
                    (ui::field_error(error))
                    input id=(id) name=(name) type=(kind) value=(sent.value_or(name, shown))
                        aria-invalid=[error.map(|_| "true")];
                }
            }
            div { button type="submit" class="secondary" { (ctx.t(Msg::Save)) } }
        }
    }
}

/// A contact's history, newest first.
fn history_list(ctx: &Ctx, history: &[Change]) -> Markup {
    let country = &ctx.app.config.branch.country;
    html! {
        @if !history.is_empty() {
            details {
                summary { (ctx.t(Msg::ContactHistory)) }
                ul class="muted" {
                    @for h in history {
                        li {
                            (ctx.datetime(h.at)) " · " (ctx.t(h.kind.label())) " · "
                            (h.staff.as_deref().unwrap_or("—")) ": " (h.full_name)
                            @if !h.relationship.is_empty() { " (" (h.relationship) ")" }
                            " · " (h.phone.national(country))
                            @if let Some(email) = &h.email { " · " (email) }
                        }
                    }
                }
            }
        }
    }
}

/// A contact's fields as sent, checked; each refusal marked in `sent`.
fn read<'f>(
    ctx: &Ctx,
    form: &'f crate::plumbing::http::form::Form,
    sent: &mut FieldErrors,
) -> Option<(&'f str, &'f str, E164, Option<&'f str>)> {
    let (name, relationship) = (
        form.text("contact_name").trim(),
        form.text("relationship").trim(),
    );
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
    if relationship.chars().count() > 60 || relationship.chars().any(char::is_control) {
        sent.add("relationship", ctx.t(Msg::ContactRelationshipInvalid));
    }
    let email = Some(form.text("contact_email").trim()).filter(|e| !e.is_empty());
    if email.is_some_and(|e| !crate::email::plausible_address(e)) {
        sent.add("contact_email", ctx.t(Msg::EmailInvalid));
    }
    match phone {
        Ok(phone) if sent.is_empty() => Some((name, relationship, phone, email)),
        _ => None,
    }
}

/// POST /staff/customers/{id}/contacts.
pub(crate) fn add_action(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_EDIT)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("contact", form);
    let kind = Kind::from_code(form.text("kind"));
    if kind.is_none() {
        sent.add("kind", ctx.t(Msg::ContactKindInvalid));
    }
    let read = read(ctx, form, &mut sent);
    let (Some(kind), Some((name, relationship, phone, email))) = (kind, read) else {
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
        email,
    };
    let contact = alternative_contacts::add(&tx, &customer.id, &new, Some(&user.id), ctx.now)?;
    let change = audit::Change {
        action: "customer.contact_add",
        entity: "customer",
        entity_id: customer.id.as_str(),
        before: None,
        after: Some(json!({
            "contact": contact, "kind": kind.code(), "full_name": new.full_name,
            "relationship": new.relationship, "phone": phone.as_str(), "email": email,
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

/// POST /staff/customers/{id}/contacts/{contact}/edit.
pub(crate) fn edit_action(ctx: &Ctx, id: CustomerId, contact: &str) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_EDIT)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("contact_edit", form);
    let Some((name, relationship, phone, email)) = read(ctx, form, &mut sent) else {
        return crate::web::customers::render_show(ctx, user, &id, &sent, 400);
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let before = alternative_contacts::of_customer(&tx, &id)?
        .into_iter()
        .find(|c| c.id == contact)
        .ok_or(AppError::NotFound)?;
    let new = NewContact {
        kind: before.kind,
        full_name: name,
        relationship,
        phone: &phone,
        email,
    };
    if !alternative_contacts::edit(&tx, &id, contact, &new, Some(&user.id), ctx.now)? {
        return Err(AppError::NotFound);
    }
    let change = audit::Change {
        action: "customer.contact_edit",
        entity: "customer",
        entity_id: id.as_str(),
        before: Some(json!({
            "contact": contact, "full_name": before.full_name, "relationship": before.relationship,
            "phone": before.phone.as_str(), "email": before.email,
        })),
        after: Some(json!({
            "contact": contact, "full_name": name, "relationship": relationship,
            "phone": phone.as_str(), "email": email,
        })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::ContactEdited));
    Ok(Response::see_other(&format!(
        "{}#contacts",
        paths::customer(&id)
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
    if !alternative_contacts::remove(&tx, &id, contact, Some(&user.id), ctx.now)? {
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
