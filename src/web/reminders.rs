//! The managers' page for the reminders: their days and hours (saved here, they replace the
//! file's `[reminders]`; `reminders::schedule`) and their texts in both languages, with their
//! placeholders checked.

use maud::{Markup, html};

use crate::audit::Actor;
use crate::plumbing::config::{RemindersConfig, ScheduleProblem};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::paths;
use crate::plumbing::ui;
use crate::reminders::{
    Event, MAX_TEMPLATE_CHARS, PLACEHOLDERS, check_template, save_template, schedule, template,
};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// One text on the page: its value and why it was refused.
struct Entry {
    event: Event,
    lang: Lang,
    text: String,
    error: Option<String>,
}

/// The form field of an event's text in a language.
fn field_name(event: Event, lang: Lang) -> String {
    format!("{}_{}", event.code(), lang.code())
}

/// The days and hours as on the page, and what was wrong with them.
struct ScheduleForm {
    values: RemindersConfig,
    problem: Option<ScheduleProblem>,
}

/// The schedule in force, for the form.
fn schedule_in_force(ctx: &Ctx) -> Result<ScheduleForm, AppError> {
    let values = schedule::current(&*ctx.app.db.conn()?, &ctx.app.config.reminders)?;
    Ok(ScheduleForm {
        values,
        problem: None,
    })
}

/// The texts in force, for the form.
fn texts_in_force(ctx: &Ctx) -> Result<Vec<Entry>, AppError> {
    let conn = ctx.app.db.conn()?;
    let mut entries = Vec::new();
    for event in Event::ALL {
        for lang in Lang::ALL {
            entries.push(Entry {
                event,
                lang,
                text: template(&conn, event, lang)?,
                error: None,
            });
        }
    }
    Ok(entries)
}

/// GET /staff/reminders: the days and hours, and the texts to edit.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Reports)?;
    let entries = texts_in_force(ctx)?;
    Ok(render(ctx, user, &schedule_in_force(ctx)?, &entries, 200))
}

/// POST /staff/reminders/schedule: saves the days and hours, checked as the file is.
pub(crate) fn save_schedule(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Reports)?;
    let form = ctx.form()?;
    let text = |name: &str| form.text(name).trim().to_owned();
    let overdue = text("overdue_after_days").parse::<u32>();
    let values = RemindersConfig {
        days_before: text("days_before"),
        send_from: text("send_from"),
        send_until: text("send_until"),
        overdue_after_days: overdue.as_ref().map_or(0, |n| *n),
    };
    let before = schedule_in_force(ctx)?.values;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match schedule::save(&tx, &Actor::Staff(user), &before, &values, ctx.now) {
        Ok(()) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::ScheduleSaved));
            Ok(Response::see_other(paths::REMINDERS))
        }
        Err(schedule::SaveError::Invalid(problem)) => {
            drop(tx);
            drop(conn);
            let form = ScheduleForm {
                values,
                problem: Some(problem),
            };
            let entries = texts_in_force(ctx)?;
            Ok(render(ctx, user, &form, &entries, 400))
        }
        Err(schedule::SaveError::Db(e)) => Err(e.into()),
    }
}

/// POST /staff/reminders: saves the texts, all or none.
pub(crate) fn save(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Reports)?;
    let form = ctx.form()?;
    let mut entries = Vec::new();
    for event in Event::ALL {
        for lang in Lang::ALL {
            let text = form
                .text(&field_name(event, lang))
                .replace("\r\n", "\n")
                .trim()
                .to_owned();
            let error = check_template(&text).err().map(|e| e.message(ctx.lang));
            entries.push(Entry {
                event,
                lang,
                text,
                error,
            });
        }
    }
    if entries.iter().any(|e| e.error.is_some()) {
        return Ok(render(ctx, user, &schedule_in_force(ctx)?, &entries, 400));
    }
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let actor = Actor::Staff(user);
    for e in &entries {
        save_template(&tx, &actor, e.event, e.lang, &e.text, ctx.now)?;
    }
    tx.commit()?;
    ctx.flash(ctx.t(Msg::TemplatesSaved));
    Ok(Response::see_other(paths::REMINDERS))
}

