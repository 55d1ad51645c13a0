//! Head office's "Reference data" page: the draft of what every branch receives (whether
//! branches may keep their own products, loan products and their terms, the gold reference
//! price, reminder texts, holidays, the watch list), the version each branch has applied, and
//! the Publish button. Viewers read it; managers and admins edit and publish (checked here, on
//! the server, for every POST). Each form posts to [`REFERENCE`] with its `action`; refused
//! input comes back on the same page, above its form, with what was typed.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use serde_json::json;

use super::HqApp;
use super::reference::{self, Editor, ReferenceError};
use super::sign_in::{self, SignedIn};
use super::store::StoreError;
use crate::gold::prices;
use crate::plumbing::http::{Form, Request, Response};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ui::{self, Field, HqUser};
use crate::reminders::Event;
use crate::sync::reference::{
    GoldReference, HqHoliday, HqProduct, RefError, ReferenceSet, ReminderText, WatchKind, Watched,
    normalise,
};

/// The page, and where its forms post.
pub(crate) const REFERENCE: &str = "/reference";

/// A refused form: its section (the `action`), the reason, and what was typed.
struct Sent<'a> {
    action: &'a str,
    message: String,
    form: &'a Form,
}

/// What a section's form shows: what was typed when this section was refused, else `shown`.
struct Values<'a> {
    sent: Option<&'a Sent<'a>>,
}

