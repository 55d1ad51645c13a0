//! The web application: shared state ([`App`]), the per-request context ([`Ctx`]) and the one
//! routing table.
//!
//! Every URL the server answers is in [`route`]. Before a handler runs, [`handle`] decides the
//! language, checks the CSRF token of every POST form, and afterwards turns an [`AppError`]
//! into its page. Handlers live in their feature modules and read like a script: parse,
//! validate, call the domain function, render or redirect.

use std::cell::{OnceCell, RefCell};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};

use crate::auth::{self, Permission, StaffUser};
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::{self, InstallationKey};
use crate::customers::Customer;
use crate::db::Db;
use crate::email::{self, Email};
use crate::error::AppError;
use crate::http::{Form, Method, Request, Response, assets, form};
use crate::i18n::{Lang, Msg};
use crate::sms::{self, Sms};
use crate::throttle::Throttle;
use crate::ui::{self, Chrome, NavItem, StaffNav};
use crate::{
    audit, customers, dashboard, duplicates, health, import, loans, portal, reminders, staff,
};

/// The cookie holding the chosen language.
const LANG_COOKIE: &str = "pb_lang";
/// The cookie holding a one-time notice for the next page.
const FLASH_COOKIE: &str = "pb_flash";
/// The cookie that identifies a browser before it signs in (binds its CSRF tokens).
const ANON_COOKIE: &str = "pb_anon";

/// Everything the request handlers share.
pub(crate) struct App {
    pub(crate) config: Config,
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) key: InstallationKey,
    /// Failed staff sign-ins per client address.
    pub(crate) sign_in_throttle: Throttle,
    /// Code requests and wrong codes per client address.
    pub(crate) code_throttle: Throttle,
    /// The portal's login attempts and strangers' numbers, in memory.
    pub(crate) portal: portal::PortalState,
    /// Whether this database holds the demo branch.
    pub(crate) demo: bool,
    /// The SMS outbox's sender and the modem's state.
    pub(crate) sms: Arc<Sms>,
    /// The head office uploader's settings and bell.
    pub(crate) uploader: Arc<crate::sync::Uploader>,
    /// The email outbox's sender and the relay's state.
    pub(crate) email: Arc<Email>,
    /// What the scheduler thread last did.
    pub(crate) scheduler: crate::loans::scheduler::Status,
    /// Set when the server is shutting down.
    pub(crate) shutdown: Arc<AtomicBool>,
}

/// One request being answered.
pub(crate) struct Ctx<'a> {
    pub(crate) app: &'a App,
    pub(crate) req: &'a Request,
    pub(crate) now: DateTime<Utc>,
    pub(crate) lang: Lang,
    /// The value that binds this browser's CSRF tokens.
    binding: String,
    staff: OnceCell<Option<StaffUser>>,
    customer: OnceCell<Option<Customer>>,
    form: OnceCell<Form>,
    /// `Set-Cookie` values to add to the response.
    cookies: RefCell<Vec<String>>,
}

