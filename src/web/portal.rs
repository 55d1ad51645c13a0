//! The customer portal's pages on the branch Wi-Fi (seeds 000 and 001): "Pay My Loan", login
//! with a code sent by SMS, the first-login profile, the reminder to verify a changed phone,
//! the customer's loans (current and closed, each ticket's detail), extending a loan with a
//! payment code (seed 003), and logging out. The sessions, the in-memory login state and the
//! profile's rules are `portal`; the code rules are `otp`.
//!
//! A customer reaches only their own tickets: every loan page looks the ticket up by its id
//! and the customer's id together (`portal::own_ticket`), and anything else is "not found"
//! (never "forbidden", which would tell that the ticket exists).
//!
//! No enumeration: every step of the login answers the same words and status, in the same
//! time, whether the number belongs to a customer or not. A stranger's number goes through the
//! same code rules as a customer's (`otp::Strangers`: spacing, daily count, wrong codes, lock,
//! in memory) and nothing is sent to it. Requests are also limited per client address. The
//! `pb_login` cookie holds only a random id; the number stays on the server
//! (`portal::attempts`).
//!
//! One number, one record (issue 11): the profile refuses a number that leads to another
//! customer, and a new number replaces the old one only once the code sent to it is entered
//! (until then it is the customer's pending number). A number on a pair of records from
//! before (`customers::Holder::Shared`) does not log in: the customer is sent to the counter.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, NaiveDate};
use maud::{Markup, html};

use crate::customers::phone_and_email;
use crate::customers::{self, Customer, Holder, Profile};
use crate::ledger::{self, Method};
use crate::loans::codes::{self, CodeError, Status};
use crate::loans::ops::{self, Ticket};
use crate::loans::terms::{self, ProductKind};
use crate::loans::{self, Urgency};
use crate::otp::{self, Checked, CustomerStore, Destination, Purpose, Refusal, Rules, SendError};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::{Response, form};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{LoanId, PaymentId};
use crate::plumbing::paths;
use crate::plumbing::phone::{self, E164};
use crate::plumbing::ui::{self, Field};
use crate::portal::{ProfileForm, end_session, own_ticket, start_session};
use crate::web::Ctx;
use crate::web::codes::{
    answered, check_code, check_with, checked_message, refusal_message, send_code, send_with,
};
use crate::web::customers::profile_fields;
use crate::web::loans::{method_label, today};

/// The cookie of a signed-in customer.
pub(crate) const CUSTOMER_COOKIE: &str = "pb_cust";
/// The cookie holding the id of this browser's login attempt (the number stays on the server).
const LOGIN_COOKIE: &str = "pb_login";
/// Every answer to "send code" takes at least this long, known number or not.
const CODE_REQUEST_TIME: StdDuration = StdDuration::from_millis(400);
/// Every refused login code takes at least this long, known number or not (a customer's wrong
/// code is written to the database, a stranger's only to memory).
const CODE_CHECK_TIME: StdDuration = StdDuration::from_millis(200);

/// GET /: the landing page.
pub(crate) fn landing(ctx: &Ctx) -> Result<Response, AppError> {
    let body = html! {
        p { (ctx.t(Msg::PortalIntro)) }
        p { a class="button big" href=(paths::LOGIN) { (ctx.t(Msg::PayMyLoan)) } }
        p class="muted" { a href=(paths::STAFF_LOGIN) { (ctx.t(Msg::PortalStaffLink)) } }
    };
    Ok(ctx.customer_page(ctx.t(Msg::PortalTitle), body))
}

// ----- Sessions -----

/// The signed-in customer, or a redirect to the login.
fn signed_in(ctx: &Ctx) -> Result<Customer, AppError> {
    ctx.customer()?
        .cloned()
        .ok_or_else(|| AppError::Redirect(paths::LOGIN.to_owned()))
}

/// The signed-in customer who has completed the profile (else: to the profile first).
pub(crate) fn with_profile(ctx: &Ctx) -> Result<Customer, AppError> {
    let customer = signed_in(ctx)?;
    if customer.profile_completed_at.is_none() {
        return Err(AppError::Redirect(paths::PROFILE.to_owned()));
    }
    Ok(customer)
}

// ----- Login -----

/// The number this browser's login code was asked for.
fn login_phone(ctx: &Ctx) -> Option<E164> {
    let id = ctx.req.cookie(LOGIN_COOKIE)?;
    ctx.app.portal.attempts.phone(id, ctx.binding(), ctx.now)
}

/// Remembers the number for the code page: on the server, behind a random id in the cookie
/// (bound to this browser, 15 minutes).
fn remember_login_phone(ctx: &Ctx, phone: &E164) {
    if login_phone(ctx).as_ref() == Some(phone) {
        return;
    }
    let previous = ctx.req.cookie(LOGIN_COOKIE);
    let id = ctx
        .app
        .portal
        .attempts
        .start(phone, ctx.binding(), previous, ctx.now);
    ctx.set_cookie(form::set_cookie(
        LOGIN_COOKIE,
        &id,
        "Lax",
        ctx.app.config.secure_cookies(),
        Some(crate::portal::attempts::ATTEMPT_MINUTES * 60),
    ));
}

/// Sleeps out what is left of `floor` since `started`, so that an answer takes as long
/// whichever store (a customer's or a stranger's) gave it.
fn wait_out(started: Instant, floor: StdDuration) {
    if let Some(rest) = floor.checked_sub(started.elapsed()) {
        std::thread::sleep(rest);
    }
}

/// GET /login: the phone number form.
pub(crate) fn login_page(ctx: &Ctx) -> Result<Response, AppError> {
    if ctx.customer()?.is_some() {
        return Ok(Response::see_other(paths::MY));
    }
    Ok(phone_form(ctx, "", None, 200))
}

