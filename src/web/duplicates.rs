//! The staff pages of duplicate records (Customer Management): the "Possible duplicates"
//! list, one pair side by side with the merge form and "Not a duplicate", and the warning on
//! an affected customer's page.

use maud::{Markup, html};
use rusqlite::Connection;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::customers::{self, Customer};
use crate::duplicates::merge::{self, Field, MergeError};
use crate::duplicates::{Pair, Reason};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths;
use crate::plumbing::ui::FieldErrors;
use crate::roles::Permission;
use crate::web::Ctx;

/// Pairs listed on one page (the rest wait until these are resolved).
const SHOWN: usize = 200;

/// The reasons of a pair for people, joined.
fn reasons(ctx: &Ctx, reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|r| ctx.t(r.label()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The URL of a pair's page.
fn pair_url(pair: &Pair) -> String {
    paths::duplicate_pair(&pair.a, &pair.b)
}

/// The warning on a customer's page: each possible duplicate, with a link to resolve it for
/// staff who may (nothing when there are none).
pub(crate) fn warning(ctx: &Ctx, conn: &Connection, id: &CustomerId) -> Result<Markup, AppError> {
    let pairs = crate::duplicates::of_customer(conn, id)?;
    let can_manage = ctx
        .staff()?
        .is_some_and(|u| u.role.has(Permission::CustomerManagement));
    let mut lines = Vec::new();
    for pair in pairs {
        let other = if &pair.a == id { &pair.b } else { &pair.a };
        let name = customers::get(conn, other)?.map_or_else(String::new, |c| c.full_name);
        lines.push((pair_url(&pair), name, reasons(ctx, &pair.reasons)));
    }
    Ok(html! {
        @for (url, name, why) in &lines {
            p class="error" role="alert" {
                (ctx.lang.fill(Msg::DuplicateWarning, &[("name", name), ("reasons", why)])) " "
                @if can_manage { a href=(url) { (ctx.t(Msg::DuplicateResolve)) } }
            }
        }
    })
}

/// GET /staff/customers/duplicates: every possible duplicate pair.
pub(crate) fn list(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let conn = ctx.app.db.conn()?;
    let pairs = crate::duplicates::kept::pairs(&conn)?;
    let mut rows = Vec::new();
    for pair in pairs.iter().take(SHOWN) {
        let (Some(a), Some(b)) = (
            customers::get(&conn, &pair.a)?,
            customers::get(&conn, &pair.b)?,
        ) else {
            continue;
        };
        rows.push((pair, a, b));
    }
    drop(conn);
    let country = &ctx.app.config.branch.country;
    let csrf = ctx.csrf();
    let shown = rows.len().to_string();
    let total = pairs.len().to_string();
    let body = html! {
        p { (ctx.t(Msg::DuplicatesIntro)) }
        @if rows.is_empty() { p { (ctx.t(Msg::DuplicatesNone)) } }
        @if pairs.len() > rows.len() {
            p class="muted" { (ctx.lang.fill(Msg::DuplicatesShown, &[("shown", &shown), ("total", &total)])) }
        }
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (ctx.t(Msg::FullName)) } th { (ctx.t(Msg::FullName)) }
                    th { (ctx.t(Msg::Reason)) } th { "" }
                } }
                tbody {
                    @for (pair, a, b) in &rows {
                        tr {
                            @for c in [a, b] {
                                td {
                                    a href=(paths::customer(&c.id)) { (c.full_name) }
                                    br; span class="muted" { (c.phone.national(country)) }
                                }
                            }
                            td { (reasons(ctx, &pair.reasons)) }
                            td {
                                a class="button" href=(pair_url(pair)) { (ctx.t(Msg::DuplicateCompare)) }
                                form method="post" action={ (pair_url(pair)) "/dismiss" } class="inline" {
                                    (crate::plumbing::ui::csrf_input(&csrf))
                                    button type="submit" class="secondary" { (ctx.t(Msg::NotADuplicate)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::DuplicatesTitle), body))
}

/// The two records of a pair from the URL (404 for an id that is no customer's), and why they
/// cannot be merged, if so: a record paired with itself, or one already merged.
fn load_pair(
    conn: &Connection,
    a: &CustomerId,
    b: &CustomerId,
) -> Result<(Customer, Customer, Option<Msg>), AppError> {
    let ca = customers::get(conn, a)?.ok_or(AppError::NotFound)?;
    let cb = customers::get(conn, b)?.ok_or(AppError::NotFound)?;
    let blocked = if a == b {
        Some(Msg::MergeSameRecord)
    } else if customers::merged_into(conn, a)?.is_some()
        || customers::merged_into(conn, b)?.is_some()
    {
        Some(Msg::MergeAlreadyMerged)
    } else {
        None
    };
    Ok((ca, cb, blocked))
}

/// A field's value on a record, as shown.
fn value(ctx: &Ctx, c: &Customer, field: Field) -> String {
    let country = &ctx.app.config.branch.country;
    let text = match field {
        Field::FullName => c.full_name.clone(),
        Field::Phone => c.phone.national(country),
        Field::IdNumber => c.id_number.clone().unwrap_or_default(),
        Field::DateOfBirth => c.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        Field::Address => c.address.clone(),
        Field::Email => c.email.clone().unwrap_or_default(),
    };
    if text.is_empty() {
        "—".to_owned()
    } else {
        text
    }
}

/// The label of a field.
fn label(field: Field) -> Msg {
    match field {
        Field::FullName => Msg::FullName,
        Field::Phone => Msg::PhoneNumber,
        Field::IdNumber => Msg::IdNumber,
        Field::DateOfBirth => Msg::DateOfBirth,
        Field::Address => Msg::Address,
        Field::Email => Msg::Email,
    }
}

/// GET /staff/customers/duplicates/{a}/{b}: the two records side by side, the merge form and
/// "Not a duplicate".
pub(crate) fn compare(ctx: &Ctx, a: CustomerId, b: CustomerId) -> Result<Response, AppError> {
    render_compare(ctx, &a, &b, FieldErrors::none(), 200)
}

/// The comparison page; `sent` is a refused merge, shown again with its reason and choices. A
/// pair that cannot be merged is shown with the reason and without the merge and "Not a
/// duplicate" buttons, as a 400.
fn render_compare(
    ctx: &Ctx,
    a: &CustomerId,
    b: &CustomerId,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let conn = ctx.app.db.conn()?;
    let (ca, cb, blocked) = load_pair(&conn, a, b)?;
    let status = if blocked.is_some() {
        status.max(400)
    } else {
        status
    };
    let refusal = sent.whole().or(blocked.map(|m| ctx.t(m)));
    let why = crate::duplicates::of_customer(&conn, &ca.id)?
        .into_iter()
        .find(|p| p.a == cb.id || p.b == cb.id)
        .map(|p| reasons(ctx, &p.reasons));
    let loans_a = crate::loans::of_customer(&conn, &ca.id)?;
    let loans_b = crate::loans::of_customer(&conn, &cb.id)?;
    drop(conn);
    let csrf = ctx.csrf();
    let body = html! {
        @if let Some(why) = &why { p class="error" { (why) } }
        p { (ctx.t(Msg::MergeIntro)) }
        (crate::plumbing::ui::form_error(refusal))
        form method="post" action=(paths::duplicate_merge(&ca.id, &cb.id)) class="stack" {
            (crate::plumbing::ui::csrf_input(&csrf))
            div class="table-wrap" {
                table {
                    thead { tr {
                        th { (ctx.t(Msg::MergeField)) }
                        @for c in [&ca, &cb] {
                            th {
                                a href=(paths::customer(&c.id)) { (c.id) } br;
                                label {
                                    input type="radio" name="survivor" value=(c.id) required
                                        checked[sent.value_or("survivor", ca.id.as_str()) == c.id.as_str()];
                                    " " (ctx.t(Msg::MergeStays))
                                }
                            }
                        }
                    } }
                    tbody {
                        @for field in Field::ALL {
                            tr {
                                th scope="row" { (ctx.t(label(field))) }
                                @for c in [&ca, &cb] {
                                    td { label {
                                        input type="radio" name=(field.name()) value=(c.id)
                                            checked[sent.value_or(field.name(), ca.id.as_str()) == c.id.as_str()];
                                        " " (value(ctx, c, field))
                                    } }
                                }
                            }
                        }
                        tr {
                            th scope="row" { (ctx.t(Msg::MergeLoans)) }
                            @for loans in [&loans_a, &loans_b] {
                                td { @for t in loans { (t.ticket_no) " (" (ctx.t(t.state.label())) ")" br; } }
                            }
                        }
                    }
                }
            }
            @if blocked.is_none() { div { button type="submit" { (ctx.t(Msg::MergeButton)) } } }
        }
        @if blocked.is_none() {
            form method="post" action=(paths::duplicate_dismiss(&ca.id, &cb.id)) class="actions" {
                (crate::plumbing::ui::csrf_input(&csrf))
                button type="submit" class="secondary" { (ctx.t(Msg::NotADuplicate)) }
            }
        }
    };
    let mut page = ctx.staff_page(user, ctx.t(Msg::MergeTitle), body);
    page.status = status;
    Ok(page)
}

/// POST /staff/customers/duplicates/{a}/{b}/merge: merges the pair as the form chose.
pub(crate) fn merge(ctx: &Ctx, a: CustomerId, b: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let form = ctx.form()?;
    let refused = |message: Msg, status: u16| {
        let mut sent = FieldErrors::sent("merge", form);
        sent.refuse(ctx.t(message));
        render_compare(ctx, &a, &b, &sent, status)
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let (ca, cb, blocked) = load_pair(&tx, &a, &b)?;
    if let Some(why) = blocked {
        drop(tx);
        return refused(why, 400);
    }
    let survivor = form.text("survivor");
    let (survivor, merged) = if survivor == ca.id.as_str() {
        (&ca.id, &cb.id)
    } else if survivor == cb.id.as_str() {
        (&cb.id, &ca.id)
    } else {
        drop(tx);
        return refused(Msg::MergeBadChoice, 400);
    };
    let mut from_merged = Vec::new();
    for field in Field::ALL {
        match form.text(field.name()) {
            v if v == merged.as_str() => from_merged.push(field),
            v if v.is_empty() || v == survivor.as_str() => {}
            _ => {
                drop(tx);
                return refused(Msg::MergeBadChoice, 400);
            }
        }
    }
    let outcome = merge::merge(
        &tx,
        survivor,
        merged,
        &from_merged,
        &Actor::Staff(user),
        Some(&user.id),
        ctx.now,
    );
    match outcome {
        Ok(_) => {}
        Err(MergeError::NotFound) => return Err(AppError::NotFound),
        Err(MergeError::SameRecord) => {
            drop(tx);
            return refused(Msg::MergeSameRecord, 400);
        }
        Err(MergeError::AlreadyMerged) => {
            drop(tx);
            return refused(Msg::MergeAlreadyMerged, 400);
        }
        Err(MergeError::PhoneTaken) => {
            drop(tx);
            return refused(Msg::MergePhoneTaken, 409);
        }
        Err(MergeError::Db(e)) => return Err(e.into()),
    }
    tx.commit()?;
    ctx.flash(ctx.t(Msg::MergeDone));
    Ok(Response::see_other(&paths::customer(survivor)))
}

/// POST /staff/customers/duplicates/{a}/{b}/dismiss: "Not a duplicate", for good.
pub(crate) fn dismiss(ctx: &Ctx, a: CustomerId, b: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let (ca, cb, blocked) = load_pair(&tx, &a, &b)?;
    if let Some(why) = blocked {
        drop(tx);
        let mut sent = FieldErrors::sent("dismiss", ctx.form()?);
        sent.refuse(ctx.t(why));
        return render_compare(ctx, &a, &b, &sent, 400);
    }
    if crate::duplicates::dismiss(&tx, &ca.id, &cb.id, Some(&user.id), ctx.now)? {
        let (first, second) = crate::duplicates::ordered(ca.id.clone(), cb.id.clone());
        let change = Change {
            action: "customer.not_duplicate",
            entity: "customer",
            entity_id: first.as_str(),
            before: None,
            after: Some(json!({
                "pair": [first.as_str(), second.as_str()],
                "names": [ca.full_name, cb.full_name],
            })),
        };
        audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    }
    tx.commit()?;
    ctx.flash(ctx.t(Msg::DuplicateDismissed));
    Ok(Response::see_other(paths::DUPLICATES))
}