impl<'a> Ctx<'a> {
    fn new(app: &'a App, req: &'a Request) -> Ctx<'a> {
        let lang = req
            .cookie(LANG_COOKIE)
            .and_then(Lang::from_code)
            .unwrap_or_else(|| app.config.language());
        let mut cookies = Vec::new();
        let binding = match csrf_binding(&app.key, req) {
            Some(b) => b.to_owned(),
            None => {
                let fresh = new_browser_id(&app.key);
                cookies.push(form::set_cookie(
                    ANON_COOKIE,
                    &fresh,
                    "Lax",
                    app.config.secure_cookies(),
                    None,
                ));
                fresh
            }
        };
        Ctx {
            app,
            req,
            now: app.clock.now(),
            lang,
            binding,
            staff: OnceCell::new(),
            customer: OnceCell::new(),
            form: OnceCell::new(),
            cookies: RefCell::new(cookies),
        }
    }

    /// The text of a message in the request's language.
    pub(crate) fn t(&self, msg: Msg) -> &'static str {
        self.lang.t(msg)
    }

    /// The POST form (already decoded and CSRF-checked by [`handle`]).
    pub(crate) fn form(&self) -> Result<&Form, AppError> {
        if let Some(f) = self.form.get() {
            return Ok(f);
        }
        let parsed = self.req.form()?;
        Ok(self.form.get_or_init(|| parsed))
    }

    /// The `next=` query parameter: where to go after this page.
    pub(crate) fn next_param(&self) -> Result<String, AppError> {
        Ok(self
            .req
            .query_form()?
            .get("next")
            .map(str::to_owned)
            .unwrap_or_default())
    }

    /// The value that identifies this browser (or counter screen): it binds CSRF tokens and
    /// one-time codes.
    pub(crate) fn binding(&self) -> &str {
        &self.binding
    }

    /// The client address, as a throttling key.
    pub(crate) fn client_key(&self) -> String {
        self.req
            .remote
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }

    /// The signed-in customer, if any (looked up once per request).
    pub(crate) fn customer(&self) -> Result<Option<&Customer>, AppError> {
        if let Some(c) = self.customer.get() {
            return Ok(c.as_ref());
        }
        let found = match self
            .req
            .cookie(portal::CUSTOMER_COOKIE)
            .filter(|t| !t.is_empty())
        {
            None => None,
            Some(token) => {
                let conn = self.app.db.conn()?;
                portal::session_customer(
                    &conn,
                    token,
                    self.app.config.portal.session_idle_minutes,
                    self.now,
                )?
            }
        };
        Ok(self.customer.get_or_init(|| found).as_ref())
    }

    /// The CSRF token for forms on this page.
    pub(crate) fn csrf(&self) -> String {
        crypto::hex(&self.app.key.mac("csrf", &[self.binding.as_bytes()]))
    }

    /// Adds a `Set-Cookie` to the response.
    pub(crate) fn set_cookie(&self, value: String) {
        self.cookies.borrow_mut().push(value);
    }

    /// Leaves a one-time notice for the next page.
    pub(crate) fn flash(&self, text: &str) {
        let value = form::percent_encode(text);
        self.set_cookie(form::set_cookie(
            FLASH_COOKIE,
            &value,
            "Strict",
            self.app.config.secure_cookies(),
            None,
        ));
    }

    /// The signed-in staff member, if any (looked up once per request).
    pub(crate) fn staff(&self) -> Result<Option<&StaffUser>, AppError> {
        if let Some(s) = self.staff.get() {
            return Ok(s.as_ref());
        }
        let found = auth::current_staff(self)?;
        Ok(self.staff.get_or_init(|| found).as_ref())
    }

    /// The signed-in staff member, who must hold `permission`.
    pub(crate) fn require(&self, permission: Permission) -> Result<&StaffUser, AppError> {
        let user = self.staff()?.ok_or(AppError::SignInRequired)?;
        if user.role.has(permission) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The signed-in staff member, who must hold one of `permissions`.
    pub(crate) fn require_any(&self, permissions: &[Permission]) -> Result<&StaffUser, AppError> {
        let user = self.staff()?.ok_or(AppError::SignInRequired)?;
        if permissions.iter().any(|p| user.role.has(*p)) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The signed-in staff member, whatever their permissions.
    pub(crate) fn signed_in(&self) -> Result<&StaffUser, AppError> {
        self.staff()?.ok_or(AppError::SignInRequired)
    }

    /// What the layouts need; takes the pending flash notice.
    pub(crate) fn chrome(&self) -> Chrome<'_> {
        let flash = self
            .req
            .cookie(FLASH_COOKIE)
            .and_then(|v| form::percent_decode(v).ok());
        if flash.is_some() {
            self.set_cookie(form::set_cookie(
                FLASH_COOKIE,
                "",
                "Strict",
                self.app.config.secure_cookies(),
                Some(0),
            ));
        }
        Chrome {
            lang: self.lang,
            path: &self.req.path,
            branch_name: &self.app.config.branch.name,
            demo: self.app.demo,
            flash,
        }
    }

    /// A customer-facing page; a signed-in customer also gets the log-out button and, while
    /// their phone is unverified, the reminder to verify it.
    pub(crate) fn customer_page(&self, title: &str, body: maud::Markup) -> Response {
        let bar = match self.customer() {
            Ok(Some(customer)) => Some(portal::customer_bar(self, customer)),
            _ => None,
        };
        Response::html(200, ui::customer_page(&self.chrome(), bar, title, body))
    }

    /// A staff page, with the navigation the signed-in member may use.
    pub(crate) fn staff_page(&self, user: &StaffUser, title: &str, body: maud::Markup) -> Response {
        use Permission::{
            AuditLog, CallCentre, Corrections, CustomerManagement, LoanOrigination, Payments,
            Reports, StaffAdmin,
        };
        // Each link with the permissions that open it (none: every signed-in member).
        let links: [(&[Permission], &'static str, Msg); 12] = [
            (&[], "/staff", Msg::NavDashboard),
            (
                &[CustomerManagement, LoanOrigination, CallCentre],
                "/staff/customers",
                Msg::CardCustomers,
            ),
            (&[Payments], "/staff/payments", Msg::NavPayments),
            (&[Payments], "/staff/payments/import", Msg::NavStatements),
            (&[CustomerManagement], "/staff/sms", Msg::NavSms),
            (&[CustomerManagement], "/staff/email", Msg::NavEmail),
            (
                &[LoanOrigination, Payments, Reports],
                "/staff/forfeited",
                Msg::Forfeited,
            ),
            (&[Corrections], "/staff/products", Msg::Products),
            (&[Reports], "/staff/reminders", Msg::NavReminders),
            (&[Reports, AuditLog], "/staff/sync", Msg::SyncTitle),
            (&[StaffAdmin], "/staff/admin/staff", Msg::NavStaff),
            (&[AuditLog], "/staff/audit", Msg::NavAudit),
        ];
        let items = links
            .into_iter()
            .filter(|(perms, _, _)| perms.is_empty() || perms.iter().any(|p| user.role.has(*p)))
            .map(|(_, href, label)| NavItem { href, label })
            .collect();
        let csrf = self.csrf();
        let nav = StaffNav {
            name: &user.full_name,
            items,
            csrf: &csrf,
        };
        Response::html(200, ui::staff_page(&self.chrome(), &nav, title, body))
    }

    /// An instant as branch-local date and time.
    pub(crate) fn datetime(&self, at: DateTime<Utc>) -> String {
        ui::datetime(at, self.app.config.utc_offset())
    }
}

/// The cookie whose value binds CSRF tokens: the staff session, else the anonymous browser id
/// if this server issued it (a value the client chose is never adopted: it is replaced).
fn csrf_binding<'r>(key: &InstallationKey, req: &'r Request) -> Option<&'r str> {
    req.cookie(auth::STAFF_COOKIE)
        .filter(|v| !v.is_empty())
        .or_else(|| req.cookie(ANON_COOKIE).filter(|v| is_browser_id(key, v)))
}

