//! The follow-up screen of one customer (seed 004 steps 4-6): on one page the Loan Summary and
//! Loan Schedule of each open ticket, the Customer Statement, the alternative contacts and
//! guarantors, the Interaction History (follow-up notes and promises) and the follow-up note
//! form with the seed's fields as labels.
//!
//! The form's dependent lists narrow as the agent picks (`assets/callcentre.js`, from each
//! option's `data-parents`); without JavaScript the "Show matching choices" button sends the
//! form back to be drawn again with the lists narrowed by what is picked, keeping every value.
//! Either way the server checks the note against the choices table
//! (`callcentre::notes::add`) and puts each refusal beside its field.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use maud::{Markup, html};
use rusqlite::Connection;

use crate::callcentre::choices::{self, Choice, Field};
use crate::callcentre::notes::{
    self, MAX_COMMENT_CHARS, MAX_MESSAGE_CHARS, NewNote, NoteError, Whom,
};
use crate::callcentre::rules::ContactRules;
use crate::callcentre::{approval, do_not_contact, promises, queue, ro};
use crate::customers::alternative_contacts::{Contact, Kind as ContactKind};
use crate::customers::{self, Customer};
use crate::loans::charges;
use crate::loans::ops::{self, Ticket};
use crate::loans::terms::{self, ProductKind};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::{CustomerId, LoanId, StaffId};
use crate::plumbing::money;
use crate::plumbing::paths::{self, FollowUpPart};
use crate::plumbing::phone::E164;
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;
use crate::web::loans::today;

use super::customer_marks;

/// The form's name in [`FieldErrors`].
const FORM: &str = "followup";

/// GET /staff/callcentre/customers/{id}.
pub(crate) fn follow_up_page(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    render(ctx, user, &id, FieldErrors::none(), 200)
}

/// A ticket as the screen shows it.
struct Loan {
    record: Ticket,
    paid: terms::Paid,
    owed: terms::Owed,
    promise: Option<promises::Promise>,
}

fn open_loans(conn: &Connection, id: &CustomerId, today: NaiveDate) -> Result<Vec<Loan>, AppError> {
    let mut loans = Vec::new();
    for line in crate::loans::of_customer(conn, id)? {
        let Some(record) = ops::load(conn, &line.id)? else {
            continue;
        };
        if !record.is_open() {
            continue;
        }
        let paid = charges::paid(conn, &record.id)?;
        let owed = ops::owed_on(conn, &record, today)?;
        let promise = promises::active_of(conn, &record.id)?;
        loans.push(Loan {
            record,
            paid,
            owed,
            promise,
        });
    }
    Ok(loans)
}

