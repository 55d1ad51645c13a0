//! The managers' page of the follow-up note's choices (`callcentre::choices`): each field's
//! choices with the choice they follow, their labels in both languages (changed here), a button
//! to retire one, and a form to add one. New notes are checked against this table at once.

use maud::{Markup, html};

use crate::audit::Actor;
use crate::callcentre::choices::{self, Choice, ChoiceError, Field, NewChoice};
use crate::callcentre::queue;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::paths;
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// A manager of the call centre: the choices are theirs to change.
fn manager<'a>(ctx: &'a Ctx<'a>) -> Result<&'a StaffUser, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    if queue::may_assign(user) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// GET /staff/callcentre/choices.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = manager(ctx)?;
    render(ctx, user, FieldErrors::none(), 200)
}

fn render(
    ctx: &Ctx,
    user: &StaffUser,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let all = choices::all(&*ctx.app.db.conn()?)?;
    let csrf = ctx.csrf();
    let body = html! {
        p { (ctx.t(Msg::ChoicesIntro)) }
        (ui::form_error(sent.whole()))
        @for field in Field::ALL {
            section class="card" {
                h2 { (ctx.t(field.label())) }
                div class="table-wrap" { table {
                    thead { tr {
                        @if let Some(before) = field.narrowed_by() { th { (ctx.t(Msg::ChoicesAfter)) " " (ctx.t(before.label())) } }
                        th { (ctx.t(Msg::ChoicesLabels)) } th { (ctx.t(Msg::Actions)) }
                    } }
                    tbody { @for c in all.iter().filter(|c| c.field == field) { (row(ctx, c, &all, &csrf)) } }
                } }
            }
        }
        (add_form(ctx, sent.of("choice"), &csrf))
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::ChoicesTitle), body);
    response.status = status;
    Ok(response)
}

fn row(ctx: &Ctx, c: &Choice, all: &[Choice], csrf: &str) -> Markup {
    let id = c.id();
    let parent = c.field.narrowed_by().map(|before| {
        all.iter()
            .find(|p| p.field == before && p.code == c.parent)
            .map_or_else(|| c.parent.clone(), |p| p.label(ctx.lang).to_owned())
    });
    html! {
        tr class=[c.retired.then_some("muted")] {
            @if let Some(parent) = parent { td { (parent) } }
            td {
                form method="post" action=(paths::FOLLOW_UP_CHOICES_RELABEL) class="inline" {
                    (ui::csrf_input(csrf))
                    input type="hidden" name="choice" value=(id);
                    @for lang in Lang::ALL {
                        label { (lang.own_name()) " "
                            input name={ "label_" (lang.code()) } value=(c.label(lang)) maxlength=(choices::MAX_LABEL_CHARS) required; }
                        " "
                    }
                    button type="submit" class="secondary" { (ctx.t(Msg::Save)) }
                }
                @if c.takes_promise { " " span class="badge" { (ctx.t(Msg::ChoicesTakesPromise)) } }
            }
            td {
                @if c.retired { span class="badge" { (ctx.t(Msg::ChoicesRetired)) } }
                @else {
                    form method="post" action=(paths::FOLLOW_UP_CHOICES_RETIRE) class="inline" {
                        (ui::csrf_input(csrf))
                        input type="hidden" name="choice" value=(id);
                        button type="submit" class="link" { (ctx.t(Msg::ChoicesRetire)) }
                    }
                }
            }
        }
    }
}

