//! The staff home page: a greeting and one card per feature (customers, loans, backups, ...).
//! A feature adds its card by adding one line to [`show`].

use maud::html;

use crate::backup;
use crate::customers;
use crate::email;
use crate::loans;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::sms;
use crate::web::Ctx;

/// GET /staff.
pub(crate) fn show(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.signed_in()?;
    let conn = ctx.app.db.conn()?;
    let cards = [
        customers::pages::card(ctx, &conn)?,
        loans::card(ctx, &conn)?,
        loans::unconfirmed::card(ctx, &conn)?,
        sms::pages::card(ctx, &conn)?,
        crate::sync::pages::card(ctx, &conn)?,
        email::pages::card(ctx, &conn)?,
        backup::card(ctx),
    ];
    let body = html! {
        p { (ctx.lang.fill(Msg::DashboardGreeting, &[("name", &user.full_name), ("role", ctx.t(user.role.label()))])) }
        div class="cards" { @for card in &cards { (card) } }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::DashboardTitle), body))
}