pub(super) fn render(
    ctx: &Ctx,
    user: &StaffUser,
    id: &CustomerId,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let customer = customers::get(&conn, id)?.ok_or(AppError::NotFound)?;
    if let Some(survivor) = customers::merged_into(&conn, id)? {
        return Ok(Response::see_other(&paths::follow_up(
            &survivor,
            FollowUpPart::Screen,
        )));
    }
    let day = today(ctx);
    let loans = open_loans(&conn, id, day)?;
    let statement = charges::statement_of(&conn, id, None, (None, None), day)?;
    let contacts = crate::web::customers::alternative_contacts::with_history(&conn, id)?;
    let history = notes::of_customer(&conn, id)?;
    let promised = promises::of_customer(&conn, id)?;
    let all_choices = choices::all(&conn)?;
    let agent = queue::assigned(&conn, id)?;
    let ro = ro::with_phone(&conn, id)?;
    let ro_candidates = if queue::may_assign(user) {
        ro::candidates(&conn)?
    } else {
        Vec::new()
    };
    let quiet = customers::do_not_text(&conn, id)?;
    let mark = do_not_contact::of_customer(&conn, id)?;
    let approved = approval::of_customer(&conn, id)?;
    let waiting = approval::is_waiting(&conn, id, today(ctx))?;
    let message_lang =
        customers::language::chosen(&conn, id)?.unwrap_or_else(|| ctx.app.config.language());
    let labels = Labels::new(&all_choices, ctx.lang);
    drop(conn);
    let country = &ctx.app.config.branch.country;
    let body = html! {
        section class="card" {
            dl {
                dt { (ctx.t(Msg::FullName)) } dd { (customer.full_name) }
                dt { (ctx.t(Msg::PhoneNumber)) } dd {
                    a href={ "tel:" (customer.phone.as_str()) } { (customer.phone.national(country)) }
                    @if quiet { " " span class="badge bad" { (ctx.t(Msg::DoNotText)) } }
                    @if mark.is_some() { " " a class="badge bad" href="#do-not-contact" { (ctx.t(Msg::DoNotContact)) } }
                }
                dt { (ctx.t(Msg::FollowUpAgent)) } dd { (agent.as_ref().map_or(ctx.t(Msg::FollowUpUnassigned), |(_, n)| n.as_str())) }
            }
            p { a href=(paths::customer(id)) { (ctx.t(Msg::FollowUpCustomerFile)) } }
        }
        (customer_marks::info_section(ctx, id, approved.as_ref(), waiting))
        (customer_marks::dnc_section(ctx, id, mark.as_ref(), sent.of(customer_marks::DNC_FORM)))
        (loan_sections(ctx, &loans))
        section id="statement" {
            h2 { (ctx.t(Msg::FollowUpStatement)) }
            (crate::web::loans::statement_table(ctx, &statement, None, true))
        }
        (crate::web::customers::alternative_contacts::section(ctx, user, &customer, &contacts, FieldErrors::none()))
        (ro_section(ctx, user, id, ro.as_ref(), &ro_candidates))
        (note_form(ctx, &customer, message_lang, &loans, &contacts.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(), &all_choices, sent.of(FORM)))
        (history_section(ctx, &history, &promised, &labels))
    };
    let mut response = ctx.staff_page(user, &customer.full_name, body);
    response.status = status;
    Ok(response)
}

/// The Loan Summary and Loan Schedule of each open ticket.
fn loan_sections(ctx: &Ctx, loans: &[Loan]) -> Markup {
    let currency = ctx.app.config.currency();
    let money = |v: i64| currency.format(v, ctx.lang);
    html! {
        section id="loans" {
            h2 { (ctx.t(Msg::FollowUpLoanSummary)) }
            @if loans.is_empty() { p class="muted" { (ctx.t(Msg::FollowUpNoTickets)) } }
            @for l in loans {
                @let r = &l.record;
                article class="card" {
                    h3 { a href=(paths::ticket(&r.id)) { (r.ticket_no) } " · " (ctx.t(r.state.label())) }
                    dl {
                        dt { (ctx.t(Msg::FollowUpLoanBalance)) } dd { (money(l.owed.payoff())) }
                        dt { (ctx.t(Msg::AppliedAmount)) } dd { (money(r.principal)) }
                        dt { (ctx.t(Msg::InterestAmount)) } dd { (money(l.owed.interest + l.paid.interest)) }
                        dt { (ctx.t(Msg::FollowUpLoanType)) } dd { (r.terms.product) }
                        dt { (ctx.t(Msg::StartDate)) } dd { (ctx.date(r.start)) }
                        dt { (ctx.t(Msg::EndDate)) } dd { (ctx.date(r.maturity)) }
                        @if let Some(p) = &l.promise {
                            dt { (ctx.t(Msg::PromiseActive)) } dd { (money(p.amount)) " · " (ctx.date(p.on)) }
                        }
                    }
                    (schedule(ctx, l))
                }
            }
        }
    }
}

/// The customer's RO, with a manager's form to assign one.
fn ro_section(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &CustomerId,
    current: Option<&(StaffId, String, Option<E164>)>,
    candidates: &[(StaffId, String)],
) -> Markup {
    let picked = current.map_or("", |(id, _, _)| id.as_str());
    let country = &ctx.app.config.branch.country;
    html! {
        section class="card" id="ro" {
            h2 { (ctx.t(Msg::FollowUpRo)) }
            @match current {
                Some((_, name, phone)) => dl {
                    dt { (ctx.t(Msg::FollowUpRo)) } dd { (name) }
                    dt { (ctx.t(Msg::FollowUpRoPhone)) } dd {
                        @match phone {
                            Some(phone) => a href={ "tel:" (phone.as_str()) } { (phone.national(country)) },
                            None => span class="muted" { (ctx.t(Msg::FollowUpRoNoPhone)) },
                        }
                    }
                },
                None => p class="muted" { (ctx.t(Msg::FollowUpRoNone)) },
            }
            @if !candidates.is_empty() && queue::may_assign(user) {
                form method="post" action=(paths::follow_up(customer, FollowUpPart::Ro)) class="actions" {
                    (ui::csrf_input(&ctx.csrf()))
                    div class="field" {
                        label for="ro" { (ctx.t(Msg::FollowUpRo)) }
                        select id="ro" name="ro" {
                            @for (id, name) in candidates { option value=(id) selected[id.as_str() == picked] { (name) } }
                        }
                    }
                    button type="submit" class="secondary" { (ctx.t(Msg::FollowUpAssign)) }
                }
            }
        }
    }
}

