//! The call centre's pages (issue 15): the "Customer Follow-Up" queue with its search, filter,
//! order, pages and assignment forms (here), and the follow-up screen of one customer with the
//! follow-up note form ([`follow_up`]). The rules and records are `crate::callcentre`. Every
//! route needs the Call Centre permission; assigning to another agent needs a manager.

mod choices;
mod customer_marks;
mod dashboard;
mod follow_up;

pub(crate) use customer_marks::{approve_info, clear_do_not_contact, mark_do_not_contact};

pub(crate) use choices::{
    add as add_choice, page as choices_page, relabel as relabel_choice, retire as retire_choice,
};

pub(crate) use dashboard::{csv as dashboard_csv, page as dashboard_page};

pub(crate) use follow_up::{add_note, assign_ro, follow_up_page};

use std::sync::{Arc, Mutex};

use maud::{Markup, html};

use crate::callcentre::queue::{self, AssignError, PAGE_SIZE, PromiseState, Query, Reason, Sort};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::http::form::percent_encode;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, StaffId};
use crate::plumbing::paths::{self, FollowUpPart};
use crate::plumbing::ui;
use crate::roles::Permission;
use crate::web::Ctx;
use crate::web::loans::today;

/// The query string's reading of the queue's form.
struct Asked {
    search: String,
    reason: Option<Reason>,
    sort: Sort,
    mine: bool,
    page: u32,
}

impl Asked {
    fn read(ctx: &Ctx) -> Result<Asked, AppError> {
        let q = ctx.req.query_form()?;
        Ok(Asked {
            search: q.text("q").trim().chars().take(100).collect(),
            reason: Reason::from_code(q.text("reason")),
            sort: Sort::from_code(q.text("sort")).unwrap_or(Sort::Priority),
            mine: q.text("mine") == "1",
            page: q.text("page").parse().unwrap_or(1).max(1),
        })
    }

    /// The query string of page `page` of the same question.
    fn link(&self, page: u32) -> String {
        format!(
            "{}?q={}&reason={}&sort={}&mine={}&page={page}",
            paths::FOLLOW_UP,
            percent_encode(&self.search),
            self.reason.map_or("", Reason::code),
            self.sort.code(),
            if self.mine { "1" } else { "" },
        )
    }
}

fn reason_label(reason: Reason) -> Msg {
    match reason {
        Reason::Overdue => Msg::FollowUpReasonOverdue,
        Reason::DueSoon => Msg::FollowUpReasonDueSoon,
        Reason::PromiseToday => Msg::FollowUpReasonPromiseToday,
        Reason::BrokenPromise => Msg::FollowUpReasonBroken,
        Reason::NewApplication => Msg::FollowUpReasonNewApplication,
    }
}

fn sort_label(sort: Sort) -> Msg {
    match sort {
        Sort::Priority => Msg::FollowUpSortPriority,
        Sort::DaysOverdue => Msg::FollowUpSortDays,
        Sort::AmountOverdue => Msg::FollowUpSortAmount,
        Sort::LastContact => Msg::FollowUpSortContact,
        Sort::PromiseState => Msg::FollowUpSortPromise,
    }
}

/// GET /staff/callcentre: the queue.
pub(crate) fn queue_page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    let asked = Asked::read(ctx)?;
    let mut conn = ctx.app.db.conn()?;
    let query = Query {
        search: &asked.search,
        reason: asked.reason,
        sort: asked.sort,
        assigned_to: asked.mine.then_some(&user.id),
        page: asked.page,
    };
    let rows = queue_rows(ctx, &mut conn)?;
    let page = queue::pick(&rows, &query);
    let agents = if queue::may_assign(user) {
        queue::agents(&conn)?
    } else {
        Vec::new()
    };
    drop(conn);
    let body = html! {
        p class="actions" {
            a href=(paths::FOLLOW_UP_DASHBOARD) { (ctx.t(Msg::AgentDashboardTitle)) }
            @if queue::may_assign(user) { a href=(paths::FOLLOW_UP_CHOICES) { (ctx.t(Msg::ChoicesTitle)) } }
        }
        (search_form(ctx, &asked))
        @if page.rows.is_empty() { p class="muted" { (ctx.t(Msg::FollowUpNone)) } }
        @else { (table(ctx, &page.rows, &agents)) }
        (pager(ctx, &asked, page.total))
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::FollowUpTitle), body))
}

/// The queue's rows as last read, and what they were read at: the branch's database (by its
/// directory), the branch's day and the change log's generation (`queue::generation`). While
/// all three are the same, pages of the queue only filter, sort and page in memory. After a
/// write, the next page reads afresh only the rows of the customers the change log says it
/// touched (`queue::touched_since`, `queue::Rows::updated`); only a new day, another database
/// or a log that cannot tell reads every row again.
struct Cached {
    data_dir: String,
    today: chrono::NaiveDate,
    generation: i64,
    rows: Arc<queue::Rows>,
}