/// The "Phone number / Send code" form.
fn phone_form(ctx: &Ctx, value: &str, error: Option<&str>, status: u16) -> Response {
    let mut field = Field::new(ctx.t(Msg::PhoneNumber), "phone", value);
    field.kind = "tel";
    field.autocomplete = "tel";
    field.hint = Some(ctx.t(Msg::PhoneHint));
    field.error = error;
    let body = html! {
        p { (ctx.t(Msg::LoginIntro)) }
        form method="post" action=(paths::LOGIN_CODE) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            (ui::field(&field))
            div { button type="submit" class="big" { (ctx.t(Msg::SendCode)) } }
        }
    };
    let mut response = ctx.customer_page(ctx.t(Msg::PayMyLoan), body);
    response.status = status;
    response
}

/// What asking for a login code came to.
enum Asked {
    /// Sent (or, for a stranger, answered as though sent).
    Sent,
    Refused(Refusal),
    /// The number is on a pair of records staff have not resolved.
    Shared,
}

impl Asked {
    /// What a code request came to; a database failure is the request's error.
    fn from(outcome: Result<(), SendError>) -> Result<Asked, AppError> {
        match outcome {
            Ok(()) => Ok(Asked::Sent),
            Err(SendError::Refused(refusal)) => Ok(Asked::Refused(refusal)),
            Err(SendError::Db(e)) => Err(e.into()),
        }
    }
}

/// POST /login/code and /login/resend: send a login code if the number is a customer's.
pub(crate) fn request_login_code(ctx: &Ctx, resend: bool) -> Result<Response, AppError> {
    let started = Instant::now();
    let input = if resend {
        login_phone(ctx)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default()
    } else {
        ctx.form()?.text("phone").to_owned()
    };
    let Ok(phone) = phone::normalise(&input, &ctx.app.config.branch.country) else {
        return Ok(phone_form(ctx, &input, Some(ctx.t(Msg::PhoneInvalid)), 400));
    };
    let client = ctx.client_key();
    if !ctx.app.code_throttle.allows(&client, ctx.now) {
        return Ok(phone_form(
            ctx,
            &input,
            Some(ctx.t(Msg::ErrTooManyBody)),
            429,
        ));
    }
    ctx.app.code_throttle.record(&client, ctx.now);
    let asked = send_login_code(ctx, &phone)?;
    // The same time for every answer, so it does not tell a customer's number from a stranger's.
    wait_out(started, CODE_REQUEST_TIME);
    let shown = login_phone(ctx);
    match asked {
        Asked::Shared => Ok(phone_form(
            ctx,
            &input,
            Some(ctx.t(Msg::PhoneSharedSeeCounter)),
            409,
        )),
        Asked::Refused(Refusal::Locked) => Ok(code_form(
            ctx,
            shown.as_ref(),
            Some(ctx.t(Msg::CustomerLocked)),
            403,
        )),
        Asked::Refused(Refusal::DailyLimit) => Ok(phone_form(
            ctx,
            &input,
            Some(ctx.t(Msg::CodeDailyLimit)),
            429,
        )),
        Asked::Refused(refusal @ Refusal::TooSoon { .. }) => {
            remember_login_phone(ctx, &phone);
            let text = refusal_message(ctx, &refusal);
            Ok(code_form(ctx, Some(&phone), Some(&text), 429))
        }
        Asked::Sent => {
            remember_login_phone(ctx, &phone);
            ctx.flash(ctx.t(Msg::CodeSentIfRegistered));
            Ok(Response::see_other(paths::LOGIN_VERIFY))
        }
    }
}

/// Sends the code when the number is a customer's; a stranger's number goes through the same
/// rules in memory and gets nothing.
fn send_login_code(ctx: &Ctx, phone: &E164) -> Result<Asked, AppError> {
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let destination = Destination::Phone(phone);
    let outcome = match customers::holder_of(&tx, phone)? {
        Holder::Shared => return Ok(Asked::Shared),
        Holder::Nobody => ctx.app.portal.strangers.with(phone, ctx.now, |store| {
            send_with(ctx, store, destination, Purpose::Login, None)
        }),
        Holder::One(customer) => {
            send_code(ctx, &tx, &customer.id, destination, Purpose::Login, None)
        }
    };
    let asked = Asked::from(outcome)?;
    tx.commit()?;
    ctx.app.sms.wake();
    Ok(asked)
}

/// POST /login/email: "Send the code by email instead" (issue 7, seed 002). The code goes to
/// the customer's email address only if it is verified; the answer is the same, after the same
/// time, whether or not the number is a customer's with a verified address.
pub(crate) fn request_login_code_by_email(ctx: &Ctx) -> Result<Response, AppError> {
    let started = Instant::now();
    let Some(phone) = login_phone(ctx) else {
        return Ok(Response::see_other(paths::LOGIN));
    };
    let client = ctx.client_key();
    if !ctx.app.code_throttle.allows(&client, ctx.now) {
        return Ok(code_form(
            ctx,
            Some(&phone),
            Some(ctx.t(Msg::ErrTooManyBody)),
            429,
        ));
    }
    ctx.app.code_throttle.record(&client, ctx.now);
    let asked = send_login_code_by_email(ctx, &phone)?;
    wait_out(started, CODE_REQUEST_TIME);
    let (message, status) = match asked {
        Asked::Sent => {
            ctx.flash(ctx.t(Msg::CodeSentByEmailIfVerified));
            return Ok(Response::see_other(paths::LOGIN_VERIFY));
        }
        Asked::Shared => (ctx.t(Msg::PhoneSharedSeeCounter).to_owned(), 409),
        Asked::Refused(Refusal::Locked) => (ctx.t(Msg::CustomerLocked).to_owned(), 403),
        Asked::Refused(refusal) => (refusal_message(ctx, &refusal), 429),
    };
    Ok(code_form(ctx, Some(&phone), Some(&message), status))
}