/// POST /staff/callcentre/customers/{id}/ro: a manager assigns the customer's RO.
pub(crate) fn assign_ro(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    if !queue::may_assign(user) {
        return Err(AppError::Forbidden);
    }
    let bad = || AppError::BadRequest(ctx.t(Msg::FollowUpRoInvalid).to_owned());
    let staff: StaffId = ctx.form()?.text("ro").parse().map_err(|_| bad())?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match ro::assign(&tx, user, &id, &staff, ctx.now) {
        Ok(()) => tx.commit()?,
        Err(ro::RoError::NotManager) => return Err(AppError::Forbidden),
        Err(ro::RoError::NoSuchStaff) => return Err(bad()),
        Err(ro::RoError::NoSuchCustomer) => return Err(AppError::NotFound),
        Err(ro::RoError::Db(e)) => return Err(e.into()),
    }
    ctx.flash(ctx.t(Msg::FollowUpRoAssigned));
    Ok(Response::see_other(&format!(
        "{}#ro",
        paths::follow_up(&id, FollowUpPart::Screen)
    )))
}

/// A pawn ticket's periods and due date; an installment loan's installments.
fn schedule(ctx: &Ctx, l: &Loan) -> Markup {
    let r = &l.record;
    if r.terms.kind == ProductKind::Installment {
        return crate::web::loans::schedule_table(ctx, r, &l.paid, today(ctx));
    }
    let ends: Vec<NaiveDate> = (1..=r.terms.term_periods.saturating_mul(12).min(240))
        .map(|n| terms::period_end(&r.terms, r.start, n))
        .take_while(|end| *end <= r.maturity)
        .collect();
    let grace_end = r.maturity + chrono::Duration::days(i64::from(r.terms.grace_days));
    html! {
        h4 { (ctx.t(Msg::FollowUpLoanSchedule)) }
        ol class="periods" {
            @for end in &ends { li { (ctx.date(*end)) } }
        }
        p { (ctx.t(Msg::Maturity)) ": " strong { (ctx.date(r.maturity)) } " · "
            (ctx.t(Msg::FollowUpGraceEnds)) ": " (ctx.date(grace_end)) }
    }
}

