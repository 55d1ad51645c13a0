//! Page layouts and small components shared by every page, in maud.
//!
//! Two layouts: a mobile-first one for customers on the branch Wi-Fi, and one for staff at the
//! counter with the navigation their permissions allow. Components are free functions
//! returning `Markup`. Pages work without JavaScript; styles come from `assets/style.css`.
//! Every splice is escaped by maud: this module, like the rest of the program, never uses
//! `PreEscaped`.

use chrono::{DateTime, FixedOffset, Utc};
use maud::{DOCTYPE, Markup, html};

use crate::plumbing::http::{assets, form};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::paths;

/// What a layout needs to know about the request it answers.
pub(crate) struct Chrome<'a> {
    pub(crate) lang: Lang,
    /// The current path, for the language switch to come back to.
    pub(crate) path: &'a str,
    pub(crate) branch_name: &'a str,
    pub(crate) demo: bool,
    /// A one-time notice from the previous action (e.g. "Password changed.").
    pub(crate) flash: Option<String>,
}

/// One link of the staff navigation.
pub(crate) struct NavItem {
    pub(crate) href: &'static str,
    pub(crate) label: Msg,
    /// A count waiting for the reader (unread messages), shown beside the label.
    pub(crate) badge: Option<u32>,
}

/// The staff navigation: who is signed in and where they may go.
pub(crate) struct StaffNav<'a> {
    pub(crate) name: &'a str,
    pub(crate) items: Vec<NavItem>,
    pub(crate) csrf: &'a str,
}

/// The HTML document around every page.
fn document(lang: Lang, title: &str, body_class: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (lang.t(Msg::AppName)) }
                link rel="stylesheet" href=(assets::url("style.css"));
                link rel="icon" href=(assets::url("favicon.svg")) type="image/svg+xml";
            }
            body class=(body_class) {
                a class="skip" href="#main" { (lang.t(Msg::SkipToContent)) }
                (content)
            }
        }
    }
}

/// The customer layout: branch name, language switch, the page, nothing else.
pub(crate) fn customer_page(
    chrome: &Chrome,
    bar: Option<Markup>,
    title: &str,
    body: Markup,
) -> Markup {
    let lang = chrome.lang;
    document(
        lang,
        title,
        "customer",
        html! {
            (demo_banner(chrome))
            header class="top" {
                a class="brand" href=(paths::HOME) { (chrome.branch_name) }
                (lang_switch(chrome))
            }
            main id="main" {
                @if let Some(bar) = bar { (bar) }
                (flash(chrome.flash.as_deref()))
                h1 { (title) }
                (body)
            }
        },
    )
}

/// The staff layout: navigation by permission, who is signed in, sign-out.
pub(crate) fn staff_page(chrome: &Chrome, nav: &StaffNav, title: &str, body: Markup) -> Markup {
    let lang = chrome.lang;
    let current = current_link(chrome.path, &nav.items);
    document(
        lang,
        title,
        "staff",
        html! {
            (demo_banner(chrome))
            header class="top" {
                a class="brand" href=(paths::STAFF) { (chrome.branch_name) }
                nav aria-label=(lang.t(Msg::NavDashboard)) {
                    ul {
                        @for item in &nav.items {
                            li {
                                a href=(item.href) aria-current=[(Some(item.href) == current).then_some("page")] {
                                    (lang.t(item.label))
                                    @if let Some(n) = item.badge { " " span class="badge warn" { (n) } }
                                }
                            }
                        }
                    }
                }
                div class="who" {
                    a href=(paths::ACCOUNT) { (nav.name) }
                    form method="post" action=(paths::STAFF_LOGOUT) class="inline" {
                        (csrf_input(nav.csrf))
                        button type="submit" class="link" { (lang.t(Msg::SignOut)) }
                    }
                    (lang_switch(chrome))
                }
            }
            main id="main" {
                (flash(chrome.flash.as_deref()))
                h1 { (title) }
                (body)
            }
        },
    )
}

/// Who is signed in at head office, for the layout's sign-out button.
pub(crate) struct HqUser<'a> {
    pub(crate) username: &'a str,
    pub(crate) csrf: &'a str,
}