impl<'a> Values<'a> {
    fn of(sent: Option<&'a Sent<'a>>, action: &'static str) -> Values<'a> {
        Values {
            sent: sent.filter(|s| s.action == action),
        }
    }

    fn value(&self, field: &str, shown: &'a str) -> &'a str {
        self.sent.map_or(shown, |s| s.form.text(field))
    }

    fn error(&self) -> Markup {
        ui::form_error(self.sent.map(|s| s.message.as_str()))
    }
}

/// `GET /reference`.
pub(crate) fn page(app: &HqApp, user: &SignedIn) -> Result<Response, StoreError> {
    render(app, user, None, 200)
}

fn render(
    app: &HqApp,
    user: &SignedIn,
    sent: Option<&Sent>,
    status: u16,
) -> Result<Response, StoreError> {
    let lang = app.lang();
    let store = &app.store;
    let editor = store
        .role_of(&user.username)?
        .is_some_and(|r| r.edits_reference());
    let draft = store.reference_draft()?;
    let latest = store.latest_reference()?;
    let unpublished = reference::unpublished(&draft, latest.as_ref());
    let acks = store.reference_acks()?;
    let csrf = if editor {
        Some(user.csrf.as_str())
    } else {
        None
    };
    let body = html! {
        p { (lang.t(Msg::HqRefExplained)) }
        @if !editor { p class="muted" { (lang.t(Msg::HqRefViewerOnly)) } }
        section class="card" {
            @match &latest {
                Some(p) => p { (lang.fill(Msg::HqRefPublished, &[("version", &p.version.to_string()), ("when", &when(app, p.published_at))])) },
                None => p { (lang.t(Msg::HqRefNothingPublished)) },
            }
            @if unpublished { p class="warning" { (lang.t(Msg::HqRefDraftChanged)) } }
            @if let Some(csrf) = csrf {
                (Values::of(sent, "publish").error())
                form method="post" action=(REFERENCE) {
                    (ui::csrf_input(csrf))
                    input type="hidden" name="action" value="publish";
                    button type="submit" { (lang.fill(Msg::HqRefPublish, &[("version", &(latest.as_ref().map_or(0, |p| p.version) + 1).to_string())])) }
                }
            }
        }
        (settings_section(lang, &draft, csrf, sent))
        (products_section(lang, &draft, csrf, sent))
        (gold_section(app, &draft, csrf, sent))
        (reminders_section(lang, &draft, csrf, sent))
        (holidays_section(lang, &draft, csrf, sent))
        (watch_section(lang, &draft, csrf, sent))
        (acks_section(app, &acks))
    };
    let who = HqUser {
        username: &user.username,
        csrf: &user.csrf,
    };
    Ok(Response::html(
        status,
        ui::hq_page(lang, Some(&who), lang.t(Msg::HqReference), body),
    ))
}

fn when(app: &HqApp, at: DateTime<Utc>) -> String {
    ui::datetime(at, app.config.utc_offset(), app.lang())
}

/// A small form posting `action` with `fields`, for managers only (`csrf`).
fn action_form(csrf: Option<&str>, action: &str, fields: Markup, button: &str) -> Markup {
    html! {
        @if let Some(csrf) = csrf {
            form method="post" action=(REFERENCE) class="stack" {
                (ui::csrf_input(csrf))
                input type="hidden" name="action" value=(action);
                (fields)
                div { button type="submit" { (button) } }
            }
        }
    }
}

/// A remove button for one row: `key` fields identify it.
fn remove_button(lang: Lang, csrf: Option<&str>, action: &str, key: &[(&str, &str)]) -> Markup {
    html! {
        @if let Some(csrf) = csrf {
            form method="post" action=(REFERENCE) class="inline" {
                (ui::csrf_input(csrf))
                input type="hidden" name="action" value=(action);
                @for (name, value) in key { input type="hidden" name=(name) value=(value); }
                button type="submit" class="secondary" { (lang.t(Msg::HqRefRemove)) }
            }
        }
    }
}

fn settings_section(
    lang: Lang,
    draft: &ReferenceSet,
    csrf: Option<&str>,
    sent: Option<&Sent>,
) -> Markup {
    let v = Values::of(sent, "settings");
    html! {
        section class="card" {
            h2 { (lang.t(Msg::HqRefBranchProducts)) }
            p { @if draft.branch_products_allowed { (lang.t(Msg::HqRefAllowed)) } @else { (lang.t(Msg::HqRefNotAllowed)) } }
            (v.error())
            (action_form(csrf, "settings", html! {
                label { input type="checkbox" name="branch_products_allowed" value="1" checked[draft.branch_products_allowed]; " " (lang.t(Msg::HqRefBranchProducts)) }
            }, lang.t(Msg::Save)))
        }
    }
}

/// The terms a new product's form starts with: the branch's starter gold pawn.
fn example_terms(lang: Lang) -> String {
    let [gold, ..] = crate::loans::products::starter_products(lang);
    serde_json::to_string_pretty(&gold).unwrap_or_default()
}

fn products_section(
    lang: Lang,
    draft: &ReferenceSet,
    csrf: Option<&str>,
    sent: Option<&Sent>,
) -> Markup {
    let v = Values::of(sent, "product");
    let example = example_terms(lang);
    html! {
        section class="card" {
            h2 { (lang.t(Msg::HqRefProducts)) }
            @if !draft.products.is_empty() {
                div class="table-wrap" { table {
                    thead { tr { th { (lang.t(Msg::HqRefCode)) } th { (lang.t(Msg::ProductName)) } th { (lang.t(Msg::Status)) } th {} } }
                    tbody { @for p in &draft.products { tr {
                        td { code { (p.code) } }
                        td { (p.terms.product) }
                        td { @if p.active { span class="badge ok" { (lang.t(Msg::StatusActive)) } } @else { span class="badge" { (lang.t(Msg::StatusDisabled)) } } }
                        td { (remove_button(lang, csrf, "product_remove", &[("code", &p.code)])) }
                    } } }
                } }
            }
            (v.error())
            (action_form(csrf, "product", html! {
                (ui::field(&Field::new(lang.t(Msg::HqRefCode), "code", v.value("code", ""))))
                label { input type="checkbox" name="active" value="1" checked; " " (lang.t(Msg::StatusActive)) }
                label for="terms" { (lang.t(Msg::HqRefTerms)) }
                textarea id="terms" name="terms" rows="20" { (v.value("terms", &example)) }
            }, lang.t(Msg::HqRefSaveProduct)))
        }
    }
}

fn gold_section(
    app: &HqApp,
    draft: &ReferenceSet,
    csrf: Option<&str>,
    sent: Option<&Sent>,
) -> Markup {
    let lang = app.lang();
    let currency = app.config.currency();
    let v = Values::of(sent, "gold");
    let (price, karats) = draft
        .gold
        .as_ref()
        .map_or((String::new(), String::new()), |g| {
            (
                crate::plumbing::money::amount_field(g.per_gram_24k, currency.exponent),
                prices::karats_text(&g.karats, currency.exponent),
            )
        });
    let mut karats_field = Field::new(
        lang.t(Msg::KaratPrices),
        "karats",
        v.value("karats", &karats),
    );
    karats_field.required = false;
    karats_field.hint = Some(lang.t(Msg::KaratPricesHint));
    let mut price_field = Field::new(
        lang.t(Msg::PricePerGram24k),
        "price",
        v.value("price", &price),
    );
    price_field.required = false;
    html! {
        section class="card" {
            h2 { (lang.t(Msg::HqRefGold)) }
            p { @match &draft.gold {
                Some(g) => (currency.format(g.per_gram_24k, lang)),
                None => (lang.t(Msg::HqRefNoGold)),
            } }
            (v.error())
            (action_form(csrf, "gold", html! { (ui::field(&price_field)) (ui::field(&karats_field)) }, lang.t(Msg::SetPrice)))
        }
    }
}

fn reminders_section(
    lang: Lang,
    draft: &ReferenceSet,
    csrf: Option<&str>,
    sent: Option<&Sent>,
) -> Markup {
    let v = Values::of(sent, "reminder");
    let events: Vec<(&str, &str)> = Event::ALL
        .iter()
        .map(|e| (e.code(), lang.t(e.label())))
        .collect();
    let langs: Vec<(&str, &str)> = Lang::ALL.iter().map(|l| (l.code(), l.own_name())).collect();
    let event_label = |code: &str| {
        Event::ALL
            .into_iter()
            .find(|e| e.code() == code)
            .map_or(code.to_owned(), |e| lang.t(e.label()).to_owned())
    };
    html! {
        section class="card" {
            h2 { (lang.t(Msg::HqRefReminders)) }
            @if !draft.reminder_texts.is_empty() {
                div class="table-wrap" { table {
                    thead { tr { th { (lang.t(Msg::HqRefEvent)) } th { (lang.t(Msg::HqRefLanguage)) } th { (lang.t(Msg::HqRefText)) } th {} } }
                    tbody { @for t in &draft.reminder_texts { tr {
                        td { (event_label(&t.event)) } td { (t.lang) } td { (t.body) }
                        td { (remove_button(lang, csrf, "reminder_remove", &[("event", &t.event), ("lang", &t.lang)])) }
                    } } }
                } }
            }
            (v.error())
            (action_form(csrf, "reminder", html! {
                (ui::select(lang.t(Msg::HqRefEvent), "event", &events, v.value("event", ""), None))
                (ui::select(lang.t(Msg::HqRefLanguage), "lang", &langs, v.value("lang", ""), None))
                label for="body" { (lang.t(Msg::HqRefText)) }
                textarea id="body" name="body" rows="4" { (v.value("body", "")) }
            }, lang.t(Msg::Save)))
        }
    }
}

fn holidays_section(
    lang: Lang,
    draft: &ReferenceSet,
    csrf: Option<&str>,
    sent: Option<&Sent>,
) -> Markup {
    let v = Values::of(sent, "holiday");
    let mut on = Field::new(lang.t(Msg::HqRefDate), "on", v.value("on", ""));
    on.kind = "date";
    html! {
        section class="card" {
            h2 { (lang.t(Msg::HqRefHolidays)) }
            @if !draft.holidays.is_empty() {
                div class="table-wrap" { table {
                    thead { tr { th { (lang.t(Msg::HqRefDate)) } th { (lang.t(Msg::HqRefName)) } th {} } }
                    tbody { @for h in &draft.holidays { tr {
                        td { (h.on) } td { (h.name) }
                        td { (remove_button(lang, csrf, "holiday_remove", &[("on", &h.on.to_string())])) }
                    } } }
                } }
            }
            (v.error())
            (action_form(csrf, "holiday", html! {
                (ui::field(&on))
                (ui::field(&Field::new(lang.t(Msg::HqRefName), "name", v.value("name", ""))))
            }, lang.t(Msg::Save)))
        }
    }
}

fn watch_section(
    lang: Lang,
    draft: &ReferenceSet,
    csrf: Option<&str>,
    sent: Option<&Sent>,
) -> Markup {
    let v = Values::of(sent, "watch");
    let kinds: Vec<(&str, &str)> = [WatchKind::IdNumber, WatchKind::Serial]
        .iter()
        .map(|k| (k.code(), lang.t(k.label())))
        .collect();
    html! {
        section class="card" {
            h2 { (lang.t(Msg::HqRefWatchList)) }
            p class="muted" { (lang.t(Msg::HqRefWatchExplained)) }
            @if !draft.watch_list.is_empty() {
                div class="table-wrap" { table {
                    thead { tr { th { (lang.t(Msg::HqRefKind)) } th { (lang.t(Msg::HqRefNumber)) } th { (lang.t(Msg::SyncReason)) } th {} } }
                    tbody { @for w in &draft.watch_list { tr {
                        td { (lang.t(w.kind.label())) } td { code { (w.value) } } td { (w.reason) }
                        td { (remove_button(lang, csrf, "watch_remove", &[("kind", w.kind.code()), ("value", &w.value)])) }
                    } } }
                } }
            }
            (v.error())
            (action_form(csrf, "watch", html! {
                (ui::select(lang.t(Msg::HqRefKind), "kind", &kinds, v.value("kind", ""), None))
                (ui::field(&Field::new(lang.t(Msg::HqRefNumber), "value", v.value("value", ""))))
                (ui::field(&Field::new(lang.t(Msg::SyncReason), "reason", v.value("reason", ""))))
            }, lang.t(Msg::Save)))
        }
    }
}

fn acks_section(app: &HqApp, acks: &[reference::BranchAck]) -> Markup {
    let lang = app.lang();
    html! {
        section class="card" {
            h2 { (lang.t(Msg::HqRefAcks)) }
            div class="table-wrap" { table {
                thead { tr { th { (lang.t(Msg::HqBranch)) } th class="num" { (lang.t(Msg::HqRefAckedVersion)) } th { (lang.t(Msg::AuditWhen)) } } }
                tbody { @for a in acks { tr {
                    td { (a.branch) " " (a.name) }
                    td class="num" { (a.version.map_or_else(|| "—".to_owned(), |v| v.to_string())) }
                    td { (a.acked_at.map_or_else(|| "—".to_owned(), |t| when(app, t))) }
                } } }
            } }
        }
    }
}

/// Why a form was refused, for people.
enum Refusal {
    /// A field not readable: the message to show.
    Unreadable(Msg),
    /// The draft as changed was refused by the shared checks.
    Checks(RefError),
}

impl From<RefError> for Refusal {
    fn from(e: RefError) -> Self {
        Refusal::Checks(e)
    }
}

/// The draft changed by the form's `action`, and what changed (for the audit).
fn changed(
    app: &HqApp,
    mut draft: ReferenceSet,
    action: &str,
    form: &Form,
) -> Result<(ReferenceSet, serde_json::Value), Refusal> {
    let what = json!({ "action": action, "form": form_detail(form) });
    match action {
        "settings" => {
            draft.branch_products_allowed = !form.text("branch_products_allowed").is_empty()
        }
        "product" => {
            let terms = serde_json::from_str(form.text("terms"))
                .map_err(|_| Refusal::Unreadable(Msg::ProductInvalid))?;
            let product = HqProduct {
                code: form.text("code").trim().to_owned(),
                active: !form.text("active").is_empty(),
                terms,
            };
            draft.products.retain(|p| p.code != product.code);
            draft.products.push(product);
        }
        "product_remove" => draft.products.retain(|p| p.code != form.text("code")),
        "gold" => draft.gold = gold_of(app, form)?,
        "reminder" => {
            let text = ReminderText {
                event: form.text("event").to_owned(),
                lang: form.text("lang").to_owned(),
                body: form.text("body").trim().to_owned(),
            };
            draft
                .reminder_texts
                .retain(|t| (&t.event, &t.lang) != (&text.event, &text.lang));
            draft.reminder_texts.push(text);
        }
        "reminder_remove" => draft.reminder_texts.retain(|t| {
            (t.event.as_str(), t.lang.as_str()) != (form.text("event"), form.text("lang"))
        }),
        "holiday" => {
            let on: NaiveDate = form
                .text("on")
                .parse()
                .map_err(|_| Refusal::Unreadable(Msg::RefBadHoliday))?;
            draft.holidays.retain(|h| h.on != on);
            draft.holidays.push(HqHoliday {
                on,
                name: form.text("name").trim().to_owned(),
            });
            draft.holidays.sort_by_key(|h| h.on);
        }
        "holiday_remove" => draft
            .holidays
            .retain(|h| h.on.to_string() != form.text("on")),
        "watch" => {
            let kind = WatchKind::from_code(form.text("kind"))
                .ok_or(Refusal::Unreadable(Msg::RefBadWatched))?;
            let watched = Watched {
                kind,
                value: normalise(form.text("value")),
                reason: form.text("reason").trim().to_owned(),
            };
            draft
                .watch_list
                .retain(|w| (w.kind, &w.value) != (kind, &watched.value));
            draft.watch_list.push(watched);
        }
        "watch_remove" => draft.watch_list.retain(|w| {
            (w.kind.code(), w.value.as_str()) != (form.text("kind"), form.text("value"))
        }),
        _ => return Err(Refusal::Unreadable(Msg::ErrMethodBody)),
    }
    crate::sync::reference::check(&draft)?;
    Ok((draft, what))
}

/// The form as the audit keeps it (without the CSRF token).
fn form_detail(form: &Form) -> serde_json::Value {
    let fields = [
        "code",
        "active",
        "price",
        "karats",
        "event",
        "lang",
        "on",
        "name",
        "kind",
        "value",
        "reason",
        "branch_products_allowed",
    ];
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .filter_map(|f| form.get(f).map(|v| ((*f).to_owned(), json!(v))))
        .collect();
    serde_json::Value::Object(map)
}

/// The gold price form: blank clears the price (branches keep the one they have).
fn gold_of(app: &HqApp, form: &Form) -> Result<Option<GoldReference>, Refusal> {
    let exponent = app.config.currency().exponent;
    let price = form.text("price").trim();
    if price.is_empty() {
        return Ok(None);
    }
    let per_gram_24k = crate::plumbing::money::parse_amount(price, exponent)
        .ok_or(Refusal::Unreadable(Msg::PriceInvalid))?;
    let karats = prices::parse_karats(form.text("karats"), exponent)
        .ok_or(Refusal::Unreadable(Msg::KaratPricesInvalid))?;
    Ok(Some(GoldReference {
        per_gram_24k,
        karats,
    }))
}

/// The client address, for the audit.
fn address(req: &Request) -> String {
    req.remote
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// `POST /reference` (its CSRF token already checked): a manager's change to the draft, or
/// the publish.
pub(crate) fn post(
    app: &HqApp,
    req: &Request,
    form: &Form,
    now: DateTime<Utc>,
) -> Result<Response, StoreError> {
    let Some(user) = sign_in::signed_in(app, req, now)? else {
        return Ok(sign_in::required(req));
    };
    let lang = app.lang();
    if !app
        .store
        .role_of(&user.username)?
        .is_some_and(|r| r.edits_reference())
    {
        let page = ui::hq_page(
            lang,
            None,
            lang.t(Msg::ErrForbiddenTitle),
            html! { p { (lang.t(Msg::HqRefViewerOnly)) } },
        );
        return Ok(Response::html(403, page));
    }
    let address = address(req);
    let editor = Editor {
        username: &user.username,
        address: &address,
    };
    let action = form.text("action");
    let outcome = if action == "publish" {
        app.store.publish_reference(&editor, now).map(|_| Ok(()))
    } else {
        app.store
            .edit_reference_draft(&editor, now, |draft| changed(app, draft, action, form))
    };
    match outcome {
        Ok(Ok(())) => Ok(Response::see_other(REFERENCE)),
        Ok(Err(refusal)) => refused(app, &user, action, form, refusal),
        Err(ReferenceError::Refused(e)) => refused(app, &user, action, form, Refusal::Checks(e)),
        Err(e) => Err(e.into()),
    }
}

/// The page again with the refusal above the form that was sent (400).
fn refused(
    app: &HqApp,
    user: &SignedIn,
    action: &str,
    form: &Form,
    refusal: Refusal,
) -> Result<Response, StoreError> {
    if let Refusal::Checks(RefError::Db(e)) = refusal {
        return Err(StoreError::Sqlite(e));
    }
    let lang = app.lang();
    let message = match refusal {
        Refusal::Unreadable(msg) => lang.t(msg).to_owned(),
        Refusal::Checks(e) => e.message(lang),
    };
    let sent = Sent {
        action,
        message,
        form,
    };
    render(app, user, Some(&sent), 400)
}