/// The labels of the choices by field and code, in one language.
struct Labels(BTreeMap<(&'static str, String), String>);

impl Labels {
    fn new(all: &[Choice], lang: Lang) -> Labels {
        let mut map = BTreeMap::new();
        for c in all {
            map.entry((c.field.code(), c.code.clone()))
                .or_insert_with(|| c.label(lang).to_owned());
        }
        Labels(map)
    }

    fn of(&self, field: Field, code: &str) -> String {
        self.0
            .get(&(field.code(), code.to_owned()))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }
}

fn whom_label(ctx: &Ctx, whom: Whom, contact: Option<&str>) -> String {
    let name = contact.unwrap_or("");
    match whom {
        Whom::Customer => ctx.t(Msg::FollowUpWhomCustomer).to_owned(),
        Whom::Guarantor => ctx.lang.fill(Msg::FollowUpWhomGuarantor, &[("name", name)]),
        Whom::Alternative => ctx
            .lang
            .fill(Msg::FollowUpWhomAlternative, &[("name", name)]),
        Whom::Ro => ctx.t(Msg::FollowUpWhomRo).to_owned(),
    }
}

/// The Interaction History: every follow-up note, newest first, and the promises.
fn history_section(
    ctx: &Ctx,
    history: &[notes::Note],
    promised: &[promises::Promise],
    labels: &Labels,
) -> Markup {
    let currency = ctx.app.config.currency();
    html! {
        section id="history" {
            h2 { (ctx.t(Msg::FollowUpHistory)) }
            @if history.is_empty() { p class="muted" { (ctx.t(Msg::AuditEmpty)) } }
            @for n in history {
                article class="card note" id={ "note-" (n.id) } {
                    p {
                        strong { (ctx.datetime(n.at)) } " · " (n.staff) " · " (whom_label(ctx, n.whom, n.contact.as_deref()))
                        @if let Some(ticket) = &n.ticket { " · " (ctx.t(Msg::Ticket)) " " (ticket) }
                    }
                    dl {
                        dt { (ctx.t(Msg::FollowUpCallResults)) } dd { (labels.of(Field::CallResult, &n.call_result)) }
                        dt { (ctx.t(Msg::FollowUpCallStatus)) } dd { (labels.of(Field::CallStatus, &n.call_status)) }
                        dt { (ctx.t(Msg::FollowUpCallStatusAction)) } dd { (labels.of(Field::StatusAction, &n.status_action)) }
                        dt { (ctx.t(Msg::FollowUpPartyResponse)) } dd { (labels.of(Field::PartyResponse, &n.party_response)) }
                        @if let Some(p) = n.promised {
                            dt { (ctx.t(Msg::FollowUpPromisedAmount)) } dd { (currency.format(p.amount, ctx.lang)) }
                            dt { (ctx.t(Msg::FollowUpPromisedDate)) } dd { (ctx.date(p.on)) }
                        }
                        @if let Some(d) = n.visit_date { dt { (ctx.t(Msg::FollowUpSetVisitDate)) } dd { (ctx.date(d)) } }
                        dt { (ctx.t(Msg::FollowUpClientStatus)) } dd { (labels.of(Field::ClientStatus, &n.client_status)) }
                        @if !n.comments.is_empty() { dt { (ctx.t(Msg::FollowUpComments)) } dd { (n.comments) } }
                        @if let Some(m) = &n.message { dt { (ctx.t(Msg::FollowUpSendMessage)) } dd { (m) " " (crate::web::sms_delivery::badge(ctx, &n.delivery)) } }
                    }
                }
            }
            @if !promised.is_empty() {
                h3 { (ctx.t(Msg::FollowUpPromises)) }
                div class="table-wrap" { table {
                    thead { tr {
                        th { (ctx.t(Msg::Ticket)) } th class="num" { (ctx.t(Msg::FollowUpPromisedAmount)) }
                        th { (ctx.t(Msg::FollowUpPromisedDate)) } th { (ctx.t(Msg::Status)) }
                    } }
                    tbody { @for p in promised { tr {
                        td { (p.ticket_no) } td class="num" { (currency.format(p.amount, ctx.lang)) }
                        td { (ctx.date(p.on)) } td { (ctx.t(p.state.label())) }
                    } } }
                } }
            }
        }
    }
}

/// The choices of a chained field as options: each code once, with every parent it may follow
/// (for the script), narrowed to those after `picked_parent` when one is picked.
fn options_of<'c>(
    all: &'c [Choice],
    field: Field,
    picked_parent: &str,
) -> Vec<(&'c Choice, String)> {
    let mut seen: Vec<(&Choice, String)> = Vec::new();
    for c in all.iter().filter(|c| c.field == field && !c.retired) {
        if let Some((_, parents)) = seen.iter_mut().find(|(s, _)| s.code == c.code) {
            parents.push(' ');
            parents.push_str(&c.parent);
        } else {
            seen.push((c, c.parent.clone()));
        }
    }
    if picked_parent.is_empty() {
        return seen;
    }
    seen.into_iter()
        .filter(|(_, parents)| parents.split(' ').any(|p| p == picked_parent))
        .collect()
}

fn choice_select(ctx: &Ctx, all: &[Choice], field: Field, sent: &FieldErrors) -> Markup {
    let name = field.code();
    let picked = sent.value_or(name, "");
    let parent = field
        .narrowed_by()
        .map_or("", |p| sent.value_or(p.code(), ""));
    let error = sent.error_for(name);
    html! {
        div class={ "field" @if error.is_some() { " invalid" } } {
            label for=(name) { (ctx.t(field.label())) }
            (ui::field_error(error))
            select id=(name) name=(name) required data-narrowed-by=[field.narrowed_by().map(Field::code)]
                aria-invalid=[error.map(|_| "true")] {
                option value="" { (ctx.t(Msg::FollowUpChoose)) }
                @for (c, parents) in options_of(all, field, parent) {
                    option value=(c.code) data-parents=(parents) data-promise=[c.takes_promise.then_some("1")]
                        selected[c.code == picked] { (c.label(ctx.lang)) }
                }
            }
        }
    }
}

fn input(ctx: &Ctx, label: Msg, name: &str, kind: &str, sent: &FieldErrors) -> Markup {
    ui::field(&ui::Field {
        kind,
        required: false,
        ..ui::Field::typed(ctx.t(label), name, "", sent)
    })
}

/// The message templates, filled for this customer, in the customer's language.
fn templates(ctx: &Ctx, customer: &Customer, lang: Lang) -> Vec<(Msg, String)> {
    [
        Msg::FollowUpTemplateCall,
        Msg::FollowUpTemplateThanks,
        Msg::FollowUpTemplateVisit,
    ]
    .into_iter()
    .map(|m| {
        let text = lang.fill(
            m,
            &[
                ("name", &customer.full_name),
                ("branch", &ctx.app.config.branch.name),
            ],
        );
        (m, text)
    })
    .collect()
}

/// The follow-up note form, as `sent` when refused or narrowed; templates in `message_lang`,
/// the customer's.
#[allow(clippy::too_many_arguments)]
fn note_form(
    ctx: &Ctx,
    customer: &Customer,
    message_lang: Lang,
    loans: &[Loan],
    contacts: &[Contact],
    all: &[Choice],
    sent: &FieldErrors,
) -> Markup {
    let action_error = sent.error_for("action");
    let picked_action = sent.value_or("action", "customer");
    let mut actions = vec![("customer".to_owned(), whom_label(ctx, Whom::Customer, None))];
    for c in contacts {
        let whom = match c.kind {
            ContactKind::Guarantor => Whom::Guarantor,
            ContactKind::Alternative => Whom::Alternative,
        };
        actions.push((
            format!("{}:{}", whom.code(), c.id),
            whom_label(ctx, whom, Some(&c.full_name)),
        ));
    }
    actions.push(("ro".to_owned(), whom_label(ctx, Whom::Ro, None)));
    let loan_error = sent.error_for("loan");
    let picked_loan = sent.value_or("loan", "");
    let templates = templates(ctx, customer, message_lang);
    let send = sent.value_or("send_message", "no");
    let message_error = sent.error_for("message");
    html! {
        section class="card" id="followup" {
            h2 { (ctx.t(Msg::FollowUpNotesTitle)) }
            (ui::form_error(sent.whole()))
            form method="post" action=(paths::follow_up(&customer.id, FollowUpPart::Notes)) class="stack" data-followup {
                (ui::csrf_input(&ctx.csrf()))
                div class={ "field" @if action_error.is_some() { " invalid" } } {
                    label for="action" { (ctx.t(Msg::FollowUpAction)) }
                    (ui::field_error(action_error))
                    select id="action" name="action" {
                        @for (value, label) in &actions { option value=(value) selected[*value == picked_action] { (label) } }
                    }
                }
                div class={ "field" @if loan_error.is_some() { " invalid" } } {
                    label for="loan" { (ctx.t(Msg::FollowUpTicketField)) }
                    (ui::field_error(loan_error))
                    select id="loan" name="loan" {
                        option value="" { (ctx.t(Msg::FollowUpNoTicket)) }
                        @for l in loans { option value=(l.record.id) selected[l.record.id.as_str() == picked_loan] { (l.record.ticket_no) } }
                    }
                }
                @for field in [Field::CallResult, Field::CallStatus, Field::StatusAction, Field::PartyResponse] {
                    (choice_select(ctx, all, field, sent))
                }
                div { button type="submit" name="narrow" value="1" class="secondary" data-no-js { (ctx.t(Msg::FollowUpNarrow)) } }
                (input(ctx, Msg::FollowUpPromisedAmount, "promised_amount", "text", sent))
                (input(ctx, Msg::FollowUpPromisedDate, "promised_date", "date", sent))
                (input(ctx, Msg::FollowUpSetVisitDate, "visit_date", "date", sent))
                @let comments_error = sent.error_for("comments");
                div class={ "field" @if comments_error.is_some() { " invalid" } } {
                    label for="comments" { (ctx.t(Msg::FollowUpComments)) }
                    (ui::field_error(comments_error))
                    textarea id="comments" name="comments" rows="3" maxlength=(MAX_COMMENT_CHARS) { (sent.value_or("comments", "")) }
                }
                (choice_select(ctx, all, Field::ClientStatus, sent))
                (ui::select(ctx.t(Msg::FollowUpSendMessage), "send_message", &[
                    ("no", ctx.t(Msg::FollowUpNo)), ("yes", ctx.t(Msg::FollowUpYes)),
                ], send, sent.error_for("send_message")))
                div class="field" {
                    label for="template" { (ctx.t(Msg::FollowUpTemplate)) }
                    select id="template" name="template" {
                        @for (i, (_, text)) in templates.iter().enumerate() {
                            option value=(i) data-text=(text) selected[sent.value_or("template", "0") == i.to_string()] { (text.chars().take(60).collect::<String>()) "…" }
                        }
                    }
                }
                div class={ "field" @if message_error.is_some() { " invalid" } } {
                    label for="message" { (ctx.t(Msg::FollowUpMessage)) }
                    (ui::field_error(message_error))
                    textarea id="message" name="message" rows="3" maxlength=(MAX_MESSAGE_CHARS) {
                        (sent.value_or("message", templates.first().map_or("", |(_, t)| t.as_str())))
                    }
                }
                div { button type="submit" { (ctx.t(Msg::Save)) } }
            }
            script src=(crate::plumbing::http::assets::url("callcentre.js")) defer {}
        }
    }
}

/// Whom the Action field names: the customer, the RO, or `guarantor:{id}` / `alternative:{id}`.
fn read_action(value: &str) -> Option<(Whom, Option<&str>)> {
    match value.split_once(':') {
        None => Whom::from_code(value)
            .filter(|w| matches!(w, Whom::Customer | Whom::Ro))
            .map(|w| (w, None)),
        Some((whom, contact)) => Whom::from_code(whom)
            .filter(|w| matches!(w, Whom::Guarantor | Whom::Alternative))
            .map(|w| (w, Some(contact))),
    }
}

/// An optional date field: none when empty, an error when not a date.
fn read_date(text: &str) -> Result<Option<NaiveDate>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ())
}

