//! The Complaints pages (issue 14): the case list, filtered and sorted, with each case's time
//! left in green, amber or red, and the new case form (from the list through a customer
//! search, or from a customer's file). The case page and its forms are [`case`]; the records,
//! rules and clocks are `complaints`.

pub(crate) mod case;
pub(crate) mod files;
pub(crate) mod portal;
pub(crate) mod steps;
pub(crate) mod weekly;

use maud::{Markup, html};

use crate::complaints::cases::{self, CaseError, NewCase, Opener};
use crate::complaints::list::{self, Filter, Listed, Slice, Sort, States};
use crate::complaints::sla::{Calendar, ClockState, Light};
use crate::complaints::{Case, Category, Channel, Priority, State};
use crate::customers::caller::DETAILS;
use crate::customers::{self, Customer};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, LoanId, StaffId};
use crate::plumbing::paths;
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// Who handles complaints: call agents and CS staff, and the CS managers.
pub(crate) const HANDLERS: [Permission; 2] =
    [Permission::Complaints, Permission::ComplaintEscalations];

/// The cases a page of the list shows.
const LISTED: u32 = 50;

/// How many customers the new case's search shows.
const FOUND: u32 = 20;

/// GET /staff/complaints: the cases, by the filter in the query.
pub(crate) fn list_page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(&HANDLERS)?;
    let query = ctx.req.query_form()?;
    let state = query.text("state");
    let filter = Filter {
        states: match state {
            "" => States::Unresolved,
            "all" => States::All,
            code => State::from_code(code).map_or(States::Unresolved, States::One),
        },
        category: Category::from_code(query.text("category")),
        owner: (query.get("mine") == Some("1")).then(|| user.id.clone()),
        opened: None,
        sort: match query.text("sort") {
            "opened" => Sort::Opened,
            "newest" => Sort::Newest,
            _ => Sort::TimeLeft,
        },
    };
    let paging = ui::Paging::of(&query, LISTED);
    let conn = ctx.app.db.conn()?;
    let calendar = Calendar::load(&conn, ctx.app.config.utc_offset())?;
    let config = &ctx.app.config.complaints;
    let slice = Slice {
        offset: paging.offset() as usize,
        limit: paging.limit() as usize,
    };
    let mut rows = list::cases::<Case>(&conn, &filter, &calendar, config, ctx.now, slice)?;
    let more = paging.keep(&mut rows);
    let link = |page: u32| list_link(state, &filter, query.text("sort"), page);
    let body = html! {
        p class="actions" {
            @if user.role.has(Permission::Complaints) { a class="button" href=(paths::NEW_COMPLAINT) { (ctx.t(Msg::ComplaintNew)) } }
            @if weekly::READERS.iter().any(|p| user.role.has(*p)) { a class="button secondary" href=(paths::COMPLAINTS_WEEKLY) { (ctx.t(Msg::WeeklyNav)) } }
        }
        (filter_form(ctx, &filter, state, query.text("sort")))
        (cases_table(ctx, &rows))
        (paging.links(ctx.lang, more, link))
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::ComplaintsTitle), body))
}

/// The address of `page` of the list as the filter form asked for it.
fn list_link(state: &str, filter: &Filter, sort: &str, page: u32) -> String {
    let encode = crate::plumbing::http::form::percent_encode;
    let category = filter.category.map_or("", Category::code);
    let mine = if filter.owner.is_some() {
        "&mine=1"
    } else {
        ""
    };
    format!(
        "{}?state={}&category={category}&sort={}{mine}&page={page}",
        paths::COMPLAINTS,
        encode(state),
        encode(sort)
    )
}

/// The list's filter: a GET form, so a filtered list can be bookmarked.
fn filter_form(ctx: &Ctx, filter: &Filter, state: &str, sort: &str) -> Markup {
    let mut states = vec![
        ("", ctx.t(Msg::ComplaintsUnresolved)),
        ("all", ctx.t(Msg::ComplaintsAll)),
    ];
    states.extend(State::ALL.iter().map(|s| (s.code(), ctx.t(s.label()))));
    let mut categories = vec![("", ctx.t(Msg::ComplaintsAnyCategory))];
    categories.extend(Category::ALL.iter().map(|c| (c.code(), ctx.t(c.label()))));
    let sorts = [
        ("", ctx.t(Msg::ComplaintsSortTimeLeft)),
        ("opened", ctx.t(Msg::ComplaintsSortOpened)),
        ("newest", ctx.t(Msg::ComplaintsSortNewest)),
    ];
    let category = filter.category.map_or("", Category::code);
    html! {
        form method="get" action=(paths::COMPLAINTS) class="filters" {
            (ui::select(ctx.t(Msg::ComplaintState), "state", &states, state, None))
            (ui::select(ctx.t(Msg::ComplaintCategory), "category", &categories, category, None))
            (ui::select(ctx.t(Msg::ComplaintsSort), "sort", &sorts, sort, None))
            label class="check" {
                input type="checkbox" name="mine" value="1" checked[filter.owner.is_some()];
                " " (ctx.t(Msg::ComplaintsMine))
            }
            div { button type="submit" class="secondary" { (ctx.t(Msg::ComplaintsShow)) } }
        }
    }
}

