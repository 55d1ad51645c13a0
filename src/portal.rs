//! The customer portal on the branch Wi-Fi: the landing page with "Pay My Loan", and (to come)
//! the login by SMS code, the profile and the customer's loans.

use maud::html;

use crate::error::AppError;
use crate::http::Response;
use crate::i18n::Msg;
use crate::web::Ctx;

/// GET /: the landing page.
pub(crate) fn landing(ctx: &Ctx) -> Result<Response, AppError> {
    let body = html! {
        p { (ctx.t(Msg::PortalIntro)) }
        p { a class="button big" href="/login" { (ctx.t(Msg::PayMyLoan)) } }
        p class="muted" { a href="/staff/login" { (ctx.t(Msg::PortalStaffLink)) } }
    };
    Ok(ctx.customer_page(ctx.t(Msg::PortalTitle), body))
}

/// GET /login, until customers can sign in by SMS code: say so plainly.
pub(crate) fn login_unavailable(ctx: &Ctx) -> Result<Response, AppError> {
    let body = html! {
        p class="warning" { (ctx.t(Msg::PortalLoginUnavailable)) }
        p { a href="/" { (ctx.t(Msg::Back)) } }
    };
    Ok(ctx.customer_page(ctx.t(Msg::PayMyLoan), body))
}