/// What the form says, or each field it could not read marked in `sent`.
struct Read<'f> {
    whom: Whom,
    contact: Option<&'f str>,
    loan: Option<LoanId>,
    promised_amount: Option<i64>,
    promised_date: Option<NaiveDate>,
    visit_date: Option<NaiveDate>,
    message: Option<&'f str>,
}

fn read<'f>(
    ctx: &Ctx,
    form: &'f crate::plumbing::http::form::Form,
    sent: &mut FieldErrors,
) -> Option<Read<'f>> {
    let action = read_action(form.text("action"));
    if action.is_none() {
        sent.add("action", ctx.t(Msg::FollowUpWhomInvalid));
    }
    let loan = match form.text("loan") {
        "" => Ok(None),
        text => text.parse::<LoanId>().map(Some),
    };
    if loan.is_err() {
        sent.add("loan", ctx.t(Msg::FollowUpTicketInvalid));
    }
    let exponent = ctx.app.config.currency().exponent;
    let amount = match form.text("promised_amount").trim() {
        "" => Ok(None),
        text => money::parse_amount(text, exponent)
            .filter(|a| *a > 0)
            .map(Some)
            .ok_or(()),
    };
    if amount.is_err() {
        sent.add("promised_amount", ctx.t(Msg::FollowUpAmountInvalid));
    }
    let promised_date = read_date(form.text("promised_date"));
    let visit_date = read_date(form.text("visit_date"));
    for (name, date) in [
        ("promised_date", &promised_date),
        ("visit_date", &visit_date),
    ] {
        if date.is_err() {
            sent.add(name, ctx.t(Msg::FollowUpDateInvalid));
        }
    }
    let message = (form.text("send_message") == "yes").then(|| form.text("message"));
    let (Some((whom, contact)), Ok(loan), Ok(promised_amount), Ok(promised_date), Ok(visit_date)) =
        (action, loan, amount, promised_date, visit_date)
    else {
        return None;
    };
    Some(Read {
        whom,
        contact,
        loan,
        promised_amount,
        promised_date,
        visit_date,
        message,
    })
}

