//! A ticket's payouts with their state (seed 003 B.7): one line each, as the ticket page and a
//! disbursement complaint's case page show them.

use maud::{Markup, html};

use super::method_label;
use crate::loans::disbursements::{Disbursement, State as PayoutState};
use crate::plumbing::i18n::Msg;
use crate::web::Ctx;

/// One payout's state, method and times, as the case page and the ticket page show it.
pub(crate) fn payout_line(ctx: &Ctx, p: &Disbursement) -> Markup {
    let badge = match p.state {
        PayoutState::Sent => "badge ok",
        PayoutState::Failed => "badge bad",
        PayoutState::MadeAgain => "badge",
    };
    let who = |name: &Option<String>| name.clone().unwrap_or_else(|| "—".to_owned());
    html! {
        span class=(badge) data-payout=(p.state.code()) { (ctx.t(p.state.label())) } " "
        (ctx.t(method_label(p.method)))
        @if !p.reference.is_empty() { " (" (p.reference) ")" }
        " · " (ctx.app.config.currency().format(p.amount, ctx.lang))
        " · " (ctx.lang.fill(Msg::DisbursementSentAt, &[("at", &ctx.datetime(p.sent_at)), ("who", &who(&p.sent_by))]))
        @if p.replaces.is_some() { " · " (ctx.t(Msg::DisbursementReplaces)) }
        @if let Some(at) = p.failed_at {
            " · " (ctx.lang.fill(Msg::DisbursementFailedAt, &[("at", &ctx.datetime(at)), ("who", &who(&p.failed_by)), ("reason", &p.failed_reason)]))
        }
    }
}
