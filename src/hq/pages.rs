//! Head office's pages, read-only (each for a signed-in user, see `sign_in`): every branch with its last upload, lag, entries received
//! and outstanding loans; one branch's set-aside entries; a customer search across branches
//! by phone, ID number or name.

use chrono::{DateTime, Utc};
use maud::{Markup, html};

use super::HqApp;
use super::sign_in::SignedIn;
use super::store::StoreError;
use crate::plumbing::http::{Request, Response};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ui::{self, HqUser};

/// A page in head office's layout, for the signed-in `user`.
pub(super) fn page(app: &HqApp, user: &SignedIn, title: &str, body: Markup) -> Response {
    let who = HqUser {
        username: &user.username,
        csrf: &user.csrf,
    };
    Response::html(200, ui::hq_page(app.lang(), Some(&who), title, body))
}

fn when(app: &HqApp, at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || app.lang().t(Msg::SyncNever).to_owned(),
        |t| ui::datetime(t, app.config.utc_offset(), app.lang()),
    )
}

/// `GET /`: every branch.
pub(crate) fn branches(app: &HqApp, user: &SignedIn) -> Result<Response, StoreError> {
    let lang = app.lang();
    let branches = app.store.branches()?;
    let currency = app.config.currency();
    let mut rows = Vec::with_capacity(branches.len());
    let (mut all_count, mut all_principal) = (0, 0);
    for b in &branches {
        let (count, principal) = app.store.outstanding(&b.code)?;
        all_count += count;
        all_principal += principal;
        rows.push((b, count, principal));
    }
    let body = html! {
        @if branches.is_empty() {
            p class="muted" { (lang.t(Msg::HqNoBranches)) }
        } @else {
            div class="table-wrap" {
                table {
                    thead { tr {
                        th { (lang.t(Msg::HqBranch)) }
                        th { (lang.t(Msg::SyncLastSuccess)) }
                        th class="num" { (lang.t(Msg::HqEntriesReceived)) }
                        th class="num" { (lang.t(Msg::HqLag)) }
                        th class="num" { (lang.t(Msg::SyncSetAside)) }
                        th class="num" { (lang.t(Msg::HqOpenTickets)) }
                        th class="num" { (lang.t(Msg::HqOutstanding)) }
                    } }
                    tbody {
                        @for (b, count, principal) in &rows {
                            tr {
                                td {
                                    a href={ "/branches/" (b.code) } { (b.code) } " " (b.name)
                                    @if b.revoked_at.is_some() { " " span class="badge bad" { (lang.t(Msg::HqRevoked)) } }
                                }
                                td { (when(app, b.last_upload_at)) }
                                td class="num" { (b.entries_received) }
                                td class="num" {
                                    (b.waiting_after.unwrap_or(0))
                                    @if let Some(t) = b.oldest_waiting_at.as_deref().and_then(crate::plumbing::clock::parse_stored) {
                                        br; span class="muted" { (lang.fill(Msg::HqWaitingSince, &[("when", &ui::datetime(t, app.config.utc_offset(), app.lang()))])) }
                                    }
                                }
                                td class="num" { (b.set_aside) }
                                td class="num" { (count) }
                                td class="num" { (currency.format(*principal, lang)) }
                            }
                        }
                    }
                    tfoot { tr {
                        th colspan="5" { (lang.t(Msg::HqAllBranches)) }
                        th class="num" { (all_count) }
                        th class="num" { (currency.format(all_principal, lang)) }
                    } }
                }
            }
        }
    };
    Ok(page(app, user, lang.t(Msg::HqBranches), body))
}