fn add_form(ctx: &Ctx, sent: &FieldErrors, csrf: &str) -> Markup {
    let fields: Vec<(&str, &str)> = Field::ALL
        .iter()
        .map(|f| (f.code(), ctx.t(f.label())))
        .collect();
    html! {
        section class="card" {
            h2 { (ctx.t(Msg::ChoicesAdd)) }
            form method="post" action=(paths::FOLLOW_UP_CHOICES) class="stack" {
                (ui::csrf_input(csrf))
                (ui::select(ctx.t(Msg::ChoicesField), "field", &fields, sent.value_or("field", ""), sent.error_for("field")))
                (ui::field(&ui::Field { required: false, hint: Some(ctx.t(Msg::ChoicesParentHint)), ..ui::Field::typed(ctx.t(Msg::ChoicesParent), "parent", "", sent) }))
                (ui::field(&ui::Field { hint: Some(ctx.t(Msg::ChoicesCodeHint)), ..ui::Field::typed(ctx.t(Msg::ChoicesCode), "code", "", sent) }))
                (ui::field(&ui::Field::typed(Lang::En.own_name(), "label_en", "", sent)))
                (ui::field(&ui::Field::typed(Lang::Id.own_name(), "label_id", "", sent)))
                label class="check" { input type="checkbox" name="takes_promise" value="1" checked[sent.value_or("takes_promise", "") == "1"]; " " (ctx.t(Msg::ChoicesTakesPromise)) }
                div { button type="submit" { (ctx.t(Msg::ChoicesAdd)) } }
            }
        }
    }
}

/// What a refusal says, and beside which field.
fn refusal(ctx: &Ctx, e: &ChoiceError) -> (&'static str, String) {
    match e {
        ChoiceError::BadLabel => ("label_en", ctx.t(Msg::ChoicesBadLabel).to_owned()),
        ChoiceError::BadCode => ("code", ctx.t(Msg::ChoicesBadCode).to_owned()),
        ChoiceError::NoSuchParent(..) => ("parent", ctx.t(Msg::ChoicesNoParent).to_owned()),
        ChoiceError::AlreadyThere(..) => ("code", ctx.t(Msg::ChoicesAlreadyThere).to_owned()),
        ChoiceError::NotFound | ChoiceError::Db(_) => ("", String::new()),
    }
}

/// Runs one change in an immediate transaction, audited as the manager.
fn change(
    ctx: &Ctx,
    user: &StaffUser,
    which: &str,
    f: impl FnOnce(&rusqlite::Connection, &Actor) -> Result<(), ChoiceError>,
) -> Result<Response, AppError> {
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match f(&tx, &Actor::Staff(user)) {
        Ok(()) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::ChoicesSaved));
            Ok(Response::see_other(paths::FOLLOW_UP_CHOICES))
        }
        Err(ChoiceError::NotFound) => Err(AppError::NotFound),
        Err(ChoiceError::Db(e)) => Err(e.into()),
        Err(e) => {
            drop(tx);
            let mut sent = FieldErrors::sent(which, ctx.form()?);
            let (field, message) = refusal(ctx, &e);
            sent.add(field, message.clone());
            sent.refuse(message);
            render(ctx, user, &sent, 400)
        }
    }
}

/// POST /staff/callcentre/choices: adds a choice.
pub(crate) fn add(ctx: &Ctx) -> Result<Response, AppError> {
    let user = manager(ctx)?;
    let form = ctx.form()?;
    let Some(field) = Field::from_code(form.text("field")) else {
        return Err(AppError::BadRequest(ctx.t(Msg::ChoicesBadField).to_owned()));
    };
    let new = NewChoice {
        field,
        parent: form.text("parent").trim(),
        code: form.text("code"),
        label_en: form.text("label_en"),
        label_id: form.text("label_id"),
        takes_promise: form.text("takes_promise") == "1",
    };
    change(ctx, user, "choice", |conn, actor| {
        choices::add(conn, actor, &new, ctx.now)
    })
}

/// POST /staff/callcentre/choices/relabel.
pub(crate) fn relabel(ctx: &Ctx) -> Result<Response, AppError> {
    let user = manager(ctx)?;
    let form = ctx.form()?;
    let (choice, en, id) = (
        form.text("choice"),
        form.text("label_en"),
        form.text("label_id"),
    );
    change(ctx, user, "relabel", |conn, actor| {
        choices::relabel(conn, actor, choice, en, id, ctx.now)
    })
}

/// POST /staff/callcentre/choices/retire.
pub(crate) fn retire(ctx: &Ctx) -> Result<Response, AppError> {
    let user = manager(ctx)?;
    let choice = ctx.form()?.text("choice");
    change(ctx, user, "retire", |conn, actor| {
        choices::retire(conn, actor, choice, ctx.now)
    })
}
