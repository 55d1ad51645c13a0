//! The one routing table, and the path of a request through it: context, CSRF check, route,
//! errors, cookies.
//!
//! Every URL the branch server answers is in [`find`]. Before a handler runs, [`handle`] decides
//! the language (in [`Ctx`]), checks the CSRF token of every POST form, and afterwards turns
//! an [`AppError`] into its page. Handlers live in their feature modules and read like a script:
//! parse, validate, call the domain function, render or redirect.

use crate::plumbing::crypto;
use crate::plumbing::error::AppError;
use crate::plumbing::http::{Method, Request, Response, assets, local_path};
use crate::plumbing::i18n::Lang;
use crate::web::{
    App, Ctx, audit, auth, backups, callcentre, complaints, csrf_binding, customers, dashboard,
    dayclose, disposals, drawers, duplicates, email, error_page, gold, health, holidays, import,
    language, loans, portal, reminders, sms, sms_inbox, staff, sync,
};

/// Answers one request: context, CSRF check, routing, errors, cookies.
pub(crate) fn handle(app: &App, req: &Request) -> Response {
    let ctx = Ctx::new(app, req);
    let result = check_csrf(&ctx).and_then(|()| route(&ctx));
    let mut response = result.unwrap_or_else(|e| error_page::respond(&ctx, e));
    for cookie in ctx.cookies.take() {
        response = response.with_header("Set-Cookie", cookie);
    }
    response
}

/// Refuses a POST form whose CSRF token does not match this browser.
fn check_csrf(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.req.method != Method::Post {
        return Ok(());
    }
    let sent = ctx.form()?.get("csrf").unwrap_or("");
    let Some(binding) = csrf_binding(&ctx.app.key, ctx.req) else {
        return Err(AppError::Csrf);
    };
    let expected = crypto::hex(&ctx.app.key.mac("csrf", &[binding.as_bytes()]));
    if crypto::ct_eq(sent.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// Whether a (decoded) path takes a file upload, and so the larger body limit of `[complaints]
/// attachment_max_bytes`: a complaint case's attach form, and the portal's "open a case" form
/// with its optional photo.
pub(crate) fn is_upload(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["staff", "complaints", _, "attach"] | ["my", "complaints"]
    )
}

/// A route's handler, holding the parts of the path it needs.
type Found<'s> = Box<dyn FnOnce(&Ctx) -> Result<Response, AppError> + 's>;

/// Wraps a handler found in the table.
fn to<'s>(handler: impl FnOnce(&Ctx) -> Result<Response, AppError> + 's) -> Option<Found<'s>> {
    Some(Box::new(handler))
}

/// Finds the request's route and runs it. A path the table knows under another method is 405,
/// any other is 404: both read from the one table, [`find`].
fn route(ctx: &Ctx) -> Result<Response, AppError> {
    // HEAD is GET without the body (the plumbing leaves the body out).
    let method = if ctx.req.method == Method::Head {
        Method::Get
    } else {
        ctx.req.method
    };
    let segments = ctx.req.segments();
    if let Some(handler) = find(method, &segments) {
        return handler(ctx);
    }
    let elsewhere = [Method::Get, Method::Post]
        .into_iter()
        .any(|other| other != method && find(other, &segments).is_some());
    Err(if elsewhere {
        AppError::MethodNotAllowed
    } else {
        AppError::NotFound
    })
}