/// Sends a login code by email when the number is a customer's with a verified address. For a
/// customer without one, and for a stranger, the same rules are asked (the lock, the spacing,
/// the daily count, as for a code by email) and nothing is sent.
fn send_login_code_by_email(ctx: &Ctx, phone: &E164) -> Result<Asked, AppError> {
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let rules = Rules::from_config(&ctx.app.config.otp, ctx.app.config.utc_offset());
    // Counting as a code by email does: every code of the customer (or number).
    let as_by_email = Destination::Email("");
    let outcome = match customers::holder_of(&tx, phone)? {
        Holder::Shared => return Ok(Asked::Shared),
        // Nothing is sent, but the request counts as a code sent, in memory, so that a second
        // one within 30 s (or past the day's count) is refused as a customer's would be.
        Holder::Nobody => ctx.app.portal.strangers.with(phone, ctx.now, |store| {
            send_with(ctx, store, as_by_email, Purpose::Login, None)
        }),
        Holder::One(customer) => match customer
            .email
            .as_deref()
            .filter(|_| customer.email_verified_at.is_some())
        {
            Some(address) => send_code(
                ctx,
                &tx,
                &customer.id,
                Destination::Email(address),
                Purpose::Login,
                None,
            ),
            // No verified address: the customer's own rules (the lock, their codes today),
            // then, as for a stranger, a code counted as sent in memory with nothing sent.
            None => {
                let store = CustomerStore {
                    conn: &tx,
                    customer: &customer.id,
                    staff: None,
                };
                otp::admits(&store, &rules, &as_by_email, ctx.now).and_then(|()| {
                    ctx.app.portal.strangers.with(phone, ctx.now, |store| {
                        send_with(ctx, store, as_by_email, Purpose::Login, None)
                    })
                })
            }
        },
    };
    let asked = Asked::from(outcome)?;
    tx.commit()?;
    ctx.app.email.wake();
    Ok(asked)
}

/// GET /login/verify: the code form.
pub(crate) fn verify_page(ctx: &Ctx) -> Result<Response, AppError> {
    let Some(phone) = login_phone(ctx) else {
        return Ok(Response::see_other(paths::LOGIN));
    };
    Ok(code_form(ctx, Some(&phone), None, 200))
}

/// The "Code / Log in / Resend code" form.
fn code_form(ctx: &Ctx, phone: Option<&E164>, error: Option<&str>, status: u16) -> Response {
    let csrf = ctx.csrf();
    let body = html! {
        @if let Some(phone) = phone {
            p { (ctx.lang.fill(Msg::CodeSentTo, &[("phone", &phone.masked())])) }
        }
        form method="post" action=(paths::LOGIN_VERIFY) class="stack" {
            (ui::csrf_input(&csrf))
            div class={ "field" @if error.is_some() { " invalid" } } {
                label for="code" { (ctx.t(Msg::Code)) }
                span class="hint" id="code-hint" { (ctx.t(Msg::CodeHint)) }
                @if let Some(e) = error { span class="field-error" id="code-error" role="alert" { (e) } }
                input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]*" maxlength="7"
                    autocomplete="one-time-code" required aria-describedby="code-hint";
            }
            div { button type="submit" class="big" { (ctx.t(Msg::LogIn)) } }
        }
        form method="post" action=(paths::LOGIN_RESEND) class="stack" {
            (ui::csrf_input(&csrf))
            div { button type="submit" class="secondary" { (ctx.t(Msg::ResendCode)) } }
        }
        form method="post" action=(paths::LOGIN_EMAIL) class="stack" {
            (ui::csrf_input(&csrf))
            div { button type="submit" class="secondary" { (ctx.t(Msg::SendCodeByEmailInstead)) } }
        }
        p { a href=(paths::LOGIN) { (ctx.t(Msg::UseAnotherNumber)) } }
    };
    let mut response = ctx.customer_page(ctx.t(Msg::EnterCode), body);
    response.status = status;
    response
}

/// POST /login/verify: check the code, start the session.
pub(crate) fn verify_login(ctx: &Ctx) -> Result<Response, AppError> {
    let started = Instant::now();
    let Some(phone) = login_phone(ctx) else {
        return Ok(Response::see_other(paths::LOGIN));
    };
    let entered = ctx.form()?.text("code").to_owned();
    let client = ctx.client_key();
    if !ctx.app.code_throttle.allows(&client, ctx.now) {
        return Ok(code_form(
            ctx,
            Some(&phone),
            Some(ctx.t(Msg::ErrTooManyBody)),
            429,
        ));
    }
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let (customer, checked) = match customers::holder_of(&tx, &phone)? {
        Holder::Shared => {
            drop(tx);
            let message = ctx.t(Msg::PhoneSharedSeeCounter);
            return Ok(code_form(ctx, Some(&phone), Some(message), 409));
        }
        Holder::Nobody => {
            let checked = ctx.app.portal.strangers.with(&phone, ctx.now, |store| {
                check_with(ctx, store, Purpose::Login, None, &entered)
            })?;
            (None, checked)
        }
        Holder::One(customer) => {
            let checked = check_code(ctx, &tx, &customer.id, Purpose::Login, None, &entered)?;
            (Some(customer), checked)
        }
    };
    match (customer, &checked) {
        (Some(customer), Checked::Accepted { .. }) => return log_in(ctx, tx, &customer),
        (_, Checked::Malformed | Checked::Expired) => {}
        _ => ctx.app.code_throttle.record(&client, ctx.now),
    }
    tx.commit()?;
    // A stranger's code is never right (its kept hash is random); were it ever, it expired.
    let message =
        checked_message(ctx, &checked).unwrap_or_else(|| ctx.t(Msg::CodeExpired).to_owned());
    wait_out(started, CODE_CHECK_TIME);
    Ok(code_form(ctx, Some(&phone), Some(&message), 400))
}

/// The right code: a new session (replacing this browser's old one) and the login attempt ends.
fn log_in(ctx: &Ctx, tx: rusqlite::Transaction, customer: &Customer) -> Result<Response, AppError> {
    if let Some(old) = ctx.req.cookie(CUSTOMER_COOKIE) {
        end_session(&tx, old)?;
    }
    let token = start_session(&tx, &customer.id, ctx.now)?;
    tx.commit()?;
    ctx.set_cookie(form::set_cookie(
        CUSTOMER_COOKIE,
        &token,
        "Lax",
        ctx.app.config.secure_cookies(),
        None,
    ));
    if let Some(attempt) = ctx.req.cookie(LOGIN_COOKIE) {
        ctx.app.portal.attempts.end(attempt);
    }
    ctx.clear_cookie(LOGIN_COOKIE, "Lax");
    let next = if customer.profile_completed_at.is_some() {
        paths::MY
    } else {
        paths::PROFILE
    };
    Ok(Response::see_other(next))
}

