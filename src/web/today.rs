//! A manager's "today" card on the dashboard: what needs doing today, as counts the domains
//! make (tickets due and overdue, forfeits coming, unconfirmed codes, locked customers, possible
//! duplicates, open and breached complaints), each leading to the list that shows it.

use chrono::Duration;
use maud::{Markup, html};
use rusqlite::Connection;

use crate::plumbing::error::AppError;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::roles::Permission;
use crate::web::Ctx;
use crate::web::loans::today;
use crate::{complaints, customers, duplicates, loans};

/// Who sees the card: those who read the branch's reports.
pub(crate) const VIEWERS: &[Permission] = &[Permission::Reports];

/// One line of the card: its words, its count and the list it leads to (if one shows it).
type Figure = (Msg, u64, Option<&'static str>);

/// The figures, in the card's order.
fn figures(ctx: &Ctx, conn: &Connection) -> Result<Vec<Figure>, AppError> {
    let day = today(ctx);
    let overdue = loans::today::overdue_by_age(conn, day)?;
    let hours = ctx.app.config.payments.unconfirmed_alert_hours;
    let unconfirmed =
        loans::unconfirmed::waiting(conn, ctx.now - Duration::hours(i64::from(hours)))?;
    let pairs = duplicates::pairs(conn)?;
    Ok(vec![
        (Msg::DueToday, loans::today::due_today(conn, day)?, None),
        (
            Msg::TodayDueThisWeek,
            loans::today::due_this_week(conn, day)?,
            None,
        ),
        (
            Msg::TodayOverdueWeek,
            overdue.up_to_a_week,
            Some(paths::FOLLOW_UP),
        ),
        (
            Msg::TodayOverdueMonth,
            overdue.up_to_a_month,
            Some(paths::FOLLOW_UP),
        ),
        (
            Msg::TodayOverdueLonger,
            overdue.longer,
            Some(paths::FOLLOW_UP),
        ),
        (
            Msg::TodayForfeitsComing,
            loans::today::forfeits_coming(conn)?,
            None,
        ),
        (
            Msg::TodayUnconfirmed,
            u64::try_from(unconfirmed.len()).unwrap_or(u64::MAX),
            Some(paths::PAYMENTS),
        ),
        (
            Msg::TodayLocked,
            customers::locked_count(conn)?,
            Some(paths::CUSTOMERS),
        ),
        (
            Msg::TodayDuplicates,
            u64::try_from(pairs.len()).unwrap_or(u64::MAX),
            Some(paths::DUPLICATES),
        ),
        (
            Msg::TodayComplaintsOpen,
            complaints::unresolved_count(conn)?,
            Some(paths::COMPLAINTS),
        ),
        (
            Msg::TodayComplaintsBreached,
            complaints::breach::late_count(conn)?,
            Some(paths::COMPLAINTS),
        ),
    ])
}

/// The card.
pub(crate) fn card(ctx: &Ctx, conn: &Connection) -> Result<Markup, AppError> {
    let figures = figures(ctx, conn)?;
    Ok(html! {
        section class="card" id="today-card" {
            h2 { a href=(paths::FOLLOW_UP) { (ctx.t(Msg::TodayTitle)) } }
            dl {
                @for (words, n, list) in &figures {
                    dt { @match list {
                        Some(href) => a href=(href) { (ctx.t(*words)) },
                        None => (ctx.t(*words)),
                    } }
                    dd { (n) }
                }
            }
        }
    })
}
