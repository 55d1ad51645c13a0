//! What two checklist steps of a case page show and offer: the ticket's payout with its state
//! and time (B.2), marking it failed and making it again (B.7, for the permissions that fit:
//! corrections to mark it failed, loan origination to pay out again), and the table of email
//! typos staff may correct with the correction form (seed 002 step 3). The case page
//! ([`super::case`]) places them; its POST handler runs them.

use maud::{Markup, html};

use super::case::FAILED_REASON;
use crate::complaints::typos::{self, Shown};
use crate::complaints::{Case, EventKind};
use crate::ledger::Method;
use crate::loans::disbursements::{Disbursement, State as PayoutState};
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths::{self, ComplaintPart};
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;
use crate::web::loans::method_label;
use crate::web::loans::payouts::payout_line;

/// The payouts of the case's ticket and what the reader may do with the last one.
pub(crate) struct Payouts {
    pub(crate) list: Vec<Disbursement>,
    pub(crate) may_fail: bool,
    pub(crate) may_pay_out: bool,
}

impl Payouts {
    /// The payouts of the case's ticket (none without one), for `user`.
    pub(crate) fn of(
        conn: &rusqlite::Connection,
        case: &Case,
        user: &StaffUser,
    ) -> rusqlite::Result<Payouts> {
        let list = match &case.loan_id {
            Some(loan) => crate::loans::disbursements::of_ticket(conn, loan)?,
            None => Vec::new(),
        };
        Ok(Payouts {
            list,
            may_fail: user.role.has(Permission::Corrections),
            may_pay_out: user.role.has(Permission::LoanOrigination),
        })
    }
}

/// B.2: the ticket's payouts, newest last, or that it was paid in cash.
pub(crate) fn payout_state(ctx: &Ctx, payouts: &Payouts, has_ticket: bool) -> Markup {
    html! {
        @if payouts.list.is_empty() {
            @if has_ticket { br; (ctx.t(Msg::DisbursementPaidInCash)) }
        } @else {
            ul class="payouts" { @for p in &payouts.list { li { (payout_line(ctx, p)) } } }
            @if payouts.list.iter().any(|p| p.state == PayoutState::Failed) {
                p class="notice" { (ctx.t(Msg::DisbursementOutstanding)) }
            }
        }
    }
}

/// B.7: mark the last payout failed, or make a failed one again, when the reader may.
pub(crate) fn payout_forms(
    ctx: &Ctx,
    case: &Case,
    payouts: &Payouts,
    sent: &FieldErrors,
) -> Markup {
    let Some(last) = payouts.list.last() else {
        return html! { br; (ctx.t(Msg::DisbursementNoneForCase)) };
    };
    if !case.state.is_open() {
        return html! {};
    }
    let csrf = ctx.csrf();
    let failing = sent.of(ComplaintPart::PayoutFailed.segment());
    let again = sent.of(ComplaintPart::PayoutAgain.segment());
    let methods: Vec<(&str, &str)> = Method::PAYABLE
        .iter()
        .map(|m| (m.code(), ctx.t(method_label(*m))))
        .collect();
    html! {
        @if last.state == PayoutState::Sent && last.method != Method::Cash && payouts.may_fail {
            form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::PayoutFailed)) class="inline" id="payout-failed" {
                (ui::csrf_input(&csrf))
                input type="hidden" name="payout" value=(last.id);
                (ui::field(&ui::Field {
                    error: failing.error_for(FAILED_REASON),
                    ..ui::Field::new(ctx.t(Msg::Reason), FAILED_REASON, failing.value_or(FAILED_REASON, ""))
                }))
                button type="submit" class="danger" { (ctx.t(Msg::DisbursementMarkFailed)) }
            }
        }
        @if last.state == PayoutState::Failed && payouts.may_pay_out {
            form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::PayoutAgain)) class="inline" id="payout-again" {
                (ui::csrf_input(&csrf))
                input type="hidden" name="payout" value=(last.id);
                (ui::select(ctx.t(Msg::PaidBy), "method", &methods, again.value_or("method", last.method.code()), again.error_for("method")))
                (ui::field(&ui::Field {
                    required: false,
                    ..ui::Field::new(ctx.t(Msg::DisbursementReference), "reference", again.value_or("reference", ""))
                }))
                button type="submit" { (ctx.t(Msg::DisbursementMakeAgain)) }
            }
        }
    }
}

/// Seed 002 step 3: the typos staff may correct, and the form to correct one.
pub(crate) fn email_typos(
    ctx: &Ctx,
    case: &Case,
    email: Option<&str>,
    sent: &FieldErrors,
) -> Markup {
    let cell = |shown: Shown| match shown {
        Shown::Text(t) => html! { code { (t) } },
        Shown::Label(m) => html! { (ctx.t(m)) },
    };
    let typed = sent.of(ComplaintPart::EmailTypo.segment());
    html! {
        details class="email-typos" open[typed.whole().is_some() || typed.error_for("email").is_some()] {
            summary { (ctx.t(Msg::EmailTypoTitle)) }
            p { (ctx.t(Msg::EmailTypoIntro)) }
            table {
                thead { tr { th { (ctx.t(Msg::EmailTypoWrong)) } th { (ctx.t(Msg::EmailTypoRight)) } } }
                tbody { @for c in typos::allowed(&ctx.app.config.complaints) {
                    @let (wrong, right) = c.shown();
                    tr { td { (cell(wrong)) } td { (cell(right)) } }
                } }
            }
            @match email {
                Some(email) if case.state.is_open() => {
                    form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::EmailTypo)) id="email-typo" {
                        (ui::csrf_input(&ctx.csrf()))
                        (ui::field(&ui::Field {
                            error: typed.error_for("email"),
                            ..ui::Field::new(ctx.t(Msg::EmailTypoNewAddress), "email", typed.value_or("email", email))
                        }))
                        button type="submit" { (ctx.t(Msg::EmailTypoCorrect)) }
                    }
                }
                Some(_) => {},
                None => { p { (ctx.t(Msg::EmailTypoNoEmail)) } },
            }
        }
    }
}

/// A timeline event of a payout ("failed:reason", "made_again:method") in the reader's words.
pub(crate) fn payout_event(ctx: &Ctx, kind: EventKind, detail: &str) -> Option<String> {
    if kind != EventKind::Disbursement {
        return None;
    }
    let (state, rest) = detail.split_once(':')?;
    let state = PayoutState::from_code(state)?;
    let rest = match state {
        PayoutState::MadeAgain => Method::from_code(rest).map_or(rest, |m| ctx.t(method_label(m))),
        _ => rest,
    };
    Some(format!("{}: {rest}", ctx.t(state.label())))
}
