//! A manager's "today" card on the dashboard: what needs doing today, as counts the domains
//! make (tickets due and overdue, forfeits coming, unconfirmed codes, locked customers, possible
//! duplicates, open and breached complaints, promises due today, non-cash methods not matching
//! yesterday's statements) and the modem's and the uploader's state, each leading to the list
//! or page that shows it.

use chrono::Duration;
use maud::{Markup, html};
use rusqlite::Connection;

use crate::loans::today::{Due, OverdueAges};
use crate::plumbing::error::AppError;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::roles::Permission;
use crate::web::loans::today;
use crate::web::{Ctx, chart};
use crate::{callcentre, complaints, customers, duplicates, loans};

/// Who sees the card: those who read the branch's reports.
pub(crate) const VIEWERS: &[Permission] = &[Permission::Reports];

/// One line of the card: its words, its count (or state), and the list it leads to if one
/// shows it.
type Figure = (Msg, String, Option<String>);

/// A count's line.
fn count(words: Msg, n: u64, list: Option<&str>) -> Figure {
    (words, n.to_string(), list.map(str::to_owned))
}

/// A length as a count.
fn len<T>(items: &[T]) -> u64 {
    u64::try_from(items.len()).unwrap_or(u64::MAX)
}

/// The tickets' lines: due, overdue by age, forfeits coming.
fn tickets(ctx: &Ctx, conn: &Connection, overdue: OverdueAges) -> Result<Vec<Figure>, AppError> {
    let day = today(ctx);
    let queue = Some(paths::FOLLOW_UP);
    let listed = |words: Msg, due: Due| -> Result<Figure, AppError> {
        let n = loans::today::count(conn, due, day)?;
        Ok(count(words, n, Some(&paths::due_tickets(due.key(), 0))))
    };
    Ok(vec![
        listed(Msg::DueToday, Due::Today)?,
        listed(Msg::TodayDueThisWeek, Due::ThisWeek)?,
        count(Msg::TodayOverdueWeek, overdue.up_to_a_week, queue),
        count(Msg::TodayOverdueMonth, overdue.up_to_a_month, queue),
        count(Msg::TodayOverdueLonger, overdue.longer, queue),
        listed(Msg::TodayForfeitsComing, Due::ForfeitsComing)?,
    ])
}

/// The lines of work waiting on people: codes, customers, complaints, promises.
fn waiting(ctx: &Ctx, conn: &Connection) -> Result<Vec<Figure>, AppError> {
    let hours = ctx.app.config.payments.unconfirmed_alert_hours;
    let before = ctx.now - Duration::hours(i64::from(hours));
    let promises = callcentre::promises::due_on(conn, today(ctx))?;
    Ok(vec![
        count(
            Msg::TodayUnconfirmed,
            len(&loans::unconfirmed::waiting(conn, before)?),
            Some(paths::PAYMENTS),
        ),
        count(
            Msg::TodayLocked,
            customers::locked_count(conn)?,
            Some(&paths::locked_customers(0)),
        ),
        count(
            Msg::TodayDuplicates,
            len(&duplicates::kept::pairs(conn)?),
            Some(paths::DUPLICATES),
        ),
        count(
            Msg::TodayComplaintsOpen,
            complaints::unresolved_count(conn)?,
            Some(paths::COMPLAINTS),
        ),
        count(
            Msg::TodayComplaintsBreached,
            complaints::breach::late_count(conn)?,
            Some(paths::COMPLAINTS),
        ),
        count(
            Msg::TodayPromises,
            promises,
            Some(&paths::follow_up_queue("promise_today")),
        ),
        statements_differ(ctx, conn)?,
    ])
}

/// How many non-cash methods differ from their statements on yesterday, the day whose
/// statements are in (today's are imported tomorrow), leading to that day's close.
fn statements_differ(ctx: &Ctx, conn: &Connection) -> Result<Figure, AppError> {
    let yesterday = today(ctx).pred_opt().unwrap_or_else(|| today(ctx));
    let n = crate::drawers::statements::differing(conn, yesterday)?;
    Ok(count(
        Msg::TodayStatementsDiffer,
        u64::try_from(n).unwrap_or(u64::MAX),
        Some(&paths::day_close(yesterday)),
    ))
}

/// The modem's and the uploader's state, in words.
fn links(ctx: &Ctx, conn: &Connection) -> Result<[Figure; 2], AppError> {
    let uploader = if !ctx.app.uploader.configured() {
        Msg::SyncNotConfigured
    } else if crate::sync::status(conn, ctx.app.uploader.max_batch)?
        .last_error
        .is_some()
    {
        Msg::SyncFailing
    } else {
        Msg::TodayUploaderWorking
    };
    let modem = ctx.app.sms.link_state().label();
    Ok([
        (
            Msg::TodayModem,
            ctx.t(modem).to_owned(),
            Some(paths::SMS.to_owned()),
        ),
        (
            Msg::TodayUploader,
            ctx.t(uploader).to_owned(),
            Some(paths::SYNC.to_owned()),
        ),
    ])
}

/// The overdue tickets by age as a bar chart.
fn overdue_chart(ctx: &Ctx, overdue: OverdueAges) -> Markup {
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    chart::bars(
        ctx.t(Msg::TodayOverdueChart),
        &[
            (ctx.t(Msg::TodayAgeWeek), size(overdue.up_to_a_week)),
            (ctx.t(Msg::TodayAgeMonth), size(overdue.up_to_a_month)),
            (ctx.t(Msg::TodayAgeLonger), size(overdue.longer)),
        ],
    )
}

/// The card.
pub(crate) fn card(ctx: &Ctx, conn: &Connection) -> Result<Markup, AppError> {
    let overdue = loans::today::overdue_by_age(conn, today(ctx))?;
    let mut figures = tickets(ctx, conn, overdue)?;
    figures.extend(waiting(ctx, conn)?);
    figures.extend(links(ctx, conn)?);
    Ok(html! {
        section class="card" id="today-card" {
            h2 { a href=(paths::FOLLOW_UP) { (ctx.t(Msg::TodayTitle)) } }
            dl {
                @for (words, value, list) in &figures {
                    dt { @match list {
                        Some(href) => a href=(href) { (ctx.t(*words)) },
                        None => (ctx.t(*words)),
                    } }
                    dd { (value) }
                }
            }
            div class="today-charts" {
                (overdue_chart(ctx, overdue))
                (crate::web::trends::charts(ctx, conn)?)
            }
        }
    })
}