/// The routing table: every URL the branch server answers, by method and path.
fn find<'s>(method: Method, segments: &'s [&'s str]) -> Option<Found<'s>> {
    use Method::{Get, Post};
    match (method, segments) {
        // Machine endpoints and static files.
        (Get, ["healthz"]) => to(health::show),
        (Get, ["assets", name]) => {
            to(move |ctx| assets::serve(ctx.req, name).ok_or(AppError::NotFound))
        }
        (Get, ["lang", code]) => to(move |ctx| set_language(ctx, code)),

        // Customer portal.
        (Get, [""]) => to(portal::landing),
        (Get, ["login"]) => to(portal::login_page),
        (Post, ["login", "code"]) => to(move |ctx| portal::request_login_code(ctx, false)),
        (Post, ["login", "resend"]) => to(move |ctx| portal::request_login_code(ctx, true)),
        (Post, ["login", "email"]) => to(portal::request_login_code_by_email),
        (Get, ["login", "verify"]) => to(portal::verify_page),
        (Post, ["login", "verify"]) => to(portal::verify_login),
        (Post, ["logout"]) => to(portal::logout),
        (Get, ["profile"]) => to(portal::profile_page),
        (Post, ["profile"]) => to(portal::save_profile),
        (Post, ["profile", "phone"]) => to(portal::confirm_new_phone),
        (Post, ["profile", "language"]) => to(language::save_on_portal),
        (Post, ["profile", "phone", "send"]) => to(portal::resend_new_phone_code),
        (Post, ["profile", "phone", "cancel"]) => to(portal::cancel_new_phone),
        (Get, ["verify"]) => to(portal::verify_phone_page),
        (Post, ["verify"]) => to(portal::verify_phone),
        (Post, ["verify", "send"]) => to(portal::send_verification_code),
        (Get, ["my"]) => to(portal::my_loans),
        (Get, ["my", "statement"]) => to(portal::statement_page),
        (Get, ["my", "complaints"]) => to(complaints::portal::page),
        (Post, ["my", "complaints"]) => to(complaints::portal::open),
        (Get, ["my", "complaints", id, "files", file]) => {
            let (id, file) = (id.parse().ok()?, file.parse().ok()?);
            to(move |ctx| complaints::files::portal_download(ctx, id, file))
        }
        (Get, ["my", "complaints", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| complaints::portal::case_page(ctx, id))
        }
        (Get, ["my", "loans", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| portal::loan_page(ctx, id))
        }
        (Get, ["my", "loans", id, "extend"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| portal::extend_page(ctx, id))
        }
        (Post, ["my", "loans", id, "extend"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| portal::extend(ctx, id))
        }
        (Get, ["my", "loans", id, "code", code]) => {
            let id = id.parse().ok()?;
            to(move |ctx| portal::code_page(ctx, id, code))
        }

        // Staff sign-in and dashboard.
        (Get, ["staff", "login"]) => to(auth::login_page),
        (Post, ["staff", "login"]) => to(auth::login),
        (Post, ["staff", "logout"]) => to(auth::logout),
        (Get, ["staff"]) => to(dashboard::show),
        (Get, ["staff", "account"]) => to(staff::account_page),
        (Post, ["staff", "account", "password"]) => to(staff::change_own_password),
        (Post, ["staff", "account", "phone"]) => to(staff::change_own_phone),

        // Customers and tickets at the counter.
        (Get, ["staff", "customers"]) => to(customers::list_page),
        (Get, ["staff", "customers", "new"]) => to(customers::new_page),
        (Post, ["staff", "customers", "new"]) => to(customers::create),
        (Get, ["staff", "customers", "duplicates"]) => to(duplicates::list),
        (Get, ["staff", "customers", "duplicates", a, b]) => {
            let a = a.parse().ok()?;
            let b = b.parse().ok()?;
            to(move |ctx| duplicates::compare(ctx, a, b))
        }
        (Post, ["staff", "customers", "duplicates", a, b, "merge"]) => {
            let a = a.parse().ok()?;
            let b = b.parse().ok()?;
            to(move |ctx| duplicates::merge(ctx, a, b))
        }
        (Post, ["staff", "customers", "duplicates", a, b, "dismiss"]) => {
            let a = a.parse().ok()?;
            let b = b.parse().ok()?;
            to(move |ctx| duplicates::dismiss(ctx, a, b))
        }
        (Get, ["staff", "customers", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::show_page(ctx, id))
        }
        (Post, ["staff", "customers", id, "unlock"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::unlock_action(ctx, id))
        }
        (Post, ["staff", "customers", id, "do-not-text"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::set_do_not_text(ctx, id))
        }
        (Post, ["staff", "customers", id, "language"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| language::save_at_counter(ctx, id))
        }
        (Post, ["staff", "customers", id, "verification", "send"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::counter_send(ctx, id))
        }
        (Post, ["staff", "customers", id, "verification"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::counter_verify(ctx, id))
        }
        (Post, ["staff", "customers", id, "contacts"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::alternative_contacts::add_action(ctx, id))
        }
        (Post, ["staff", "customers", id, "contacts", contact, "remove"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::alternative_contacts::remove_action(ctx, id, contact))
        }
        (Post, ["staff", "customers", id, "contacts", contact, "edit"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::alternative_contacts::edit_action(ctx, id, contact))
        }
        (
            Post,
            [
                "staff",
                "customers",
                id,
                "contacts",
                contact,
                "code",
                "send",
            ],
        ) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::alternative_contacts::send_code(ctx, id, contact))
        }
        (Post, ["staff", "customers", id, "contacts", contact, "code"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::alternative_contacts::check_code(ctx, id, contact))
        }
        (Post, ["staff", "customers", id, "notes"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::notes::add_action(ctx, id))
        }
        (Post, ["staff", "customers", id, "caller"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::caller::verify(ctx, id))
        }
        (Get, ["staff", "customers", id, "contact"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::phone_and_email::page(ctx, id))
        }
        (Post, ["staff", "customers", id, "contact"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::phone_and_email::save(ctx, id))
        }
        (Post, ["staff", "customers", id, "invite"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::messages::invite(ctx, id))
        }
        (Post, ["staff", "customers", id, "test-email"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::messages::test_email(ctx, id))
        }
        (Post, ["staff", "customers", id, "test-sms"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::messages::test_sms(ctx, id))
        }
        (Post, ["staff", "customers", id, "email-verification", "send"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::messages::verification_send(ctx, id))
        }
        (Post, ["staff", "customers", id, "email-verification"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| customers::messages::verification_check(ctx, id))
        }
        (Get, ["staff", "customers", id, "statement"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::statement(ctx, id))
        }
        (Get, ["staff", "customers", id, "statement", "print"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::print_statement(ctx, id))
        }
        (Get, ["staff", "customers", id, "tickets", "new"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::new_ticket_page(ctx, id))
        }
        (Post, ["staff", "customers", id, "tickets", "new"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::create_ticket(ctx, id))
        }
        (Get, ["staff", "loans", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::show(ctx, id))
        }
        (Post, ["staff", "loans", id, "approve"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::approve(ctx, id))
        }
        (Post, ["staff", "loans", id, "pay"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::pay(ctx, id))
        }
        (Get, ["staff", "loans", id, "receipt", payment]) => {
            let id = id.parse().ok()?;
            let payment = payment.parse().ok()?;
            to(move |ctx| loans::receipt::of_payment(ctx, id, payment))
        }
        (Get, ["staff", "receipts", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::receipt::show(ctx, id))
        }
        (Post, ["staff", "ledger", id, "reverse"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::reverse(ctx, id))
        }
        (Get, ["staff", "loans", id, "print"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::print::print_ticket(ctx, id))
        }
        (Get, ["staff", "forfeited"]) => to(loans::forfeited::forfeited),
        (Get, ["staff", "due"]) => to(loans::due::due_tickets),
        (Get, ["staff", "disposals"]) => to(disposals::page),
        (Post, ["staff", "disposals", id, "stock"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| disposals::stock(ctx, id))
        }
        (Post, ["staff", "disposals", id, "sale"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| disposals::sale(ctx, id))
        }
        (Post, ["staff", "disposals", id, "payout"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| disposals::payout(ctx, id))
        }
        (Get, ["staff", "drawer"]) => to(drawers::mine),
        (Post, ["staff", "drawer", "open"]) => to(drawers::open),
        (Post, ["staff", "drawer", "safe"]) => to(drawers::ask_safe),
        (Get, ["staff", "drawers"]) => to(drawers::day),
        (Get, ["staff", "close"]) => to(dayclose::page),
        (Post, ["staff", "close"]) => to(dayclose::close),
        (Get, ["staff", "close", "csv"]) => to(dayclose::csv),
        (Post, ["staff", "drawers", id, "close"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| drawers::close(ctx, id))
        }
        (Post, ["staff", "drawers", id, "sign-off"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| drawers::sign_off(ctx, id))
        }
        (Get, ["staff", "drawers", id, "print"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| drawers::print(ctx, id))
        }
        (Post, ["staff", "safe-transfers", id, "confirm"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| drawers::confirm_safe(ctx, id))
        }
        (Get, ["staff", "products"]) => to(loans::products::products_page),
        (Post, ["staff", "products"]) => to(loans::products::add_product),
        (Post, ["staff", "products", id, "toggle"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::products::toggle_product(ctx, id))
        }
        (Get, ["staff", "products", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::products::edit_product_page(ctx, id))
        }
        (Post, ["staff", "products", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| loans::products::save_product(ctx, id))
        }
        (Get, ["staff", "gold-price"]) => to(gold::page),
        (Post, ["staff", "gold-price"]) => to(gold::save),
        (Get, ["staff", "payments"]) => to(loans::counter::search_page),
        (Post, ["staff", "payments", code, "confirm"]) => {
            to(move |ctx| loans::counter::confirm(ctx, code))
        }

        // Complaints and the holidays their clocks do not count.
        (Get, ["staff", "complaints"]) => to(complaints::list_page),
        (Get, ["staff", "complaints", "new"]) => to(complaints::new_page),
        (Get, ["staff", "complaints", "weekly"]) => to(complaints::weekly::page),
        (Get, ["staff", "complaints", "weekly.csv"]) => to(complaints::weekly::csv),
        (Get, ["staff", "complaints", "quarterly.csv"]) => to(complaints::weekly::quarterly_csv),
        (Post, ["staff", "complaints", "new"]) => to(complaints::create),
        (Get, ["staff", "complaints", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| complaints::case::page(ctx, id))
        }
        (Get, ["staff", "complaints", id, "files", file]) => {
            let (id, file) = (id.parse().ok()?, file.parse().ok()?);
            to(move |ctx| complaints::files::staff_download(ctx, id, file))
        }
        (Post, ["staff", "complaints", id, part]) => {
            let id = id.parse().ok()?;
            let part = crate::plumbing::paths::ComplaintPart::from_segment(part)?;
            to(move |ctx| complaints::case::act(ctx, id, part))
        }
        (Get, ["staff", "holidays"]) => to(holidays::page),
        (Post, ["staff", "holidays"]) => to(holidays::add),
        (Post, ["staff", "holidays", on, "remove"]) => {
            let on = on.parse().ok()?;
            to(move |ctx| holidays::remove(ctx, on))
        }

        // Bank and mobile-money statements.
        (Get, ["staff", "payments", "import"]) => to(import::upload_page),
        (Post, ["staff", "payments", "import"]) => to(import::upload),
        (Get, ["staff", "payments", "review"]) => to(import::review_page),
        (Post, ["staff", "payments", "review", "resolve"]) => to(import::resolve),

        // Staff administration.
        (Get, ["staff", "admin", "staff"]) => to(staff::list_page),
        (Post, ["staff", "admin", "staff"]) => to(staff::create),
        (Post, ["staff", "admin", "staff", id, "role"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| staff::change_role(ctx, id))
        }
        (Post, ["staff", "admin", "staff", id, "disable"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| staff::set_disabled(ctx, id, true))
        }
        (Post, ["staff", "admin", "staff", id, "enable"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| staff::set_disabled(ctx, id, false))
        }
        (Post, ["staff", "admin", "staff", id, "password"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| staff::reset_password(ctx, id))
        }
        (Post, ["staff", "admin", "staff", id, "phone"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| staff::change_phone(ctx, id))
        }
        (Get, ["staff", "audit"]) => to(audit::list_page),

        // SMS.
        (Get, ["staff", "sms"]) => to(sms::page),
        (Post, ["staff", "sms", "test"]) => to(sms::send_test),
        (Get, ["staff", "sms", "inbox"]) => to(sms_inbox::page),
        (Get, ["staff", "sms", "inbox", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| sms_inbox::message(ctx, id))
        }
        (Post, ["staff", "sms", "inbox", id, "reply"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| sms_inbox::reply(ctx, id))
        }
        (Post, ["staff", "sms", "balance"]) => to(crate::web::sms_modems::check_balance),
        (Post, ["staff", "sms", id, "retry"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| sms::act(ctx, id, true))
        }
        (Post, ["staff", "sms", id, "cancel"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| sms::act(ctx, id, false))
        }

        // Sync to head office.
        (Get, ["staff", "sync"]) => to(sync::page),
        (Post, ["staff", "sync", "upload"]) => to(sync::upload_now),

        // Backups.
        (Get, ["staff", "backups"]) => to(backups::page),

        // Email.
        (Get, ["staff", "email"]) => to(email::page),
        (Post, ["staff", "email", id, "retry"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| email::act(ctx, id, true))
        }
        (Post, ["staff", "email", id, "cancel"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| email::act(ctx, id, false))
        }

        // Reminders.
        // The call centre (issue 15).
        (Get, ["staff", "callcentre"]) => to(callcentre::queue_page),
        (Get, ["staff", "callcentre", "dashboard"]) => to(callcentre::dashboard_page),
        (Get, ["staff", "callcentre", "choices"]) => to(callcentre::choices_page),
        (Post, ["staff", "callcentre", "choices"]) => to(callcentre::add_choice),
        (Post, ["staff", "callcentre", "choices", "relabel"]) => to(callcentre::relabel_choice),
        (Post, ["staff", "callcentre", "choices", "retire"]) => to(callcentre::retire_choice),
        (Get, ["staff", "callcentre", "dashboard.csv"]) => to(callcentre::dashboard_csv),
        (Get, ["staff", "callcentre", "customers", id]) => {
            let id = id.parse().ok()?;
            to(move |ctx| callcentre::follow_up_page(ctx, id))
        }
        (Post, ["staff", "callcentre", "customers", id, "notes"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| callcentre::add_note(ctx, id))
        }
        (Post, ["staff", "callcentre", "customers", id, "take"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| callcentre::take(ctx, id))
        }
        (Post, ["staff", "callcentre", "customers", id, "assign"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| callcentre::assign(ctx, id))
        }
        (Post, ["staff", "callcentre", "customers", id, "ro"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| callcentre::assign_ro(ctx, id))
        }
        (Post, ["staff", "callcentre", "customers", id, "approve"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| callcentre::approve_info(ctx, id))
        }
        (Post, ["staff", "callcentre", "customers", id, "do-not-contact"]) => {
            let id = id.parse().ok()?;
            to(move |ctx| callcentre::mark_do_not_contact(ctx, id))
        }
        (
            Post,
            [
                "staff",
                "callcentre",
                "customers",
                id,
                "do-not-contact",
                "clear",
            ],
        ) => {
            let id = id.parse().ok()?;
            to(move |ctx| callcentre::clear_do_not_contact(ctx, id))
        }
        (Get, ["staff", "reminders"]) => to(reminders::page),
        (Post, ["staff", "reminders"]) => to(reminders::save),
        (Post, ["staff", "reminders", "schedule"]) => to(reminders::save_schedule),

        _ => None,
    }
}