/// The form of the days and hours, each field with its error.
fn schedule_form(ctx: &Ctx, form: &ScheduleForm) -> Markup {
    let max = RemindersConfig::MAX_DAYS.to_string();
    let error = |wanted: &[ScheduleProblem], msg: Msg| {
        form.problem
            .filter(|p| wanted.contains(p))
            .map(|_| ctx.lang.fill(msg, &[("max", &max)]))
    };
    let overdue = form.values.overdue_after_days.to_string();
    let fields = [
        (
            "days_before",
            Msg::ScheduleDaysBefore,
            form.values.days_before.as_str(),
            error(&[ScheduleProblem::Days], Msg::ScheduleDaysInvalid),
        ),
        (
            "overdue_after_days",
            Msg::ScheduleOverdueDays,
            overdue.as_str(),
            error(&[ScheduleProblem::OverdueDays], Msg::ScheduleOverdueInvalid),
        ),
        (
            "send_from",
            Msg::ScheduleSendFrom,
            form.values.send_from.as_str(),
            error(&[ScheduleProblem::SendFrom], Msg::ScheduleTimeInvalid),
        ),
        (
            "send_until",
            Msg::ScheduleSendUntil,
            form.values.send_until.as_str(),
            error(&[ScheduleProblem::SendUntil], Msg::ScheduleTimeInvalid)
                .or_else(|| error(&[ScheduleProblem::HoursOrder], Msg::ScheduleHoursOrder)),
        ),
    ];
    let fields = fields.iter().map(|(name, label, value, error)| {
        let mut field = ui::Field::new(ctx.t(*label), name, value);
        field.error = error.as_deref();
        ui::field(&field)
    });
    html! {
        h2 { (ctx.t(Msg::ScheduleTitle)) }
        p class="muted" { (ctx.t(Msg::ScheduleHint)) }
        form method="post" action=(paths::REMINDERS_SCHEDULE) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            (ui::form_error(form.problem.map(|_| ctx.t(Msg::FormHasErrors))))
            @for field in fields { (field) }
            div { button type="submit" { (ctx.t(Msg::Save)) } }
        }
    }
}

/// The reminders page.
fn render(
    ctx: &Ctx,
    user: &StaffUser,
    schedule: &ScheduleForm,
    entries: &[Entry],
    status: u16,
) -> Response {
    let r = &schedule.values;
    let days = r.days();
    let days_text = days
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let placeholders = [
        (PLACEHOLDERS[0], Msg::PlaceholderName),
        (PLACEHOLDERS[1], Msg::PlaceholderTicket),
        (PLACEHOLDERS[2], Msg::PlaceholderDate),
        (PLACEHOLDERS[3], Msg::PlaceholderAmount),
        (PLACEHOLDERS[4], Msg::PlaceholderBranch),
    ];
    let csrf = ctx.csrf();
    let failed = entries.iter().any(|e| e.error.is_some());
    let body = html! {
        section class="card" {
            dl {
                dt { (ctx.t(Msg::RemindersDaysBefore)) }
                dd { @if days.is_empty() { (ctx.t(Msg::RemindersNoDays)) } @else { (ctx.lang.fill(Msg::RemindersDaysList, &[("days", &days_text)])) } }
                dt { (ctx.t(Msg::RemindersOverdue)) }
                dd { (ctx.lang.fill(Msg::RemindersOverdueAfter, &[("days", &r.overdue_after_days.to_string())])) }
                dt { (ctx.t(Msg::RemindersNotice)) } dd { (ctx.t(Msg::RemindersNoticeWhen)) }
                dt { (ctx.t(Msg::RemindersHours)) } dd { (r.send_from) "–" (r.send_until) }
                dt { (ctx.t(Msg::RemindersSentIn)) } dd { (ctx.app.config.language().own_name()) }
            }
            p class="muted" { (ctx.t(Msg::RemindersConfigHint)) }
        }
        (schedule_form(ctx, schedule))
        h2 { (ctx.t(Msg::RemindersPlaceholders)) }
        dl {
            @for (name, meaning) in placeholders {
                dt { code { "{" (name) "}" } } dd { (ctx.t(meaning)) }
            }
        }
        h2 { (ctx.t(Msg::RemindersTexts)) }
        p class="muted" { (ctx.lang.fill(Msg::RemindersTextsHint, &[("max", &MAX_TEMPLATE_CHARS.to_string())])) }
        form method="post" action=(paths::REMINDERS) class="stack" {
            (ui::csrf_input(&csrf))
            (ui::form_error(failed.then(|| ctx.t(Msg::FormHasErrors))))
            @for event in Event::ALL {
                fieldset {
                    legend { (ctx.t(event.label())) }
                    @for e in entries.iter().filter(|e| e.event == event) {
                        (text_field(ctx, e))
                    }
                }
            }
            div { button type="submit" { (ctx.t(Msg::Save)) } }
        }
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::RemindersTitle), body);
    response.status = status;
    response
}

/// A labelled text area for one text, with its error.
fn text_field(ctx: &Ctx, e: &Entry) -> Markup {
    let name = field_name(e.event, e.lang);
    let error_id = format!("{name}-error");
    let label = ctx.lang.fill(
        Msg::TemplateLabel,
        &[
            ("event", ctx.t(e.event.label())),
            ("language", e.lang.own_name()),
        ],
    );
    html! {
        div class={ "field" @if e.error.is_some() { " invalid" } } {
            label for=(name) { (label) }
            @if let Some(error) = &e.error { span class="field-error" id=(error_id) { (error) } }
            textarea id=(name) name=(name) rows="4" maxlength=(MAX_TEMPLATE_CHARS) lang=(e.lang.code()) required
                aria-invalid=[e.error.as_ref().map(|_| "true")]
                aria-describedby=[e.error.as_ref().map(|_| error_id.as_str())] { (e.text) }
        }
    }
}