/// `GET /branches/{code}`: one branch's position and lag, the entries set aside, and its
/// figures of the chain reports.
pub(crate) fn branch(
    app: &HqApp,
    user: &SignedIn,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Response, StoreError> {
    let lang = app.lang();
    let Some(b) = app.store.branches()?.into_iter().find(|b| b.code == code) else {
        return Ok(super::not_found());
    };
    let aside = app.store.set_aside_entries(code)?;
    let figures = super::reports_pages::branch_figures(app, code, now)?;
    let oldest = b
        .oldest_waiting_at
        .as_deref()
        .and_then(crate::plumbing::clock::parse_stored);
    let body = html! {
        section class="card" {
            dl {
                dt { (lang.t(Msg::SyncLastSuccess)) } dd { (when(app, b.last_upload_at)) }
                dt { (lang.t(Msg::SyncSequence)) } dd { (b.acked_seq) }
                dt { (lang.t(Msg::HqBranchHead)) } dd { (b.acked_seq + b.waiting_after.unwrap_or(0)) }
                dt { (lang.t(Msg::HqLag)) } dd { (b.waiting_after.unwrap_or(0)) }
                dt { (lang.t(Msg::HqOldestWaiting)) } dd { (oldest.map_or_else(|| "—".to_owned(), |t| when(app, Some(t)))) }
                dt { (lang.t(Msg::HqEntriesReceived)) } dd { (b.entries_received) }
                dt { (lang.t(Msg::HqSchema)) } dd { (b.schema_version.map_or_else(|| "—".to_owned(), |v| v.to_string())) }
            }
        }
        h2 { (lang.t(Msg::SyncSetAside)) }
        @if aside.is_empty() {
            p class="muted" { (lang.t(Msg::SyncSetAsideNone)) }
        } @else {
            div class="table-wrap" {
                table {
                    thead { tr {
                        th class="num" { "#" } th { (lang.t(Msg::AuditRecord)) }
                        th { (lang.t(Msg::SyncReason)) } th { (lang.t(Msg::AuditWhen)) }
                    } }
                    tbody {
                        @for e in &aside {
                            tr {
                                td class="num" { (e.seq) }
                                td { (e.entity) " " code { (e.record_id) } }
                                td { (e.reason) }
                                td { (ui::datetime(e.received_at, app.config.utc_offset(), lang)) }
                            }
                        }
                    }
                }
            }
        }
        p class="muted" { (lang.t(Msg::HqRefusedNotKept)) }
        (figures)
    };
    Ok(page(app, user, &format!("{} {}", b.code, b.name), body))
}

/// `GET /customers?q=`: the search across branches.
pub(crate) fn customers(
    app: &HqApp,
    req: &Request,
    user: &SignedIn,
) -> Result<Response, StoreError> {
    let lang: Lang = app.lang();
    let query = req
        .query_form()
        .ok()
        .and_then(|f| f.get("q").map(str::to_owned))
        .unwrap_or_default();
    let found = app
        .store
        .search_customers(&query, &app.config.branch.country)?;
    let body = html! {
        form method="get" action="/customers" class="stack" {
            label for="q" { (lang.t(Msg::HqSearchLabel)) }
            input id="q" name="q" type="search" value=(query) autofocus;
            div { button type="submit" { (lang.t(Msg::HqSearch)) } }
        }
        @if !query.trim().is_empty() {
            @if found.is_empty() {
                p class="muted" { (lang.t(Msg::HqNoCustomers)) }
            } @else {
                div class="table-wrap" {
                    table {
                        thead { tr {
                            th { (lang.t(Msg::HqBranch)) } th { (lang.t(Msg::FullName)) }
                            th { (lang.t(Msg::PhoneNumber)) } th { (lang.t(Msg::IdNumber)) }
                            th { (lang.t(Msg::DateOfBirth)) } th class="num" { (lang.t(Msg::HqOpenTickets)) }
                        } }
                        tbody {
                            @for c in &found {
                                tr {
                                    td { (c.branch) }
                                    td { (c.full_name) br; span class="muted" { code { (c.record_id) } } }
                                    td { (c.phone) }
                                    td { (c.id_number.as_deref().unwrap_or("—")) }
                                    td { (c.date_of_birth.as_deref().unwrap_or("—")) }
                                    td class="num" { (c.open_tickets) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(app, user, lang.t(Msg::HqCustomerSearch), body))
}
