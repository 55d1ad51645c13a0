//! The branch's error pages in the layout of whoever reads them: a signed-in staff member on
//! a staff page gets the staff layout (their menu) and a link back to the dashboard; anyone
//! else the customer layout and the link to the start page. The words come from
//! `AppError::answer`, the one place an error is turned into what it says.

use maud::html;

use crate::plumbing::error::{Answer, AppError};
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::web::Ctx;

/// The response for `error`, in the request's language and the reader's layout.
pub(crate) fn respond(ctx: &Ctx, error: AppError) -> Response {
    let page = match error.answer(ctx.req, ctx.lang) {
        Answer::Go(response) => return response,
        Answer::Page(page) => page,
    };
    let (back, back_label) = match staff_reader(ctx) {
        Some(_) => (paths::STAFF, Msg::BackToDashboard),
        None => (paths::HOME, Msg::GoToStart),
    };
    let body = html! {
        p { (page.text) }
        p class="muted" { "HTTP " (page.status) }
        p { a href=(back) { (ctx.t(back_label)) } }
    };
    let mut response = match staff_reader(ctx) {
        Some(user) => ctx.staff_page(user, page.title, body),
        None => ctx.customer_page(page.title, body),
    };
    response.status = page.status;
    response
}

/// The signed-in staff member reading a staff page, if that is who this is.
fn staff_reader<'c>(ctx: &'c Ctx) -> Option<&'c crate::roles::StaffUser> {
    let path = ctx.req.path.as_str();
    let under_staff = path == paths::STAFF || path.starts_with(&format!("{}/", paths::STAFF));
    if !under_staff {
        return None;
    }
    ctx.staff().ok().flatten()
}
