//! Each category's procedure as a checklist: the steps of seed 003 (A to D) and seed 002 (one-
//! time codes) that staff do and record on the case, each with the action the page offers for
//! it. A step recorded as done stays done (who and when), and is an event on the case's
//! timeline. Verifying the caller is done when a staff member opens the case with the details
//! checked (`cases::open`).

use super::Category;
use crate::plumbing::i18n::Msg;

/// What the case page offers beside a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing but recording it as done.
    None,
    /// The caller details checked when the case was opened.
    VerifyCaller,
    /// The customer's tickets with what each owes and why (A.3).
    Statement,
    /// The disbursement's state and time (B.2).
    Disbursement,
    /// Marking the payout failed and making it again (B.7).
    Payout,
    /// The table of typos staff may correct, and the correction form (seed 002 step 3).
    EmailTypos,
    /// The payment's state by code, ticket or customer, and its SMS (C.3-C.4).
    Payment,
    /// The escalation form (A.4, B.5, C.5, one-time code step 4).
    Escalate,
    /// Sending the customer's own payment code by SMS to their registered number (D.4).
    SendPaymentCode,
    /// The delivery states of the customer's last test SMS and test email (seed 002).
    TestMessages,
}

/// A step of a category's procedure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    /// The step's code, as the seed numbers it ("a4"), stored when done.
    pub(crate) code: &'static str,
    pub(crate) text: Msg,
    pub(crate) action: Action,
}

/// The step that verifying the caller records.
pub(crate) const VERIFY_CALLER: &str = "verify";

const fn step(code: &'static str, text: Msg, action: Action) -> Step {
    Step { code, text, action }
}

const VERIFY: Step = step(VERIFY_CALLER, Msg::StepVerifyCaller, Action::VerifyCaller);

const BILLING: &[Step] = &[
    VERIFY,
    step("a3", Msg::StepA3, Action::Statement),
    step("a4", Msg::StepA4, Action::Escalate),
    step("a5", Msg::StepA5, Action::None),
    step("a6", Msg::StepA6, Action::None),
    step("a7", Msg::StepReport, Action::None),
];

const DISBURSEMENT: &[Step] = &[
    VERIFY,
    step("b2", Msg::StepB2, Action::Disbursement),
    step("b3", Msg::StepB3, Action::None),
    step("b4", Msg::StepB4, Action::None),
    step("b5", Msg::StepB5, Action::Escalate),
    step("b6", Msg::StepB6, Action::None),
    step("b7", Msg::StepB7, Action::Payout),
    step("b8", Msg::StepReport, Action::None),
];

const PAYMENT_CONFIRMATION: &[Step] = &[
    VERIFY,
    step("c3", Msg::StepC3, Action::Payment),
    step("c4", Msg::StepC4, Action::None),
    step("c5", Msg::StepC5, Action::Escalate),
    step("c6", Msg::StepC6, Action::None),
    step("c8", Msg::StepC8, Action::None),
    step("c9", Msg::StepReport, Action::None),
];

const PAYMENT_METHOD: &[Step] = &[
    VERIFY,
    step("d3", Msg::StepD3, Action::None),
    step("d4", Msg::StepD4, Action::SendPaymentCode),
    step("d5", Msg::StepReport, Action::None),
];

const ONE_TIME_CODE: &[Step] = &[
    VERIFY,
    step("otp1", Msg::StepOtpBothChannels, Action::None),
    step("otp2", Msg::StepOtpSpam, Action::None),
    step("otp3", Msg::StepOtpReviewEmail, Action::EmailTypos),
    step("otp4", Msg::StepOtpTestMessages, Action::TestMessages),
    step("otp5", Msg::StepOtpCannotChange, Action::Escalate),
    step("otp6", Msg::StepOtpTeamLeader, Action::None),
];

const OTHER: &[Step] = &[VERIFY, step("x1", Msg::StepReport, Action::None)];

/// The category's steps, in the seed's order.
pub(crate) fn steps(category: Category) -> &'static [Step] {
    match category {
        Category::Billing => BILLING,
        Category::Disbursement => DISBURSEMENT,
        Category::PaymentConfirmation => PAYMENT_CONFIRMATION,
        Category::PaymentMethod => PAYMENT_METHOD,
        Category::OneTimeCode => ONE_TIME_CODE,
        Category::Other => OTHER,
    }
}

/// The category's step of this code.
pub(crate) fn find(category: Category, code: &str) -> Option<Step> {
    steps(category).iter().copied().find(|s| s.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_starts_by_verifying_and_codes_are_unique() {
        for category in Category::ALL {
            let list = steps(*category);
            assert_eq!(list[0].code, VERIFY_CALLER, "{category:?}");
            let mut codes: Vec<&str> = list.iter().map(|s| s.code).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), list.len(), "{category:?}");
        }
        assert!(find(Category::Billing, "b7").is_none());
        assert_eq!(
            find(Category::Disbursement, "b7").map(|s| s.text),
            Some(Msg::StepB7)
        );
    }
}