static QUEUE_ROWS: Mutex<Option<Cached>> = Mutex::new(None);

/// Held while the rows are brought up to date: the pages asked for meanwhile wait for that one
/// read (and take its rows) instead of each reading them at once after a write.
static READING: Mutex<()> = Mutex::new(());

fn queue_rows(ctx: &Ctx, conn: &mut rusqlite::Connection) -> Result<Arc<queue::Rows>, AppError> {
    let day = today(ctx);
    let data_dir = &ctx.app.config.storage.data_dir;
    // The rows kept for this database and day, and their generation.
    let kept = || {
        let cache = QUEUE_ROWS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .as_ref()
            .filter(|c| c.today == day && c.data_dir == *data_dir)
            .map(|c| (c.generation, Arc::clone(&c.rows)))
    };
    let generation = queue::generation(conn)?;
    if let Some((g, rows)) = kept()
        && g == generation
    {
        return Ok(rows);
    }
    let _reading = READING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // The generation, the customers touched and their rows from one snapshot of the database.
    let tx = conn.transaction()?;
    let generation = queue::generation(&tx)?;
    let before = kept();
    if let Some((g, rows)) = &before
        && *g == generation
    {
        return Ok(Arc::clone(rows));
    }
    let touched = match &before {
        Some((g, rows)) => queue::touched_since(&tx, *g, generation)?.map(|t| (t, rows)),
        None => None,
    };
    let rows = Arc::new(match touched {
        Some((touched, rows)) => rows.updated(&touched, queue::candidates_of(&tx, day, &touched)?),
        None => queue::Rows::new(queue::candidates(&tx, day)?),
    });
    drop(tx);
    *QUEUE_ROWS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Cached {
        data_dir: data_dir.clone(),
        today: day,
        generation,
        rows: Arc::clone(&rows),
    });
    Ok(rows)
}

fn search_form(ctx: &Ctx, asked: &Asked) -> Markup {
    let reason = asked.reason.map_or("", Reason::code);
    html! {
        form method="get" action=(paths::FOLLOW_UP) class="actions" role="search" {
            div class="field" {
                label for="q" { (ctx.t(Msg::FollowUpSearch)) }
                input id="q" name="q" type="search" value=(asked.search) maxlength="100";
            }
            div class="field" {
                label for="reason" { (ctx.t(Msg::FollowUpReason)) }
                select id="reason" name="reason" {
                    option value="" { (ctx.t(Msg::FollowUpReasonAll)) }
                    @for r in Reason::ALL {
                        option value=(r.code()) selected[r.code() == reason] { (ctx.t(reason_label(r))) }
                    }
                }
            }
            div class="field" {
                label for="sort" { (ctx.t(Msg::FollowUpSort)) }
                select id="sort" name="sort" {
                    @for s in Sort::ALL {
                        option value=(s.code()) selected[s == asked.sort] { (ctx.t(sort_label(s))) }
                    }
                }
            }
            label class="check" {
                input type="checkbox" name="mine" value="1" checked[asked.mine];
                " " (ctx.t(Msg::FollowUpMine))
            }
            button type="submit" { (ctx.t(Msg::Search)) }
        }
    }
}

fn promise_badge(ctx: &Ctx, state: PromiseState) -> Markup {
    html! {
        @match state {
            PromiseState::None => span class="muted" { "—" },
            PromiseState::Active => span class="badge" { (ctx.t(Msg::PromiseActive)) },
            PromiseState::DueToday => span class="badge warn" { (ctx.t(Msg::FollowUpPromiseDueToday)) },
            PromiseState::Broken => span class="badge bad" { (ctx.t(Msg::PromiseBroken)) },
        }
    }
}

fn table(ctx: &Ctx, rows: &[queue::Row], agents: &[(StaffId, String)]) -> Markup {
    let currency = ctx.app.config.currency();
    let country = &ctx.app.config.branch.country;
    let csrf = ctx.csrf();
    html! {
        div class="table-wrap" { table class="follow-up" {
            thead { tr {
                th { (ctx.t(Msg::FollowUpCustomer)) } th { (ctx.t(Msg::PhoneNumber)) }
                th { (ctx.t(Msg::FollowUpTickets)) }
                th class="num" { (ctx.t(Msg::FollowUpSortDays)) } th class="num" { (ctx.t(Msg::FollowUpSortAmount)) }
                th { (ctx.t(Msg::FollowUpSortContact)) } th { (ctx.t(Msg::FollowUpSortPromise)) }
                th { (ctx.t(Msg::FollowUpAgent)) }
            } }
            tbody {
                @for r in rows {
                    tr {
                        td {
                            a href=(paths::follow_up(&r.customer, FollowUpPart::Screen)) { (r.name) }
                            @if r.do_not_text { " " span class="badge bad" { (ctx.t(Msg::DoNotText)) } }
                            @if r.do_not_contact { " " span class="badge bad" { (ctx.t(Msg::DoNotContact)) } }
                            @if r.new_application { " " span class="badge" { (ctx.t(Msg::FollowUpNewApplication)) } }
                            @if r.open_complaint { " " span class="badge warn" { (ctx.t(Msg::FollowUpOpenComplaint)) } }
                        }
                        td { (r.phone.national(country)) }
                        td { (r.tickets) }
                        td class="num" { (r.days_overdue) }
                        td class="num" { (currency.format(r.amount_overdue, ctx.lang)) }
                        td { @match r.last_contact { Some(at) => (ctx.datetime(at)), None => span class="muted" { (ctx.t(Msg::FollowUpNever)) } } }
                        td { (promise_badge(ctx, r.promise)) }
                        td { (agent_cell(ctx, &r.customer, r.agent.as_ref(), agents, &csrf)) }
                    }
                }
            }
        } }
    }
}

