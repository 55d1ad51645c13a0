//! The portal's complaint pages: a signed-in customer opens a case (category, description and
//! an optional photo, see `files`) and follows each of their own cases' state. They see the
//! state changes and the case's files only, never staff notes or names; another customer's
//! case is 404 (`portal::own_case`).

use maud::html;

use crate::complaints::cases::{self, CaseError, NewCase, Opener};
use crate::complaints::{self, Category, Channel, EventKind, Priority};
use crate::customers::Customer;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::ComplaintId;
use crate::plumbing::paths;
use crate::plumbing::ui::{self, FieldErrors};
use crate::web::Ctx;
use crate::web::portal::with_profile;

use super::files;

/// GET /my/complaints: the customer's cases and the form to open one.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let customer = with_profile(ctx)?;
    render(ctx, &customer, FieldErrors::none(), 200)
}

fn render(
    ctx: &Ctx,
    customer: &Customer,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let cases = complaints::of_customer(&*ctx.app.db.conn()?, &customer.id)?;
    let categories: Vec<(&str, &str)> = Category::ALL
        .iter()
        .map(|c| (c.code(), ctx.t(c.label())))
        .collect();
    let description = sent.error_for("description");
    let photo = sent.error_for(files::PHOTO);
    let body = html! {
        @if cases.is_empty() { p { (ctx.t(Msg::ComplaintsNone)) } }
        ul class="loans" { @for c in &cases {
            li class="card" {
                h2 { (ctx.t(c.category.label())) }
                p { (ctx.datetime(c.opened_at)) " · " (ctx.t(c.state.label())) }
                p { a class="button secondary" href=(paths::my_complaint(&c.id)) { (ctx.t(Msg::ComplaintFollow)) } }
            }
        } }
        h2 { (ctx.t(Msg::ComplaintNew)) }
        p { (ctx.t(Msg::ComplaintPortalIntro)) }
        form method="post" enctype="multipart/form-data" action=(paths::MY_COMPLAINTS) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            (ui::select(ctx.t(Msg::ComplaintCategory), "category", &categories, sent.value_or("category", "other"), sent.error_for("category")))
            div class={ "field" @if description.is_some() { " invalid" } } {
                label for="description" { (ctx.t(Msg::ComplaintPortalDescription)) }
                (ui::field_error(description))
                textarea id="description" name="description" rows="5" maxlength=(cases::MAX_TEXT_CHARS) required
                    aria-invalid=[description.map(|_| "true")] { (sent.value_or("description", "")) }
            }
            div class={ "field" @if photo.is_some() { " invalid" } } {
                label for=(files::PHOTO) { (ctx.t(Msg::ComplaintPhotoLabel)) }
                (ui::field_error(photo))
                input type="file" id=(files::PHOTO) name=(files::PHOTO) accept="image/jpeg,image/png,application/pdf"
                    aria-invalid=[photo.map(|_| "true")];
            }
            div { button type="submit" { (ctx.t(Msg::ComplaintSend)) } }
        }
    };
    let mut response = ctx.customer_page(ctx.t(Msg::MyComplaints), body);
    response.status = status;
    Ok(response)
}

/// POST /my/complaints: opens a case on the portal.
pub(crate) fn open(ctx: &Ctx) -> Result<Response, AppError> {
    let customer = with_profile(ctx)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("complaint", form);
    let Some(category) = Category::from_code(form.text("category")) else {
        sent.add("category", ctx.t(Msg::ComplaintChoose));
        return render(ctx, &customer, &sent, 400);
    };
    let new = NewCase {
        customer: &customer.id,
        channel: Channel::Portal,
        category,
        priority: Priority::Normal,
        loan: None,
        payment_code: None,
        description: form.text("description"),
        owner: None,
    };
    let multipart = files::multipart_of(ctx)?;
    let photo = multipart.as_ref().and_then(|m| m.file(files::PHOTO));
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match cases::open(&tx, &new, &Opener::Customer, &ctx.app.config, ctx.now) {
        Ok(id) => {
            let refused = match photo {
                Some(part) => files::attach_in(ctx, &tx, &id, part, None)?.err(),
                None => None,
            };
            if let Some(msg) = refused {
                drop(tx);
                sent.add(files::PHOTO, ctx.t(msg));
                return render(ctx, &customer, &sent, 400);
            }
            tx.commit()?;
            ctx.flash(ctx.t(Msg::ComplaintReceived));
            Ok(Response::see_other(&paths::my_complaint(&id)))
        }
        Err(CaseError::Description) => {
            drop(tx);
            sent.add("description", ctx.t(Msg::ComplaintDescriptionLength));
            render(ctx, &customer, &sent, 400)
        }
        Err(CaseError::Db(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound),
    }
}

/// GET /my/complaints/{id}: one of the customer's own cases and its state changes.
pub(crate) fn case_page(ctx: &Ctx, id: ComplaintId) -> Result<Response, AppError> {
    let customer = with_profile(ctx)?;
    let conn = ctx.app.db.conn()?;
    let case = crate::portal::own_case(&conn, &customer.id, &id)?;
    let events = complaints::events(&conn, &id)?;
    let files = complaints::attachments::of_case(&conn, &id)?;
    drop(conn);
    let moves = events.iter().filter(|e| {
        matches!(
            e.kind,
            EventKind::Opened | EventKind::StateChanged | EventKind::Escalated
        )
    });
    let body = html! {
        dl {
            dt { (ctx.t(Msg::ComplaintCategory)) } dd { (ctx.t(case.category.label())) }
            dt { (ctx.t(Msg::ComplaintState)) } dd { strong { (ctx.t(case.state.label())) }
                @if let Some(outcome) = case.outcome { " · " (ctx.t(outcome.label())) } }
            dt { (ctx.t(Msg::ComplaintOpenedAt)) } dd { (ctx.datetime(case.opened_at)) }
            dt { (ctx.t(Msg::ComplaintPortalDescription)) } dd { (case.description) }
        }
        @if !files.is_empty() {
            h2 { (ctx.t(Msg::ComplaintFiles)) }
            ul { @for f in &files {
                li { a href=(paths::my_complaint_attachment(&id, &f.id)) { (f.file_name) } }
            } }
        }
        h2 { (ctx.t(Msg::TimelineTitle)) }
        ul { @for e in moves {
            li { (ctx.datetime(e.at)) " · " (e.to_state.map_or("", |s| ctx.t(s.label()))) }
        } }
        p { a href=(paths::MY_COMPLAINTS) { (ctx.t(Msg::MyComplaints)) } }
    };
    Ok(ctx.customer_page(ctx.t(Msg::ComplaintCase), body))
}
