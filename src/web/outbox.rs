//! What the staff pages of every channel share: the queue's counts by kind and state, the
//! recent messages (codes masked) with their retry and cancel buttons, and the handler of
//! those buttons. Each channel's page keeps its own status panel (the modem, the relay) and
//! its own forms. A refused retry or cancel (the message is no longer in a state that allows
//! it) comes back as the channel's page with the reason at the message's row.

use maud::{Markup, html};

use crate::audit::Actor;
use crate::outbox::{
    ActionError, Channel, Listed, MessageId, MessageKind, Outgoing, StaffAction, State,
};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// How a channel's staff page lists its outbox.
pub(crate) struct Listing<K: 'static, I: 'static> {
    pub(crate) channel: &'static Channel<K, I>,
    /// The channel's staff page: its retry and cancel forms post below it.
    pub(crate) path: &'static str,
    /// The heading of the recent messages.
    pub(crate) recent: Msg,
    /// The heading of their text column ("Text", "Subject").
    pub(crate) text: Msg,
    /// Why a retry or cancel was refused, with `{state}`.
    pub(crate) wrong_state: Msg,
}

/// The name of the rows' retry and cancel forms in a refusal ([`FieldErrors::of`]); the
/// refused field is the message's id.
const ROW_FORM: &str = "outbox";

/// A channel page's render function: the page with a refused form (or none) and a status.
pub(crate) type Render<'a> =
    &'a dyn Fn(&StaffUser, &FieldErrors, u16) -> Result<Response, AppError>;

/// The queue's counts: a row per kind, a column per state.
pub(crate) fn queue<K: MessageKind>(ctx: &Ctx, counts: &[(State, K, i64)]) -> Markup {
    let count = |state: State, kind: K| {
        counts
            .iter()
            .find(|(s, k, _)| *s == state && *k == kind)
            .map_or(0, |c| c.2)
    };
    html! {
        h2 { (ctx.t(Msg::SmsQueue)) }
        div class="table-wrap" {
            table {
                thead { tr { th { (ctx.t(Msg::SmsKind)) } @for state in State::ALL { th class="num" { (ctx.t(state.label())) } } } }
                tbody {
                    @for kind in K::ALL {
                        tr {
                            td { (ctx.t(kind.label())) }
                            @for state in State::ALL { td class="num" { (count(state, *kind)) } }
                        }
                    }
                }
            }
        }
    }
}

/// The recent messages, with retry (failed, not a code) and cancel (queued or failed), and the
/// reason beside the row whose retry or cancel was refused (in `refused`).
pub(crate) fn recent<K: MessageKind, I: MessageId>(
    ctx: &Ctx,
    listing: &Listing<K, I>,
    messages: &[Listed<K, I>],
    refused: &FieldErrors,
) -> Markup {
    let csrf = ctx.csrf();
    let refused = refused.of(ROW_FORM);
    html! {
        h2 { (ctx.t(listing.recent)) }
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (ctx.t(Msg::AuditWhen)) } th { (ctx.t(Msg::SmsTo)) } th { (ctx.t(Msg::SmsKind)) }
                    th { (ctx.t(listing.text)) } th { (ctx.t(Msg::Status)) } th { (ctx.t(Msg::Actions)) }
                } }
                tbody {
                    @for m in messages {
                        @let id = m.message.id.to_string();
                        tr id={ "message-" (id) } {
                            td { (ctx.datetime(m.created_at)) }
                            td { (m.message.to) }
                            td { (ctx.t(m.message.kind.label())) }
                            td { (text(&m.message)) }
                            td {
                                (state_badge(ctx, m.state))
                                @if m.message.attempts > 1 { " ×" (m.message.attempts) }
                                @if let Some(t) = m.sent_at { br; span class="muted" { (ctx.datetime(t)) } }
                                @if let Some(e) = &m.last_error { br; span class="muted" { (e) } }
                            }
                            td class="actions" {
                                (ui::field_error(refused.error_for(&id)))
                                (actions(ctx, listing, m, &csrf))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A message's text: its subject with the body folded under it, or the body alone.
fn text<K, I>(m: &Outgoing<K, I>) -> Markup {
    html! {
        @if let Some(subject) = &m.subject {
            details {
                summary { (subject) }
                pre class="email-body" { (m.body) }
            }
        } @else {
            (m.body)
        }
    }
}

/// A message's retry and cancel buttons, where they apply.
fn actions<K: MessageKind, I: MessageId>(
    ctx: &Ctx,
    listing: &Listing<K, I>,
    m: &Listed<K, I>,
    csrf: &str,
) -> Markup {
    let id = &m.message.id;
    html! {
        @if m.state == State::Failed && !m.message.kind.carries_code() {
            form method="post" action=(paths::outbox_action(listing.path, id, true)) {
                (ui::csrf_input(csrf))
                button type="submit" class="secondary" { (ctx.t(Msg::SmsRetry)) }
            }
        }
        @if matches!(m.state, State::Queued | State::Failed) {
            form method="post" action=(paths::outbox_action(listing.path, id, false)) {
                (ui::csrf_input(csrf))
                button type="submit" class="danger" { (ctx.t(Msg::SmsCancel)) }
            }
        }
    }
}

/// A message's state as a badge.
pub(crate) fn state_badge(ctx: &Ctx, state: State) -> Markup {
    let class = match state {
        State::Sent => "ok",
        State::Failed | State::Expired => "bad",
        _ => "warn",
    };
    html! { span class={ "badge " (class) } { (ctx.t(state.label())) } }
}

/// POST {path}/{id}/retry and /cancel; `wake` rings the channel's sender after the commit,
/// `render` shows the channel's page again when the message's state refuses the action (409).
pub(crate) fn act<K: MessageKind, I: MessageId>(
    ctx: &Ctx,
    listing: &Listing<K, I>,
    wake: &dyn Fn(),
    render: Render,
    id: I,
    retry: bool,
) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let actor = Actor::Staff(user);
    let action = if retry {
        StaffAction::Retry
    } else {
        StaffAction::Cancel
    };
    match listing.channel.act(&tx, &actor, &id, action, ctx.now) {
        Ok(()) => {
            tx.commit()?;
            if !retry {
                // A cancelled code was blanked: empty the WAL of its text.
                db::truncate_wal(&conn);
            }
            wake();
            Ok(Response::see_other(listing.path))
        }
        Err(ActionError::NotFound) => Err(AppError::NotFound),
        Err(ActionError::WrongState(state)) => {
            drop(tx);
            drop(conn);
            let state = State::from_code(state).map_or(state, |s| ctx.t(s.label()));
            let mut refused = FieldErrors::sent(ROW_FORM, ctx.form()?);
            let reason = ctx.lang.fill(listing.wrong_state, &[("state", state)]);
            refused.add(&id.to_string(), reason);
            render(user, &refused, 409)
        }
        Err(ActionError::Db(e)) => Err(e.into()),
    }
}
