//! What the staff customer page offers to reach a customer by email and SMS: the portal
//! invitation (seed 000, step 9) with its delivery state, the test email and test SMS that
//! seed 002's troubleshooting asks for, and verifying the email address at the counter (a code
//! by email, read out by the customer), which lets the customer ask for login codes by email.
//! The rules and the queueing of the invitation are `email::invitation`.

use maud::{Markup, html};
use rusqlite::Connection;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::customers::{self, Customer};
use crate::email::invitation::{InvitationWords, InviteError, queue_invitation};
use crate::email::outbox::{self, Kind, NewEmail};
use crate::otp::{self, Purpose};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths;
use crate::plumbing::paths::CustomerPart;
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::sms::outbox::{self as sms_outbox, NewSms};
use crate::web::Ctx;

/// The email address's state as a badge (nothing without an address).
pub(crate) fn verified_badge(ctx: &Ctx, customer: &Customer) -> Markup {
    html! {
        @if customer.email.is_some() {
            @if customer.email_verified_at.is_some() {
                span class="badge ok" { (ctx.t(Msg::EmailVerifiedBadge)) }
            } @else {
                span class="badge warn" { (ctx.t(Msg::EmailUnverified)) }
            }
        }
    }
}

/// The customer page's "Email and messages" card.
pub(crate) fn section(ctx: &Ctx, user: &StaffUser, c: &Customer) -> Result<Markup, AppError> {
    let can_manage = user.role.has(Permission::CustomerManagement);
    let can_test = can_manage || user.role.has(Permission::CallCentre);
    let can_verify = can_manage || user.role.has(Permission::LoanOrigination);
    if !(can_test || can_verify) {
        return Ok(html! {});
    }
    let invitations =
        outbox::EMAIL.of_customer(&*ctx.app.db.conn()?, &c.id, Kind::Invitation, 20)?;
    let csrf = ctx.csrf();
    let has_email = c.email.is_some();
    Ok(html! {
        section class="card" id="messages" {
            h2 { (ctx.t(Msg::MessagesTitle)) }
            @if !has_email { p class="muted" { (ctx.t(Msg::InvitationNoEmail)) } }
            p class="actions" {
                @if can_manage && has_email {
                    form method="post" action=(paths::customer_part(&c.id, CustomerPart::Invite)) class="inline" {
                        (ui::csrf_input(&csrf))
                        button type="submit" { (ctx.t(Msg::SendInvitation)) }
                    }
                }
                @if can_test && has_email {
                    form method="post" action=(paths::customer_part(&c.id, CustomerPart::TestEmail)) class="inline" {
                        (ui::csrf_input(&csrf))
                        button type="submit" class="secondary" { (ctx.t(Msg::SendTestEmail)) }
                    }
                }
                @if can_test {
                    form method="post" action=(paths::customer_part(&c.id, CustomerPart::TestSms)) class="inline" {
                        (ui::csrf_input(&csrf))
                        button type="submit" class="secondary" { (ctx.t(Msg::SendTestSms)) }
                    }
                }
            }
            @if !invitations.is_empty() {
                h3 { (ctx.t(Msg::Invitations)) }
                ul {
                    @for m in &invitations {
                        li {
                            (ctx.datetime(m.created_at)) " · " (m.message.to) " · " (crate::web::outbox::state_badge(ctx, m.state))
                            @if let Some(t) = m.sent_at { " " span class="muted" { (ctx.datetime(t)) } }
                            @if let Some(e) = &m.last_error { " " span class="muted" { (e) } }
                        }
                    }
                }
            }
            @if can_verify && has_email && c.email_verified_at.is_none() && c.locked_at.is_none() {
                h3 { (ctx.t(Msg::EmailVerification)) }
                p { (ctx.t(Msg::EmailVerifyIntro)) }
                form method="post" action=(paths::customer_part(&c.id, CustomerPart::EmailVerificationSend)) class="inline" {
                    (ui::csrf_input(&csrf))
                    button type="submit" class="secondary" { (ctx.t(Msg::SendCodeByEmail)) }
                }
                form method="post" action=(paths::customer_part(&c.id, CustomerPart::EmailVerification)) class="actions" {
                    (ui::csrf_input(&csrf))
                    label for="email-code" { (ctx.t(Msg::Code)) }
                    input id="email-code" name="code" type="text" inputmode="numeric" maxlength="7" autocomplete="off" required;
                    button type="submit" { (ctx.t(Msg::VerifyNow)) }
                }
            }
        }
    })
}

/// The customer `id` from a URL, inside `tx`.
fn customer(conn: &Connection, id: &CustomerId) -> Result<Customer, AppError> {
    customers::get(conn, id)?.ok_or(AppError::NotFound)
}

/// Back to the customer's "Email and messages" card.
fn back(id: &CustomerId) -> Response {
    Response::see_other(&format!("{}#messages", paths::customer(id)))
}

