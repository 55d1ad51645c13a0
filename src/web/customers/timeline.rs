//! The timeline section of the customer page (what goes into it is `customers::timeline`).

use maud::{Markup, html};

use crate::complaints::{EventKind as ComplaintEvent, State as ComplaintState};
use crate::customers::EventKind;
use crate::customers::timeline::{Entry, What};
use crate::email::outbox::Kind as EmailKind;
use crate::otp::Purpose;
use crate::outbox::{MessageKind, State};
use crate::plumbing::i18n::Msg;
use crate::sms::outbox::Kind as SmsKind;
use crate::web::Ctx;

/// An audit action on a customer, for people.
fn edit_label(action: &str) -> Msg {
    match action {
        "customer.create" => Msg::EditCreated,
        "customer.contact_change" => Msg::EditContactChanged,
        "customer.contact_add" => Msg::EditContactAdded,
        "customer.contact_remove" => Msg::EditContactRemoved,
        "customer.unlock" => Msg::EventUnlocked,
        "customer.merge" => Msg::EventMerged,
        _ => Msg::EditOther,
    }
}

/// A complaint event's kind, for people.
fn complaint_label(kind: &str) -> Msg {
    ComplaintEvent::from_code(kind).map_or(Msg::ComplaintEventMessage, ComplaintEvent::label)
}

/// A complaint event's detail: the state it moved to in words, else as stored.
fn complaint_detail(ctx: &Ctx, detail: &str) -> String {
    ComplaintState::from_code(detail)
        .map_or_else(|| detail.to_owned(), |s| ctx.t(s.label()).to_owned())
}

/// A stored outbox state as its badge (one this version does not know, as stored).
fn state_badge(ctx: &Ctx, state: &str) -> Markup {
    match State::from_code(state) {
        Some(state) => crate::web::outbox::state_badge(ctx, state),
        None => html! { span class="badge" { (state) } },
    }
}

/// A code event's detail in the reader's words: stored as codes and numbers ("login to
/// +62 ••• 7890", "1 of 3", "login"); `None` for any other event, shown as stored.
fn code_detail(ctx: &Ctx, kind: &str, detail: &str) -> Option<String> {
    let purpose = |code: &str| Purpose::label_of(code).map(|m| ctx.t(m));
    match kind {
        "code_sent" => {
            let (code, to) = detail.split_once(" to ")?;
            Some(ctx.lang.fill(
                Msg::CodeSentDetail,
                &[("purpose", purpose(code)?), ("to", to)],
            ))
        }
        "code_accepted" => purpose(detail).map(str::to_owned),
        "code_failed" => {
            let (n, max) = detail.split_once(" of ")?;
            Some(
                ctx.lang
                    .fill(Msg::WrongCodesDetail, &[("n", n), ("max", max)]),
            )
        }
        _ => None,
    }
}

/// The timeline section of the customer page.
pub(crate) fn section(ctx: &Ctx, entries: &[Entry], note_form: Markup) -> Markup {
    html! {
        section id="timeline" {
            h2 { (ctx.t(Msg::TimelineTitle)) }
            (note_form)
            @if entries.is_empty() { p class="muted" { (ctx.t(Msg::AuditEmpty)) } }
            div class="table-wrap" {
                table {
                    thead { tr { th { (ctx.t(Msg::AuditWhen)) } th { (ctx.t(Msg::AuditAction)) } th { (ctx.t(Msg::AuditWho)) } th { "" } } }
                    tbody {
                        @for e in entries {
                            tr {
                                td { (ctx.datetime(e.at)) }
                                td {
                                    @match &e.what {
                                        What::Event(kind) => (ctx.t(EventKind::label(kind))),
                                        What::Sms { kind, state, delivery } => {
                                            (ctx.t(Msg::NavSms)) " · " (ctx.t(SmsKind::from_stored(kind).label())) " · " (state_badge(ctx, state))
                                            @if state == "sent" { " · " (crate::web::sms_delivery::badge(ctx, delivery)) }
                                        },
                                        What::SmsReply => (ctx.t(Msg::TimelineSmsReply)),
                                        What::Email { kind, state } => { (ctx.t(Msg::NavEmail)) " · " (ctx.t(EmailKind::from_stored(kind).label())) " · " (state_badge(ctx, state)) },
                                        What::Note => (ctx.t(Msg::TimelineNote)),
                                        What::Complaint { kind, .. } => { (ctx.t(Msg::PermComplaints)) " · " (ctx.t(complaint_label(kind))) },
                                        What::FollowUp { response_en, response_id } => {
                                            (ctx.t(Msg::TimelineFollowUp)) " · "
                                            (match ctx.lang { crate::plumbing::i18n::Lang::Id => response_id, crate::plumbing::i18n::Lang::En => response_en })
                                        },
                                        What::Edit(action) => (ctx.t(edit_label(action))),
                                    }
                                }
                                td {
                                    @match (&e.who, &e.what) {
                                        (Some(who), _) => (who),
                                        (None, What::Sms { .. } | What::Email { .. }) => "—",
                                        (None, _) => (ctx.t(Msg::CustomerSelf)),
                                    }
                                }
                                td class=[(!matches!(e.what, What::Note | What::FollowUp { .. } | What::SmsReply)).then_some("muted")] {
                                    @match &e.what {
                                        What::Event(kind) if kind == "caller_verified" => (super::caller::describe(ctx, &e.detail)),
                                        What::Event(kind) => (code_detail(ctx, kind, &e.detail).unwrap_or_else(|| e.detail.clone())),
                                        What::Complaint { .. } => (complaint_detail(ctx, &e.detail)),
                                        _ => (e.detail),
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