/// POST /logout.
pub(crate) fn logout(ctx: &Ctx) -> Result<Response, AppError> {
    if let Some(token) = ctx.req.cookie(CUSTOMER_COOKIE) {
        let conn = ctx.app.db.conn()?;
        end_session(&conn, token)?;
    }
    ctx.clear_cookie(CUSTOMER_COOKIE, "Lax");
    ctx.flash(ctx.t(Msg::LoggedOut));
    Ok(Response::see_other(paths::HOME))
}

// ----- Profile -----

/// GET /profile: complete (first login) or edit the profile, pre-filled; a new number waiting
/// for its code is shown with the code form.
pub(crate) fn profile_page(ctx: &Ctx) -> Result<Response, AppError> {
    let c = signed_in(ctx)?;
    Ok(render_profile(
        ctx,
        &c,
        &profile_form_of(ctx, &c),
        None,
        200,
    ))
}

/// The profile form filled with what the branch knows.
fn profile_form_of(ctx: &Ctx, c: &Customer) -> ProfileForm {
    ProfileForm {
        full_name: c.full_name.clone(),
        id_number: c.id_number.clone().unwrap_or_default(),
        date_of_birth: c.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        address: c.address.clone(),
        email: c.email.clone().unwrap_or_default(),
        phone: c.phone.national(&ctx.app.config.branch.country),
        errors: Vec::new(),
    }
}

/// The profile form, after the pending new number (with `code_error` there) if there is one.
fn render_profile(
    ctx: &Ctx,
    c: &Customer,
    f: &ProfileForm,
    code_error: Option<&str>,
    status: u16,
) -> Response {
    let first = c.profile_completed_at.is_none();
    let body = html! {
        @if first { p { (ctx.t(Msg::ProfileIntro)) } }
        @if let Some(pending) = &c.pending_phone { (pending_phone_section(ctx, c, pending, code_error)) }
        form method="post" action=(paths::PROFILE) class="stack" novalidate {
            (ui::csrf_input(&ctx.csrf()))
            (profile_fields(ctx, f, Msg::PhoneChangeHint))
            div { button type="submit" class="big" { (ctx.t(Msg::Save)) } }
        }
        (crate::web::language::form(ctx, c.language, paths::PROFILE_LANGUAGE))
    };
    let title = if first {
        ctx.t(Msg::CompleteProfile)
    } else {
        ctx.t(Msg::MyDetails)
    };
    let mut response = ctx.customer_page(title, body);
    response.status = status;
    response
}

/// The new number waiting for its code: enter it, have it sent again, or keep the old number.
fn pending_phone_section(ctx: &Ctx, c: &Customer, pending: &E164, error: Option<&str>) -> Markup {
    let csrf = ctx.csrf();
    let text = ctx.lang.fill(
        Msg::NewPhonePending,
        &[("phone", &pending.masked()), ("old", &c.phone.masked())],
    );
    html! {
        section class="card" id="new-phone" {
            p { (text) }
            (ui::form_error(error))
            (code_entry(ctx, &csrf, paths::PROFILE_PHONE, "new-phone-code", Msg::ConfirmNewPhone))
            div class="actions" {
                form method="post" action=(paths::PROFILE_PHONE_SEND) class="inline" {
                    (ui::csrf_input(&csrf))
                    button type="submit" class="secondary" { (ctx.t(Msg::ResendCode)) }
                }
                form method="post" action=(paths::PROFILE_PHONE_CANCEL) class="inline" {
                    (ui::csrf_input(&csrf))
                    button type="submit" class="secondary" { (ctx.t(Msg::KeepOldPhone)) }
                }
            }
        }
    }
}

/// A form to enter a code sent to a signed-in customer's phone, posted to `action`.
fn code_entry(ctx: &Ctx, csrf: &str, action: &str, id: &str, button: Msg) -> Markup {
    html! {
        form method="post" action=(action) class="stack" {
            (ui::csrf_input(csrf))
            div class="field" {
                label for=(id) { (ctx.t(Msg::Code)) }
                span class="hint" { (ctx.t(Msg::CodeHint)) }
                input id=(id) name="code" type="text" inputmode="numeric" maxlength="7" autocomplete="one-time-code" required;
            }
            div { button type="submit" { (ctx.t(button)) } }
        }
    }
}

