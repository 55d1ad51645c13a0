//! The staff administration pages (accounts, roles, disabling, passwords) and a member's own
//! account page.

use maud::{Markup, html};
use rusqlite::Transaction;

use crate::audit::Actor;
use crate::auth;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::StaffId;
use crate::plumbing::paths;
use crate::plumbing::paths::StaffAction;
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::{Permission, Role, StaffUser};
use crate::staff::{
    Failure, Listed, MIN_PASSWORD_CHARS, NewStaff, StaffError, check_password, create_account,
    list, set_account_disabled, set_password, set_role,
};
use crate::web::Ctx;

/// The role choices for a drop-down, in the page's language.
fn role_options(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .map(|r| (r.code(), ctx.t(r.label())))
        .collect()
}

/// GET /staff/admin/staff: the accounts and the form to add one.
pub(crate) fn list_page(ctx: &Ctx) -> Result<Response, AppError> {
    let me = ctx.require(Permission::StaffAdmin)?;
    render_list(ctx, me, &NewForm::default(), FieldErrors::none(), 200)
}

/// What was typed into the "add staff member" form, and what was wrong with it.
#[derive(Default)]
struct NewForm {
    username: String,
    full_name: String,
    role: String,
    username_error: Option<Msg>,
    name_error: Option<Msg>,
    password_error: Option<Msg>,
    role_error: Option<Msg>,
}

/// The staff list page; `sent` is an account's refused change (its form is
/// `{field}-{staff id}`).
fn render_list(
    ctx: &Ctx,
    me: &StaffUser,
    new: &NewForm,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let accounts = list(&*ctx.app.db.conn()?)?;
    let csrf = ctx.csrf();
    let options = role_options(ctx);
    let body = html! {
        (accounts_table(ctx, me, &accounts, &csrf, &options, sent))
        (add_form(ctx, new, &csrf, &options))
        (permissions_table(ctx))
    };
    let mut response = ctx.staff_page(me, ctx.t(Msg::StaffListTitle), body);
    response.status = status;
    Ok(response)
}

/// The accounts, each with its status and what an administrator can do to it.
fn accounts_table(
    ctx: &Ctx,
    me: &StaffUser,
    accounts: &[Listed],
    csrf: &str,
    options: &[(&'static str, &'static str)],
    sent: &FieldErrors,
) -> Markup {
    html! {
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (ctx.t(Msg::Username)) } th { (ctx.t(Msg::FullName)) } th { (ctx.t(Msg::Role)) }
                    th { (ctx.t(Msg::Status)) } th { (ctx.t(Msg::LastSignIn)) } th { (ctx.t(Msg::Actions)) }
                } }
                tbody {
                    @for a in accounts {
                        tr {
                            td translate="no" { (a.user.username) }
                            td { (a.user.full_name) }
                            td { (ctx.t(a.user.role.label())) }
                            td {
                                @if a.disabled {
                                    span class="badge bad" { (ctx.t(Msg::StatusDisabled)) }
                                } @else if let Some(until) = a.locked_until.filter(|u| *u > ctx.now) {
                                    span class="badge warn" { (ctx.lang.fill(Msg::StatusLocked, &[("when", &ctx.datetime(until))])) }
                                } @else {
                                    span class="badge ok" { (ctx.t(Msg::StatusActive)) }
                                }
                            }
                            td { @match a.last_sign_in { Some(t) => (ctx.datetime(t)), None => (ctx.t(Msg::Never)) } }
                            (account_actions(ctx, me, a, csrf, options, sent))
                        }
                    }
                }
            }
        }
    }
}