/// The agent of a row, with a manager's assign form or an agent's take button.
fn agent_cell(
    ctx: &Ctx,
    customer: &CustomerId,
    agent: Option<&(StaffId, String)>,
    agents: &[(StaffId, String)],
    csrf: &str,
) -> Markup {
    let current = agent.map(|(id, _)| id.as_str()).unwrap_or("");
    html! {
        @if !agents.is_empty() {
            form method="post" action=(paths::follow_up(customer, FollowUpPart::Assign)) class="inline" {
                (ui::csrf_input(csrf))
                label class="visually-hidden" for={ "agent-" (customer) } { (ctx.t(Msg::FollowUpAgent)) }
                select id={ "agent-" (customer) } name="agent" {
                    @if agent.is_none() { option value="" { (ctx.t(Msg::FollowUpUnassigned)) } }
                    @for (id, name) in agents {
                        option value=(id) selected[id.as_str() == current] { (name) }
                    }
                }
                " " button type="submit" class="secondary" { (ctx.t(Msg::FollowUpAssign)) }
            }
        } @else if let Some((_, name)) = agent {
            (name)
        } @else {
            form method="post" action=(paths::follow_up(customer, FollowUpPart::Take)) class="inline" {
                (ui::csrf_input(csrf))
                span class="muted" { (ctx.t(Msg::FollowUpUnassigned)) } " "
                button type="submit" class="secondary" { (ctx.t(Msg::FollowUpTake)) }
            }
        }
    }
}

fn pager(ctx: &Ctx, asked: &Asked, total: u32) -> Markup {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = asked.page.min(pages);
    html! {
        nav class="pager" aria-label=(ctx.t(Msg::FollowUpTitle)) {
            @if page > 1 { a href=(asked.link(page - 1)) rel="prev" { (ctx.t(Msg::Previous)) } " " }
            span { (ctx.lang.fill(Msg::FollowUpPageOf, &[
                ("page", &page.to_string()), ("pages", &pages.to_string()), ("n", &total.to_string()),
            ])) }
            @if page < pages { " " a href=(asked.link(page + 1)) rel="next" { (ctx.t(Msg::Next)) } }
        }
    }
}

/// POST /staff/callcentre/customers/{id}/take: an agent takes an unassigned customer.
pub(crate) fn take(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let result = queue::take(&tx, user, &id, ctx.now);
    finish_assignment(ctx, tx, result, &user.full_name)
}

/// POST /staff/callcentre/customers/{id}/assign: a manager assigns an agent.
pub(crate) fn assign(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    if !queue::may_assign(user) {
        return Err(AppError::Forbidden);
    }
    let agent: StaffId = ctx
        .form()?
        .text("agent")
        .parse()
        .map_err(|_| AppError::BadRequest(ctx.t(Msg::FollowUpAgentInvalid).to_owned()))?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let name = queue::agents(&tx)?
        .into_iter()
        .find(|(id, _)| *id == agent)
        .map(|(_, name)| name)
        .unwrap_or_default();
    let result = queue::assign(&tx, user, &id, &agent, ctx.now);
    finish_assignment(ctx, tx, result, &name)
}

fn finish_assignment(
    ctx: &Ctx,
    tx: rusqlite::Transaction,
    result: Result<(), AssignError>,
    name: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => {
            tx.commit()?;
            ctx.flash(&ctx.lang.fill(Msg::FollowUpTaken, &[("name", name)]));
            Ok(Response::see_other(paths::FOLLOW_UP))
        }
        Err(AssignError::Taken(other)) => Err(AppError::BadRequest(
            ctx.lang
                .fill(Msg::FollowUpTakenByOther, &[("name", &other)]),
        )),
        Err(AssignError::NoSuchCustomer) => Err(AppError::NotFound),
        Err(AssignError::NotManager) => Err(AppError::Forbidden),
        Err(AssignError::NotAnAgent) => Err(AppError::BadRequest(
            ctx.t(Msg::FollowUpAgentInvalid).to_owned(),
        )),
        Err(AssignError::Db(e)) => Err(e.into()),
    }
}