/// POST /profile. A new phone number does not replace the old one here: it waits for the code
/// sent to it (`POST /profile/phone`). A number that is another customer's is refused, and
/// nothing is saved.
pub(crate) fn save_profile(ctx: &Ctx) -> Result<Response, AppError> {
    let c = signed_in(ctx)?;
    let mut f = ProfileForm::from_form(ctx.form()?);
    let today = crate::plumbing::clock::local_date(ctx.now, ctx.app.config.utc_offset());
    let Some(checked) = f.check(today, &ctx.app.config.branch.country) else {
        return Ok(render_profile(ctx, &c, &f, None, 400));
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let new_phone = Some(&checked.phone).filter(|p| **p != c.phone);
    if let Some(phone) = new_phone
        && customers::phone_taken(&tx, phone, Some(&c.id))?
    {
        drop(tx);
        f.errors.push(("phone", Msg::ProfilePhoneTaken));
        return Ok(render_profile(ctx, &c, &f, None, 409));
    }
    let profile = Profile {
        full_name: &f.full_name,
        id_number: &checked.id_number,
        date_of_birth: checked.date_of_birth,
        address: &f.address,
        email: checked.email.as_deref(),
    };
    customers::save_profile(&tx, &c.id, &profile, ctx.now)?;
    let asked = match new_phone {
        Some(phone) if c.pending_phone.as_ref() != Some(phone) => {
            phone_and_email::set_pending_phone(&tx, &c.id, phone, ctx.now)?;
            let destination = Destination::Phone(phone);
            Some(answered(send_code(
                ctx,
                &tx,
                &c.id,
                destination,
                Purpose::NewPhone,
                None,
            ))?)
        }
        _ => None,
    };
    tx.commit()?;
    ctx.app.sms.wake();
    let next = match asked {
        // Nothing new to prove: to the pending number's code form if one waits.
        None => {
            ctx.flash(ctx.t(Msg::ProfileSaved));
            if c.pending_phone.is_some() {
                paths::PROFILE
            } else {
                paths::MY
            }
        }
        Some(Ok(())) => {
            ctx.flash(ctx.t(Msg::NewPhoneCodeSent));
            paths::PROFILE
        }
        Some(Err(refusal)) => {
            ctx.flash(&refusal_message(ctx, &refusal));
            paths::PROFILE
        }
    };
    Ok(Response::see_other(next))
}

/// POST /profile/phone: the code sent to the pending new number. The right code makes it the
/// customer's number, verified; the old number stays until then. A number that became another
/// customer's meanwhile is refused.
pub(crate) fn confirm_new_phone(ctx: &Ctx) -> Result<Response, AppError> {
    let c = signed_in(ctx)?;
    if c.pending_phone.is_none() {
        return Ok(Response::see_other(paths::PROFILE));
    }
    let entered = ctx.form()?.text("code").to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let checked = check_code(ctx, &tx, &c.id, Purpose::NewPhone, None, &entered)?;
    let error = match &checked {
        Checked::Accepted { destination } => {
            let notice = phone_and_email::Notice::of(&ctx.app.config);
            match phone_and_email::confirm_pending_phone(&tx, &c, destination, &notice, ctx.now) {
                Ok(true) => {
                    tx.commit()?;
                    ctx.app.sms.wake();
                    ctx.flash(ctx.t(Msg::NewPhoneConfirmed));
                    return Ok(Response::see_other(paths::MY));
                }
                Ok(false) => ctx.t(Msg::CodeExpired).to_owned(),
                Err(customers::ContactError::Db(e)) => return Err(e.into()),
                Err(customers::ContactError::PhoneTaken) => {
                    // The pending number is forgotten; the customer's stays as it was.
                    tx.commit()?;
                    let before = Customer {
                        pending_phone: None,
                        ..c
                    };
                    let mut f = profile_form_of(ctx, &before);
                    f.errors.push(("phone", Msg::ProfilePhoneTaken));
                    return Ok(render_profile(ctx, &before, &f, None, 409));
                }
            }
        }
        other => checked_message(ctx, other).unwrap_or_default(),
    };
    tx.commit()?;
    Ok(render_profile(
        ctx,
        &c,
        &profile_form_of(ctx, &c),
        Some(&error),
        400,
    ))
}

/// POST /profile/phone/send: the code to the pending new number again (within the rules).
pub(crate) fn resend_new_phone_code(ctx: &Ctx) -> Result<Response, AppError> {
    let c = signed_in(ctx)?;
    let Some(pending) = &c.pending_phone else {
        return Ok(Response::see_other(paths::PROFILE));
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let destination = Destination::Phone(pending);
    let outcome = answered(send_code(
        ctx,
        &tx,
        &c.id,
        destination,
        Purpose::NewPhone,
        None,
    ))?;
    tx.commit()?;
    ctx.app.sms.wake();
    ctx.flash(&match outcome {
        Ok(()) => ctx
            .lang
            .fill(Msg::CodeSentTo, &[("phone", &pending.masked())]),
        Err(refusal) => refusal_message(ctx, &refusal),
    });
    Ok(Response::see_other(paths::PROFILE))
}

/// POST /profile/phone/cancel: keep the old number.
pub(crate) fn cancel_new_phone(ctx: &Ctx) -> Result<Response, AppError> {
    let c = signed_in(ctx)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    phone_and_email::cancel_pending_phone(&tx, &c.id, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::NewPhoneCancelled));
    Ok(Response::see_other(paths::PROFILE))
}

// ----- Phone verification at the portal -----

/// GET /verify: the reminder's target: send a code to the (new) number and enter it.
pub(crate) fn verify_phone_page(ctx: &Ctx) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    if c.phone_verified_at.is_some() {
        return Ok(Response::see_other(paths::MY));
    }
    Ok(render_verify_phone(ctx, &c, None, 200))
}

/// The portal's phone verification page.
fn render_verify_phone(ctx: &Ctx, c: &Customer, error: Option<&str>, status: u16) -> Response {
    let csrf = ctx.csrf();
    let body = html! {
        p { (ctx.lang.fill(Msg::VerifyPhoneIntro, &[("phone", &c.phone.masked())])) }
        form method="post" action=(paths::VERIFY_SEND) class="stack" {
            (ui::csrf_input(&csrf))
            div { button type="submit" class="secondary" { (ctx.t(Msg::SendCode)) } }
        }
        (ui::form_error(error))
        (code_entry(ctx, &csrf, paths::VERIFY, "code", Msg::VerifyNow))
    };
    let mut response = ctx.customer_page(ctx.t(Msg::VerifyPhoneTitle), body);
    response.status = status;
    response
}

/// POST /verify/send.
pub(crate) fn send_verification_code(ctx: &Ctx) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let outcome = answered(send_code(
        ctx,
        &tx,
        &c.id,
        Destination::Phone(&c.phone),
        Purpose::Verification,
        None,
    ))?;
    tx.commit()?;
    ctx.app.sms.wake();
    let message = match outcome {
        Ok(_) => {
            ctx.flash(
                &ctx.lang
                    .fill(Msg::CodeSentTo, &[("phone", &c.phone.masked())]),
            );
            return Ok(Response::see_other(paths::VERIFY));
        }
        Err(refusal) => refusal_message(ctx, &refusal),
    };
    Ok(render_verify_phone(ctx, &c, Some(&message), 429))
}

/// POST /verify.
pub(crate) fn verify_phone(ctx: &Ctx) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    let entered = ctx.form()?.text("code").to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let checked = check_code(ctx, &tx, &c.id, Purpose::Verification, None, &entered)?;
    tx.commit()?;
    match checked_message(ctx, &checked) {
        None => {
            ctx.flash(ctx.t(Msg::PhoneVerified));
            Ok(Response::see_other(paths::MY))
        }
        Some(message) => Ok(render_verify_phone(ctx, &c, Some(&message), 400)),
    }
}

