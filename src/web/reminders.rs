//! The managers' page for the reminder texts, in both languages, with their placeholders checked.

use maud::{Markup, html};

use crate::audit::Actor;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::paths;
use crate::plumbing::ui;
use crate::reminders::{
    Event, MAX_TEMPLATE_CHARS, PLACEHOLDERS, check_template, save_template, template,
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

/// GET /staff/reminders: the schedule (from the configuration) and the texts to edit.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Reports)?;
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
    drop(conn);
    Ok(render(ctx, user, &entries, 200))
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
        return Ok(render(ctx, user, &entries, 400));
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

/// The reminders page.
fn render(ctx: &Ctx, user: &StaffUser, entries: &[Entry], status: u16) -> Response {
    let r = &ctx.app.config.reminders;
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