/// The field a refusal belongs beside and its message.
fn refusal(
    ctx: &Ctx,
    conn: &Connection,
    e: &NoteError,
) -> rusqlite::Result<(&'static str, String)> {
    let t = |m: Msg| ctx.t(m).to_owned();
    Ok(match e {
        NoteError::Missing(field) => (field.code(), t(Msg::FollowUpChoiceMissing)),
        NoteError::DoesNotFit { field, value, .. } => {
            let value = choices::label_of(conn, *field, value, ctx.lang)?;
            let before = field.narrowed_by().map_or("", |f| ctx.t(f.label()));
            (
                field.code(),
                ctx.lang.fill(
                    Msg::FollowUpChoiceMismatch,
                    &[("value", &value), ("field", before)],
                ),
            )
        }
        NoteError::NoSuchContact(_) => ("action", t(Msg::FollowUpWhomInvalid)),
        NoteError::NoSuchTicket => ("loan", t(Msg::FollowUpTicketInvalid)),
        NoteError::PromiseNeeded(_) => ("promised_amount", t(Msg::FollowUpPromiseNeeded)),
        NoteError::PromiseNotExpected(_) => ("promised_amount", t(Msg::FollowUpPromiseNotExpected)),
        NoteError::PromisedAmount => ("promised_amount", t(Msg::FollowUpAmountInvalid)),
        NoteError::PromisedDate => ("promised_date", t(Msg::FollowUpDateInvalid)),
        NoteError::VisitDate => ("visit_date", t(Msg::FollowUpDateInvalid)),
        NoteError::Comments => ("comments", t(Msg::FollowUpCommentsInvalid)),
        NoteError::Message => ("message", t(Msg::FollowUpMessageInvalid)),
        NoteError::DoNotText => ("send_message", t(Msg::FollowUpDoNotText)),
        NoteError::Blocked(blocked) => (
            "",
            format!(
                "{} {}",
                blocked.message(ctx.lang),
                ctx.t(Msg::FollowUpNothingSaved)
            ),
        ),
        NoteError::Db(_) => ("", String::new()),
    })
}

