//! The staff's customer pages: the list and the one search box, a new customer at the
//! counter, the customer's page (profile, tickets, verification, contacts, notes, the
//! timeline) and its actions (unlock, codes at the counter, "do not text"), and the dashboard
//! card. The records and their rules are in `customers`.

pub(crate) mod alternative_contacts;
pub(crate) mod caller;
pub(crate) mod messages;
pub(crate) mod notes;
pub(crate) mod phone_and_email;
pub(crate) mod timeline;

use maud::{Markup, html};
use rusqlite::Connection;

use crate::customers::{
    Customer, NewCustomer, count, do_not_text, find_by_id_number, find_by_phone, get, insert,
    merged_into, search, set_do_not_text_by, unlock,
};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths::{self, CustomerPart};
use crate::plumbing::ui::{self, Field};
use crate::portal::ProfileForm;
use crate::roles::Permission;
use crate::web::Ctx;

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &Connection) -> rusqlite::Result<Markup> {
    let n = count(conn)?;
    Ok(html! {
        section class="card" {
            h2 { a href=(paths::CUSTOMERS) { (ctx.t(Msg::CardCustomers)) } }
            p class="figure" { (n) }
        }
    })
}

/// Who opens the customer list (and so sees its dashboard card).
pub(crate) const LIST_VIEWERS: [Permission; 3] = [
    Permission::CustomerManagement,
    Permission::LoanOrigination,
    Permission::CallCentre,
];

/// Customers per page of the list.
const PAGE_SIZE: u32 = 50;

/// The phone's verification state as a badge.
pub(crate) fn verification_badge(ctx: &Ctx, verified: bool, locked: bool) -> Markup {
    html! {
        @if locked {
            span class="badge bad" { (ctx.t(Msg::BadgeLocked)) }
        } @else if verified {
            span class="badge ok" { (ctx.t(Msg::BadgeVerified)) }
        } @else {
            span class="badge warn" { (ctx.t(Msg::BadgePhoneVerification)) }
        }
    }
}

/// GET /staff/customers?q=: find a customer.
pub(crate) fn list_page(
    ctx: &Ctx,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let user = ctx.require_any(&LIST_VIEWERS)?;
    let query = ctx.req.query_form()?;
    let q = query.text("q").to_owned();
    let paging = ui::Paging::of(&query, PAGE_SIZE);
    // `?locked=1`: the locked customers the "today" card counts, instead of a search.
    let locked = query.get("locked") == Some("1");
    let (limit, offset) = (paging.limit(), paging.offset());
    let country = &ctx.app.config.branch.country;
    let mut rows = if locked {
        search::locked(&*ctx.app.db.conn()?, limit, offset)?
    } else {
        search::find(&*ctx.app.db.conn()?, &q, country, limit, offset)?
    };
    let more = paging.keep(&mut rows);
    let page_link = |page: u32| match locked {
        true => paths::locked_customers(page),
        false => format!(
            "{}?page={page}&q={}",
            paths::CUSTOMERS,
            crate::plumbing::http::form::percent_encode(&q)
        ),
    };
    let body = html! {
        p class="actions" {
            @if MAY_ADD.iter().any(|p| user.role.has(*p)) {
                a class="button" href=(paths::NEW_CUSTOMER) { (ctx.t(Msg::AddCustomer)) }
            }
            @if user.role.has(Permission::CustomerManagement) {
                a class="button secondary" href=(paths::DUPLICATES) { (ctx.t(Msg::DuplicatesTitle)) }
            }
        }
        form method="get" action=(paths::CUSTOMERS) class="actions" role="search" {
            label for="q" { (ctx.t(Msg::SearchCustomers)) }
            input id="q" name="q" type="search" value=(q);
            button type="submit" { (ctx.t(Msg::Search)) }
        }
        div class="table-wrap" {
            table {
                thead { tr { th { (ctx.t(Msg::FullName)) } th { (ctx.t(Msg::PhoneNumber)) } th { (ctx.t(Msg::Status)) } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { a href=(paths::customer(&r.id)) { (r.full_name) } }
                            td { (r.phone.national(country)) }
                            td { (verification_badge(ctx, r.verified, r.locked)) }
                        }
                    }
                }
            }
        }
        @if locked && rows.is_empty() { p { (ctx.t(Msg::NoLockedCustomers)) } }
        (paging.links(ctx.lang, more, page_link))
    };
    let title = if locked {
        Msg::TodayLocked
    } else {
        Msg::CardCustomers
    };
    Ok(ctx.staff_page(user, ctx.t(title), body))
}

