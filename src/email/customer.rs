//! What the staff customer page offers to reach a customer by email and SMS: the portal
//! invitation (seed 000, step 9) with its delivery state, the test email and test SMS that
//! seed 002's troubleshooting asks for, and verifying the email address at the counter (a code
//! by email, read out by the customer), which lets the customer ask for login codes by email.
//!
//! An invitation is refused while the customer has unresolved duplicate records (seed 000,
//! step 10): [`invitation_refusal`] is where that rule lives.

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rusqlite::Connection;
use serde_json::json;

use super::outbox::{self, Kind, NewEmail};
use crate::audit::{self, Actor, Change};
use crate::customers::{self, Customer};
use crate::otp::{self, Purpose};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::{CustomerId, EmailId};
use crate::plumbing::ui;
use crate::roles::{Permission, StaffUser};
use crate::sms::outbox::{self as sms_outbox, NewSms};
use crate::web::Ctx;

/// Why a customer cannot be sent the portal invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InviteRefusal {
    /// No email address on record.
    NoEmail,
    /// Duplicate records wait to be resolved first (seed 000, step 10).
    Duplicates,
}

/// Why the invitation was not queued: a refusal for staff, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InviteError {
    #[error("the invitation was refused: {0:?}")]
    Refused(InviteRefusal),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

impl InviteRefusal {
    /// The refusal for staff.
    fn message(self) -> Msg {
        match self {
            InviteRefusal::NoEmail => Msg::InvitationNoEmail,
            InviteRefusal::Duplicates => Msg::InvitationDuplicates,
        }
    }
}

/// Whether the invitation may go to `customer`, given whether duplicates are unresolved.
pub(crate) fn invitation_refusal(
    customer: &Customer,
    has_unresolved_duplicates: bool,
) -> Option<InviteRefusal> {
    if customer.email.as_deref().is_none_or(str::is_empty) {
        return Some(InviteRefusal::NoEmail);
    }
    if has_unresolved_duplicates {
        return Some(InviteRefusal::Duplicates);
    }
    None
}

/// What the invitation says, beyond the customer's own details.
pub(crate) struct InvitationWords<'a> {
    pub(crate) lang: Lang,
    pub(crate) branch: &'a str,
    pub(crate) portal_url: &'a str,
    /// The customer's phone number as they write it.
    pub(crate) phone: &'a str,
}