/// The head office layout: its few read-only pages, who is signed in and sign-out; without
/// a user (the sign-in page), the name only.
pub(crate) fn hq_page(lang: Lang, user: Option<&HqUser>, title: &str, body: Markup) -> Markup {
    document(
        lang,
        title,
        "staff",
        html! {
            // Head office's own routes (`hq`), not the branch's `paths`.
            header class="top" {
                a class="brand" href="/" { (lang.t(Msg::HqTitle)) }
                @if let Some(user) = user {
                    nav aria-label=(lang.t(Msg::NavDashboard)) {
                        ul {
                            li { a href="/" { (lang.t(Msg::HqBranches)) } }
                            li { a href="/customers" { (lang.t(Msg::HqCustomerSearch)) } }
                            li { a href="/reference" { (lang.t(Msg::HqReference)) } }
                            li { a href="/reports" { (lang.t(Msg::HqReports)) } }
                        }
                    }
                    div class="who" {
                        span { (user.username) }
                        form method="post" action="/logout" class="inline" {
                            (csrf_input(user.csrf))
                            button type="submit" class="link" { (lang.t(Msg::SignOut)) }
                        }
                    }
                }
            }
            main id="main" {
                h1 { (title) }
                (body)
            }
        },
    )
}

/// The navigation link of the current page: the longest one the path is in (so
/// `/staff/payments/import` is "Statements", not "Payments").
fn current_link<'a>(path: &str, items: &'a [NavItem]) -> Option<&'a str> {
    items
        .iter()
        .map(|item| item.href)
        .filter(|href| {
            path == *href || (*href != paths::STAFF && path.starts_with(&format!("{href}/")))
        })
        .max_by_key(|href| href.len())
}

/// A page for an error status, in the customer layout's plain style.
pub(crate) fn error_page(lang: Lang, status: u16, title: &str, body: &str) -> Markup {
    document(
        lang,
        title,
        "customer",
        html! {
            main id="main" {
                h1 { (title) }
                p { (body) }
                p class="muted" { "HTTP " (status) }
                p { a href=(paths::HOME) { (lang.t(Msg::GoToStart)) } }
            }
        },
    )
}

/// The demo warning, on every page of a demo branch.
fn demo_banner(chrome: &Chrome) -> Markup {
    html! {
        @if chrome.demo {
            div class="demo" role="note" { (chrome.lang.t(Msg::DemoBanner)) }
        }
    }
}

/// Links to switch the page language.
fn lang_switch(chrome: &Chrome) -> Markup {
    let next = form::percent_encode(chrome.path);
    html! {
        span class="lang" {
            span class="visually-hidden" { (chrome.lang.t(Msg::Language)) ": " }
            @for lang in Lang::ALL {
                @if lang == chrome.lang {
                    strong lang=(lang.code()) { (lang.own_name()) }
                } @else {
                    a href={ (paths::language(lang.code())) "?next=" (next) } lang=(lang.code()) hreflang=(lang.code()) {
                        (lang.own_name())
                    }
                }
                " "
            }
        }
    }
}

/// A one-time notice.
pub(crate) fn flash(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p class="flash" role="status" { (text) }
        }
    }
}

/// A message about the whole form, e.g. a failed sign-in.
pub(crate) fn form_error(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p class="error" role="alert" { (text) }
        }
    }
}

/// Which rows of a paged list a page shows: `size` of them after `page` pages (`?page=`,
/// counted from 0; anything else is the first page). They are read with one more, which
/// says whether there is a next page ([`Paging::keep`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    page: u32,
    size: u32,
}

impl Paging {
    /// The page `query` asks for, of `size` rows.
    pub(crate) fn of(query: &form::Form, size: u32) -> Paging {
        let page = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
        Paging { page, size }
    }

    /// How many rows to read: the page's and one more.
    pub(crate) fn limit(self) -> u32 {
        self.size.saturating_add(1)
    }

    /// How many rows come before the page's.
    pub(crate) fn offset(self) -> u32 {
        self.page.saturating_mul(self.size)
    }

    /// Keeps the page's rows of those read ([`Paging::limit`] at most) and says whether there
    /// is a next page.
    pub(crate) fn keep<T>(self, rows: &mut Vec<T>) -> bool {
        let size = self.size as usize;
        let more = rows.len() > size;
        rows.truncate(size);
        more
    }

    /// The links to the page before and the page after: `more` says a row was found beyond
    /// this page ([`Paging::keep`]), `link` gives a page's address.
    pub(crate) fn links(self, lang: Lang, more: bool, link: impl Fn(u32) -> String) -> Markup {
        html! {
            nav class="pager" {
                @if self.page > 0 { a href=(link(self.page - 1)) rel="prev" { (lang.t(Msg::Previous)) } }
                @if more { a href=(link(self.page.saturating_add(1))) rel="next" { (lang.t(Msg::Next)) } }
            }
        }
    }
}

