//! One-time codes as the pages use them: sending a code (login, phone or email verification)
//! through the rules of `otp` to a customer or to a number of no one, checking a code typed in,
//! and what each refusal or check says to the reader. The portal's login, its phone
//! verification and the counter's verification all go through here, so they answer alike.

use rusqlite::Connection;

use crate::otp::{
    self, Checked, CodeStore, CodeText, Codes, CustomerStore, Destination, Purpose, Refusal,
    Requester, Rules, SendError,
};
use crate::plumbing::error::AppError;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::{CustomerId, StaffId};
use crate::web::Ctx;

/// A code request's outcome for the page: sent, or refused with the reason to show; a
/// database failure is the request's error.
pub(crate) fn answered(outcome: Result<(), SendError>) -> Result<Result<(), Refusal>, AppError> {
    match outcome {
        Ok(()) => Ok(Ok(())),
        Err(SendError::Refused(refusal)) => Ok(Err(refusal)),
        Err(SendError::Db(e)) => Err(e.into()),
    }
}
/// Runs `f` with the code rules in force and this screen as the requester: the portal's
/// browser, or the counter when `staff` is given.
pub(crate) fn with_codes<T>(
    ctx: &Ctx,
    purpose: Purpose,
    staff: Option<&StaffId>,
    f: impl FnOnce(&Codes, &Requester) -> T,
) -> T {
    let rules = Rules::from_config(&ctx.app.config.otp, ctx.app.config.utc_offset());
    let codes = Codes {
        key: &ctx.app.key,
        rules: &rules,
    };
    f(
        &codes,
        &Requester {
            purpose,
            binding: ctx.binding(),
            staff,
        },
    )
}
/// A code message's text and email subject in `lang`, `{code}` left in for `otp` to fill.
pub(crate) fn code_words(ctx: &Ctx, lang: Lang, destination: &Destination) -> (String, String) {
    let minutes = ctx.app.config.otp.validity_minutes.to_string();
    let values = [
        ("branch", ctx.app.config.branch.name.as_str()),
        ("minutes", minutes.as_str()),
    ];
    match destination {
        Destination::Phone(_) => (lang.fill(Msg::CodeSms, &values), String::new()),
        Destination::Email(_) => (
            lang.fill(Msg::CodeEmailBody, &values),
            lang.fill(Msg::CodeEmailSubject, &values),
        ),
    }
}
/// Sends a code from this screen through `store`, by SMS or email, in the customer's language,
/// else this request's.
pub(crate) fn send_with(
    ctx: &Ctx,
    store: &mut impl CodeStore,
    destination: Destination,
    purpose: Purpose,
    staff: Option<&StaffId>,
) -> Result<(), SendError> {
    let lang = store.language()?.unwrap_or(ctx.lang);
    let (text, subject) = code_words(ctx, lang, &destination);
    let words = CodeText {
        text: &text,
        subject: &subject,
    };
    with_codes(ctx, purpose, staff, |codes, requester| {
        otp::send(store, codes, destination, requester, &words, ctx.now)
    })
}
/// Sends a customer a code from this screen, by SMS or email, in this request's language.
pub(crate) fn send_code(
    ctx: &Ctx,
    conn: &Connection,
    customer: &CustomerId,
    destination: Destination,
    purpose: Purpose,
    staff: Option<&StaffId>,
) -> Result<(), SendError> {
    let mut store = CustomerStore {
        conn,
        customer,
        staff,
    };
    send_with(ctx, &mut store, destination, purpose, staff)
}
/// Checks a code entered on this screen against `store`.
pub(crate) fn check_with(
    ctx: &Ctx,
    store: &mut impl CodeStore,
    purpose: Purpose,
    staff: Option<&StaffId>,
    entered: &str,
) -> rusqlite::Result<Checked> {
    with_codes(ctx, purpose, staff, |codes, requester| {
        otp::check(store, codes, requester, entered, ctx.now)
    })
}
/// Checks a code a customer entered on this screen.
pub(crate) fn check_code(
    ctx: &Ctx,
    conn: &Connection,
    customer: &CustomerId,
    purpose: Purpose,
    staff: Option<&StaffId>,
    entered: &str,
) -> rusqlite::Result<Checked> {
    let mut store = CustomerStore {
        conn,
        customer,
        staff,
    };
    check_with(ctx, &mut store, purpose, staff, entered)
}
/// The words for a refused code request.
pub(crate) fn refusal_message(ctx: &Ctx, refusal: &Refusal) -> String {
    match refusal {
        Refusal::Locked => ctx.t(Msg::CustomerLocked).to_owned(),
        Refusal::DailyLimit => ctx.t(Msg::CodeDailyLimit).to_owned(),
        Refusal::TooSoon { wait_seconds } => ctx
            .lang
            .fill(Msg::CodeTooSoon, &[("seconds", &wait_seconds.to_string())]),
    }
}
/// The words for an entered code that did not work.
pub(crate) fn checked_message(ctx: &Ctx, checked: &Checked) -> Option<String> {
    match checked {
        Checked::Accepted { .. } => None,
        Checked::Wrong { remaining } => Some(
            ctx.lang
                .fill(Msg::CodeWrong, &[("remaining", &remaining.to_string())]),
        ),
        Checked::NowLocked | Checked::Locked => Some(ctx.t(Msg::CustomerLocked).to_owned()),
        Checked::Expired => Some(ctx.t(Msg::CodeExpired).to_owned()),
        Checked::Malformed => Some(ctx.t(Msg::CodeHint).to_owned()),
    }
}