/// An account's actions: change the role, reset the password, disable or enable (never one's
/// own account).
fn account_actions(
    ctx: &Ctx,
    me: &StaffUser,
    a: &Listed,
    csrf: &str,
    options: &[(&'static str, &'static str)],
    sent: &FieldErrors,
) -> Markup {
    let of = |field: &str| sent.of(&format!("{field}-{}", a.user.id)).error_for(field);
    let role = sent
        .of(&format!("role-{}", a.user.id))
        .value_or("role", a.user.role.code());
    let country = &ctx.app.config.branch.country;
    let stored = a
        .phone
        .as_ref()
        .map(|p| p.national(country))
        .unwrap_or_default();
    let phone = sent
        .of(&format!("phone-{}", a.user.id))
        .value_or("phone", &stored);
    html! {
        td class="actions" {
            form method="post" action=(paths::staff_member(&a.user.id, StaffAction::Role)) {
                (ui::csrf_input(csrf))
                label class="visually-hidden" for={ "role-" (a.user.id) } { (ctx.t(Msg::Role)) }
                (ui::field_error(of("role")))
                select id={ "role-" (a.user.id) } name="role" {
                    @for (code, label) in options {
                        option value=(code) selected[*code == role] { (label) }
                    }
                }
                button type="submit" class="secondary" { (ctx.t(Msg::ChangeRole)) }
            }
            form method="post" action=(paths::staff_member(&a.user.id, StaffAction::Password)) {
                (ui::csrf_input(csrf))
                label class="visually-hidden" for={ "pw-" (a.user.id) } { (ctx.t(Msg::NewPassword)) }
                (ui::field_error(of("password")))
                input id={ "pw-" (a.user.id) } type="password" name="password" autocomplete="new-password"
                    minlength=(MIN_PASSWORD_CHARS) placeholder=(ctx.t(Msg::NewPassword)) required;
                button type="submit" class="secondary" { (ctx.t(Msg::ResetPassword)) }
            }
            form method="post" action=(paths::staff_member(&a.user.id, StaffAction::Phone)) {
                (ui::csrf_input(csrf))
                label class="visually-hidden" for={ "phone-" (a.user.id) } { (ctx.t(Msg::PhoneNumber)) }
                (ui::field_error(of("phone")))
                input id={ "phone-" (a.user.id) } type="tel" name="phone" autocomplete="off" maxlength="32"
                    placeholder=(ctx.t(Msg::PhoneNumber)) value=(phone);
                button type="submit" class="secondary" { (ctx.t(Msg::StaffSavePhone)) }
            }
            @if a.user.id != me.id {
                (ui::field_error(of("status")))
                @if a.disabled {
                    form method="post" action=(paths::staff_member(&a.user.id, StaffAction::Enable)) {
                        (ui::csrf_input(csrf))
                        button type="submit" class="secondary" { (ctx.t(Msg::Enable)) }
                    }
                } @else {
                    form method="post" action=(paths::staff_member(&a.user.id, StaffAction::Disable)) {
                        (ui::csrf_input(csrf))
                        button type="submit" class="danger" { (ctx.t(Msg::Disable)) }
                    }
                }
            }
        }
    }
}

/// The form that adds an account, with the errors of the last try.
fn add_form(
    ctx: &Ctx,
    new: &NewForm,
    csrf: &str,
    options: &[(&'static str, &'static str)],
) -> Markup {
    let err = |m: Option<Msg>| m.map(|m| ctx.t(m));
    let mut username = Field::new(ctx.t(Msg::Username), "username", &new.username);
    username.hint = Some(ctx.t(Msg::UsernameRules));
    username.error = err(new.username_error);
    let mut full_name = Field::new(ctx.t(Msg::FullName), "full_name", &new.full_name);
    full_name.error = err(new.name_error);
    let mut password = Field::new(ctx.t(Msg::Password), "password", "");
    password.kind = "password";
    password.autocomplete = "new-password";
    password.hint = Some(ctx.t(Msg::PasswordRules));
    password.error = err(new.password_error);
    let mut repeat = Field::new(ctx.t(Msg::RepeatPassword), "password2", "");
    repeat.kind = "password";
    repeat.autocomplete = "new-password";
    html! {
        h2 id="add" { (ctx.t(Msg::StaffAdd)) }
        form method="post" action=(paths::STAFF_ADMIN) class="stack" {
            (ui::csrf_input(csrf))
            (ui::field(&username))
            (ui::field(&full_name))
            (ui::select(ctx.t(Msg::Role), "role", options, &new.role, err(new.role_error)))
            (ui::field(&password))
            (ui::field(&repeat))
            div { button type="submit" { (ctx.t(Msg::StaffAdd)) } }
        }
    }
}

/// What each role may do.
fn permissions_table(ctx: &Ctx) -> Markup {
    html! {
        h2 { (ctx.t(Msg::Permissions)) }
        div class="table-wrap" {
            table {
                thead { tr { th { (ctx.t(Msg::Role)) } th { (ctx.t(Msg::Permissions)) } } }
                tbody {
                    @for role in Role::ALL {
                        tr {
                            td { (ctx.t(role.label())) }
                            td { @for (i, p) in role.permissions().iter().enumerate() { @if i > 0 { ", " } (ctx.t(p.label())) } }
                        }
                    }
                }
            }
        }
    }
}

