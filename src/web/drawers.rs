//! The cash-drawer pages: "My cash drawer" (open it with a counted float, its expected balance
//! and cash movements, cash asked to move with the safe, the count that closes it), the day's
//! drawers (each clerk's float, expected balance, count, over or short with its reason, the
//! sign-off; cash with the safe waiting for a second person; the other methods' totals and
//! their match against the imported statements), and a drawer's printable sheet. The rules
//! and the records are in `drawers`.
//!
//! Who may do what: a drawer is the cash of whoever takes payments (`Payments`): they open,
//! count and close their own, ask for cash to move with the safe, and confirm someone else's
//! request (the second pair of eyes). The day's drawers are read by those who read reports;
//! signing a count off is a manager's money decision (`Corrections`, as reversals), never the
//! drawer's own clerk's.

use maud::{Markup, html};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::drawers::safe::{self, Direction, Transfer};
use crate::drawers::{self, Count, Counts, Drawer, DrawerError, MethodTotal};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{DrawerId, SafeTransferId};
use crate::plumbing::money::parse_amount;
use crate::plumbing::paths::{self, DrawerAction};
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;
use crate::web::loans::{method_label, today};

/// Who has a drawer.
const CLERKS: Permission = Permission::Payments;
/// Who reads the day's drawers.
const VIEWERS: &[Permission] = &[Permission::Reports, Permission::Corrections];
/// Who signs a count off.
const SIGNERS: Permission = Permission::Corrections;

/// GET /staff/drawer: the signed-in member's drawer, or the form that opens one.
pub(crate) fn mine(ctx: &Ctx) -> Result<Response, AppError> {
    render_mine(ctx, FieldErrors::none(), 200)
}

/// The page of the member's drawer, with a refused form's values and messages.
fn render_mine(ctx: &Ctx, sent: &FieldErrors, status: u16) -> Result<Response, AppError> {
    let user = ctx.require(CLERKS)?;
    let conn = ctx.app.db.conn()?;
    let drawer = drawers::open_of(&conn, &user.id)?;
    let body = match &drawer {
        None => html! {
            p { (ctx.t(Msg::DrawerNoneOpen)) }
            (open_form(ctx, sent.of("open")))
        },
        Some(d) => {
            let expected = drawers::expected(&conn, &d.id)?;
            let movements = drawers::movements(&conn, &d.id)?;
            let waiting: Vec<Transfer> = safe::waiting(&conn)?
                .into_iter()
                .filter(|t| t.drawer == d.id)
                .collect();
            html! {
                (ui::form_error(sent.of("open").whole()))
                (summary(ctx, d, expected))
                (movements_table(ctx, &movements))
                (safe_form(ctx, &waiting, sent.of("safe")))
                (close_form(ctx, d, sent.of("close")))
            }
        }
    };
    drop(conn);
    let mut page = ctx.staff_page(user, ctx.t(Msg::DrawerMine), body);
    page.status = status;
    Ok(page)
}

/// The drawer at a glance: when it opened, the float, the expected balance, its sheet.
fn summary(ctx: &Ctx, d: &Drawer, expected: i64) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        section class="card" id="drawer-summary" {
            dl {
                dt { (ctx.t(Msg::DrawerClerk)) } dd { (d.clerk) }
                dt { (ctx.t(Msg::DrawerOpenedAt)) } dd { (ctx.datetime(d.opened_at)) }
                dt { (ctx.t(Msg::DrawerFloat)) } dd { (money(d.float)) }
                dt { (ctx.t(Msg::DrawerExpected)) } dd id="drawer-expected" { strong { (money(expected)) } }
                @if d.left_open_on.is_some() { dt { (ctx.t(Msg::Status)) } dd class="error" { (ctx.t(Msg::DrawerLeftOpen)) } }
            }
            p class="no-print" { a href=(paths::drawer(&d.id, DrawerAction::Print)) { (ctx.t(Msg::DrawerPrint)) } }
        }
    }
}

/// The inputs of a count by denomination (`n<value>`: how many), with what was typed.
fn denomination_inputs(ctx: &Ctx, prefix: &str, sent: &FieldErrors) -> Markup {
    let currency = ctx.app.config.currency();
    let values = drawers::counts::denominations(&currency.code);
    html! {
        @if !values.is_empty() {
            fieldset class="denominations" {
                legend { (ctx.t(Msg::DrawerByDenomination)) }
                @for v in values {
                    @let name = format!("{prefix}{v}");
                    div class="field" {
                        label for=(name) { (currency.format(*v, ctx.lang)) }
                        input id=(name) name=(name) type="number" min="0" step="1" inputmode="numeric" value=(sent.value_or(&name, ""));
                    }
                }
            }
        }
    }
}

