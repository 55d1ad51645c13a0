//! The managers' "Holidays" page: the branch's days off (a date and a name), which the
//! complaint clocks do not count as working days; add one, remove one. Held by the Corrections
//! permission, which already covers the branch's other rules kept by its managers (products,
//! the gold price). The records are `holidays`.

use chrono::{Datelike, NaiveDate};
use maud::html;

use crate::audit::Actor;
use crate::complaints;
use crate::holidays::{self, Holiday, HolidayError};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// Who keeps the list.
const KEEPERS: Permission = Permission::Corrections;

/// GET /staff/holidays.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(KEEPERS)?;
    render(ctx, user, FieldErrors::none(), 200)
}

/// The list from the start of last year on, and the form to add a day.
fn render(
    ctx: &Ctx,
    user: &StaffUser,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let today = super::loans::today(ctx);
    let from = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(today);
    let listed = holidays::between(&*ctx.app.db.conn()?, from, to)?;
    let mut on = Field::typed(ctx.t(Msg::HolidayDate), "on", "", sent);
    on.kind = "date";
    let name = Field::typed(ctx.t(Msg::HolidayName), "name", "", sent);
    let body = html! {
        p { (ctx.t(Msg::HolidaysExplained)) }
        form method="post" action=(paths::HOLIDAYS) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            (ui::field(&on)) (ui::field(&name))
            div { button type="submit" { (ctx.t(Msg::HolidayAdd)) } }
        }
        @if listed.is_empty() { p class="muted" { (ctx.t(Msg::HolidaysNone)) } }
        @else {
            div class="table-wrap" { table {
                thead { tr { th { (ctx.t(Msg::HolidayDate)) } th { (ctx.t(Msg::HolidayName)) } th { "" } } }
                tbody { @for h in &listed {
                    tr {
                        td { (ctx.date(h.on)) } td { (h.name) }
                        td { form method="post" action=(paths::holiday_remove(h.on)) class="inline" {
                            (ui::csrf_input(&ctx.csrf()))
                            button type="submit" class="secondary" { (ctx.t(Msg::HolidayRemove)) }
                        } }
                    }
                } }
            } }
        }
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::HolidaysTitle), body);
    response.status = status;
    Ok(response)
}

/// POST /staff/holidays: adds a day.
pub(crate) fn add(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(KEEPERS)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("holiday", form);
    let Ok(on) = NaiveDate::parse_from_str(form.text("on"), "%Y-%m-%d") else {
        sent.add("on", ctx.t(Msg::EffectiveDateInvalid));
        return render(ctx, user, &sent, 400);
    };
    let holiday = Holiday {
        on,
        name: form.text("name").to_owned(),
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match holidays::add(&tx, &Actor::Staff(user), &holiday, ctx.now) {
        Ok(()) => {
            complaints::due::refresh_unresolved(&tx, &ctx.app.config)?;
            tx.commit()?;
            ctx.flash(ctx.t(Msg::HolidayAdded));
            Ok(Response::see_other(paths::HOLIDAYS))
        }
        Err(HolidayError::Db(e)) => Err(e.into()),
        Err(e) => {
            drop(tx);
            match e {
                HolidayError::AlreadyListed(_) => sent.add("on", ctx.t(Msg::HolidayAlreadyListed)),
                _ => sent.add("name", ctx.t(Msg::HolidayNameInvalid)),
            }
            render(ctx, user, &sent, 400)
        }
    }
}

/// POST /staff/holidays/{date}/remove.
pub(crate) fn remove(ctx: &Ctx, on: NaiveDate) -> Result<Response, AppError> {
    let user = ctx.require(KEEPERS)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match holidays::remove(&tx, &Actor::Staff(user), on, ctx.now) {
        Ok(()) => {
            complaints::due::refresh_unresolved(&tx, &ctx.app.config)?;
            tx.commit()?;
        }
        Err(HolidayError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    }
    ctx.flash(ctx.t(Msg::HolidayRemoved));
    Ok(Response::see_other(paths::HOLIDAYS))
}