/// The hidden CSRF field every POST form carries.
pub(crate) fn csrf_input(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A labelled input with its hint and error.
pub(crate) struct Field<'a> {
    pub(crate) label: &'a str,
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) autocomplete: &'a str,
    pub(crate) required: bool,
    pub(crate) hint: Option<&'a str>,
    pub(crate) error: Option<&'a str>,
}

impl<'a> Field<'a> {
    /// A required text field with no hint or error.
    pub(crate) fn new(label: &'a str, name: &'a str, value: &'a str) -> Field<'a> {
        Field {
            label,
            name,
            value,
            kind: "text",
            autocomplete: "off",
            required: true,
            hint: None,
            error: None,
        }
    }
}

/// A refused form on its way back to its own page: the values as sent, the message beside
/// each refused field, and a message about the whole form. A page with several forms (the
/// ticket's payment forms) names the one sent, `which`; the others see none.
/// A page's render function takes one and each POST handler that refuses calls it with a 4xx
/// status, so the clerk stays on the page with what they typed.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors {
    which: String,
    sent: form::Form,
    errors: Vec<(String, String)>,
    whole: Option<String>,
}

/// A fresh form's, to lend.
static FRESH: FieldErrors = FieldErrors::NONE;

impl FieldErrors {
    /// A form shown fresh: no values sent, no messages.
    const NONE: FieldErrors = FieldErrors {
        which: String::new(),
        sent: form::Form::EMPTY,
        errors: Vec::new(),
        whole: None,
    };

    /// A form shown fresh.
    pub(crate) fn none() -> &'static FieldErrors {
        &FRESH
    }

    /// The form `which` as `sent`, no messages yet.
    pub(crate) fn sent(which: &str, sent: &form::Form) -> FieldErrors {
        FieldErrors {
            which: which.to_owned(),
            sent: sent.clone(),
            ..FieldErrors::default()
        }
    }

    /// Puts `message` beside `field` (the first message of a field is the one shown).
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push((field.to_owned(), message.into()));
    }

    /// Puts `message` above the whole form.
    pub(crate) fn refuse(&mut self, message: impl Into<String>) {
        self.whole = Some(message.into());
    }

    /// Whether nothing was refused.
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.whole.is_none()
    }

    /// These, if they belong to the page's form `which`; else a fresh form's.
    pub(crate) fn of(&self, which: &str) -> &FieldErrors {
        if self.which == which { self } else { &FRESH }
    }

    /// The message beside `field`, if refused.
    pub(crate) fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
    }

    /// The message about the whole form, if any.
    pub(crate) fn whole(&self) -> Option<&str> {
        self.whole.as_deref()
    }

    /// What was typed in `field` (untrimmed), else `shown` (a fresh form's value).
    pub(crate) fn value_or<'a>(&'a self, field: &str, shown: &'a str) -> &'a str {
        self.sent.get(field).unwrap_or(shown)
    }
}

impl<'a> Field<'a> {
    /// A required text field with the value typed in `errors` (else `shown`) and its message.
    pub(crate) fn typed(
        label: &'a str,
        name: &'a str,
        shown: &'a str,
        errors: &'a FieldErrors,
    ) -> Field<'a> {
        Field {
            error: errors.error_for(name),
            ..Field::new(label, name, errors.value_or(name, shown))
        }
    }
}

/// The message beside a field whose markup a page writes itself (e.g. a form repeated on a
/// page, whose ids differ from its field names).
pub(crate) fn field_error(error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error { span class="field-error" role="alert" { (error) } }
    }
}

/// Renders a [`Field`].
pub(crate) fn field(f: &Field) -> Markup {
    let hint_id = format!("{}-hint", f.name);
    let error_id = format!("{}-error", f.name);
    let described = match (f.hint.is_some(), f.error.is_some()) {
        (true, true) => Some(format!("{hint_id} {error_id}")),
        (true, false) => Some(hint_id.clone()),
        (false, true) => Some(error_id.clone()),
        (false, false) => None,
    };
    html! {
        div class={ "field" @if f.error.is_some() { " invalid" } } {
            label for=(f.name) { (f.label) }
            @if let Some(hint) = f.hint { span class="hint" id=(hint_id) { (hint) } }
            @if let Some(error) = f.error { span class="field-error" id=(error_id) { (error) } }
            input id=(f.name) name=(f.name) type=(f.kind) value=(f.value) autocomplete=(f.autocomplete)
                required[f.required] aria-invalid=[f.error.map(|_| "true")] aria-describedby=[described];
        }
    }
}