/// Queues the portal invitation for `customer`, unless refused. Call inside the transaction
/// that records it (audit), and wake the sender after the commit.
pub(crate) fn queue_invitation(
    conn: &Connection,
    customer: &Customer,
    words: &InvitationWords,
    now: DateTime<Utc>,
) -> Result<EmailId, InviteError> {
    let duplicates = customers::has_unresolved_duplicates(conn, &customer.id)?;
    if let Some(refusal) = invitation_refusal(customer, duplicates) {
        return Err(InviteError::Refused(refusal));
    }
    let Some(to) = customer.email.as_deref() else {
        return Err(InviteError::Refused(InviteRefusal::NoEmail));
    };
    let values = [
        ("name", customer.full_name.as_str()),
        ("branch", words.branch),
        ("url", words.portal_url),
        ("phone", words.phone),
    ];
    let subject = words.lang.fill(Msg::InvitationSubject, &values);
    let body = words.lang.fill(Msg::InvitationBody, &values);
    let email = NewEmail {
        to,
        subject: Some(&subject),
        body: &body,
        kind: Kind::Invitation,
        expires_at: None,
        customer: Some(&customer.id),
    };
    Ok(outbox::enqueue(conn, &email, now)?)
}

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
    let base = format!("/staff/customers/{}", c.id);
    let has_email = c.email.is_some();
    Ok(html! {
        section class="card" id="messages" {
            h2 { (ctx.t(Msg::MessagesTitle)) }
            @if !has_email { p class="muted" { (ctx.t(Msg::InvitationNoEmail)) } }
            p class="actions" {
                @if can_manage && has_email {
                    form method="post" action={ (base) "/invite" } class="inline" {
                        (ui::csrf_input(&csrf))
                        button type="submit" { (ctx.t(Msg::SendInvitation)) }
                    }
                }
                @if can_test && has_email {
                    form method="post" action={ (base) "/test-email" } class="inline" {
                        (ui::csrf_input(&csrf))
                        button type="submit" class="secondary" { (ctx.t(Msg::SendTestEmail)) }
                    }
                }
                @if can_test {
                    form method="post" action={ (base) "/test-sms" } class="inline" {
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
                            (ctx.datetime(m.created_at)) " · " (m.message.to) " · " (crate::outbox::pages::state_badge(m.state))
                            @if let Some(t) = m.sent_at { " " span class="muted" { (ctx.datetime(t)) } }
                            @if let Some(e) = &m.last_error { " " span class="muted" { (e) } }
                        }
                    }
                }
            }
            @if can_verify && has_email && c.email_verified_at.is_none() && c.locked_at.is_none() {
                h3 { (ctx.t(Msg::EmailVerification)) }
                p { (ctx.t(Msg::EmailVerifyIntro)) }
                form method="post" action={ (base) "/email-verification/send" } class="inline" {
                    (ui::csrf_input(&csrf))
                    button type="submit" class="secondary" { (ctx.t(Msg::SendCodeByEmail)) }
                }
                form method="post" action={ (base) "/email-verification" } class="actions" {
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
    Response::see_other(&format!("/staff/customers/{id}#messages"))
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
        lang: config.language(),
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
        return Err(AppError::BadRequest(
            ctx.t(Msg::InvitationNoEmail).to_owned(),
        ));
    };
    let values = [("branch", ctx.app.config.branch.name.as_str())];
    let subject = ctx.lang.fill(Msg::TestEmailSubject, &values);
    let body = ctx.lang.fill(Msg::TestEmailBody, &values);
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
    let text = ctx
        .lang
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
        return Err(AppError::BadRequest(
            ctx.t(Msg::InvitationNoEmail).to_owned(),
        ));
    };
    let outcome = crate::portal::answered(crate::portal::send_code(
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
        Err(refusal) => ctx.flash(&crate::portal::refusal_message(ctx, &refusal)),
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
    let checked = crate::portal::check_code(
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
        other => crate::portal::checked_message(ctx, other).unwrap_or_default(),
    };
    ctx.flash(&message);
    Ok(back(&c.id))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::customers::NewCustomer;
    use crate::plumbing::phone;

    fn check(email: Option<&str>, duplicates: bool, expected: Option<InviteRefusal>) {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let to = phone::normalise("081234567890", "ID").unwrap();
        let new = NewCustomer {
            full_name: "Siti Rahmawati",
            phone: &to,
            id_number: None,
            date_of_birth: None,
            address: "",
            email,
            phone_verified: false,
        };
        let id = customers::insert(&conn, &new, now).unwrap();
        let c = customers::get(&conn, &id).unwrap().unwrap();
        assert_eq!(invitation_refusal(&c, duplicates), expected);
        if duplicates {
            return;
        }
        let words = InvitationWords {
            lang: Lang::Id,
            branch: "Cabang Menteng",
            portal_url: "http://pawnbranch.lan/",
            phone: "0812-3456-7890",
        };
        let queued = queue_invitation(&conn, &c, &words, now);
        match expected {
            Some(refusal) => {
                assert!(matches!(queued, Err(InviteError::Refused(r)) if r == refusal));
            }
            None => {
                let email_id = queued.unwrap();
                let (to, subject, body): (String, String, String) = conn
                    .query_row(
                        "SELECT recipient, subject, body FROM email_outbox WHERE id = ?1",
                        [&email_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .unwrap();
                assert_eq!(Some(to.as_str()), email);
                assert!(subject.contains("Cabang Menteng"), "{subject}");
                for part in ["Siti Rahmawati", "http://pawnbranch.lan/", "0812-3456-7890"] {
                    assert!(body.contains(part), "{part} in {body}");
                }
                // The customer page lists it among the customer's invitations.
                let listed = outbox::EMAIL.of_customer(&conn, &c.id, Kind::Invitation, 20);
                let listed = listed.unwrap();
                assert_eq!(listed.len(), 1);
                assert_eq!(listed[0].message.id, email_id);
                let codes = outbox::EMAIL.of_customer(&conn, &c.id, Kind::Otp, 20);
                assert!(codes.unwrap().is_empty());
            }
        }
    }

    #[test]
    fn invitations_need_an_address_and_no_unresolved_duplicates() {
        check(Some("siti@example.com"), false, None);
        check(None, false, Some(InviteRefusal::NoEmail));
        check(
            Some("siti@example.com"),
            true,
            Some(InviteRefusal::Duplicates),
        );
    }
}
