//! Delivery reports on the staff pages (issue 17): a message's delivery in words, and the SMS
//! page's section of recent sent messages with the warning about codes that did not reach the
//! phone.

use maud::{Markup, html};

use crate::outbox::MessageKind;
use crate::plumbing::i18n::Msg;
use crate::sms::outbox::Kind;
use crate::sms::reports::{self, Delivery};
use crate::web::Ctx;

/// "delivered to the phone at 1 Dec 2026 10:42", "not delivered (…)", or "no report yet".
pub(crate) fn words(ctx: &Ctx, delivery: &Delivery) -> String {
    match delivery {
        Delivery::Unknown => ctx.t(Msg::SmsNoReportYet).to_owned(),
        Delivery::Delivered { at } => ctx
            .lang
            .fill(Msg::SmsDeliveredAt, &[("when", &ctx.datetime(at.to_utc()))]),
        Delivery::NotDelivered { at, status } => ctx.lang.fill(
            Msg::SmsNotDelivered,
            &[
                ("reason", ctx.t(reports::reason(*status))),
                ("when", &ctx.datetime(at.to_utc())),
            ],
        ),
    }
}

/// The badge class of a delivery.
fn class(delivery: &Delivery) -> &'static str {
    match delivery {
        Delivery::Unknown => "badge",
        Delivery::Delivered { .. } => "badge ok",
        Delivery::NotDelivered { .. } => "badge bad",
    }
}

/// A delivery as a badge.
pub(crate) fn badge(ctx: &Ctx, delivery: &Delivery) -> Markup {
    html! { span class=(class(delivery)) { (words(ctx, delivery)) } }
}

/// The SMS page's section: codes not delivered in time, then the latest sent messages.
pub(crate) fn section(ctx: &Ctx, conn: &rusqlite::Connection) -> rusqlite::Result<Markup> {
    let minutes = ctx.app.config.sms.code_delivery_minutes;
    let late =
        reports::undelivered_codes(conn, chrono::Duration::minutes(i64::from(minutes)), ctx.now)?;
    let sent = reports::latest_sent(conn, 20)?;
    Ok(html! {
        @if late > 0 {
            p class="warning" role="alert" {
                (ctx.lang.fill(Msg::SmsCodesUndelivered, &[("n", &late.to_string()), ("minutes", &minutes.to_string())]))
            }
        }
        h2 { (ctx.t(Msg::SmsDelivery)) }
        table {
            thead { tr { th { (ctx.t(Msg::SmsSentAt)) } th { (ctx.t(Msg::SmsTo)) } th { (ctx.t(Msg::SmsKind)) } th { (ctx.t(Msg::SmsDelivery)) } } }
            tbody {
                @for s in &sent {
                    tr {
                        td { (ctx.datetime(s.sent_at)) }
                        td { (s.recipient.masked()) }
                        td { (ctx.t(Kind::from_stored(&s.kind).label())) }
                        td { (badge(ctx, &s.delivery)) }
                    }
                }
            }
        }
    })
}