/// POST /staff/callcentre/customers/{id}/notes: saves a follow-up note, or (the "Show matching
/// choices" button) draws the form again with the lists narrowed, saving nothing.
pub(crate) fn add_note(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent(FORM, form);
    if form.get("narrow").is_some() {
        return render(ctx, user, &id, &sent, 200);
    }
    let Some(read) = read(ctx, form, &mut sent) else {
        return render(ctx, user, &id, &sent, 400);
    };
    let new = NewNote {
        customer: &id,
        loan: read.loan.as_ref(),
        whom: read.whom,
        contact: read.contact,
        call_result: form.text("call_result"),
        call_status: form.text("call_status"),
        status_action: form.text("status_action"),
        party_response: form.text("party_response"),
        client_status: form.text("client_status"),
        promised_amount: read.promised_amount,
        promised_date: read.promised_date,
        visit_date: read.visit_date,
        comments: form.text("comments"),
        message: read.message,
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    customers::get(&tx, &id)?.ok_or(AppError::NotFound)?;
    let rules = notes::NoteRules {
        messaging: promises::Messaging::from_config(&ctx.app.config).as_saved(&tx)?,
        contact: ContactRules::from_config(&ctx.app.config),
    };
    match notes::add(&tx, user, &new, &rules, today(ctx), ctx.now) {
        Ok(added) => {
            tx.commit()?;
            if added.sms.is_some() || added.promise.is_some() {
                ctx.app.sms.wake();
            }
            ctx.flash(ctx.t(Msg::FollowUpSaved));
            Ok(Response::see_other(&format!(
                "{}#note-{}",
                paths::follow_up(&id, FollowUpPart::Screen),
                added.note
            )))
        }
        Err(NoteError::Db(e)) => Err(e.into()),
        Err(e) => {
            let (field, message) = refusal(ctx, &tx, &e)?;
            drop(tx);
            if field.is_empty() {
                sent.refuse(message);
            } else {
                sent.add(field, message);
            }
            render(ctx, user, &id, &sent, 400)
        }
    }
}
