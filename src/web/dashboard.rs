//! The staff home page: a greeting and one card per feature (customers, loans, backups, ...).
//! A feature adds its card by adding one line to [`show`].

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use maud::Markup;
use maud::html;

use crate::backup;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::web::loans;
use crate::web::{self, Ctx};

/// GET /staff.
pub(crate) fn show(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.signed_in()?;
    let conn = ctx.app.db.conn()?;
    let cards = [
        web::customers::card(ctx, &conn)?,
        loans::card(ctx, &conn)?,
        loans::unconfirmed_card(ctx, &conn)?,
        web::complaints::card(ctx, &conn)?,
        web::sms::card(ctx, &conn)?,
        web::sync::card(ctx, &conn)?,
        web::email::card(ctx, &conn)?,
        backup_card(ctx),
    ];
    let body = html! {
        p { (ctx.lang.fill(Msg::DashboardGreeting, &[("name", &user.full_name), ("role", ctx.t(user.role.label()))])) }
        div class="cards" { @for card in &cards { (card) } }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::DashboardTitle), body))
}

/// The dashboard card: when the last backup was made.
fn backup_card(ctx: &Ctx) -> Markup {
    let data_dir = ctx.app.config.data_dir();
    let newest = backup::list(&data_dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.metadata().and_then(|m| m.modified()).ok())
        .max()
        .map(|t: SystemTime| DateTime::<Utc>::from(t));
    html! {
        section class="card" {
            h2 { (ctx.t(Msg::CardBackups)) }
            @match newest {
                Some(t) => p { (ctx.lang.fill(Msg::CardLastBackup, &[("when", &ctx.datetime(t))])) },
                None => p class="warning" { (ctx.t(Msg::CardNoBackup)) },
            }
        }
    }
}
