//! What the branch's pages show of head office's reference data: its card on the Sync page
//! (the version held and its age, when it was confirmed to head office, the last contact),
//! and the refusals the Products page and the new-ticket form give because of it.

use maud::{Markup, html};
use rusqlite::Connection;

use crate::plumbing::i18n::Msg;
use crate::sync::reference::{self, Hit};
use crate::web::Ctx;

/// The Sync page's card about reference data.
pub(crate) fn sync_card(ctx: &Ctx, conn: &Connection) -> rusqlite::Result<Markup> {
    let held = reference::held(conn)?;
    let never = ctx.t(Msg::SyncNever);
    let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || never.to_owned(),
            |t| format!("{} ({})", ctx.datetime(t), super::sync::age(ctx, t)),
        )
    };
    Ok(html! {
        h2 { (ctx.t(Msg::RefTitle)) }
        section class="card" id="reference-data" {
            @if held.version == 0 {
                p class="muted" { (ctx.t(Msg::RefNone)) }
            }
            dl {
                dt { (ctx.t(Msg::RefVersion)) }
                dd data-version=(held.version) {
                    @if let Some(published) = held.published_at {
                        (ctx.lang.fill(Msg::RefVersionValue, &[
                            ("version", &held.version.to_string()),
                            ("when", &ctx.datetime(published)),
                            ("age", &super::sync::age(ctx, published)),
                        ]))
                    } @else { "—" }
                }
                dt { (ctx.t(Msg::RefReceived)) }
                dd { (at(held.received_at)) }
                dt { (ctx.t(Msg::RefAcked)) }
                dd { @if held.version > 0 && held.acked_at.is_none() { (ctx.t(Msg::RefNotAcked)) } @else { (at(held.acked_at)) } }
                dt { (ctx.t(Msg::RefLastChecked)) }
                dd class=[held.last_error.is_some().then_some("warning")] {
                    (at(held.last_checked_at))
                    @if let Some(e) = &held.last_error { br; (e) }
                }
                dt { (ctx.t(Msg::HqRefBranchProducts)) }
                dd { @if held.branch_products_allowed { (ctx.t(Msg::HqRefAllowed)) } @else { (ctx.t(Msg::HqRefNotAllowed)) } }
                dt { (ctx.t(Msg::RefWatched)) }
                dd { (held.watched) }
            }
        }
    })
}

/// The refusal of a ticket whose customer or item is on the watch list: each entry with its
/// reason.
pub(crate) fn watch_refusal(ctx: &Ctx, hits: &[Hit]) -> String {
    let entries: Vec<String> = hits
        .iter()
        .map(|h| format!("{} {}: {}", ctx.t(h.kind.label()), h.value, h.reason))
        .collect();
    ctx.lang
        .fill(Msg::RefWatchRefused, &[("entries", &entries.join("; "))])
}

/// Why a change to the branch's products is refused because of head office, if it is: a
/// product of head office's is changed only there (`product`), and the branch's own only
/// while head office allows them.
pub(crate) fn product_refusal(
    conn: &Connection,
    product: Option<&crate::plumbing::ids::ProductId>,
) -> rusqlite::Result<Option<Msg>> {
    if let Some(id) = product
        && crate::loans::products::is_from_head_office(conn, id)?
    {
        return Ok(Some(Msg::RefProductFromHeadOffice));
    }
    Ok((!reference::branch_products_allowed(conn)?).then_some(Msg::RefProductsNotAllowed))
}

/// Audits a ticket refused for the watch list, in the caller's transaction.
pub(crate) fn record_watch_refusal(
    tx: &rusqlite::Transaction,
    actor: &crate::audit::Actor,
    customer: &crate::plumbing::ids::CustomerId,
    hits: &[Hit],
    now: chrono::DateTime<chrono::Utc>,
) -> rusqlite::Result<()> {
    let entries: Vec<serde_json::Value> = hits
        .iter()
        .map(|h| serde_json::json!({ "kind": h.kind.code(), "value": h.value, "reason": h.reason }))
        .collect();
    let change = crate::audit::Change {
        action: "loan.watch_list_refused",
        entity: "customer",
        entity_id: customer.as_str(),
        before: None,
        after: Some(serde_json::json!({ "watch_list": entries })),
    };
    crate::audit::record(tx, actor, &change, now)
}