/// The form that opens a drawer with its float.
fn open_form(ctx: &Ctx, sent: &FieldErrors) -> Markup {
    let float = Field::typed(ctx.t(Msg::DrawerFloat), "float", "", sent);
    html! {
        form method="post" action=(paths::DRAWER_OPEN) class="stack card" id="drawer-open" {
            (ui::form_error(sent.whole()))
            (ui::csrf_input(&ctx.csrf()))
            input type="hidden" name="form" value="open";
            (ui::field(&float))
            (denomination_inputs(ctx, "n", sent))
            div { button type="submit" { (ctx.t(Msg::DrawerOpenAction)) } }
        }
    }
}

/// The count that closes the drawer.
fn close_form(ctx: &Ctx, d: &Drawer, sent: &FieldErrors) -> Markup {
    let counted = Field::typed(ctx.t(Msg::DrawerCounted), "counted", "", sent);
    let mut reason = Field::typed(ctx.t(Msg::DrawerReason), "reason", "", sent);
    reason.required = false;
    html! {
        form method="post" action=(paths::drawer(&d.id, DrawerAction::Close)) class="stack card" id="drawer-close" {
            h2 { (ctx.t(Msg::DrawerCloseAction)) }
            (ui::form_error(sent.whole()))
            (ui::csrf_input(&ctx.csrf()))
            (ui::field(&counted))
            (denomination_inputs(ctx, "n", sent))
            (ui::field(&reason))
            div { button type="submit" { (ctx.t(Msg::DrawerCloseAction)) } }
        }
    }
}

/// Cash asked to move with the safe (waiting for a second person), and the form that asks.
fn safe_form(ctx: &Ctx, waiting: &[Transfer], sent: &FieldErrors) -> Markup {
    let amount = Field::typed(ctx.t(Msg::Amount), "amount", "", sent);
    let directions: Vec<(&str, &str)> = Direction::ALL
        .iter()
        .map(|d| (d.code(), ctx.t(direction_label(*d))))
        .collect();
    html! {
        section class="card" id="drawer-safe" {
            h2 { (ctx.t(Msg::SafeTransfers)) }
            (transfers_table(ctx, None, waiting))
            form method="post" action=(paths::DRAWER_SAFE) class="stack" {
                (ui::form_error(sent.whole()))
                (ui::csrf_input(&ctx.csrf()))
                (ui::select(ctx.t(Msg::SafeDirection), "direction", &directions, sent.value_or("direction", Direction::ToSafe.code()), sent.error_for("direction")))
                (ui::field(&amount))
                div { button type="submit" class="secondary" { (ctx.t(Msg::SafeAsk)) } }
            }
        }
    }
}

/// A direction for people.
fn direction_label(d: Direction) -> Msg {
    match d {
        Direction::ToSafe => Msg::SafeToSafe,
        Direction::FromSafe => Msg::SafeFromSafe,
    }
}

/// Transfers waiting for a second person; `confirmer`, when given, gets a confirm button on
/// those someone else asked for.
fn transfers_table(ctx: &Ctx, confirmer: Option<&StaffUser>, rows: &[Transfer]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let csrf = ctx.csrf();
    html! {
        @if !rows.is_empty() {
            div class="table-wrap" { table class="safe-waiting" {
                thead { tr { th { (ctx.t(Msg::SafeDirection)) } th class="num" { (ctx.t(Msg::Amount)) } th { (ctx.t(Msg::Status)) } th {} } }
                tbody { @for t in rows { tr {
                    td { (ctx.t(direction_label(t.direction))) }
                    td class="num" { (money(t.amount)) }
                    td { (ctx.t(Msg::SafeWaiting)) " · " (ctx.datetime(t.asked_at)) }
                    td { @if confirmer.is_some_and(|u| u.id != t.asked_by) {
                        form method="post" action=(paths::safe_transfer_confirm(&t.id)) {
                            (ui::csrf_input(&csrf))
                            button type="submit" class="secondary" { (ctx.t(Msg::SafeConfirm)) }
                        }
                    } }
                } } }
            } }
        }
    }
}

