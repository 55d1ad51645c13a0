//! The staff sign-in page, signing in and out.

use maud::html;

use crate::auth::session_user;
use crate::auth::{STAFF_COOKIE, SignInError, end_session, refusal_text, sign_in, start_session};
use crate::plumbing::error::AppError;
use crate::plumbing::http::local_path;
use crate::plumbing::http::{Response, form};
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui::{self, Field};
use crate::roles::StaffUser;
use crate::web::Ctx;

/// GET /staff/login.
pub(crate) fn login_page(ctx: &Ctx) -> Result<Response, AppError> {
    if ctx.staff()?.is_some() {
        return Ok(Response::see_other(paths::STAFF));
    }
    let next = ctx.next_param()?;
    // A session cookie that no longer opens a session: it timed out or was ended elsewhere.
    // The cookie stays until sign-in replaces it, because it binds this page's CSRF token.
    let expired = ctx
        .req
        .cookie(STAFF_COOKIE)
        .is_some_and(|t| !t.is_empty())
        .then(|| ctx.t(Msg::SessionExpired));
    Ok(login_form(ctx, "", &next, expired, 200))
}

/// The sign-in form, with an error when a try failed.
fn login_form(ctx: &Ctx, username: &str, next: &str, error: Option<&str>, status: u16) -> Response {
    let mut user_field = Field::new(ctx.t(Msg::Username), "username", username);
    user_field.autocomplete = "username";
    let mut password_field = Field::new(ctx.t(Msg::Password), "password", "");
    password_field.kind = "password";
    password_field.autocomplete = "current-password";
    let body = html! {
        (ui::form_error(error))
        form method="post" action=(paths::STAFF_LOGIN) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            input type="hidden" name="next" value=(next);
            (ui::field(&user_field))
            (ui::field(&password_field))
            div { button type="submit" { (ctx.t(Msg::SignIn)) } }
        }
    };
    let mut response = ctx.customer_page(ctx.t(Msg::StaffSignIn), body);
    response.status = status;
    response
}

/// POST /staff/login.
pub(crate) fn login(ctx: &Ctx) -> Result<Response, AppError> {
    let form = ctx.form()?;
    let username = form.text("username");
    let password = form.get("password").unwrap_or("");
    let next = form.text("next");
    let client = ctx.client_key();
    let app = ctx.app;
    if !app.sign_in_throttle.allows(&client, ctx.now) {
        return Ok(login_form(
            ctx,
            username,
            next,
            Some(ctx.t(Msg::ErrTooManyBody)),
            429,
        ));
    }
    let mut conn = app.db.conn()?;
    let user = match sign_in(&mut conn, username, password, &app.config.staff, ctx.now) {
        Ok(user) => user,
        Err(SignInError::Db(e)) => return Err(e.into()),
        Err(refusal) => {
            app.sign_in_throttle.record(&client, ctx.now);
            let message = refusal_text(ctx.lang, &refusal, ctx.now);
            return Ok(login_form(ctx, username, next, Some(&message), 200));
        }
    };
    if let Some(old) = ctx.req.cookie(STAFF_COOKIE) {
        end_session(&conn, old)?;
    }
    let token = start_session(&conn, &user, ctx.now)?;
    ctx.set_cookie(form::set_cookie(
        STAFF_COOKIE,
        &token,
        "Strict",
        app.config.secure_cookies(),
        None,
    ));
    let target = if next.starts_with(paths::STAFF) {
        local_path(next)
    } else {
        paths::STAFF
    };
    Ok(Response::see_other(target))
}

/// POST /staff/logout.
pub(crate) fn logout(ctx: &Ctx) -> Result<Response, AppError> {
    if let Some(token) = ctx.req.cookie(STAFF_COOKIE) {
        end_session(&*ctx.app.db.conn()?, token)?;
    }
    ctx.clear_cookie(STAFF_COOKIE, "Strict");
    ctx.flash(ctx.t(Msg::SignedOut));
    Ok(Response::see_other(paths::STAFF_LOGIN))
}

/// The staff member signed in on this request, if any.
pub(crate) fn current_staff(ctx: &Ctx) -> Result<Option<StaffUser>, AppError> {
    let Some(token) = ctx.req.cookie(STAFF_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let conn = ctx.app.db.conn()?;
    Ok(session_user(&conn, token, &ctx.app.config.staff, ctx.now)?)
}