/// A labelled drop-down list.
pub(crate) fn select(
    label: &str,
    name: &str,
    options: &[(&str, &str)],
    selected: &str,
    error: Option<&str>,
) -> Markup {
    html! {
        div class={ "field" @if error.is_some() { " invalid" } } {
            label for=(name) { (label) }
            @if let Some(error) = error { span class="field-error" { (error) } }
            select id=(name) name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[*value == selected] { (text) }
                }
            }
        }
    }
}

/// An instant as branch-local date and time, written the reader's way ("1 Des 2026 19:53").
pub(crate) fn datetime(at: DateTime<Utc>, offset: FixedOffset, lang: Lang) -> String {
    lang.datetime(at.with_timezone(&offset))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A page is read with one row more, kept to its own rows, and its links go back and on
    /// only when there is a page there; a page number that is no number is the first page.
    #[test]
    fn a_page_keeps_its_rows_and_knows_whether_another_follows() {
        let asked = |q: &str| Paging::of(&form::Form::parse(q.as_bytes()).unwrap(), 50);
        let third = asked("page=2");
        assert_eq!((third.limit(), third.offset()), (51, 100));
        for junk in ["", "page=-1", "page=two", "page=99999999999"] {
            assert_eq!(asked(junk).offset(), 0, "{junk}");
        }
        let mut full: Vec<u32> = (100..151).collect();
        assert!(third.keep(&mut full));
        assert_eq!(full, (100..150).collect::<Vec<_>>());
        let mut last: Vec<u32> = (100..150).collect();
        assert!(!third.keep(&mut last));
        assert_eq!(last.len(), 50);
        let link = |p: u32| format!("/list?page={p}");
        let links = third.links(Lang::En, true, link).into_string();
        assert!(
            links.contains(r#"href="/list?page=1" rel="prev""#),
            "{links}"
        );
        assert!(
            links.contains(r#"href="/list?page=3" rel="next""#),
            "{links}"
        );
        let first = asked("page=0").links(Lang::En, false, link).into_string();
        assert!(!first.contains("href"), "{first}");
        let end = asked("page=4294967295")
            .links(Lang::En, true, link)
            .into_string();
        assert!(end.contains("page=4294967295\" rel=\"next"), "{end}");
    }

    #[test]
    fn splices_are_escaped() {
        let chrome = Chrome {
            lang: Lang::En,
            path: "/",
            branch_name: "<b>x</b>",
            demo: true,
            flash: Some("<i>".into()),
        };
        let page = customer_page(&chrome, None, "<script>", html! { p { "ok" } }).into_string();
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(page.contains("lang=\"en\""));
    }

    #[test]
    fn fields_are_labelled() {
        let mut f = Field::new("Phone number", "phone", "");
        f.error = Some("bad");
        let html = field(&f).into_string();
        assert!(
            html.contains("<label for=\"phone\">Phone number</label>"),
            "{html}"
        );
        assert!(html.contains("aria-invalid=\"true\""), "{html}");
    }

    #[test]
    fn a_refused_form_keeps_its_values_and_messages_for_its_own_form_only() {
        let sent = form::Form::parse(b"amount=12.3.4&reference=R+1").expect("a form");
        let mut errors = FieldErrors::sent("partial", &sent);
        assert!(errors.is_empty());
        errors.add("amount", "Enter an amount");
        errors.add("amount", "second");
        let mine = errors.of("partial");
        assert_eq!(mine.error_for("amount"), Some("Enter an amount"));
        assert_eq!(mine.value_or("amount", "16500"), "12.3.4");
        assert_eq!(
            mine.value_or("method", "cash"),
            "cash",
            "not sent: the fresh value"
        );
        let other = errors.of("extension");
        assert_eq!(other.error_for("amount"), None);
        assert_eq!(other.value_or("amount", "16500"), "16500");
        let html = field(&Field::typed("Reference", "reference", "", mine)).into_string();
        assert!(html.contains("value=\"R 1\""), "{html}");
    }
}