/// POST /staff/admin/staff: adds an account.
pub(crate) fn create(ctx: &Ctx) -> Result<Response, AppError> {
    let me = ctx.require(Permission::StaffAdmin)?;
    let form = ctx.form()?;
    let mut new = NewForm {
        username: form.text("username").to_owned(),
        full_name: form.text("full_name").to_owned(),
        role: form.text("role").to_owned(),
        ..NewForm::default()
    };
    let password = form.get("password").unwrap_or("");
    let role = Role::from_code(&new.role);
    if role.is_none() {
        new.role_error = Some(Msg::RoleInvalid);
    }
    if password != form.get("password2").unwrap_or("") {
        new.password_error = Some(Msg::PasswordMismatch);
    }
    let Some(role) = role.filter(|_| new.password_error.is_none()) else {
        return render_list(ctx, me, &new, FieldErrors::none(), 400);
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let staff = NewStaff {
        username: &new.username,
        full_name: &new.full_name,
        role,
        password,
    };
    match create_account(&tx, &Actor::Staff(me), &staff, ctx.now) {
        Ok(user) => {
            tx.commit()?;
            ctx.flash(
                &ctx.lang
                    .fill(Msg::StaffCreated, &[("name", &user.full_name)]),
            );
            Ok(Response::see_other(paths::STAFF_ADMIN))
        }
        Err(Failure::Refused(e)) => {
            drop(tx);
            match e {
                StaffError::BadUsername | StaffError::UsernameTaken => {
                    new.username_error = Some(e.message())
                }
                StaffError::NoName => new.name_error = Some(e.message()),
                _ => new.password_error = Some(e.message()),
            }
            render_list(ctx, me, &new, FieldErrors::none(), 400)
        }
        Err(other) => Err(other.into()),
    }
}

/// Runs one account change from the admin page and redirects back with a notice, or shows
/// the page again with the refusal beside the account's `field`.
fn admin_change(
    ctx: &Ctx,
    id: &StaffId,
    field: &str,
    change: impl FnOnce(&Transaction, &Actor) -> Result<StaffUser, Failure>,
) -> Result<Response, AppError> {
    let me = ctx.require(Permission::StaffAdmin)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match change(&tx, &Actor::Staff(me)) {
        Ok(user) => {
            tx.commit()?;
            ctx.flash(
                &ctx.lang
                    .fill(Msg::StaffUpdated, &[("name", &user.full_name)]),
            );
            Ok(Response::see_other(paths::STAFF_ADMIN))
        }
        Err(Failure::Refused(StaffError::NotFound)) => Err(AppError::NotFound),
        Err(Failure::Refused(e)) => {
            drop(tx);
            refused_change(ctx, me, id, field, e.message())
        }
        Err(other) => Err(other.into()),
    }
}

/// The staff list again with `message` beside the account's `field`.
fn refused_change(
    ctx: &Ctx,
    me: &StaffUser,
    id: &StaffId,
    field: &str,
    message: Msg,
) -> Result<Response, AppError> {
    let mut sent = FieldErrors::sent(&format!("{field}-{id}"), ctx.form()?);
    sent.add(field, ctx.t(message));
    render_list(ctx, me, &NewForm::default(), &sent, 400)
}

/// POST /staff/admin/staff/{id}/role.
pub(crate) fn change_role(ctx: &Ctx, id: StaffId) -> Result<Response, AppError> {
    let me = ctx.require(Permission::StaffAdmin)?;
    let Some(role) = Role::from_code(ctx.form()?.text("role")) else {
        return refused_change(ctx, me, &id, "role", Msg::RoleInvalid);
    };
    admin_change(ctx, &id, "role", |tx, actor| {
        set_role(tx, actor, id.as_str(), role, ctx.now)
    })
}

/// POST /staff/admin/staff/{id}/disable and /enable.
pub(crate) fn set_disabled(ctx: &Ctx, id: StaffId, disabled: bool) -> Result<Response, AppError> {
    admin_change(ctx, &id, "status", |tx, actor| {
        set_account_disabled(tx, actor, id.as_str(), disabled, ctx.now)
    })
}

/// POST /staff/admin/staff/{id}/password: an administrator sets a new password.
pub(crate) fn reset_password(ctx: &Ctx, id: StaffId) -> Result<Response, AppError> {
    ctx.require(Permission::StaffAdmin)?;
    let password = ctx.form()?.get("password").unwrap_or("").to_owned();
    admin_change(ctx, &id, "password", |tx, actor| {
        set_password(tx, actor, id.as_str(), &password, ctx.now)
    })
}

/// POST /staff/admin/staff/{id}/phone: an administrator sets (or clears) a member's phone.
pub(crate) fn change_phone(ctx: &Ctx, id: StaffId) -> Result<Response, AppError> {
    ctx.require(Permission::StaffAdmin)?;
    let typed = ctx.form()?.text("phone").to_owned();
    let country = &ctx.app.config.branch.country;
    admin_change(ctx, &id, "phone", |tx, actor| {
        crate::staff::phone::set_phone(tx, actor, &id, &typed, country, ctx.now)
    })
}

/// GET /staff/account: the signed-in member's own account.
pub(crate) fn account_page(ctx: &Ctx) -> Result<Response, AppError> {
    let me = ctx.signed_in()?;
    render_account(ctx, me, FieldErrors::none(), 200)
}

/// The "my account" page with the change-password form; a refusal (`sent`) is shown beside
/// its field, and no password is ever shown back.
fn render_account(
    ctx: &Ctx,
    me: &StaffUser,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let mut current = Field::new(ctx.t(Msg::CurrentPassword), "current", "");
    current.error = sent.error_for("current");
    current.kind = "password";
    current.autocomplete = "current-password";
    let mut new = Field::new(ctx.t(Msg::NewPassword), "password", "");
    new.kind = "password";
    new.autocomplete = "new-password";
    new.hint = Some(ctx.t(Msg::PasswordRules));
    new.error = sent.error_for("password");
    let mut repeat = Field::new(ctx.t(Msg::RepeatPassword), "password2", "");
    repeat.kind = "password";
    repeat.autocomplete = "new-password";
    repeat.error = sent.error_for("password2");
    let country = &ctx.app.config.branch.country;
    let stored = crate::staff::phone::of(&*ctx.app.db.conn()?, &me.id)?
        .map(|p| p.national(country))
        .unwrap_or_default();
    let mut phone = Field::typed(ctx.t(Msg::PhoneNumber), "phone", &stored, sent.of("phone"));
    phone.kind = "tel";
    phone.required = false;
    phone.hint = Some(ctx.t(Msg::StaffPhoneHint));
    let body = html! {
        p { (me.full_name) " · " span translate="no" { (me.username) } " · " (ctx.t(me.role.label())) }
        h2 { (ctx.t(Msg::PhoneNumber)) }
        form method="post" action=(paths::ACCOUNT_PHONE) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            (ui::field(&phone))
            div { button type="submit" { (ctx.t(Msg::StaffSavePhone)) } }
        }
        h2 { (ctx.t(Msg::ChangePassword)) }
        form method="post" action=(paths::ACCOUNT_PASSWORD) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            (ui::field(&current))
            (ui::field(&new))
            (ui::field(&repeat))
            div { button type="submit" { (ctx.t(Msg::ChangePassword)) } }
        }
    };
    let mut response = ctx.staff_page(me, ctx.t(Msg::NavAccount), body);
    response.status = status;
    Ok(response)
}