/// The cases as a table.
fn cases_table(ctx: &Ctx, rows: &[Listed]) -> Markup {
    html! {
        @if rows.is_empty() { p class="muted" { (ctx.t(Msg::ComplaintsNone)) } }
        @else {
            div class="table-wrap" { table class="complaints" {
                thead { tr {
                    th { (ctx.t(Msg::ComplaintOpenedAt)) } th { (ctx.t(Msg::ComplaintCustomer)) }
                    th { (ctx.t(Msg::ComplaintCategory)) } th { (ctx.t(Msg::ComplaintChannel)) }
                    th { (ctx.t(Msg::ComplaintState)) } th { (ctx.t(Msg::ComplaintOwner)) }
                    th { (ctx.t(Msg::ComplaintTimeLeft)) }
                } }
                tbody { @for row in rows {
                    tr {
                        td { a href=(paths::complaint(&row.case.id)) { (ctx.datetime(row.case.opened_at)) } }
                        td { (row.case.customer_name) }
                        td { (ctx.t(row.case.category.label())) }
                        td { (ctx.t(row.case.channel.label())) }
                        td { (ctx.t(row.case.state.label())) }
                        td { (row.case.owner_name.as_deref().unwrap_or("—")) }
                        td { @if row.case.state.is_open() { (clock_badge(ctx, row.clocks.main())) } @else { "—" } }
                    }
                } }
            } }
        }
    }
}

/// A clock as a badge: the time left (or over) in its colour, or that it stands still.
pub(crate) fn clock_badge(ctx: &Ctx, clock: &ClockState) -> Markup {
    let light = clock.light(ctx.app.config.complaints.amber_percent);
    let class = match light {
        Light::Green => "badge ok",
        Light::Amber => "badge warn",
        Light::Red => "badge bad",
    };
    let text = if clock.paused && !clock.breached() {
        ctx.t(Msg::ClockPaused).to_owned()
    } else if clock.breached() {
        ctx.lang
            .fill(Msg::ClockOver, &[("time", &span(ctx, -clock.left()))])
    } else {
        ctx.lang
            .fill(Msg::ClockLeft, &[("time", &span(ctx, clock.left()))])
    };
    html! { span class=(class) data-light=(light.code()) { (text) } }
}

/// A length of time in days, hours and minutes ("2 d 4 h", "35 min").
fn span(ctx: &Ctx, time: chrono::Duration) -> String {
    let minutes = time.num_minutes().max(0);
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let (msg, values) = if d > 0 {
        (Msg::SpanDays, [("d", d), ("h", h)])
    } else if h > 0 {
        (Msg::SpanHours, [("h", h), ("m", m)])
    } else {
        (Msg::SpanMinutes, [("m", m), ("h", 0)])
    };
    let values: Vec<(&str, String)> = values.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ctx.lang.fill(msg, &refs)
}

/// Staff who may own a case.
pub(crate) fn owners(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<StaffUser>> {
    Ok(crate::staff::list(conn)?
        .into_iter()
        .filter(|l| !l.disabled && HANDLERS.iter().any(|p| l.user.role.has(*p)))
        .map(|l| l.user)
        .collect())
}

/// GET /staff/complaints/new: the form for `?customer=`, else a search for the customer.
pub(crate) fn new_page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Complaints)?;
    let query = ctx.req.query_form()?;
    let customer = match query.text("customer").parse::<CustomerId>() {
        Ok(id) => customers::get(&*ctx.app.db.conn()?, &id)?,
        Err(_) => None,
    };
    match customer {
        Some(customer) => render_new(ctx, user, &customer, FieldErrors::none(), 200),
        None => search_page(ctx, user, query.text("q")),
    }
}