/// A new anonymous browser id: a random value and its keyed signature, `random.signature`.
pub(crate) fn new_browser_id(key: &InstallationKey) -> String {
    let random = crypto::random_token();
    let signature = crypto::hex(&key.mac("browser-id", &[random.as_bytes()]));
    format!("{random}.{signature}")
}

/// Whether `value` is an anonymous browser id this server issued.
pub(crate) fn is_browser_id(key: &InstallationKey, value: &str) -> bool {
    value.split_once('.').is_some_and(|(random, signature)| {
        let expected = crypto::hex(&key.mac("browser-id", &[random.as_bytes()]));
        crypto::ct_eq(signature.as_bytes(), expected.as_bytes())
    })
}

/// Answers one request: context, CSRF check, routing, errors, cookies.
pub(crate) fn handle(app: &App, req: &Request) -> Response {
    let ctx = Ctx::new(app, req);
    let result = check_csrf(&ctx).and_then(|()| route(&ctx));
    let mut response = result.unwrap_or_else(|e| e.into_response(req, ctx.lang));
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

/// The routing table: every URL the branch server answers.
fn route(ctx: &Ctx) -> Result<Response, AppError> {
    use Method::{Get, Head, Post};
    let method = if ctx.req.method == Head {
        Get
    } else {
        ctx.req.method
    };
    let segments = ctx.req.segments();
    match (method, segments.as_slice()) {
        // Machine endpoints and static files.
        (Get, ["healthz"]) => health::show(ctx),
        (Get, ["assets", name]) => assets::serve(ctx.req, name).ok_or(AppError::NotFound),
        (Get, ["lang", code]) => set_language(ctx, code),

        // Customer portal.
        (Get, [""]) => portal::landing(ctx),
        (Get, ["login"]) => portal::login_page(ctx),
        (Post, ["login", "code"]) => portal::request_login_code(ctx, false),
        (Post, ["login", "resend"]) => portal::request_login_code(ctx, true),
        (Post, ["login", "email"]) => portal::request_login_code_by_email(ctx),
        (Get, ["login", "verify"]) => portal::verify_page(ctx),
        (Post, ["login", "verify"]) => portal::verify_login(ctx),
        (Post, ["logout"]) => portal::logout(ctx),
        (Get, ["profile"]) => portal::profile_page(ctx),
        (Post, ["profile"]) => portal::save_profile(ctx),
        (Post, ["profile", "phone"]) => portal::confirm_new_phone(ctx),
        (Post, ["profile", "phone", "send"]) => portal::resend_new_phone_code(ctx),
        (Post, ["profile", "phone", "cancel"]) => portal::cancel_new_phone(ctx),
        (Get, ["verify"]) => portal::verify_phone_page(ctx),
        (Post, ["verify"]) => portal::verify_phone(ctx),
        (Post, ["verify", "send"]) => portal::send_verification_code(ctx),
        (Get, ["my"]) => portal::my_loans(ctx),
        (Get, ["my", "loans", id]) => portal::loan_page(ctx, id),
        (Get, ["my", "loans", id, "extend"]) => portal::extend_page(ctx, id),
        (Post, ["my", "loans", id, "extend"]) => portal::extend(ctx, id),
        (Get, ["my", "loans", id, "code", code]) => portal::code_page(ctx, id, code),

        // Staff sign-in and dashboard.
        (Get, ["staff", "login"]) => auth::login_page(ctx),
        (Post, ["staff", "login"]) => auth::login(ctx),
        (Post, ["staff", "logout"]) => auth::logout(ctx),
        (Get, ["staff"]) => dashboard::show(ctx),
        (Get, ["staff", "account"]) => staff::account_page(ctx),
        (Post, ["staff", "account", "password"]) => staff::change_own_password(ctx),

        // Customers and tickets at the counter.
        (Get, ["staff", "customers"]) => customers::list_page(ctx),
        (Get, ["staff", "customers", "new"]) => customers::new_page(ctx),
        (Post, ["staff", "customers", "new"]) => customers::create(ctx),
        (Get, ["staff", "customers", "duplicates"]) => duplicates::pages::list(ctx),
        (Get, ["staff", "customers", "duplicates", a, b]) => duplicates::pages::compare(ctx, a, b),
        (Post, ["staff", "customers", "duplicates", a, b, "merge"]) => {
            duplicates::pages::merge(ctx, a, b)
        }
        (Post, ["staff", "customers", "duplicates", a, b, "dismiss"]) => {
            duplicates::pages::dismiss(ctx, a, b)
        }
        (Get, ["staff", "customers", id]) => customers::show_page(ctx, id),
        (Post, ["staff", "customers", id, "unlock"]) => customers::unlock_action(ctx, id),
        (Post, ["staff", "customers", id, "do-not-text"]) => customers::set_do_not_text(ctx, id),
        (Post, ["staff", "customers", id, "verification", "send"]) => {
            customers::counter_send(ctx, id)
        }
        (Post, ["staff", "customers", id, "verification"]) => customers::counter_verify(ctx, id),
        (Post, ["staff", "customers", id, "contacts"]) => customers::contacts::add_action(ctx, id),
        (Post, ["staff", "customers", id, "contacts", contact, "remove"]) => {
            customers::contacts::remove_action(ctx, id, contact)
        }
        (Post, ["staff", "customers", id, "notes"]) => customers::notes::add_action(ctx, id),
        (Post, ["staff", "customers", id, "caller"]) => customers::caller::verify(ctx, id),
        (Get, ["staff", "customers", id, "contact"]) => customers::contact_details::page(ctx, id),
        (Post, ["staff", "customers", id, "contact"]) => customers::contact_details::save(ctx, id),
        (Post, ["staff", "customers", id, "invite"]) => email::customer::invite(ctx, id),
        (Post, ["staff", "customers", id, "test-email"]) => email::customer::test_email(ctx, id),
        (Post, ["staff", "customers", id, "test-sms"]) => email::customer::test_sms(ctx, id),
        (Post, ["staff", "customers", id, "email-verification", "send"]) => {
            email::customer::verification_send(ctx, id)
        }
        (Post, ["staff", "customers", id, "email-verification"]) => {
            email::customer::verification_check(ctx, id)
        }
        (Get, ["staff", "customers", id, "statement"]) => loans::pages::statement(ctx, id),
        (Get, ["staff", "customers", id, "tickets", "new"]) => {
            loans::pages::new_ticket_page(ctx, id)
        }
        (Post, ["staff", "customers", id, "tickets", "new"]) => {
            loans::pages::create_ticket(ctx, id)
        }
        (Get, ["staff", "loans", id]) => loans::pages::show(ctx, id),
        (Post, ["staff", "loans", id, "approve"]) => loans::pages::approve(ctx, id),
        (Post, ["staff", "loans", id, "pay"]) => loans::pages::pay(ctx, id),
        (Get, ["staff", "loans", id, "receipt", payment]) => {
            loans::pages::receipt(ctx, id, payment)
        }
        (Post, ["staff", "ledger", id, "reverse"]) => loans::pages::reverse(ctx, id),
        (Get, ["staff", "loans", id, "print"]) => loans::shelf::print_ticket(ctx, id),
        (Get, ["staff", "forfeited"]) => loans::shelf::forfeited(ctx),
        (Get, ["staff", "products"]) => loans::shelf::products_page(ctx),
        (Post, ["staff", "products"]) => loans::shelf::add_product(ctx),
        (Post, ["staff", "products", id, "toggle"]) => loans::shelf::toggle_product(ctx, id),
        (Get, ["staff", "products", id]) => loans::shelf::edit_product_page(ctx, id),
        (Post, ["staff", "products", id]) => loans::shelf::save_product(ctx, id),
        (Get, ["staff", "payments"]) => loans::counter::search_page(ctx),
        (Post, ["staff", "payments", code, "confirm"]) => loans::counter::confirm(ctx, code),

        // Bank and mobile-money statements.
        (Get, ["staff", "payments", "import"]) => import::pages::upload_page(ctx),
        (Post, ["staff", "payments", "import"]) => import::pages::upload(ctx),
        (Get, ["staff", "payments", "review"]) => import::pages::review_page(ctx),
        (Post, ["staff", "payments", "review", "resolve"]) => import::pages::resolve(ctx),

        // Staff administration.
        (Get, ["staff", "admin", "staff"]) => staff::list_page(ctx),
        (Post, ["staff", "admin", "staff"]) => staff::create(ctx),
        (Post, ["staff", "admin", "staff", id, "role"]) => staff::change_role(ctx, id),
        (Post, ["staff", "admin", "staff", id, "disable"]) => staff::set_disabled(ctx, id, true),
        (Post, ["staff", "admin", "staff", id, "enable"]) => staff::set_disabled(ctx, id, false),
        (Post, ["staff", "admin", "staff", id, "password"]) => staff::reset_password(ctx, id),
        (Get, ["staff", "audit"]) => audit::list_page(ctx),

        // SMS.
        (Get, ["staff", "sms"]) => sms::page(ctx),
        (Post, ["staff", "sms", "test"]) => sms::send_test(ctx),
        (Post, ["staff", "sms", id, "retry"]) => sms::act(ctx, id, true),
        (Post, ["staff", "sms", id, "cancel"]) => sms::act(ctx, id, false),

        // Sync to head office.
        (Get, ["staff", "sync"]) => crate::sync::page(ctx),
        (Post, ["staff", "sync", "upload"]) => crate::sync::upload_now(ctx),

        // Email.
        (Get, ["staff", "email"]) => email::page(ctx),
        (Post, ["staff", "email", id, "retry"]) => email::act(ctx, id, true),
        (Post, ["staff", "email", id, "cancel"]) => email::act(ctx, id, false),

        // Reminders.
        (Get, ["staff", "reminders"]) => reminders::page(ctx),
        (Post, ["staff", "reminders"]) => reminders::save(ctx),

        _ => Err(if known_path(&segments) {
            AppError::MethodNotAllowed
        } else {
            AppError::NotFound
        }),
    }
}

/// Whether some method is routed for this path (for 405 versus 404).
fn known_path(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["healthz"]
            | [""]
            | ["login" | "logout" | "profile" | "verify" | "my"]
            | ["login", "code" | "resend" | "verify" | "email"]
            | ["verify", "send"]
            | ["profile", "phone"]
            | ["profile", "phone", "send" | "cancel"]
            | ["my", "loans", _]
            | ["my", "loans", _, "extend"]
            | ["my", "loans", _, "code", _]
            | ["staff"]
            | [
                "staff",
                "login"
                    | "logout"
                    | "account"
                    | "audit"
                    | "sms"
                    | "email"
                    | "payments"
                    | "reminders"
            ]
            | ["staff", "payments", _, "confirm"]
            | ["staff", "customers"]
            | ["staff", "customers", "duplicates", _, _]
            | [
                "staff",
                "customers",
                "duplicates",
                _,
                _,
                "merge" | "dismiss"
            ]
            | ["staff", "customers" | "loans", _]
            | [
                "staff",
                "customers",
                _,
                "unlock"
                    | "verification"
                    | "do-not-text"
                    | "invite"
                    | "test-email"
                    | "test-sms"
                    | "email-verification"
                    | "contacts"
                    | "notes"
                    | "caller"
                    | "contact"
            ]
            | ["staff", "customers", _, "contacts", _, "remove"]
            | [
                "staff",
                "customers",
                _,
                "verification" | "email-verification",
                "send"
            ]
            | ["staff", "loans", _, "approve" | "pay"]
            | ["staff", "loans", _, "receipt", _]
            | ["staff", "ledger", _, "reverse"]
            | ["staff", "loans", _, "print"]
            | ["staff", "forfeited" | "products"]
            | ["staff", "products", _, "toggle"]
            | ["staff", "products", _]
            | ["staff", "payments", "import" | "review"]
            | ["staff", "payments", "review", "resolve"]
            | ["staff", "customers", _, "statement"]
            | ["staff", "customers", _, "tickets", "new"]
            | ["staff", "sms", "test"]
            | ["staff", "sync"]
            | ["staff", "sync", "upload"]
            | ["staff", "sms" | "email", _, "retry" | "cancel"]
            | ["staff", "account", "password"]
            | ["staff", "admin", "staff"]
            | [
                "staff",
                "admin",
                "staff",
                _,
                "role" | "disable" | "enable" | "password"
            ]
    )
}

