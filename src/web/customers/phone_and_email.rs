//! The counter's page for changing a customer's phone number or email address, with a reason
//! (the rule, the audit and the SMS to the old number are `customers::phone_and_email`).

use maud::html;

use crate::customers::phone_and_email::{Changed, ContactChange, Notice, change_contact};
use crate::customers::{ContactError, Customer, get};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths::{self, CustomerPart};
use crate::plumbing::ui::{self, Field};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// The form's values and what is wrong with them.
#[derive(Debug, Default)]
struct ContactForm {
    phone: String,
    email: String,
    reason: String,
    phone_error: Option<Msg>,
    email_error: Option<Msg>,
    reason_error: Option<Msg>,
}

/// GET /staff/customers/{id}/contact.
pub(crate) fn page(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let customer = get(&*ctx.app.db.conn()?, &id)?.ok_or(AppError::NotFound)?;
    let form = ContactForm {
        phone: customer.phone.national(&ctx.app.config.branch.country),
        email: customer.email.clone().unwrap_or_default(),
        ..ContactForm::default()
    };
    Ok(render(ctx, user, &customer, &form, 200))
}

fn render(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &Customer,
    form: &ContactForm,
    status: u16,
) -> Response {
    let err = |m: Option<Msg>| m.map(|m| ctx.t(m));
    let phone = Field {
        kind: "tel",
        error: err(form.phone_error),
        ..Field::new(ctx.t(Msg::PhoneNumber), "phone", &form.phone)
    };
    let email = Field {
        kind: "email",
        required: false,
        error: err(form.email_error),
        ..Field::new("Email", "email", &form.email)
    };
    let reason = Field {
        error: err(form.reason_error),
        hint: Some(ctx.t(Msg::ContactChangeReasonHint)),
        ..Field::new(ctx.t(Msg::ContactChangeReason), "reason", &form.reason)
    };
    let body = html! {
        p { (ctx.t(Msg::ContactChangeIntro)) }
        form method="post" action=(paths::customer_part(&customer.id, CustomerPart::PhoneAndEmail)) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            (ui::field(&phone))
            (ui::field(&email))
            (ui::field(&reason))
            div class="actions" {
                button type="submit" { (ctx.t(Msg::Save)) }
                a class="button secondary" href=(paths::customer(&customer.id)) { (ctx.t(Msg::SmsCancel)) }
            }
        }
    };
    let mut response = ctx.staff_page(
        user,
        &ctx.lang
            .fill(Msg::ContactChangeTitle, &[("name", &customer.full_name)]),
        body,
    );
    response.status = status;
    response
}

/// POST /staff/customers/{id}/contact.
pub(crate) fn save(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let f = ctx.form()?;
    let mut form = ContactForm {
        phone: f.text("phone").trim().to_owned(),
        email: f.text("email").trim().to_owned(),
        reason: f.text("reason").trim().to_owned(),
        ..ContactForm::default()
    };
    let country = &ctx.app.config.branch.country;
    let phone = crate::plumbing::phone::normalise(&form.phone, country);
    if phone.is_err() {
        form.phone_error = Some(Msg::PhoneInvalid);
    }
    let email = Some(form.email.clone()).filter(|e| !e.is_empty());
    if email
        .as_deref()
        .is_some_and(|e| !crate::email::plausible_address(e))
    {
        form.email_error = Some(Msg::EmailInvalid);
    }
    let reason_len = form.reason.chars().count();
    if !(3..=300).contains(&reason_len) || form.reason.chars().any(char::is_control) {
        form.reason_error = Some(Msg::ContactChangeReasonInvalid);
    }
    let mut conn = ctx.app.db.conn()?;
    let customer = get(&conn, &id)?.ok_or(AppError::NotFound)?;
    let Ok(phone) = phone else {
        return Ok(render(ctx, user, &customer, &form, 400));
    };
    if form.email_error.is_some() || form.reason_error.is_some() {
        return Ok(render(ctx, user, &customer, &form, 400));
    }
    let tx = db::immediate(&mut conn)?;
    // Read again inside the transaction: what the change is measured against.
    let before = get(&tx, &id)?.ok_or(AppError::NotFound)?;
    let change = ContactChange {
        phone: &phone,
        email: email.as_deref(),
        reason: &form.reason,
    };
    let notice = Notice::of(&ctx.app.config);
    match change_contact(&tx, &before, &change, user, &notice, ctx.now) {
        Ok(Changed::Nothing) => {
            drop(tx);
            ctx.flash(ctx.t(Msg::ContactUnchanged));
        }
        Ok(Changed::Changed { told }) => {
            tx.commit()?;
            if told {
                ctx.app.sms.wake();
            }
            ctx.flash(ctx.t(Msg::ContactChanged));
        }
        Err(ContactError::PhoneTaken) => {
            drop(tx);
            form.phone_error = Some(Msg::ContactPhoneTaken);
            return Ok(render(ctx, user, &customer, &form, 409));
        }
        Err(ContactError::Db(e)) => return Err(e.into()),
    }
    Ok(Response::see_other(&paths::customer(&id)))
}

// ----- A new number from the portal (issue 11) -----