// ----- The customer's loans -----

/// A ticket on "My loans": what it owes today (open tickets with terms) and how pressing it is.
struct LoanRow {
    ticket: loans::TicketLine,
    due_now: Option<i64>,
    /// Its payout failed and waits to be made again: nothing is owed meanwhile.
    payout_waits: bool,
    urgency: Urgency,
}

/// GET /my?tab=: the customer's current tickets, overdue and due first, each with what it
/// owes today; `tab=closed` lists the closed ones.
pub(crate) fn my_loans(ctx: &Ctx) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    let closed_tab = ctx.req.query_form()?.text("tab") == "closed";
    let day = today(ctx);
    let conn = ctx.app.db.conn()?;
    let tickets = loans::of_customer(&conn, &c.id)?;
    let none_at_all = tickets.is_empty();
    let surplus = crate::web::disposals::portal_notice(ctx, &conn, &c.id)?;
    let mut rows = Vec::new();
    for ticket in tickets {
        if ticket.state.is_closed() != closed_tab {
            continue;
        }
        let open = ops::load(&conn, &ticket.id)?.filter(Ticket::is_open);
        let payout_waits = open.as_ref().is_some_and(|record| record.payout_waits);
        let due_now = match open {
            Some(record) => Some(ops::owed_on(&conn, &record, day)?.due_now()),
            None => None,
        };
        let urgency = match payout_waits {
            true => Urgency::Later,
            false => Urgency::of(ticket.state, ticket.matures_on, day),
        };
        rows.push(LoanRow {
            ticket,
            due_now,
            payout_waits,
            urgency,
        });
    }
    drop(conn);
    // Stable: within each urgency, by due date as listed.
    rows.sort_by_key(|r| r.urgency);
    let currency = ctx.app.config.currency();
    let body = html! {
        p { (ctx.lang.fill(Msg::Hello, &[("name", &c.full_name)])) }
        (surplus)
        nav class="tabs" aria-label=(ctx.t(Msg::LoanTabs)) {
            a href=(paths::MY) aria-current=[(!closed_tab).then_some("page")] { (ctx.t(Msg::TabCurrentLoans)) }
            a href={ (paths::MY) "?tab=closed" } aria-current=[closed_tab.then_some("page")] { (ctx.t(Msg::TabClosedLoans)) }
        }
        @if rows.is_empty() {
            p { (ctx.t(if closed_tab {
                Msg::NoClosedLoans
            } else if none_at_all {
                Msg::NoLoans
            } else {
                Msg::NoCurrentLoans
            })) }
        } @else {
            ul class="loans" {
                @for r in &rows {
                    li class="card" {
                        h2 { (r.ticket.ticket_no) (urgency_badge(ctx, r.urgency)) }
                        p { (r.ticket.item_description) }
                        @if r.payout_waits { p class="notice" data-payout="waits" { (ctx.t(Msg::PortalPayoutWaits)) } }
                        dl {
                            dt { (ctx.t(Msg::Principal)) } dd { (currency.format(r.ticket.principal, ctx.lang)) }
                            @if let Some(due) = r.due_now {
                                dt { (ctx.t(Msg::AmountDueToday)) } dd { (currency.format(due, ctx.lang)) }
                            }
                            dt { (ctx.t(Msg::Maturity)) } dd { (ctx.date(r.ticket.matures_on)) }
                            dt { (ctx.t(Msg::Status)) } dd { (ctx.t(r.ticket.state.label())) }
                        }
                        p { a class="button secondary" href=(paths::my_loan(&r.ticket.id)) { (ctx.t(Msg::LoanDetails)) } }
                    }
                }
            }
        }
        @if !none_at_all { p { a href=(paths::MY_STATEMENT) { (ctx.t(Msg::Statement)) } } }
        p { a href=(paths::MY_COMPLAINTS) { (ctx.t(Msg::MyComplaints)) } }
    };
    Ok(ctx.customer_page(ctx.t(Msg::MyLoans), body))
}

/// GET /my/statement: the customer's statement, every ticket: charges, payments and what they
/// owed after each, ending with what they owe today.
pub(crate) fn statement_page(ctx: &Ctx) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    let day = today(ctx);
    // One snapshot, as the staff's statement.
    let statement = ctx.app.db.read(|conn| -> Result<_, AppError> {
        Ok(loans::charges::statement_of(
            conn,
            &c.id,
            None,
            (None, None),
            day,
        )?)
    })?;
    let body = html! {
        p { (ctx.lang.fill(Msg::StatementCustomer, &[("name", &c.full_name)])) }
        p { (ctx.lang.fill(Msg::StatementBranch, &[("branch", &ctx.app.config.branch.name)])) }
        (crate::web::loans::statement_table(ctx, &statement, None, true))
        p { (ctx.t(Msg::ClosingBalance)) ": " strong { (ctx.app.config.currency().format(statement.closing, ctx.lang)) } }
        p { a href=(paths::MY) { (ctx.t(Msg::MyLoans)) } }
    };
    Ok(ctx.customer_page(ctx.t(Msg::Statement), body))
}

/// One payment on a ticket, as the customer sees it: its rows added up.
struct PaymentLine {
    on: NaiveDate,
    amount: i64,
    method: Method,
    reference: String,
    reversed: bool,
}

/// A ticket's payments, oldest first, from its ledger rows.
fn payment_lines(rows: &[ledger::Entry]) -> Vec<PaymentLine> {
    let mut lines: Vec<(PaymentId, PaymentLine)> = Vec::new();
    for r in rows {
        let Some(payment) = &r.payment else { continue };
        match lines.iter_mut().find(|(id, _)| id == payment) {
            Some((_, line)) => {
                line.amount += r.amount;
                line.reversed &= r.reversed;
            }
            None => lines.push((
                payment.clone(),
                PaymentLine {
                    on: r.on,
                    amount: r.amount,
                    method: r.method,
                    reference: r.reference.clone(),
                    reversed: r.reversed,
                },
            )),
        }
    }
    lines.into_iter().map(|(_, line)| line).collect()
}