/// The counter's Phone Number Verification form: staff send a code, the customer reads it
/// from the phone, staff type it in. The same rules and lock as at the portal.
pub(crate) fn verification_form(ctx: &Ctx, customer: &Customer, back: &str) -> Markup {
    let csrf = ctx.csrf();
    let action = paths::customer_part(&customer.id, CustomerPart::Verification);
    html! {
        section class="card" id="verification" {
            h2 { (ctx.t(Msg::PhoneNumberVerification)) }
            @if customer.locked_at.is_some() {
                p class="error" { (ctx.t(Msg::CustomerLockedStaff)) }
            } @else {
                p { (ctx.lang.fill(Msg::CounterVerifyIntro, &[("phone", &customer.phone.national(&ctx.app.config.branch.country))])) }
                form method="post" action=(paths::customer_part(&customer.id, CustomerPart::VerificationSend)) class="inline" {
                    (crate::plumbing::ui::csrf_input(&csrf))
                    input type="hidden" name="back" value=(back);
                    button type="submit" class="secondary" { (ctx.t(Msg::SendCode)) }
                }
                form method="post" action=(action) class="actions" {
                    (crate::plumbing::ui::csrf_input(&csrf))
                    input type="hidden" name="back" value=(back);
                    label for="counter-code" { (ctx.t(Msg::Code)) }
                    input id="counter-code" name="code" type="text" inputmode="numeric" maxlength="7" autocomplete="off" required;
                    button type="submit" { (ctx.t(Msg::VerifyNow)) }
                }
            }
        }
    }
}

/// GET /staff/customers/{id}.
pub(crate) fn show_page(
    ctx: &Ctx,
    id: CustomerId,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let user = ctx.require_any(&[
        Permission::CustomerManagement,
        Permission::LoanOrigination,
        Permission::CallCentre,
    ])?;
    render_show(
        ctx,
        user,
        &id,
        crate::plumbing::ui::FieldErrors::none(),
        200,
    )
}