/// Sets the language cookie and goes back to the page.
fn set_language(ctx: &Ctx, code: &str) -> Result<Response, AppError> {
    let lang = Lang::from_code(code).ok_or(AppError::NotFound)?;
    let next = ctx.next_param()?;
    ctx.set_cookie(form::set_cookie(
        LANG_COOKIE,
        lang.code(),
        "Lax",
        ctx.app.config.secure_cookies(),
        Some(31_536_000),
    ));
    Ok(Response::see_other(local_path(&next)))
}

/// A `next=` or `back=` target if it is a path on this site, else the start page: no open
/// redirects, and nothing that could end a header line.
///
/// A local target starts with one `/` followed by neither `/` nor `\`, is printable ASCII
/// (what a `Location` may carry), and stays so after percent-decoding (browsers decode, so
/// `/%09/host` would be read as `//host`): no control character, whitespace or backslash.
pub(crate) fn local_path(next: &str) -> &str {
    fn stays_here(path: &str) -> bool {
        path.starts_with('/')
            && !path[1..].starts_with(['/', '\\'])
            && !path
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    }
    let decoded = form::percent_decode(next);
    if next.bytes().all(|b| b.is_ascii_graphic())
        && stays_here(next)
        && decoded.is_ok_and(|d| stays_here(&d))
    {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_targets_stay_on_this_site() {
        assert_eq!(local_path("/staff"), "/staff");
        assert_eq!(local_path("//evil.example"), "/");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path(""), "/");
        assert_eq!(local_path("/\r\nSet-Cookie: a=b"), "/");
        assert_eq!(local_path("/\t/evil.example"), "/");
        assert_eq!(local_path("/%09/evil.example"), "/");
        assert_eq!(local_path("/%2F/evil.example"), "/");
        assert_eq!(local_path("/%5Cevil.example"), "/");
        assert_eq!(local_path("/a b"), "/");
        assert_eq!(local_path("/caf\u{e9}"), "/");
        assert_eq!(local_path("/%zz"), "/");
        assert_eq!(local_path("/my/loans?tab=closed"), "/my/loans?tab=closed");
        assert_eq!(
            local_path("/staff/customers?q=Jos%C3%A9"),
            "/staff/customers?q=Jos%C3%A9"
        );
        assert_eq!(local_path("/"), "/");
    }
}