/// GET /my/loans/{id}: one of the customer's tickets: its summary, schedule, payment codes and
/// payments.
pub(crate) fn loan_page(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    let day = today(ctx);
    let conn = ctx.app.db.conn()?;
    let (ticket, record) = own_ticket(&conn, &c.id, &id)?;
    let paid = loans::charges::paid(&conn, &record.id)?;
    let owed = terms::owed(&record.facts(), &paid, day);
    let rows = ledger::entries(&conn, &c.id, Some(&record.id), None, None)?;
    let payment_codes = codes::of_loan(&conn, &record.id)?;
    let extension = match codes::extension_on(&conn, &record, day) {
        Err(CodeError::Db(e)) => return Err(e.into()),
        other => other,
    };
    drop(conn);
    let payments = payment_lines(&rows);
    let currency = ctx.app.config.currency();
    let money = |v: i64| currency.format(v, ctx.lang);
    let open = record.is_open();
    // Interest accrued so far; on a closed ticket, what was paid (nothing accrues any more).
    let interest = paid.interest + if open { owed.interest } else { 0 };
    let waits = record.payout_waits;
    let urgency = match waits {
        true => Urgency::Later,
        false => Urgency::of(record.state, record.maturity, day),
    };
    let body = html! {
        p { (ticket.item_description) (urgency_badge(ctx, urgency)) }
        @if waits { p class="notice" role="status" data-payout="waits" { (ctx.t(Msg::PortalPayoutWaits)) } }
        // A code made before the payout failed cannot be paid while it waits.
        @for code in payment_codes.iter().filter(|p| !waits && p.status(ctx.now) == Status::Live) {
            p class="warning" role="status" {
                (ctx.lang.fill(Msg::WaitingForPayment, &[
                    ("code", &codes::display(&code.code)),
                    ("until", &ctx.datetime(code.expires_at)),
                ]))
                " " a href=(paths::my_loan_code(&record.id, &code.code)) { (ctx.t(Msg::SeeHowToPay)) }
            }
        }
        section class="card" {
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(record.state.label())) }
                @if open {
                    dt { (ctx.t(Msg::LoanBalance)) } dd { (money(owed.payoff())) }
                    dt { (ctx.t(Msg::AmountDueToday)) } dd { (money(owed.due_now())) }
                }
                dt { (ctx.t(Msg::AppliedAmount)) } dd { (money(record.principal)) }
                dt { (ctx.t(Msg::InterestAmount)) } dd { (money(interest)) }
                @if open { dt { (ctx.t(Msg::Fees)) } dd { (money(owed.fees)) } }
                dt { (ctx.t(Msg::Product)) } dd { (record.terms.product) }
                dt { (ctx.t(Msg::StartDate)) } dd { (ctx.date(record.start)) }
                dt { (ctx.t(Msg::EndDate)) } dd { (ctx.date(record.maturity)) }
            }
        }
        @match extension {
            Ok(_) => { p { a class="button big" href=(paths::my_loan_extend(&record.id)) { (ctx.t(Msg::ExtendLoan)) } } }
            Err(CodeError::NothingOwed) => { p class="muted" { (ctx.t(Msg::NothingToExtend)) } }
            Err(_) => {}
        }
        @if record.terms.kind == ProductKind::Installment {
            (crate::web::loans::schedule_table(ctx, &record, &paid, day))
        }
        h2 { (ctx.t(Msg::PaymentsHeading)) }
        @if payments.is_empty() {
            p { (ctx.t(Msg::NoPayments)) }
        } @else {
            div class="table-wrap" { table {
                thead { tr { th { (ctx.t(Msg::Date)) } th class="num" { (ctx.t(Msg::Amount)) } th { (ctx.t(Msg::PaidBy)) } } }
                tbody {
                    @for p in &payments {
                        tr {
                            td { (ctx.date(p.on)) }
                            td class="num" { (money(p.amount)) }
                            td {
                                (ctx.t(method_label(p.method)))
                                @if !p.reference.is_empty() { " · " (p.reference) }
                                @if p.reversed { " " span class="badge bad" { (ctx.t(Msg::Reversed)) } }
                            }
                        }
                    }
                }
            } }
        }
        @for code in payment_codes.iter().filter(|p| p.status(ctx.now) == Status::Paid) {
            p {
                (ctx.lang.fill(Msg::PaidWithCode, &[
                    ("amount", &money(code.amount)),
                    ("code", &codes::display(&code.code)),
                    ("when", &code.paid_at.map(|at| ctx.datetime(at)).unwrap_or_default()),
                ]))
            }
        }
        p { a href=(paths::MY) { (ctx.t(Msg::BackToMyLoans)) } }
    };
    Ok(ctx.customer_page(&ticket.ticket_no, body))
}

/// The extend page of a ticket that cannot be extended with a payment code: why, and the way
/// back to the loan (409).
fn extend_refused(ctx: &Ctx, id: &LoanId, e: CodeError) -> Result<Response, AppError> {
    let message = match e {
        CodeError::Closed => Msg::CannotExtendNotOpen,
        CodeError::NotExtendable => Msg::CannotExtendHere,
        CodeError::NothingOwed => Msg::NothingToExtend,
        CodeError::PayoutWaits => Msg::PortalPayoutWaits,
        CodeError::Db(e) => return Err(e.into()),
    };
    let body = html! {
        (ui::form_error(Some(ctx.t(message))))
        p { a href=(paths::my_loan(id)) { (ctx.t(Msg::BackToLoan)) } }
    };
    let mut page = ctx.customer_page(ctx.t(Msg::ExtendLoan), body);
    page.status = 409;
    Ok(page)
}