/// The new case's first step: find the customer (by phone, KTP number or name).
fn search_page(ctx: &Ctx, user: &StaffUser, q: &str) -> Result<Response, AppError> {
    let country = &ctx.app.config.branch.country;
    let found = if q.is_empty() {
        Vec::new()
    } else {
        customers::search::find(&*ctx.app.db.conn()?, q, country, FOUND, 0)?
    };
    let mut field = Field::new(ctx.t(Msg::ComplaintFindCustomer), "q", q);
    field.kind = "search";
    let body = html! {
        form method="get" action=(paths::NEW_COMPLAINT) class="stack" {
            (ui::field(&field))
            div { button type="submit" { (ctx.t(Msg::ComplaintsShow)) } }
        }
        @if !q.is_empty() && found.is_empty() { p class="muted" { (ctx.t(Msg::ComplaintsNoCustomer)) } }
        ul { @for c in &found {
            li { a href=(paths::new_complaint_for(&c.id)) { (c.full_name) } " · " (c.phone.national(country)) }
        } }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::ComplaintNew), body))
}

/// The new case form for `customer`, again as `sent` when refused.
fn render_new(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &Customer,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let tickets = crate::loans::of_customer(&conn, &customer.id)?;
    let owners = owners(&conn)?;
    drop(conn);
    let channels: Vec<(&str, &str)> = Channel::ALL
        .iter()
        .filter(|c| **c != Channel::Portal)
        .map(|c| (c.code(), ctx.t(c.label())))
        .collect();
    let categories: Vec<(&str, &str)> = Category::ALL
        .iter()
        .map(|c| (c.code(), ctx.t(c.label())))
        .collect();
    let priorities: Vec<(&str, &str)> = Priority::ALL
        .iter()
        .map(|p| (p.code(), ctx.t(p.label())))
        .collect();
    let mut loans: Vec<(&str, &str)> = vec![("", ctx.t(Msg::ComplaintNoTicket))];
    loans.extend(
        tickets
            .iter()
            .map(|t| (t.id.as_str(), t.ticket_no.as_str())),
    );
    let people: Vec<(&str, &str)> = owners
        .iter()
        .map(|o| (o.id.as_str(), o.full_name.as_str()))
        .collect();
    let pick = |name: &str, fresh: &str| -> String { sent.value_or(name, fresh).to_owned() };
    let mut code = Field::typed(ctx.t(Msg::ComplaintPaymentCode), "payment_code", "", sent);
    code.required = false;
    let description = sent.error_for("description");
    let body = html! {
        p { a href=(paths::customer(&customer.id)) { (customer.full_name) } }
        form method="post" action=(paths::NEW_COMPLAINT) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            input type="hidden" name="customer" value=(customer.id);
            (ui::form_error(sent.whole()))
            fieldset id="checked" {
                legend { (ctx.t(Msg::CallerChecked)) }
                (ui::field_error(sent.error_for("checked")))
                @for (name, label) in DETAILS {
                    label class="check" {
                        input type="checkbox" name=(name) value="1" checked[sent.value_or(name, "") == "1"];
                        " " (ctx.t(label))
                    }
                }
            }
            (ui::select(ctx.t(Msg::ComplaintChannel), "channel", &channels, &pick("channel", "hotline"), sent.error_for("channel")))
            (ui::select(ctx.t(Msg::ComplaintCategory), "category", &categories, &pick("category", "billing"), sent.error_for("category")))
            (ui::select(ctx.t(Msg::ComplaintPriority), "priority", &priorities, &pick("priority", "normal"), sent.error_for("priority")))
            (ui::select(ctx.t(Msg::ComplaintTicket), "loan", &loans, &pick("loan", ""), sent.error_for("loan")))
            (ui::field(&code))
            div class={ "field" @if description.is_some() { " invalid" } } {
                label for="description" { (ctx.t(Msg::ComplaintDescription)) }
                (ui::field_error(description))
                textarea id="description" name="description" rows="4" maxlength=(cases::MAX_TEXT_CHARS) required
                    aria-invalid=[description.map(|_| "true")] { (sent.value_or("description", "")) }
            }
            (ui::select(ctx.t(Msg::ComplaintOwner), "owner", &people, &pick("owner", user.id.as_str()), sent.error_for("owner")))
            div { button type="submit" { (ctx.t(Msg::ComplaintOpen)) } }
        }
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::ComplaintNew), body);
    response.status = status;
    Ok(response)
}