/// Sets the language cookie and goes back to the page.
fn set_language(ctx: &Ctx, code: &str) -> Result<Response, AppError> {
    let lang = Lang::from_code(code).ok_or(AppError::NotFound)?;
    let next = ctx.next_param()?;
    ctx.remember_language(lang);
    Ok(Response::see_other(local_path(&next)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the table has a route for `path` under `method`.
    fn routed(method: Method, path: &str) -> bool {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        find(method, &segments).is_some()
    }

    #[test]
    fn the_table_answers_which_method_a_path_has() {
        assert!(routed(Method::Get, "/healthz"));
        assert!(!routed(Method::Post, "/healthz"));
        assert!(routed(Method::Post, "/staff/login"));
        assert!(routed(
            Method::Get,
            "/staff/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV"
        ));
        assert!(!routed(Method::Get, "/staff/customers/a/b/c/d"));
        // A malformed id is no route at all: 404 before any handler runs.
        assert!(!routed(Method::Get, "/staff/customers/not-an-id"));
        assert!(!routed(
            Method::Post,
            "/staff/customers/not-an-id/do-not-text"
        ));
        assert!(!routed(
            Method::Get,
            "/staff/loans/01ARZ3NDEKTSV4RRFFQ69G5FA!"
        ));
        assert!(!routed(Method::Get, "/no/such/page"));
    }

    #[test]
    fn every_path_here_has_a_route() {
        use crate::plumbing::ids::{
            AttachmentId, ComplaintId, CustomerId, DrawerId, EmailId, LedgerId, LoanId, PaymentId,
            ProductId, ReceiptId, SafeTransferId, SmsId, SmsInboxId, StaffId,
        };
        use crate::plumbing::paths::{self, CustomerPart, DrawerAction, FollowUpPart, StaffAction};
        use Method::{Get, Post};
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let (c, c2) = (CustomerId::new(now), CustomerId::new(now));
        let (loan, payment) = (LoanId::new(now), PaymentId::new(now));
        let staff = StaffId::new(now);
        let mut paths: Vec<(Method, String)> = [
            (Get, paths::HOME),
            (Get, paths::LOGIN),
            (Post, paths::LOGIN_CODE),
            (Post, paths::LOGIN_RESEND),
            (Post, paths::LOGIN_EMAIL),
            (Get, paths::LOGIN_VERIFY),
            (Post, paths::LOGIN_VERIFY),
            (Post, paths::LOGOUT),
            (Get, paths::PROFILE),
            (Post, paths::PROFILE_PHONE),
            (Post, paths::PROFILE_PHONE_SEND),
            (Post, paths::PROFILE_PHONE_CANCEL),
            (Post, paths::PROFILE_LANGUAGE),
            (Get, paths::VERIFY),
            (Post, paths::VERIFY_SEND),
            (Get, paths::MY),
            (Get, paths::MY_STATEMENT),
            (Get, paths::MY_COMPLAINTS),
            (Post, paths::MY_COMPLAINTS),
            (Get, paths::STAFF),
            (Get, paths::STAFF_LOGIN),
            (Post, paths::STAFF_LOGOUT),
            (Get, paths::ACCOUNT),
            (Post, paths::ACCOUNT_PASSWORD),
            (Post, paths::ACCOUNT_PHONE),
            (Get, paths::CUSTOMERS),
            (Get, paths::NEW_CUSTOMER),
            (Get, paths::DUPLICATES),
            (Get, paths::PAYMENTS),
            (Get, paths::STATEMENT_IMPORT),
            (Get, paths::STATEMENT_REVIEW),
            (Post, paths::STATEMENT_RESOLVE),
            (Get, paths::FORFEITED),
            (Get, paths::DUE_TICKETS),
            (Get, paths::DISPOSALS),
            (Get, paths::DRAWER),
            (Post, paths::DRAWER_OPEN),
            (Post, paths::DRAWER_SAFE),
            (Get, paths::DRAWERS),
            (Get, paths::DAY_CLOSE),
            (Post, paths::DAY_CLOSE),
            (Get, paths::DAY_CLOSE_CSV),
            (Get, paths::PRODUCTS),
            (Get, paths::GOLD_PRICE),
            (Post, paths::GOLD_PRICE),
            (Get, paths::COMPLAINTS),
            (Get, paths::NEW_COMPLAINT),
            (Post, paths::NEW_COMPLAINT),
            (Get, paths::COMPLAINTS_WEEKLY),
            (Get, paths::COMPLAINTS_WEEKLY_CSV),
            (Get, paths::COMPLAINTS_QUARTERLY_CSV),
            (Get, paths::HOLIDAYS),
            (Post, paths::HOLIDAYS),
            (Get, paths::STAFF_ADMIN),
            (Get, paths::AUDIT),
            (Get, paths::SMS),
            (Post, paths::SMS_TEST),
            (Get, paths::SMS_INBOX),
            (Post, paths::SMS_BALANCE),
            (Get, paths::SYNC),
            (Post, paths::SYNC_UPLOAD),
            (Get, paths::EMAIL),
            (Get, paths::BACKUPS),
            (Get, paths::REMINDERS),
            (Post, paths::REMINDERS_SCHEDULE),
            (Get, paths::FOLLOW_UP),
            (Get, paths::FOLLOW_UP_DASHBOARD),
            (Get, paths::FOLLOW_UP_CHOICES),
            (Post, paths::FOLLOW_UP_CHOICES),
            (Post, paths::FOLLOW_UP_CHOICES_RELABEL),
            (Post, paths::FOLLOW_UP_CHOICES_RETIRE),
            (Get, paths::FOLLOW_UP_DASHBOARD_CSV),
        ]
        .into_iter()
        .map(|(m, p)| (m, p.to_owned()))
        .collect();
        paths.extend([
            (Get, paths::my_loan(&loan)),
            (Get, paths::my_loan_extend(&loan)),
            (Get, paths::my_loan_code(&loan, "ABC123")),
            (Get, paths::language("id")),
            (Get, paths::asset("style.css")),
            (Get, paths::customer(&c)),
            (Post, paths::alternative_contact_remove(&c, "x")),
            (Post, paths::alternative_contact_edit(&c, "x")),
            (Post, paths::alternative_contact_code(&c, "x", true)),
            (Post, paths::alternative_contact_code(&c, "x", false)),
            (Get, paths::duplicate_pair(&c, &c2)),
            (Post, paths::duplicate_merge(&c, &c2)),
            (Post, paths::duplicate_dismiss(&c, &c2)),
            (Get, paths::ticket(&loan)),
            (Post, paths::ticket_approve(&loan)),
            (Post, paths::ticket_pay(&loan)),
            (Post, paths::disposal_stock(&loan)),
            (Post, paths::disposal_sale(&loan)),
            (Post, paths::surplus_payout(&loan)),
            (
                Post,
                paths::drawer(&DrawerId::new(now), DrawerAction::Close),
            ),
            (
                Post,
                paths::drawer(&DrawerId::new(now), DrawerAction::SignOff),
            ),
            (Get, paths::drawer(&DrawerId::new(now), DrawerAction::Print)),
            (
                Post,
                paths::safe_transfer_confirm(&SafeTransferId::new(now)),
            ),
            (Get, paths::ticket_print(&loan)),
            (Get, paths::receipt(&loan, &payment)),
            (Get, paths::issued_receipt(&ReceiptId::new(now))),
            (Post, paths::ledger_reverse(&LedgerId::new(now))),
            (Get, paths::product(&ProductId::new(now))),
            (Post, paths::product_toggle(&ProductId::new(now))),
            (Post, paths::payment_confirm("ABC123")),
            (Get, paths::complaint(&ComplaintId::new(now))),
            (Get, paths::my_complaint(&ComplaintId::new(now))),
            (
                Get,
                paths::complaint_attachment(&ComplaintId::new(now), &AttachmentId::new(now)),
            ),
            (
                Get,
                paths::my_complaint_attachment(&ComplaintId::new(now), &AttachmentId::new(now)),
            ),
            (Post, paths::holiday_remove(now.date_naive())),
            (Get, paths::sms_inbox_message(&SmsInboxId::new(now))),
            (Post, paths::sms_inbox_reply(&SmsInboxId::new(now))),
            (
                Post,
                paths::outbox_action(paths::SMS, &SmsId::new(now), true),
            ),
            (
                Post,
                paths::outbox_action(paths::SMS, &SmsId::new(now), false),
            ),
            (
                Post,
                paths::outbox_action(paths::EMAIL, &EmailId::new(now), true),
            ),
            (
                Post,
                paths::outbox_action(paths::EMAIL, &EmailId::new(now), false),
            ),
        ]);
        for part in CustomerPart::ALL {
            // A page to open, or a form to post (the phone-and-email page is both).
            let methods: &[Method] = match part {
                CustomerPart::Statement | CustomerPart::StatementPrint => &[Get],
                CustomerPart::NewTicket | CustomerPart::PhoneAndEmail => &[Get, Post],
                _ => &[Post],
            };
            for method in methods {
                paths.push((*method, paths::customer_part(&c, part)));
            }
        }
        for part in paths::ComplaintPart::ALL {
            paths.push((Post, paths::complaint_part(&ComplaintId::new(now), part)));
        }
        for part in FollowUpPart::ALL {
            let method = if part == FollowUpPart::Screen {
                Get
            } else {
                Post
            };
            paths.push((method, paths::follow_up(&c, part)));
        }
        for action in StaffAction::ALL {
            paths.push((Post, paths::staff_member(&staff, action)));
        }
        for (method, path) in &paths {
            assert!(routed(*method, path), "{method:?} {path}");
        }
    }
}