/// GET /my/loans/{id}/extend: what extending costs today and the due date it gives, before
/// anything happens; confirming asks for a payment code.
pub(crate) fn extend_page(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    let conn = ctx.app.db.conn()?;
    let (ticket, record) = own_ticket(&conn, &c.id, &id)?;
    let extension = match codes::extension_on(&conn, &record, today(ctx)) {
        Ok(extension) => extension,
        Err(e) => return extend_refused(ctx, &record.id, e),
    };
    drop(conn);
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let base = paths::my_loan(&record.id);
    let body = html! {
        p { (ticket.ticket_no) " · " (ticket.item_description) }
        p { (ctx.t(Msg::ExtendIntro)) }
        section class="card" {
            dl {
                dt { (ctx.t(Msg::AmountToPay)) } dd { strong { (money(extension.amount)) } }
                dt { (ctx.t(Msg::CurrentDueDate)) } dd { (ctx.date(record.maturity)) }
                dt { (ctx.t(Msg::NewDueDate)) } dd { strong { (ctx.date(extension.maturity)) } }
            }
        }
        p { (ctx.t(Msg::ExtendWhenPaid)) }
        form method="post" action=(paths::my_loan_extend(&record.id)) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            div { button type="submit" class="big" { (ctx.t(Msg::GetPaymentCode)) } }
        }
        p { a href=(base) { (ctx.t(Msg::BackToLoan)) } }
    };
    Ok(ctx.customer_page(ctx.t(Msg::ExtendLoan), body))
}

/// POST /my/loans/{id}/extend: makes the payment code (or finds the live one for the same
/// amount) and shows it. The ticket changes only when staff confirm the payment.
pub(crate) fn extend(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    let validity = Duration::hours(i64::from(ctx.app.config.payments.code_validity_hours));
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let (_, record) = own_ticket(&tx, &c.id, &id)?;
    let code = match codes::extension_code(&tx, &record, today(ctx), ctx.now, validity) {
        Ok(code) => code,
        Err(e) => {
            drop(tx);
            return extend_refused(ctx, &record.id, e);
        }
    };
    tx.commit()?;
    Ok(Response::see_other(&paths::my_loan_code(
        &record.id, &code.code,
    )))
}

/// GET /my/loans/{id}/code/{code}: the payment code and how to pay it through each channel
/// the branch offers, or what became of it.
pub(crate) fn code_page(ctx: &Ctx, id: LoanId, code: &str) -> Result<Response, AppError> {
    let c = with_profile(ctx)?;
    let conn = ctx.app.db.conn()?;
    let (ticket, record) = own_ticket(&conn, &c.id, &id)?;
    let code = codes::normalise(code)
        .map(|code| codes::get(&conn, &code))
        .transpose()?
        .flatten()
        .filter(|found| found.loan == record.id)
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let payments = &ctx.app.config.payments;
    let amount = ctx.app.config.currency().format(code.amount, ctx.lang);
    let shown = codes::display(&code.code);
    let base = paths::my_loan(&record.id);
    let body = html! {
        p class="paycode" { (shown) }
        p { (ctx.lang.fill(Msg::PaymentCodeFor, &[("amount", &amount), ("ticket", &ticket.ticket_no)])) }
        @match code.status(ctx.now) {
            // Made before the payout failed: not to be paid while it waits.
            Status::Live if record.payout_waits => {
                p class="notice" role="status" data-payout="waits" { (ctx.t(Msg::PortalPayoutWaits)) }
            }
            Status::Live => {
                p class="warning" role="status" {
                    (ctx.lang.fill(Msg::WaitingForPayment, &[("code", &shown), ("until", &ctx.datetime(code.expires_at))]))
                }
                p { (ctx.lang.fill(Msg::CheckTicketIsYours, &[("ticket", &ticket.ticket_no)])) }
                h2 { (ctx.t(Msg::HowToPay)) }
                section class="card" {
                    h3 { (ctx.t(Msg::PayAtCounter)) }
                    p { (ctx.lang.fill(Msg::PayAtCounterHow, &[("branch", &ctx.app.config.branch.name), ("amount", &amount)])) }
                }
                @if !payments.bank_account.trim().is_empty() {
                    section class="card" {
                        h3 { (ctx.t(Msg::MethodBank)) }
                        p { (ctx.lang.fill(Msg::PayByBankHow, &[("amount", &amount), ("account", payments.bank_account.trim()), ("code", &shown)])) }
                    }
                }
                @if !payments.mobile_money_number.trim().is_empty() {
                    section class="card" {
                        h3 { (ctx.t(Msg::MethodMobile)) }
                        p { (ctx.lang.fill(Msg::PayByMobileHow, &[("amount", &amount), ("number", payments.mobile_money_number.trim()), ("code", &shown)])) }
                    }
                }
                p { (ctx.t(Msg::ExtendWhenPaid)) }
            }
            Status::Paid => {
                p class="flash" role="status" {
                    (ctx.lang.fill(Msg::CodePaidOn, &[("when", &code.paid_at.map(|at| ctx.datetime(at)).unwrap_or_default())]))
                }
            }
            Status::Expired => { p class="warning" { (ctx.t(Msg::CodeExpiredGetNew)) } }
            Status::Cancelled => { p class="warning" { (ctx.t(Msg::CodeCancelled)) } }
        }
        p { a href=(base) { (ctx.t(Msg::BackToLoan)) } }
    };
    Ok(ctx.customer_page(ctx.t(Msg::PaymentCode), body))
}

/// What the customer layout shows of a signed-in customer.
pub(crate) fn customer_bar(ctx: &Ctx, customer: &Customer) -> Markup {
    html! {
        div class="customer-bar" {
            @if customer.phone_verified_at.is_none() && customer.profile_completed_at.is_some() {
                p class="warning" role="status" {
                    (ctx.t(Msg::VerifyReminder)) " "
                    a class="button" href=(paths::VERIFY) { (ctx.t(Msg::VerifyNow)) }
                }
            }
            form method="post" action=(paths::LOGOUT) class="inline" {
                (ui::csrf_input(&ctx.csrf()))
                button type="submit" class="secondary" { (ctx.t(Msg::LogOut)) }
            }
        }
    }
}

/// A ticket's urgency as a badge, after a space, to follow a title (nothing for
/// [`Urgency::Later`]).
fn urgency_badge(ctx: &Ctx, urgency: Urgency) -> Markup {
    html! {
        @match urgency {
            Urgency::Overdue => { " " span class="badge bad" { (ctx.t(Msg::BadgeOverdue)) } }
            Urgency::Due => { " " span class="badge warn" { (ctx.t(Msg::BadgeDue)) } }
            Urgency::Later => {}
        }
    }
}
