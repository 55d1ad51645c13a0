//! The customer's language, chosen on the portal's profile page or set at the counter on the
//! customer's page (the choice itself is `customers::language`): a small form of its own on
//! each page, so the longer forms there stay as they are.

use maud::{Markup, html};

use crate::audit::Actor;
use crate::customers::{self, language};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths::{self, CustomerPart};
use crate::plumbing::ui;
use crate::roles::Permission;
use crate::web::Ctx;

/// The form: the languages offered, the customer's (else the branch's) selected.
pub(crate) fn form(ctx: &Ctx, chosen: Option<Lang>, action: &str) -> Markup {
    let selected = chosen.unwrap_or_else(|| ctx.app.config.language()).code();
    let options = Lang::ALL.map(|l| (l.code(), l.own_name()));
    html! {
        form method="post" action=(action) class="actions" {
            (ui::csrf_input(&ctx.csrf()))
            (ui::select(ctx.t(Msg::CustomerLanguage), "language", &options, selected, None))
            button type="submit" class="secondary" { (ctx.t(Msg::Save)) }
        }
        p class="muted" { (ctx.t(Msg::CustomerLanguageHint)) }
    }
}

/// The language the form sent, or a 400 naming the problem.
fn chosen_in_form(ctx: &Ctx) -> Result<Lang, AppError> {
    Lang::from_code(ctx.form()?.text("language"))
        .ok_or_else(|| AppError::BadRequest(ctx.t(Msg::LanguageUnknown).to_owned()))
}

/// POST /profile/language: the signed-in customer chooses; the portal follows at once.
pub(crate) fn save_on_portal(ctx: &Ctx) -> Result<Response, AppError> {
    let customer = ctx
        .customer()?
        .ok_or_else(|| AppError::Redirect(paths::LOGIN.to_owned()))?;
    let lang = chosen_in_form(ctx)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    language::set(&tx, &Actor::Customer, &customer.id, lang, ctx.now)?;
    tx.commit()?;
    ctx.remember_language(lang);
    ctx.flash(lang.t(Msg::LanguageSaved));
    Ok(Response::see_other(paths::PROFILE))
}

/// POST /staff/customers/{id}/language: staff set it at the counter.
pub(crate) fn save_at_counter(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let lang = chosen_in_form(ctx)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    customers::get(&tx, &id)?.ok_or(AppError::NotFound)?;
    language::set(&tx, &Actor::Staff(user), &id, lang, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::LanguageSaved));
    Ok(Response::see_other(&paths::customer(&id)))
}

/// The form on the customer's page at the counter.
pub(crate) fn counter_form(ctx: &Ctx, id: &CustomerId) -> Result<Markup, AppError> {
    let chosen = language::chosen(&*ctx.app.db.conn()?, id)?;
    Ok(form(
        ctx,
        chosen,
        &paths::customer_part(id, CustomerPart::Language),
    ))
}