/// POST /staff/complaints/new: opens the case.
pub(crate) fn create(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Complaints)?;
    let form = ctx.form()?;
    let id: CustomerId = form
        .text("customer")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let customer = customers::get(&*ctx.app.db.conn()?, &id)?.ok_or(AppError::NotFound)?;
    let mut sent = FieldErrors::sent("new", form);
    let chosen = |name: &str| form.text(name);
    let channel = Channel::from_code(chosen("channel")).filter(|c| *c != Channel::Portal);
    let category = Category::from_code(chosen("category"));
    let priority = Priority::from_code(chosen("priority"));
    let loan = match chosen("loan") {
        "" => Ok(None),
        text => text.parse::<LoanId>().map(Some),
    };
    let owner = chosen("owner").parse::<StaffId>().ok();
    let code = match chosen("payment_code") {
        "" => Some(None),
        text => crate::loans::codes::normalise(text).map(Some),
    };
    for (name, ok) in [
        ("channel", channel.is_some()),
        ("category", category.is_some()),
        ("priority", priority.is_some()),
        ("loan", loan.is_ok()),
        ("owner", owner.is_some()),
    ] {
        if !ok {
            sent.add(name, ctx.t(Msg::ComplaintChoose));
        }
    }
    if code.is_none() {
        sent.add("payment_code", ctx.t(Msg::ComplaintPaymentCodeInvalid));
    }
    let (Some(channel), Some(category), Some(priority), Ok(loan), Some(owner), Some(code)) =
        (channel, category, priority, loan, owner, code)
    else {
        return render_new(ctx, user, &customer, &sent, 400);
    };
    let checked: Vec<&str> = DETAILS
        .iter()
        .filter(|(name, _)| form.get(name) == Some("1"))
        .map(|(name, _)| *name)
        .collect();
    let new = NewCase {
        customer: &customer.id,
        channel,
        category,
        priority,
        loan: loan.as_ref(),
        payment_code: code.as_deref(),
        description: form.text("description"),
        owner: Some(&owner),
    };
    let opener = Opener::Staff {
        user,
        checked: &checked,
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match cases::open(&tx, &new, &opener, &ctx.app.config, ctx.now) {
        Ok(case) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::ComplaintOpened));
            Ok(Response::see_other(&paths::complaint(&case)))
        }
        Err(CaseError::Db(e)) => Err(e.into()),
        Err(CaseError::NoSuchCustomer) => Err(AppError::NotFound),
        Err(e) => {
            drop(tx);
            let (field, msg) = match e {
                CaseError::CallerNotVerified => ("checked", Msg::CallerNothingChecked),
                CaseError::Description => ("description", Msg::ComplaintDescriptionLength),
                CaseError::NotCustomersTicket => ("loan", Msg::ComplaintChoose),
                CaseError::NotCustomersPaymentCode => {
                    ("payment_code", Msg::ComplaintPaymentCodeNotTheirs)
                }
                _ => ("owner", Msg::ComplaintChoose),
            };
            sent.add(field, ctx.t(msg));
            render_new(ctx, user, &customer, &sent, 400)
        }
    }
}

/// The customer file's complaints section: their cases and "Open a complaint".
pub(crate) fn customer_section(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &CustomerId,
) -> Result<Markup, AppError> {
    if !HANDLERS.iter().any(|p| user.role.has(*p)) {
        return Ok(html! {});
    }
    let cases = crate::complaints::of_customer(&*ctx.app.db.conn()?, customer)?;
    Ok(html! {
        section class="card" id="complaints" {
            h2 { (ctx.t(Msg::ComplaintsTitle)) }
            @if cases.is_empty() { p class="muted" { (ctx.t(Msg::ComplaintsNone)) } }
            ul { @for c in &cases {
                li { a href=(paths::complaint(&c.id)) { (ctx.datetime(c.opened_at)) " · " (ctx.t(c.category.label())) } " · " (ctx.t(c.state.label())) }
            } }
            @if user.role.has(Permission::Complaints) {
                p { a class="button secondary" href=(paths::new_complaint_for(customer)) { (ctx.t(Msg::ComplaintNew)) } }
            }
        }
    })
}

/// How many late cases the dashboard card lists.
const CARD_CASES: u32 = 5;

/// The dashboard card for those who handle complaints: the cases the breach pass escalated
/// (the CS managers' first), and how many are not yet resolved.
pub(crate) fn card(ctx: &Ctx, conn: &rusqlite::Connection) -> Result<Markup, AppError> {
    let Some(user) = ctx.staff()? else {
        return Ok(html! {});
    };
    if !HANDLERS.iter().any(|p| user.role.has(*p)) {
        return Ok(html! {});
    }
    let late = crate::complaints::breach::late(conn, CARD_CASES)?;
    let unresolved = crate::complaints::unresolved_count(conn)?;
    Ok(html! {
        section class="card" id="complaints-card" {
            h2 { a href=(paths::COMPLAINTS) { (ctx.t(Msg::CardComplaints)) } }
            @if late.is_empty() { p { (ctx.t(Msg::CardComplaintsNone)) } }
            @else {
                ul { @for c in &late {
                    li { span class="badge bad" { (ctx.t(c.state.label())) } " "
                        a href=(paths::complaint(&c.id)) { (c.customer_name) } " · " (ctx.t(c.category.label())) }
                } }
            }
            p class="muted" { (ctx.lang.fill(Msg::CardComplaintsOpen, &[("n", &unresolved.to_string())])) }
        }
    })
}