/// The staff customer page; `sent` is one of its forms refused (`contact`, `note`, `caller`,
/// or `customer`: an action of the page's own, e.g. a test email),
/// shown again with its messages and values.
pub(crate) fn render_show(
    ctx: &Ctx,
    user: &crate::roles::StaffUser,
    id: &CustomerId,
    sent: &crate::plumbing::ui::FieldErrors,
    status: u16,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let conn = ctx.app.db.conn()?;
    let c = get(&conn, id)?.ok_or(crate::plumbing::error::AppError::NotFound)?;
    // A merged record is an alias: its page is the survivor's.
    if let Some(survivor) = merged_into(&conn, id)? {
        return Ok(crate::plumbing::http::Response::see_other(
            &paths::customer(&survivor),
        ));
    }
    let duplicates = crate::web::duplicates::warning(ctx, &conn, id)?;
    let history = crate::customers::timeline::of_customer(&conn, id)?;
    let tickets = crate::loans::of_customer(&conn, id)?;
    let contact_list = alternative_contacts::with_history(&conn, id)?;
    drop(conn);
    let country = &ctx.app.config.branch.country;
    let currency = ctx.app.config.currency();
    let can_manage = user.role.has(Permission::CustomerManagement);
    let can_verify = can_manage || user.role.has(Permission::LoanOrigination);
    let body = html! {
        (duplicates)
        (crate::plumbing::ui::form_error(sent.of("customer").whole()))
        section class="card" {
            dl {
                dt { (ctx.t(Msg::FullName)) } dd { (c.full_name) }
                dt { (ctx.t(Msg::PhoneNumber)) } dd { (c.phone.national(country)) " " (verification_badge(ctx, c.phone_verified_at.is_some(), c.locked_at.is_some())) }
                dt { (ctx.t(Msg::IdNumber)) } dd { (c.id_number.as_deref().unwrap_or("—")) }
                dt { (ctx.t(Msg::DateOfBirth)) } dd { (c.date_of_birth.map(|d| ctx.date(d)).unwrap_or_else(|| "—".to_owned())) }
                dt { (ctx.t(Msg::Address)) } dd { (c.address) }
                dt { "Email" } dd { (c.email.as_deref().unwrap_or("—")) " " (messages::verified_badge(ctx, &c)) }
            }
            @if can_manage {
                p { a class="button secondary" href=(paths::customer_part(&c.id, CustomerPart::PhoneAndEmail)) { (ctx.t(Msg::ContactChangeLink)) } }
            }
        }
        (caller::section(ctx, user, &c.id, sent.of("caller")))
        (crate::web::complaints::customer_section(ctx, user, &c.id)?)
        @if can_manage { (crate::web::language::counter_form(ctx, &c.id)?) }
        @if can_manage {
            @let quiet = do_not_text(&*ctx.app.db.conn()?, &c.id)?;
            form method="post" action=(paths::customer_part(&c.id, CustomerPart::DoNotText)) class="actions" {
                (crate::plumbing::ui::csrf_input(&ctx.csrf()))
                input type="hidden" name="value" value=(if quiet { "0" } else { "1" });
                span { @if quiet { span class="badge warn" { (ctx.t(Msg::DoNotText)) } } }
                button type="submit" class="secondary" {
                    @if quiet { (ctx.t(Msg::AllowTexts)) } @else { (ctx.t(Msg::MarkDoNotText)) }
                }
            }
        }
        @if c.locked_at.is_some() && can_manage {
            form method="post" action=(paths::customer_part(&c.id, CustomerPart::Unlock)) class="actions" {
                (crate::plumbing::ui::csrf_input(&ctx.csrf()))
                p class="error" { (ctx.t(Msg::CustomerLockedStaff)) }
                button type="submit" { (ctx.t(Msg::Unlock)) }
            }
        }
        @if c.phone_verified_at.is_none() && c.locked_at.is_none() && can_verify {
            (verification_form(ctx, &c, &paths::customer(&c.id)))
        }
        (messages::section(ctx, user, &c)?)
        h2 { (ctx.t(Msg::CardLoans)) }
        p class="actions" {
            @if user.role.has(Permission::LoanOrigination) { a class="button" href=(paths::customer_part(&c.id, CustomerPart::NewTicket)) { (ctx.t(Msg::NewTicket)) } }
            a class="button secondary" href=(paths::customer_part(&c.id, CustomerPart::Statement)) { (ctx.t(Msg::Statement)) }
        }
        (crate::web::disposals::customer_section(ctx, user, &c.id)?)
        @if tickets.is_empty() { p { (ctx.t(Msg::NoLoansStaff)) } }
        ul {
            @for t in &tickets {
                li { a href=(paths::ticket(&t.id)) { (t.ticket_no) } " · " (t.item_description) " · " (currency.format(t.principal, ctx.lang)) " · " (ctx.t(t.state.label())) }
            }
        }
        (alternative_contacts::section(ctx, user, &c, &contact_list, sent))
        (timeline::section(ctx, &history, notes::form(ctx, user, &c.id, sent.of("note"))))
    };
    let mut response = ctx.staff_page(user, &c.full_name, body);
    response.status = status;
    Ok(response)
}

/// POST /staff/customers/{id}/unlock (Customer Management).
pub(crate) fn unlock_action(
    ctx: &Ctx,
    id: CustomerId,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = crate::plumbing::db::immediate(&mut conn)?;
    let c = get(&tx, &id)?.ok_or(crate::plumbing::error::AppError::NotFound)?;
    if unlock(&tx, &id, &user.id, ctx.now)? {
        let change = crate::audit::Change {
            action: "customer.unlock",
            entity: "customer",
            entity_id: id.as_str(),
            before: Some(
                serde_json::json!({ "locked_at": c.locked_at.map(|t| t.to_rfc3339()), "wrong_codes": c.wrong_codes }),
            ),
            after: Some(serde_json::json!({ "locked_at": null, "wrong_codes": 0 })),
        };
        crate::audit::record(&tx, &crate::audit::Actor::Staff(user), &change, ctx.now)?;
    }
    tx.commit()?;
    ctx.flash(ctx.t(Msg::CustomerUnlocked));
    Ok(crate::plumbing::http::Response::see_other(
        &paths::customer(&id),
    ))
}