/// POST /staff/account/phone: a member sets (or clears) their own phone.
pub(crate) fn change_own_phone(ctx: &Ctx) -> Result<Response, AppError> {
    let me = ctx.signed_in()?;
    let form = ctx.form()?;
    let country = &ctx.app.config.branch.country;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let actor = Actor::Staff(me);
    match crate::staff::phone::set_phone(&tx, &actor, &me.id, form.text("phone"), country, ctx.now)
    {
        Ok(_) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::StaffPhoneSaved));
            Ok(Response::see_other(paths::ACCOUNT))
        }
        Err(Failure::Refused(e)) => {
            drop(tx);
            drop(conn);
            let mut sent = FieldErrors::sent("phone", form);
            sent.add("phone", ctx.t(e.message()));
            render_account(ctx, me, &sent, 400)
        }
        Err(other) => Err(other.into()),
    }
}

/// POST /staff/account/password: a member changes their own password, knowing the current one.
pub(crate) fn change_own_password(ctx: &Ctx) -> Result<Response, AppError> {
    let me = ctx.signed_in()?;
    let form = ctx.form()?;
    let (current, password) = (
        form.get("current").unwrap_or(""),
        form.get("password").unwrap_or(""),
    );
    let refused = |field: &str, message: Msg| {
        let mut sent = FieldErrors::sent("password", form);
        sent.add(field, ctx.t(message));
        render_account(ctx, me, &sent, 400)
    };
    if password != form.get("password2").unwrap_or("") {
        return refused("password2", Msg::PasswordMismatch);
    }
    if let Err(e) = check_password(password) {
        return refused("password", e.message());
    }
    let mut conn = ctx.app.db.conn()?;
    if !crate::staff::is_current_password(&conn, &me.id, current)? {
        drop(conn);
        return refused("current", Msg::PasswordWrong);
    }
    let tx = db::immediate(&mut conn)?;
    set_password(&tx, &Actor::Staff(me), me.id.as_str(), password, ctx.now)?;
    // Ending every session signed this browser out too: start a fresh one for it.
    let token = auth::start_session(&tx, me, ctx.now)?;
    tx.commit()?;
    ctx.set_cookie(crate::plumbing::http::form::set_cookie(
        auth::STAFF_COOKIE,
        &token,
        "Strict",
        ctx.app.config.secure_cookies(),
        None,
    ));
    ctx.flash(ctx.t(Msg::PasswordChanged));
    Ok(Response::see_other(paths::ACCOUNT))
}