/// The cash movements of a drawer, oldest first.
fn movements_table(ctx: &Ctx, rows: &[drawers::Movement]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        h2 { (ctx.t(Msg::DrawerMovements)) }
        @if rows.is_empty() { p { (ctx.t(Msg::DrawerNoMovements)) } }
        @else {
            div class="table-wrap" { table id="drawer-movements" {
                thead { tr { th { (ctx.t(Msg::Date)) } th { (ctx.t(Msg::Kind)) } th { (ctx.t(Msg::Ticket)) } th class="num" { (ctx.t(Msg::Amount)) } } }
                tbody { @for m in rows { tr {
                    td { (ctx.datetime(m.at)) }
                    td { (ctx.t(m.kind.label())) }
                    td { (m.ticket_no.as_deref().unwrap_or("")) }
                    td class="num" { (money(m.amount)) }
                } } }
            } }
        }
    }
}

/// A count by denomination as posted (`n<value>` fields), or the field's message.
fn posted_counts(ctx: &Ctx, form: &crate::plumbing::http::form::Form) -> Result<Counts, String> {
    let values = drawers::counts::denominations(&ctx.app.config.currency().code);
    let mut pairs = Vec::new();
    for v in values {
        let text = form.text(&format!("n{v}")).trim();
        if text.is_empty() {
            continue;
        }
        match text.parse::<i64>() {
            Ok(n) if n >= 0 => pairs.push((*v, n)),
            _ => return Err(ctx.t(Msg::DrawerAmountNegative).to_owned()),
        }
    }
    Ok(Counts::new(pairs))
}

/// The amount a count comes to: the one typed, else what the notes and coins add up to; both
/// given, they must agree. `None` with the message on the field.
fn counted_amount(ctx: &Ctx, field: &str, sent: &mut FieldErrors, counts: &Counts) -> Option<i64> {
    let form = ctx.form().ok()?;
    let text = form.text(field).trim();
    let exponent = ctx.app.config.currency().exponent;
    let typed = match text.is_empty() {
        true if !counts.is_empty() => Some(counts.total()),
        _ => parse_amount(text, exponent).filter(|v| *v >= 0),
    };
    let Some(amount) = typed else {
        sent.add(field, ctx.t(Msg::DrawerAmountNegative));
        return None;
    };
    if !counts.is_empty() && counts.total() != amount {
        let total = ctx.app.config.currency().format(counts.total(), ctx.lang);
        sent.add(
            field,
            ctx.lang.fill(Msg::DrawerCountsDiffer, &[("total", &total)]),
        );
        return None;
    }
    Some(amount)
}

/// The words for a drawer refusal.
fn refusal(e: &DrawerError) -> Msg {
    match e {
        DrawerError::AlreadyOpen => Msg::DrawerAlreadyOpen,
        DrawerError::Closed | DrawerError::NotFound => Msg::DrawerIsClosed,
        DrawerError::StillOpen => Msg::DrawerStillOpen,
        DrawerError::ReasonNeeded => Msg::DrawerReasonNeeded,
        DrawerError::OwnCount => Msg::DrawerOwnCount,
        DrawerError::SignedOff => Msg::DrawerSignedOffAlready,
        DrawerError::Negative => Msg::DrawerAmountNegative,
        DrawerError::Db(_) => Msg::ErrMalformed,
    }
}

/// After a write: audits `change` by `user`, commits, flashes `done` and goes to `to`.
fn audited(
    ctx: &Ctx,
    tx: rusqlite::Transaction,
    user: &StaffUser,
    change: &Change,
    done: Msg,
    to: &str,
) -> Result<Response, AppError> {
    audit::record(&tx, &Actor::Staff(user), change, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(done));
    Ok(Response::see_other(to))
}

/// A refused write on the member's drawer page: nothing kept, the page again with the
/// refusal on the form sent (409); a database failure is one.
fn refused_mine(
    ctx: &Ctx,
    tx: rusqlite::Transaction,
    mut sent: FieldErrors,
    e: DrawerError,
) -> Result<Response, AppError> {
    drop(tx);
    match e {
        DrawerError::Db(e) => Err(e.into()),
        DrawerError::ReasonNeeded => {
            sent.add("reason", ctx.t(refusal(&e)));
            render_mine(ctx, &sent, 409)
        }
        e => {
            sent.refuse(ctx.t(refusal(&e)));
            render_mine(ctx, &sent, 409)
        }
    }
}

