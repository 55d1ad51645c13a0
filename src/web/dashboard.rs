//! The staff home page: a greeting and one card per feature (customers, loans, backups, ...).
//! Each card is seen by those who may open its list (the list page's own permissions), and its
//! heading links to that list. A feature adds its card by adding one entry to [`CARDS`].

use maud::Markup;
use maud::html;
use rusqlite::Connection;

use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::roles::{Permission, StaffUser};
use crate::web::{self, Ctx, loans};

/// A dashboard card: who sees it (the permissions of its list) and how it is drawn.
struct Card {
    seen_by: &'static [Permission],
    draw: fn(&Ctx, &Connection) -> Result<Markup, AppError>,
}

/// The cards, in the order shown.
const CARDS: &[Card] = &[
    Card {
        seen_by: web::today::VIEWERS,
        draw: web::today::card,
    },
    Card {
        seen_by: &web::customers::LIST_VIEWERS,
        draw: |ctx, conn| Ok(web::customers::card(ctx, conn)?),
    },
    Card {
        seen_by: &loans::counter::LOOK_UP,
        draw: |ctx, conn| Ok(loans::card(ctx, conn)?),
    },
    Card {
        seen_by: &loans::VIEWERS,
        draw: |ctx, conn| Ok(loans::unconfirmed_card(ctx, conn)?),
    },
    Card {
        seen_by: &web::complaints::HANDLERS,
        draw: web::complaints::card,
    },
    Card {
        seen_by: web::sms::VIEWERS,
        draw: |ctx, conn| Ok(web::sms::card(ctx, conn)?),
    },
    Card {
        seen_by: web::sync::VIEWERS,
        draw: |ctx, conn| Ok(web::sync::card(ctx, conn)?),
    },
    Card {
        seen_by: web::email::VIEWERS,
        draw: |ctx, conn| Ok(web::email::card(ctx, conn)?),
    },
    Card {
        seen_by: web::backups::VIEWERS,
        draw: |ctx, _| Ok(web::backups::card(ctx)),
    },
];

/// The cards `user` sees, drawn.
fn cards_for(ctx: &Ctx, conn: &Connection, user: &StaffUser) -> Result<Vec<Markup>, AppError> {
    CARDS
        .iter()
        .filter(|card| card.seen_by.iter().any(|p| user.role.has(*p)))
        .map(|card| (card.draw)(ctx, conn))
        .collect()
}

/// GET /staff.
pub(crate) fn show(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.signed_in()?;
    // One snapshot for every card, so their figures agree.
    let cards = ctx.app.db.read(|conn| cards_for(ctx, conn, user))?;
    let body = html! {
        p { (ctx.lang.fill(Msg::DashboardGreeting, &[("name", &user.full_name), ("role", ctx.t(user.role.label()))])) }
        div class="cards" { @for card in &cards { (card) } }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::DashboardTitle), body))
}