/// POST /staff/customers/{id}/verification/send: a code from the counter.
pub(crate) fn counter_send(
    ctx: &Ctx,
    id: CustomerId,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let user = ctx.require_any(&[Permission::CustomerManagement, Permission::LoanOrigination])?;
    let back = crate::plumbing::http::local_path(ctx.form()?.text("back")).to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = crate::plumbing::db::immediate(&mut conn)?;
    let c = get(&tx, &id)?.ok_or(crate::plumbing::error::AppError::NotFound)?;
    let outcome = crate::web::codes::answered(crate::web::codes::send_code(
        ctx,
        &tx,
        &c.id,
        crate::otp::Destination::Phone(&c.phone),
        crate::otp::Purpose::Verification,
        Some(&user.id),
    ))?;
    tx.commit()?;
    ctx.app.sms.wake();
    match outcome {
        Ok(_) => ctx.flash(
            &ctx.lang
                .fill(Msg::CodeSentTo, &[("phone", &c.phone.masked())]),
        ),
        Err(refusal) => ctx.flash(&crate::web::codes::refusal_message(ctx, &refusal)),
    }
    Ok(crate::plumbing::http::Response::see_other(&format!(
        "{back}#verification"
    )))
}

/// POST /staff/customers/{id}/verification: staff type in the code the customer read out.
pub(crate) fn counter_verify(
    ctx: &Ctx,
    id: CustomerId,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let user = ctx.require_any(&[Permission::CustomerManagement, Permission::LoanOrigination])?;
    let form = ctx.form()?;
    let back = crate::plumbing::http::local_path(form.text("back")).to_owned();
    let entered = form.text("code").to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = crate::plumbing::db::immediate(&mut conn)?;
    get(&tx, &id)?.ok_or(crate::plumbing::error::AppError::NotFound)?;
    let checked = crate::web::codes::check_code(
        ctx,
        &tx,
        &id,
        crate::otp::Purpose::Verification,
        Some(&user.id),
        &entered,
    )?;
    tx.commit()?;
    match crate::web::codes::checked_message(ctx, &checked) {
        None => ctx.flash(ctx.t(Msg::PhoneVerifiedStaff)),
        Some(message) => ctx.flash(&message),
    }
    Ok(crate::plumbing::http::Response::see_other(&format!(
        "{back}#verification"
    )))
}

/// POST /staff/customers/{id}/do-not-text: the customer asked for no more reminders (or for
/// them again). Codes the customer asks for are still sent.
pub(crate) fn set_do_not_text(
    ctx: &Ctx,
    id: CustomerId,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let value = ctx.form()?.text("value") == "1";
    let mut conn = ctx.app.db.conn()?;
    let tx = crate::plumbing::db::immediate(&mut conn)?;
    get(&tx, &id)?.ok_or(crate::plumbing::error::AppError::NotFound)?;
    set_do_not_text_by(&tx, &id, value, user, ctx.now)?;
    tx.commit()?;
    Ok(crate::plumbing::http::Response::see_other(
        &paths::customer(&id),
    ))
}

/// Who may add a customer at the counter.
const MAY_ADD: [Permission; 2] = [Permission::CustomerManagement, Permission::LoanOrigination];

/// GET /staff/customers/new: a new customer at the counter.
pub(crate) fn new_page(
    ctx: &Ctx,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let user = ctx.require_any(&MAY_ADD)?;
    Ok(render_new(
        ctx,
        user,
        &crate::portal::ProfileForm::default(),
        None,
        200,
    ))
}