/// POST /staff/drawer/open: opens the member's drawer with the float counted.
pub(crate) fn open(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(CLERKS)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("open", form);
    let counts = posted_counts(ctx, form).unwrap_or_else(|text| {
        sent.refuse(text);
        Counts::default()
    });
    let float = counted_amount(ctx, "float", &mut sent, &counts);
    let Some(float) = float.filter(|_| sent.is_empty()) else {
        return render_mine(ctx, &sent, 400);
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let id = match drawers::open(&tx, &user.id, float, &counts, today(ctx), ctx.now) {
        Ok(id) => id,
        Err(e) => return refused_mine(ctx, tx, sent, e),
    };
    let change = Change {
        action: "drawer.open",
        entity: "cash_drawer",
        entity_id: id.as_str(),
        before: None,
        after: Some(json!({ "float": float, "counts": counts.encode() })),
    };
    audited(ctx, tx, user, &change, Msg::DrawerOpened, paths::DRAWER)
}

/// POST /staff/drawers/{id}/close: the clerk's count; the difference is posted with its reason.
pub(crate) fn close(ctx: &Ctx, id: DrawerId) -> Result<Response, AppError> {
    let user = ctx.require(CLERKS)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("close", form);
    let counts = posted_counts(ctx, form).unwrap_or_else(|text| {
        sent.refuse(text);
        Counts::default()
    });
    let counted = counted_amount(ctx, "counted", &mut sent, &counts);
    let reason = form.text("reason").trim().to_owned();
    let Some(counted) = counted.filter(|_| sent.is_empty()) else {
        return render_mine(ctx, &sent, 400);
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let drawer = drawers::load(&tx, &id)?.ok_or(AppError::NotFound)?;
    // Each clerk counts their own drawer.
    if drawer.staff != user.id {
        return Err(AppError::Forbidden);
    }
    let count = Count {
        counted,
        counts: &counts,
        reason: &reason,
    };
    let difference = match drawers::close(&tx, &drawer, &count, &user.id, today(ctx), ctx.now) {
        Ok(d) => d,
        Err(e) => return refused_mine(ctx, tx, sent, e),
    };
    let change = Change {
        action: "drawer.close",
        entity: "cash_drawer",
        entity_id: id.as_str(),
        before: Some(json!({ "expected": counted - difference })),
        after: Some(
            json!({ "counted": counted, "over_short": difference, "reason": reason, "counts": counts.encode() }),
        ),
    };
    let sheet = paths::drawer(&id, DrawerAction::Print);
    audited(ctx, tx, user, &change, Msg::DrawerClosedDone, &sheet)
}

/// POST /staff/drawer/safe: asks for cash to move between the member's drawer and the safe.
pub(crate) fn ask_safe(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(CLERKS)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("safe", form);
    let direction = Direction::from_code(form.text("direction"));
    if direction.is_none() {
        sent.add("direction", ctx.t(Msg::ErrMalformed));
    }
    let exponent = ctx.app.config.currency().exponent;
    let amount = parse_amount(form.text("amount"), exponent).filter(|v| *v > 0);
    if amount.is_none() {
        sent.add("amount", ctx.t(Msg::AmountInvalid));
    }
    let (Some(direction), Some(amount)) = (direction, amount) else {
        return render_mine(ctx, &sent, 400);
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let Some(drawer) = drawers::open_of(&tx, &user.id)? else {
        return refused_mine(ctx, tx, sent, DrawerError::Closed);
    };
    let id = match safe::ask(&tx, &drawer, direction, amount, &user.id, ctx.now) {
        Ok(id) => id,
        Err(e) => return refused_mine(ctx, tx, sent, e),
    };
    let change = Change {
        action: "drawer.safe_asked",
        entity: "safe_transfer",
        entity_id: id.as_str(),
        before: None,
        after: Some(
            json!({ "drawer": drawer.id.as_str(), "direction": direction.code(), "amount": amount }),
        ),
    };
    audited(ctx, tx, user, &change, Msg::SafeAsked, paths::DRAWER)
}

/// POST /staff/safe-transfers/{id}/confirm: a second staff member confirms the cash moved.
pub(crate) fn confirm_safe(ctx: &Ctx, id: SafeTransferId) -> Result<Response, AppError> {
    let user = ctx.require(CLERKS)?;
    ctx.form()?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let transfer = match safe::confirm(&tx, &id, &user.id, today(ctx), ctx.now) {
        Ok(t) => t,
        Err(DrawerError::Db(e)) => return Err(e.into()),
        Err(DrawerError::NotFound) => return Err(AppError::NotFound),
        Err(DrawerError::OwnCount) => {
            return Err(AppError::BadRequest(ctx.t(Msg::SafeOwnTransfer).to_owned()));
        }
        Err(e) => return Err(AppError::BadRequest(ctx.t(refusal(&e)).to_owned())),
    };
    let change = Change {
        action: "drawer.safe_confirmed",
        entity: "safe_transfer",
        entity_id: id.as_str(),
        before: Some(json!({ "asked_by": transfer.asked_by.as_str() })),
        after: Some(
            json!({ "drawer": transfer.drawer.as_str(), "direction": transfer.direction.code(), "amount": transfer.amount }),
        ),
    };
    let back = match user.role.has(SIGNERS) || user.role.has(Permission::Reports) {
        true => paths::DRAWERS,
        false => paths::DRAWER,
    };
    audited(ctx, tx, user, &change, Msg::SafeConfirmed, back)
}

/// GET /staff/drawers?on=YYYY-MM-DD: the day's drawers, the transfers waiting, the other
/// methods' totals.
pub(crate) fn day(ctx: &Ctx) -> Result<Response, AppError> {
    render_day(ctx, None, 200)
}

/// The day's page, with a refusal about a sign-off.
fn render_day(ctx: &Ctx, error: Option<Msg>, status: u16) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let on = chrono::NaiveDate::parse_from_str(ctx.req.query_form()?.text("on"), "%Y-%m-%d")
        .unwrap_or_else(|_| today(ctx));
    let conn = ctx.app.db.conn()?;
    let rows = drawers::of_day(&conn, on)?;
    let mut expected = Vec::with_capacity(rows.len());
    for d in &rows {
        expected.push(drawers::expected(&conn, &d.id)?);
    }
    let waiting = safe::waiting(&conn)?;
    let methods = drawers::method_totals(&conn, on)?;
    let matches = drawers::statements::day_match(&conn, on)?;
    drop(conn);
    let may_confirm = user.role.has(CLERKS).then_some(user);
    let body = html! {
        form method="get" class="actions no-print" {
            div class="field" { label for="on" { (ctx.t(Msg::Date)) } input id="on" name="on" type="date" value=(on.to_string()); }
            button type="submit" { (ctx.t(Msg::Search)) }
        }
        (ui::form_error(error.map(|m| ctx.t(m))))
        (drawers_table(ctx, user, &rows, &expected))
        @if !waiting.is_empty() {
            h2 { (ctx.t(Msg::SafeTransfers)) }
            (transfers_table(ctx, may_confirm, &waiting))
        }
        h2 { (ctx.t(Msg::OtherMethodsToday)) }
        (methods_table(ctx, &methods))
        (crate::web::statement_match::section(ctx, &matches))
    };
    let mut page = ctx.staff_page(user, ctx.t(Msg::Drawers), body);
    page.status = status;
    Ok(page)
}

/// The drawers of a day with their figures and sign-off.
fn drawers_table(ctx: &Ctx, user: &StaffUser, rows: &[Drawer], expected: &[i64]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let csrf = ctx.csrf();
    html! {
        @if rows.is_empty() { p { (ctx.t(Msg::DrawerNone)) } }
        @else {
            div class="table-wrap" { table id="drawers" {
                thead { tr {
                    th { (ctx.t(Msg::DrawerClerk)) } th class="num" { (ctx.t(Msg::DrawerFloat)) }
                    th class="num" { (ctx.t(Msg::DrawerExpected)) } th class="num" { (ctx.t(Msg::DrawerCounted)) }
                    th class="num" { (ctx.t(Msg::DrawerOverShort)) } th { (ctx.t(Msg::Reason)) } th { (ctx.t(Msg::Status)) }
                } }
                tbody { @for (d, balance) in rows.iter().zip(expected) { tr {
                    td { a href=(paths::drawer(&d.id, DrawerAction::Print)) { (d.clerk) } }
                    td class="num" { (money(d.float)) }
                    td class="num" { (money(d.expected.unwrap_or(*balance))) }
                    td class="num" { @if let Some(c) = d.counted { (money(c)) } }
                    td class="num over-short" { @if let Some(o) = d.over_short() { (money(o)) } }
                    td { (d.reason) }
                    td {
                        @if d.left_open_on.is_some() { span class="error" { (ctx.t(Msg::DrawerLeftOpen)) } " " }
                        @if d.is_open() { (ctx.t(Msg::DrawerOpenNow)) }
                        @else if d.signed_off_by.is_some() { (ctx.t(Msg::DrawerSignedOff)) }
                        @else if user.role.has(SIGNERS) && d.staff != user.id {
                            form method="post" action=(paths::drawer(&d.id, DrawerAction::SignOff)) {
                                (ui::csrf_input(&csrf))
                                button type="submit" { (ctx.t(Msg::DrawerSignOffAction)) }
                            }
                        }
                    }
                } } }
            } }
        }
    }
}

/// The non-cash methods' totals of the day.
fn methods_table(ctx: &Ctx, rows: &[MethodTotal]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        div class="table-wrap" { table id="method-totals" {
            thead { tr { th { (ctx.t(Msg::PaidBy)) } th class="num" { (ctx.t(Msg::MethodReceived)) } th class="num" { (ctx.t(Msg::MethodPaid)) } } }
            tbody { @for m in rows { tr {
                td { (ctx.t(method_label(m.method))) }
                td class="num" { (money(m.received)) }
                td class="num" { (money(m.paid)) }
            } } }
        } }
    }
}

/// POST /staff/drawers/{id}/sign-off: a manager other than the clerk signs the count off.
pub(crate) fn sign_off(ctx: &Ctx, id: DrawerId) -> Result<Response, AppError> {
    let user = ctx.require(SIGNERS)?;
    ctx.form()?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let drawer = drawers::load(&tx, &id)?.ok_or(AppError::NotFound)?;
    match drawers::sign_off(&tx, &drawer, &user.id, ctx.now) {
        Ok(()) => (),
        Err(DrawerError::Db(e)) => return Err(e.into()),
        Err(e) => {
            drop(tx);
            let status = match e {
                DrawerError::OwnCount => 403,
                _ => 409,
            };
            return render_day(ctx, Some(refusal(&e)), status);
        }
    }
    let change = Change {
        action: "drawer.sign_off",
        entity: "cash_drawer",
        entity_id: id.as_str(),
        before: Some(json!({ "counted": drawer.counted, "over_short": drawer.over_short() })),
        after: Some(json!({ "signed_off": true })),
    };
    audited(ctx, tx, user, &change, Msg::DrawerSignedOff, paths::DRAWERS)
}

/// GET /staff/drawers/{id}/print: the drawer's sheet: float, movements, count by denomination,
/// over or short with its reason, sign-off. Its clerk's, or a reader of the day's drawers.
pub(crate) fn print(ctx: &Ctx, id: DrawerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&[CLERKS, Permission::Reports, Permission::Corrections])?;
    let conn = ctx.app.db.conn()?;
    let drawer = drawers::load(&conn, &id)?.ok_or(AppError::NotFound)?;
    if drawer.staff != user.id && !VIEWERS.iter().any(|p| user.role.has(*p)) {
        return Err(AppError::Forbidden);
    }
    let expected = drawers::expected(&conn, &id)?;
    let movements = drawers::movements(&conn, &id)?;
    drop(conn);
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let body = html! {
        article class="ticket a4 drawer-sheet" {
            (crate::web::loans::print::branch_lines(&ctx.app.config.branch, ctx.lang))
            (summary(ctx, &drawer, drawer.expected.unwrap_or(expected)))
            (movements_table(ctx, &movements))
            @if let (Some(counted), Some(over)) = (drawer.counted, drawer.over_short()) {
                dl id="drawer-count" {
                    dt { (ctx.t(Msg::DrawerClosedAt)) } dd { @if let Some(at) = drawer.closed_at { (ctx.datetime(at)) } }
                    dt { (ctx.t(Msg::DrawerCounted)) } dd { (money(counted)) }
                    @for (v, n) in drawer.counted_counts.pairs() { dt { (money(*v)) } dd { "× " (n) } }
                    dt { (ctx.t(Msg::DrawerOverShort)) } dd { (money(over)) }
                    dt { (ctx.t(Msg::Reason)) } dd { (drawer.reason) }
                    dt { (ctx.t(Msg::DrawerSignedOffBy)) } dd { @if drawer.signed_off_at.is_some() { (ctx.t(Msg::DrawerSignedOff)) } }
                }
            }
            div class="signatures" {
                p { (ctx.t(Msg::DrawerClerk)) }
                p { (ctx.t(Msg::DrawerSignedOffBy)) }
            }
        }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::Drawers), body))
}