/// POST /staff/customers/{id}/invite: queue the portal invitation (Customer Management).
pub(crate) fn invite(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let c = customer(&tx, &id)?;
    let config = &ctx.app.config;
    let phone = c.phone.national(&config.branch.country);
    let words = InvitationWords {
        lang: c.language.unwrap_or_else(|| config.language()),
        branch: &config.branch.name,
        portal_url: &config.portal.public_url,
        phone: &phone,
    };
    let email_id = match queue_invitation(&tx, &c, &words, ctx.now) {
        Ok(email_id) => email_id,
        Err(InviteError::Db(e)) => return Err(e.into()),
        Err(InviteError::Refused(refusal)) => {
            drop(tx);
            ctx.flash(ctx.t(refusal.message()));
            return Ok(back(&c.id));
        }
    };
    let change = Change {
        action: "customer.invite",
        entity: "customer",
        entity_id: c.id.as_str(),
        before: None,
        after: Some(json!({ "email": c.email, "email_id": email_id.as_str() })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.app.email.wake();
    ctx.flash(&queued_message(ctx));
    Ok(back(&c.id))
}

/// The customer page again, saying the customer has no email address (409).
fn no_email(ctx: &Ctx, user: &StaffUser, id: &CustomerId) -> Result<Response, AppError> {
    let mut sent = FieldErrors::sent("customer", ctx.form()?);
    sent.refuse(ctx.t(Msg::InvitationNoEmail));
    super::render_show(ctx, user, id, &sent, 409)
}

/// "Queued", and that it waits when there is no relay.
fn queued_message(ctx: &Ctx) -> String {
    if ctx.app.email.relay.is_none() {
        ctx.t(Msg::EmailQueuedNoRelay).to_owned()
    } else {
        ctx.t(Msg::EmailQueued).to_owned()
    }
}

/// POST /staff/customers/{id}/test-email: a test email to the customer's address (seed 002).
pub(crate) fn test_email(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&[Permission::CustomerManagement, Permission::CallCentre])?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let c = customer(&tx, &id)?;
    let Some(to) = c.email.as_deref() else {
        drop(tx);
        return no_email(ctx, user, &id);
    };
    let values = [("branch", ctx.app.config.branch.name.as_str())];
    let lang = c.language.unwrap_or(ctx.lang);
    let subject = lang.fill(Msg::TestEmailSubject, &values);
    let body = lang.fill(Msg::TestEmailBody, &values);
    let email = NewEmail {
        to,
        subject: Some(&subject),
        body: &body,
        kind: Kind::Test,
        expires_at: None,
        customer: Some(&c.id),
    };
    let email_id = outbox::enqueue(&tx, &email, ctx.now)?;
    let change = Change {
        action: "email.test",
        entity: "email",
        entity_id: email_id.as_str(),
        before: None,
        after: Some(json!({ "to": to, "customer_id": c.id.as_str() })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.app.email.wake();
    ctx.flash(&queued_message(ctx));
    Ok(back(&c.id))
}

/// POST /staff/customers/{id}/test-sms: a test SMS to the customer's phone (seed 002).
pub(crate) fn test_sms(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&[Permission::CustomerManagement, Permission::CallCentre])?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let c = customer(&tx, &id)?;
    let text = c
        .language
        .unwrap_or(ctx.lang)
        .fill(Msg::SmsTestText, &[("branch", &ctx.app.config.branch.name)]);
    let sms = NewSms {
        to: &c.phone,
        text: &text,
        kind: sms_outbox::Kind::Test,
        expires_at: None,
        customer: Some(&c.id),
    };
    let sms_id = sms_outbox::enqueue(&tx, &sms, ctx.now)?;
    let change = Change {
        action: "sms.test",
        entity: "sms",
        entity_id: sms_id.as_str(),
        before: None,
        after: Some(json!({ "to": c.phone.as_str(), "customer_id": c.id.as_str() })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.app.sms.wake();
    ctx.flash(ctx.t(Msg::SmsTestQueued));
    Ok(back(&c.id))
}

/// POST /staff/customers/{id}/email-verification/send: a verification code to the customer's
/// email address, for the customer to read out at the counter.
pub(crate) fn verification_send(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&[Permission::CustomerManagement, Permission::LoanOrigination])?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let c = customer(&tx, &id)?;
    let Some(address) = c.email.as_deref() else {
        drop(tx);
        return no_email(ctx, user, &id);
    };
    let outcome = crate::web::codes::answered(crate::web::codes::send_code(
        ctx,
        &tx,
        &c.id,
        otp::Destination::Email(address),
        Purpose::Verification,
        Some(&user.id),
    ))?;
    tx.commit()?;
    ctx.app.email.wake();
    match outcome {
        Ok(()) => ctx.flash(&ctx.lang.fill(
            Msg::CodeSentToEmail,
            &[("email", &otp::mask_email(address))],
        )),
        Err(refusal) => ctx.flash(&crate::web::codes::refusal_message(ctx, &refusal)),
    }
    Ok(back(&c.id))
}

/// POST /staff/customers/{id}/email-verification: staff type in the code the customer read
/// from the email.
pub(crate) fn verification_check(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&[Permission::CustomerManagement, Permission::LoanOrigination])?;
    let entered = ctx.form()?.text("code").to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let c = customer(&tx, &id)?;
    let checked = crate::web::codes::check_code(
        ctx,
        &tx,
        &c.id,
        Purpose::Verification,
        Some(&user.id),
        &entered,
    )?;
    tx.commit()?;
    let message = match &checked {
        otp::Checked::Accepted { destination } if c.email.as_deref() == Some(destination) => {
            ctx.t(Msg::EmailVerifiedStaff).to_owned()
        }
        otp::Checked::Accepted { .. } => ctx.t(Msg::PhoneVerifiedStaff).to_owned(),
        other => crate::web::codes::checked_message(ctx, other).unwrap_or_default(),
    };
    ctx.flash(&message);
    Ok(back(&c.id))
}
