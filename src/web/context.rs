//! What every handler is given: the application's shared state ([`App`]) and the request's
//! context ([`Ctx`]): its language, the browser's CSRF binding, the signed-in staff member or
//! customer (looked up once), the cookies to set, and the two page layouts.

use std::cell::{OnceCell, RefCell};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};

use crate::auth;
use crate::customers::Customer;
use crate::email::Email;
use crate::plumbing::clock::Clock;
use crate::plumbing::config::Config;
use crate::plumbing::crypto::{self, InstallationKey};
use crate::plumbing::db::Db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::{Form, Request, Response, form};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::paths;
use crate::plumbing::throttle::Throttle;
use crate::plumbing::ui::{self, Chrome, NavItem, StaffNav};
use crate::portal;
use crate::roles::{Permission, StaffUser};
use crate::sms::Sms;

/// The cookie holding the chosen language.
pub(crate) const LANG_COOKIE: &str = "pb_lang";
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
    pub(crate) scheduler: crate::scheduler::Status,
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
    pub(crate) cookies: RefCell<Vec<String>>,
}

impl<'a> Ctx<'a> {
    /// The request's language: the browser's choice (the language cookie), else the signed-in
    /// customer's, else the branch's.
    pub(crate) fn new(app: &'a App, req: &'a Request) -> Ctx<'a> {
        let chosen = req.cookie(LANG_COOKIE).and_then(Lang::from_code);
        let lang = chosen.unwrap_or_else(|| app.config.language());
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
        let mut ctx = Ctx {
            app,
            req,
            now: app.clock.now(),
            lang,
            binding,
            staff: OnceCell::new(),
            customer: OnceCell::new(),
            form: OnceCell::new(),
            cookies: RefCell::new(cookies),
        };
        if chosen.is_none() {
            // A failed lookup leaves the branch's language; the handler meets the error itself.
            let customers = ctx.customer().ok().flatten().and_then(|c| c.language);
            if let Some(theirs) = customers {
                ctx.lang = theirs;
            }
        }
        ctx
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
            .cookie(crate::web::portal::CUSTOMER_COOKIE)
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

    /// Tells the browser to forget a cookie (empty, expired now, the attributes it was set with).
    pub(crate) fn clear_cookie(&self, name: &str, same_site: &str) {
        let secure = self.app.config.secure_cookies();
        self.set_cookie(form::set_cookie(name, "", same_site, secure, Some(0)));
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
        let found = crate::web::auth::current_staff(self)?;
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
            self.clear_cookie(FLASH_COOKIE, "Strict");
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
            Ok(Some(customer)) => Some(crate::web::portal::customer_bar(self, customer)),
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
        let links: [(&[Permission], &'static str, Msg); 21] = [
            (&[], paths::STAFF, Msg::NavDashboard),
            (
                &[CustomerManagement, LoanOrigination, CallCentre],
                paths::CUSTOMERS,
                Msg::CardCustomers,
            ),
            (
                &crate::web::complaints::HANDLERS,
                paths::COMPLAINTS,
                Msg::ComplaintsTitle,
            ),
            (&[CallCentre], paths::FOLLOW_UP, Msg::NavCallCentre),
            (
                &crate::web::loans::counter::LOOK_UP,
                paths::PAYMENTS,
                Msg::NavPayments,
            ),
            (&[Payments], paths::DRAWER, Msg::DrawerMine),
            (&[Reports, Corrections], paths::DRAWERS, Msg::Drawers),
            (&[Reports, Corrections], paths::DAY_CLOSE, Msg::DayClose),
            (&[Payments], paths::STATEMENT_IMPORT, Msg::NavStatements),
            (&[CustomerManagement], paths::SMS, Msg::NavSms),
            (crate::web::sms::VIEWERS, paths::SMS_INBOX, Msg::NavSmsInbox),
            (&[CustomerManagement], paths::EMAIL, Msg::NavEmail),
            (
                &[LoanOrigination, Payments, Reports],
                paths::FORFEITED,
                Msg::Forfeited,
            ),
            (
                crate::web::disposals::VIEWERS,
                paths::DISPOSALS,
                Msg::Disposals,
            ),
            (&[Corrections], paths::PRODUCTS, Msg::Products),
            (&[Corrections], paths::GOLD_PRICE, Msg::GoldPrice),
            (&[Corrections], paths::HOLIDAYS, Msg::HolidaysTitle),
            (&[Reports], paths::REMINDERS, Msg::NavReminders),
            (&[Reports, AuditLog], paths::SYNC, Msg::SyncTitle),
            (&[StaffAdmin], paths::STAFF_ADMIN, Msg::NavStaff),
            (&[AuditLog], paths::AUDIT, Msg::NavAudit),
        ];
        let items = links
            .into_iter()
            .filter(|(perms, _, _)| perms.is_empty() || perms.iter().any(|p| user.role.has(*p)))
            .map(|(_, href, label)| NavItem {
                href,
                label,
                badge: None,
            })
            .collect::<Vec<_>>();
        let mut items = items;
        self.badge_unread_sms(&mut items);
        let csrf = self.csrf();
        let nav = StaffNav {
            name: &user.full_name,
            items,
            csrf: &csrf,
        };
        Response::html(200, ui::staff_page(&self.chrome(), &nav, title, body))
    }

    /// The SMS inbox's unread count beside its link (issue 17), when the link is shown.
    fn badge_unread_sms(&self, items: &mut [NavItem]) {
        let Some(item) = items.iter_mut().find(|i| i.href == paths::SMS_INBOX) else {
            return;
        };
        let unread = self
            .app
            .db
            .conn()
            .ok()
            .and_then(|conn| crate::web::sms_inbox::unread(&conn).ok());
        item.badge = unread.filter(|n| *n > 0);
    }

    /// An instant as branch-local date and time, in the reader's style.
    pub(crate) fn datetime(&self, at: DateTime<Utc>) -> String {
        ui::datetime(at, self.app.config.utc_offset(), self.lang)
    }

    /// Remembers the browser's choice of language for a year (the language cookie).
    pub(crate) fn remember_language(&self, lang: Lang) {
        self.set_cookie(form::set_cookie(
            LANG_COOKIE,
            lang.code(),
            "Lax",
            self.app.config.secure_cookies(),
            Some(31_536_000),
        ));
    }

    /// A date in the reader's style ("1 Des 2026").
    pub(crate) fn date(&self, date: chrono::NaiveDate) -> String {
        self.lang.date(date)
    }
}

/// The cookie whose value binds CSRF tokens: the staff session, else the anonymous browser id
/// if this server issued it (a value the client chose is never adopted: it is replaced).
pub(crate) fn csrf_binding<'r>(key: &InstallationKey, req: &'r Request) -> Option<&'r str> {
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