/// The new-customer form.
fn render_new(
    ctx: &Ctx,
    user: &crate::roles::StaffUser,
    f: &crate::portal::ProfileForm,
    existing: Option<&Customer>,
    status: u16,
) -> crate::plumbing::http::Response {
    let body = html! {
        @if let Some(c) = existing {
            p class="error" role="alert" {
                (ctx.t(Msg::CustomerExists)) " "
                a href=(paths::customer(&c.id)) { (c.full_name) }
            }
        }
        form method="post" action=(paths::NEW_CUSTOMER) class="stack" novalidate {
            (crate::plumbing::ui::csrf_input(&ctx.csrf()))
            (profile_fields(ctx, f, Msg::NewCustomerPhoneHint))
            div { button type="submit" { (ctx.t(Msg::AddCustomer)) } }
        }
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::AddCustomer), body);
    response.status = status;
    response
}

/// POST /staff/customers/new: adds the customer (phone unverified until a code proves it).
pub(crate) fn create(
    ctx: &Ctx,
) -> Result<crate::plumbing::http::Response, crate::plumbing::error::AppError> {
    let user = ctx.require_any(&MAY_ADD)?;
    let mut f = crate::portal::ProfileForm::from_form(ctx.form()?);
    let today = crate::plumbing::clock::local_date(ctx.now, ctx.app.config.utc_offset());
    let Some(checked) = f.check(today, &ctx.app.config.branch.country) else {
        return Ok(render_new(ctx, user, &f, None, 400));
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = crate::plumbing::db::immediate(&mut conn)?;
    let existing = match find_by_id_number(&tx, &checked.id_number)? {
        Some(same_id) => Some(same_id),
        None => find_by_phone(&tx, &checked.phone)?,
    };
    if let Some(existing) = existing {
        drop(tx);
        return Ok(render_new(ctx, user, &f, Some(&existing), 409));
    }
    let new = NewCustomer {
        full_name: f.full_name.trim(),
        phone: &checked.phone,
        id_number: Some(&checked.id_number),
        date_of_birth: Some(checked.date_of_birth),
        address: f.address.trim(),
        email: checked.email.as_deref(),
        phone_verified: false,
    };
    let id = insert(&tx, &new, ctx.now)?;
    let change = crate::audit::Change {
        action: "customer.create",
        entity: "customer",
        entity_id: id.as_str(),
        before: None,
        after: Some(
            serde_json::json!({ "full_name": new.full_name, "phone": checked.phone.as_str(), "id_number": checked.id_number }),
        ),
    };
    crate::audit::record(&tx, &crate::audit::Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    Ok(crate::plumbing::http::Response::see_other(
        &paths::customer(&id),
    ))
}

/// The profile's labelled fields (new customer at the counter, first-login profile at the
/// portal), with their errors.
pub(crate) fn profile_fields(ctx: &Ctx, form: &ProfileForm, phone_hint: Msg) -> Markup {
    let err = |name| form.error(name).map(|m| ctx.t(m));
    let mut name = Field::new(ctx.t(Msg::FullName), "full_name", &form.full_name);
    name.autocomplete = "name";
    name.error = err("full_name");
    let mut id_number = Field::new(ctx.t(Msg::IdNumber), "id_number", &form.id_number);
    id_number.hint = Some(ctx.t(Msg::IdNumberHint));
    id_number.error = err("id_number");
    let mut dob = Field::new(
        ctx.t(Msg::DateOfBirth),
        "date_of_birth",
        &form.date_of_birth,
    );
    dob.kind = "date";
    dob.autocomplete = "bday";
    dob.error = err("date_of_birth");
    let mut address = Field::new(ctx.t(Msg::Address), "address", &form.address);
    address.autocomplete = "street-address";
    address.error = err("address");
    let mut email = Field::new(ctx.t(Msg::EmailOptional), "email", &form.email);
    email.kind = "email";
    email.autocomplete = "email";
    email.required = false;
    email.error = err("email");
    let mut phone = Field::new(ctx.t(Msg::PhoneNumber), "phone", &form.phone);
    phone.kind = "tel";
    phone.autocomplete = "tel";
    phone.hint = Some(ctx.t(phone_hint));
    phone.error = err("phone");
    html! {
        @if !form.errors.is_empty() { (ui::form_error(Some(ctx.t(Msg::FormHasErrors)))) }
        (ui::field(&name))
        (ui::field(&id_number))
        (ui::field(&dob))
        (ui::field(&address))
        (ui::field(&email))
        (ui::field(&phone))
    }
}
