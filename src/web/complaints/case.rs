//! A complaint case's page and its forms: the details and clocks, the category's checklist
//! with the action each step offers (the statement, the disbursement, the payment code, the
//! escalation form), the state buttons the reader may use, the escalation (to whom, why, who
//! contacts the customer), notes, the owner, and the timeline. Each form that is refused comes
//! back on this page with the message beside its field and what was typed.

use maud::{Markup, html};

use super::{HANDLERS, clock_badge, owners, steps};
use crate::complaints::cases::{self, CaseError};
use crate::complaints::checklist::{self, Action};
use crate::complaints::list::clocks_of;
use crate::complaints::sla::{self, Calendar};
use crate::complaints::{self, Case, Escalation, Outcome, State};
use crate::ledger::Method;
use crate::loans::codes::CodeError;
use crate::loans::disbursements::{Again, DisbursementError};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{ComplaintId, DisbursementId, StaffId};
use crate::plumbing::paths::{self, ComplaintPart, CustomerPart};
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// GET /staff/complaints/{id}.
pub(crate) fn page(ctx: &Ctx, id: ComplaintId) -> Result<Response, AppError> {
    let user = ctx.require_any(&HANDLERS)?;
    render(ctx, user, &id, FieldErrors::none(), 200)
}

/// The page, with `sent` on the form it belongs to.
fn render(
    ctx: &Ctx,
    user: &StaffUser,
    id: &ComplaintId,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let case = complaints::get(&conn, id)?.ok_or(AppError::NotFound)?;
    let events = complaints::events(&conn, id)?;
    let escalations = complaints::escalations(&conn, id)?;
    let done = cases::steps_done(&conn, id)?;
    let calendar = Calendar::load(&conn, ctx.app.config.utc_offset())?;
    let pauses = sla::pauses(&events);
    let clocks = clocks_of(
        &calendar,
        &ctx.app.config.complaints,
        &case,
        &pauses,
        ctx.now,
    );
    let owners = owners(&conn)?;
    let concerns = concerns(ctx, &conn, &case, user)?;
    let files = crate::complaints::attachments::of_case(&conn, id)?;
    drop(conn);
    let body = html! {
        (details(ctx, &case))
        @if case.state.is_open() {
            section class="card" id="clocks" {
                h2 { (ctx.t(Msg::ComplaintClocks)) }
                @if let Some(response) = &clocks.response {
                    p { (ctx.t(Msg::ComplaintFirstResponse)) ": "
                        @if response.stopped { (ctx.t(Msg::ComplaintResponded)) } @else { (clock_badge(ctx, response)) }
                        @if let Some(due) = response.deadline { " · " (ctx.datetime(due)) } }
                }
                p { (ctx.t(Msg::ComplaintResolution)) ": " (clock_badge(ctx, &clocks.resolution))
                    @if let Some(due) = clocks.resolution.deadline { " · " (ctx.datetime(due)) } }
            }
        }
        (checklist_section(ctx, &case, &done, &concerns, sent))
        (state_form(ctx, user, &case, sent.of("state")))
        @if case.state.is_open() { (escalate_form(ctx, &case, sent.of("escalate"))) }
        @if !escalations.is_empty() {
            section class="card" id="escalations" {
                h2 { (ctx.t(Msg::ComplaintEscalations)) }
                ul { @for e in &escalations {
                    li { (ctx.datetime(e.at)) " · " (e.by.as_deref().unwrap_or(ctx.t(Msg::AuditSystem))) " → "
                        strong { (e.escalation.to_whom) } ": " (e.escalation.reason) " · "
                        (ctx.t(Msg::ComplaintContactBy)) ": " (e.escalation.contact_by) }
                } }
            }
        }
        @if user.role.has(Permission::ComplaintEscalations) && case.state.is_open() {
            (owner_form(ctx, &case, &owners, sent.of("owner")))
        }
        (super::files::section(ctx, id, &files, case.state != State::Closed, sent.of("attach")))
        (timeline(ctx, &case, &events, sent.of("note")))
    };
    let title = format!("{} · {}", ctx.t(Msg::ComplaintCase), case.customer_name);
    let mut response = ctx.staff_page(user, &title, body);
    response.status = status;
    Ok(response)
}

/// The case's details.
fn details(ctx: &Ctx, case: &Case) -> Markup {
    let checked = crate::web::customers::caller::describe(ctx, &case.checked_details.join(","));
    html! {
        section class="card" id="details" {
            dl {
                dt { (ctx.t(Msg::ComplaintCustomer)) } dd { a href=(paths::customer(&case.customer_id)) { (case.customer_name) } }
                dt { (ctx.t(Msg::CallerChecked)) } dd { @if checked.is_empty() { (ctx.t(Msg::ComplaintSignedInByCode)) } @else { (checked) } }
                dt { (ctx.t(Msg::ComplaintChannel)) } dd { (ctx.t(case.channel.label())) }
                dt { (ctx.t(Msg::ComplaintCategory)) } dd { (ctx.t(case.category.label())) }
                dt { (ctx.t(Msg::ComplaintPriority)) } dd { (ctx.t(case.priority.label())) }
                @if let (Some(loan), Some(no)) = (&case.loan_id, &case.ticket_no) {
                    dt { (ctx.t(Msg::ComplaintTicket)) } dd { a href=(paths::ticket(loan)) { (no) } }
                }
                @if let Some(code) = &case.payment_code {
                    dt { (ctx.t(Msg::ComplaintPaymentCode)) } dd { (crate::loans::codes::display(code)) }
                }
                dt { (ctx.t(Msg::ComplaintOwner)) } dd { (case.owner_name.as_deref().unwrap_or("—")) }
                dt { (ctx.t(Msg::ComplaintState)) } dd { (ctx.t(case.state.label()))
                    @if let Some(outcome) = case.outcome { " · " (ctx.t(outcome.label())) } }
                dt { (ctx.t(Msg::ComplaintOpenedAt)) } dd { (ctx.datetime(case.opened_at)) }
                @if let Some(at) = case.resolved_at { dt { (ctx.t(Msg::StateResolved)) } dd { (ctx.datetime(at)) } }
                @if let Some(at) = case.closed_at { dt { (ctx.t(Msg::StateClosed)) } dd { (ctx.datetime(at)) } }
                dt { (ctx.t(Msg::ComplaintDescription)) } dd { (case.description) }
            }
        }
    }
}

/// What the checklist's actions show: the ticket's state (B.2) and the payment code's (C.3).
struct Concerns {
    ticket: Option<Markup>,
    payment: Option<Markup>,
    /// Whether the case's payment code can still be paid.
    payment_live: bool,
    /// The last test SMS's and test email's delivery states (one-time code cases).
    tests: (Option<String>, Option<String>),
    /// The network's report on the last test SMS (issue 17).
    test_sms_delivery: Option<crate::sms::reports::Delivery>,
    /// The ticket's payouts with a state (B.2, B.7).
    payouts: super::steps::Payouts,
    /// The customer's email address (one-time code cases, seed 002 step 3).
    email: Option<String>,
}

/// A stored outbox state as its badge, or that none was sent.
fn outbox_state(ctx: &Ctx, state: Option<&str>) -> Markup {
    match state.and_then(crate::outbox::State::from_code) {
        Some(state) => crate::web::outbox::state_badge(ctx, state),
        None => html! { (ctx.t(Msg::ComplaintNotSent)) },
    }
}

fn concerns(
    ctx: &Ctx,
    conn: &rusqlite::Connection,
    case: &Case,
    user: &StaffUser,
) -> Result<Concerns, AppError> {
    let ticket = match &case.loan_id {
        Some(loan) => crate::loans::of_customer_by_id(conn, &case.customer_id, loan)?.map(|t| {
            html! { a href=(paths::ticket(&t.id)) { (t.ticket_no) } " · " (ctx.t(t.state.label())) }
        }),
        None => None,
    };
    let code = match &case.payment_code {
        Some(code) => crate::loans::codes::get(conn, code)?,
        None => None,
    };
    let payment_live = code
        .as_ref()
        .is_some_and(|p| p.status(ctx.now) == crate::loans::codes::Status::Live);
    let payment = match code {
        Some(p) => Some({
            let state = match p.status(ctx.now) {
                crate::loans::codes::Status::Paid => Msg::ComplaintCodePaid,
                crate::loans::codes::Status::Live => Msg::ComplaintCodeWaiting,
                _ => Msg::ComplaintCodeExpired,
            };
            html! { (crate::loans::codes::display(&p.code)) " · " (ctx.t(state))
            @if let Some(paid) = p.paid_at { " · " (ctx.datetime(paid)) } }
        }),
        None => None,
    };
    let (tests, test_sms_delivery) = if case.category == complaints::Category::OneTimeCode {
        (
            complaints::messages::test_message_states(conn, &case.customer_id)?,
            crate::sms::reports::last_sent_to(conn, &case.customer_id, "test")?,
        )
    } else {
        ((None, None), None)
    };
    let email = match case.category {
        complaints::Category::OneTimeCode => {
            crate::customers::get(conn, &case.customer_id)?.and_then(|c| c.email)
        }
        _ => None,
    };
    Ok(Concerns {
        ticket,
        payment,
        payment_live,
        tests,
        test_sms_delivery,
        payouts: super::steps::Payouts::of(conn, case, user)?,
        email,
    })
}

/// The category's steps: done (who, when) or a button to record it, and the step's action.
fn checklist_section(
    ctx: &Ctx,
    case: &Case,
    done: &[cases::StepDone],
    concerns: &Concerns,
    sent: &FieldErrors,
) -> Markup {
    let open = case.state != State::Closed;
    let refused = [
        ComplaintPart::Step,
        ComplaintPart::PaymentCodeSms,
        ComplaintPart::NewPaymentCode,
        ComplaintPart::PayoutFailed,
        ComplaintPart::PayoutAgain,
        ComplaintPart::EmailTypo,
    ]
    .into_iter()
    .find_map(|part| sent.of(part.segment()).whole());
    html! {
        section class="card" id="checklist" {
            h2 { (ctx.t(Msg::ComplaintChecklist)) }
            (ui::form_error(refused))
            ol class="checklist" { @for step in checklist::steps(case.category) {
                @let finished = done.iter().find(|d| d.code == step.code);
                li data-step=(step.code) {
                    (ctx.t(step.text))
                    @match step.action {
                        Action::Statement => { " · " a href=(paths::customer_part(&case.customer_id, CustomerPart::Statement)) { (ctx.t(Msg::ComplaintSeeStatement)) } },
                        Action::Disbursement => {
                            " · " (concerns.ticket.clone().unwrap_or_else(|| html! { (ctx.t(Msg::ComplaintNoTicket)) }))
                            (steps::payout_state(ctx, &concerns.payouts, case.loan_id.is_some()))
                        },
                        Action::Payout => { (steps::payout_forms(ctx, case, &concerns.payouts, sent)) },
                        Action::EmailTypos => { (steps::email_typos(ctx, case, concerns.email.as_deref(), sent)) },
                        Action::Payment => { " · " (concerns.payment.clone().unwrap_or_else(|| html! { (ctx.t(Msg::ComplaintNoPaymentCode)) })) },
                        Action::Escalate if case.state.is_open() => { " · " a href="#escalate" { (ctx.t(Msg::ComplaintEscalate)) } },
                        Action::SendPaymentCode => {
                            " · " (concerns.payment.clone().unwrap_or_else(|| html! { (ctx.t(Msg::ComplaintNoPaymentCode)) }))
                            @if concerns.payment_live && case.state.is_open() {
                                form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::PaymentCodeSms)) class="inline" {
                                    (ui::csrf_input(&ctx.csrf()))
                                    button type="submit" class="secondary" { (ctx.t(Msg::ComplaintSendCode)) }
                                }
                            } @else if case.loan_id.is_some() && case.state.is_open() {
                                form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::NewPaymentCode)) class="inline" {
                                    (ui::csrf_input(&ctx.csrf()))
                                    button type="submit" class="secondary" { (ctx.t(Msg::ComplaintNewCode)) }
                                }
                            }
                        },
                        Action::TestMessages => {
                            @let (sms, email) = &concerns.tests;
                            br; (ctx.t(Msg::ComplaintTestSms)) ": " (outbox_state(ctx, sms.as_deref()))
                            @if let Some(delivery) = &concerns.test_sms_delivery { " " (crate::web::sms_delivery::badge(ctx, delivery)) }
                            " · " (ctx.t(Msg::ComplaintTestEmail)) ": " (outbox_state(ctx, email.as_deref()))
                            " · " a href={ (paths::customer(&case.customer_id)) "#messages" } { (ctx.t(Msg::ComplaintSendTests)) }
                        },
                        _ => {},
                    }
                    @if let Some(d) = finished {
                        br; span class="badge ok" { (ctx.t(Msg::ComplaintStepDone)) } " " (d.by.as_deref().unwrap_or("—")) " · " (ctx.datetime(d.at))
                    } @else if open {
                        form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::Step)) class="inline" {
                            (ui::csrf_input(&ctx.csrf()))
                            input type="hidden" name="step" value=(step.code);
                            button type="submit" class="secondary" { (ctx.t(Msg::ComplaintMarkDone)) }
                        }
                    }
                }
            } }
        }
    }
}

/// The state changes the reader may make, and the outcome a resolution needs.
fn state_form(ctx: &Ctx, user: &StaffUser, case: &Case, sent: &FieldErrors) -> Markup {
    let targets: Vec<(&str, &str)> = State::ALL
        .iter()
        .filter(|to| cases::allowed(case.state, **to))
        .filter(|to| user.role.has(cases::permission_for(case.state, **to)))
        .map(|to| (to.code(), ctx.t(to.label())))
        .collect();
    let mut outcomes = vec![("", "—")];
    outcomes.extend(Outcome::ALL.iter().map(|o| (o.code(), ctx.t(o.label()))));
    html! {
        @if !targets.is_empty() {
            section class="card" id="state" {
                h2 { (ctx.t(Msg::ComplaintChangeState)) }
                form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::State)) class="stack" {
                    (ui::csrf_input(&ctx.csrf()))
                    (ui::form_error(sent.whole()))
                    (ui::select(ctx.t(Msg::ComplaintState), "to", &targets, sent.value_or("to", ""), sent.error_for("to")))
                    (ui::select(ctx.t(Msg::ComplaintOutcome), "outcome", &outcomes, sent.value_or("outcome", ""), sent.error_for("outcome")))
                    div { button type="submit" { (ctx.t(Msg::ComplaintChangeState)) } }
                }
            }
        }
    }
}

/// The escalation form: to whom, why, and who contacts the customer.
fn escalate_form(ctx: &Ctx, case: &Case, sent: &FieldErrors) -> Markup {
    let to_whom = Field::typed(
        ctx.t(Msg::ComplaintToWhom),
        "to_whom",
        ctx.t(Msg::ComplaintCsManager),
        sent,
    );
    let contact_by = Field::typed(ctx.t(Msg::ComplaintContactBy), "contact_by", "", sent);
    let reason = sent.error_for("reason");
    html! {
        section class="card" id="escalate" {
            h2 { (ctx.t(Msg::ComplaintEscalate)) }
            form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::Escalate)) class="stack" {
                (ui::csrf_input(&ctx.csrf()))
                (ui::field(&to_whom))
                div class={ "field" @if reason.is_some() { " invalid" } } {
                    label for="reason" { (ctx.t(Msg::ComplaintReason)) }
                    (ui::field_error(reason))
                    textarea id="reason" name="reason" rows="3" maxlength=(cases::MAX_TEXT_CHARS) required
                        aria-invalid=[reason.map(|_| "true")] { (sent.value_or("reason", "")) }
                }
                (ui::field(&contact_by))
                div { button type="submit" { (ctx.t(Msg::ComplaintEscalate)) } }
            }
        }
    }
}

/// The CS manager's form to give the case to another owner.
fn owner_form(ctx: &Ctx, case: &Case, owners: &[StaffUser], sent: &FieldErrors) -> Markup {
    let people: Vec<(&str, &str)> = owners
        .iter()
        .map(|o| (o.id.as_str(), o.full_name.as_str()))
        .collect();
    let current = case.owner_id.as_ref().map_or("", StaffId::as_str);
    html! {
        section class="card" id="owner" {
            form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::Owner)) class="stack" {
                (ui::csrf_input(&ctx.csrf()))
                (ui::select(ctx.t(Msg::ComplaintOwner), "owner", &people, sent.value_or("owner", current), sent.error_for("owner")))
                div { button type="submit" class="secondary" { (ctx.t(Msg::ComplaintGiveOwner)) } }
            }
        }
    }
}

/// The case's timeline, with the note form.
fn timeline(ctx: &Ctx, case: &Case, events: &[complaints::Event], sent: &FieldErrors) -> Markup {
    let error = sent.error_for("note");
    html! {
        section id="timeline" {
            h2 { (ctx.t(Msg::TimelineTitle)) }
            @if case.state != State::Closed {
                form method="post" action=(paths::complaint_part(&case.id, ComplaintPart::Note)) class="stack" {
                    (ui::csrf_input(&ctx.csrf()))
                    div class={ "field" @if error.is_some() { " invalid" } } {
                        label for="note" { (ctx.t(Msg::NoteLabel)) }
                        (ui::field_error(error))
                        textarea id="note" name="note" rows="3" maxlength=(cases::MAX_TEXT_CHARS) required
                            aria-invalid=[error.map(|_| "true")] { (sent.value_or("note", "")) }
                    }
                    div { button type="submit" class="secondary" { (ctx.t(Msg::NoteAdd)) } }
                }
            }
            div class="table-wrap" { table {
                thead { tr { th { (ctx.t(Msg::AuditWhen)) } th { (ctx.t(Msg::AuditAction)) } th { (ctx.t(Msg::AuditWho)) } th { "" } } }
                tbody { @for e in events.iter().rev() {
                    tr {
                        td { (ctx.datetime(e.at)) }
                        td { (ctx.t(e.kind.label())) }
                        td { (e.who.as_deref().unwrap_or(ctx.t(Msg::CustomerSelf))) }
                        td { (event_detail(ctx, case, e)) }
                    }
                } }
            } }
        }
    }
}

/// An event's detail in the reader's words.
fn event_detail(ctx: &Ctx, case: &Case, e: &complaints::Event) -> String {
    use complaints::EventKind::*;
    match e.kind {
        StateChanged | Opened | Escalated => {
            let to = match (e.from_state, e.to_state) {
                (Some(from), Some(to)) => {
                    format!("{} → {}", ctx.t(from.label()), ctx.t(to.label()))
                }
                (None, Some(to)) => ctx.t(to.label()).to_owned(),
                _ => String::new(),
            };
            let outcome = Outcome::from_code(&e.detail).map(|o| ctx.t(o.label()));
            match (e.kind, outcome) {
                (Escalated, _) => format!("{to} → {}", e.detail),
                (_, Some(outcome)) => format!("{to} · {outcome}"),
                _ => to,
            }
        }
        Step => checklist::find(case.category, &e.detail)
            .map_or_else(|| e.detail.clone(), |s| ctx.t(s.text).to_owned()),
        Disbursement => {
            steps::payout_event(ctx, e.kind, &e.detail).unwrap_or_else(|| e.detail.clone())
        }
        _ => e.detail.clone(),
    }
}

/// POST /staff/complaints/{id}/{part}.
pub(crate) fn act(ctx: &Ctx, id: ComplaintId, part: ComplaintPart) -> Result<Response, AppError> {
    let user = ctx.require_any(&HANDLERS)?;
    let form = ctx.form()?;
    let which = part.segment();
    let mut sent = FieldErrors::sent(which, form);
    let case = complaints::get(&*ctx.app.db.conn()?, &id)?.ok_or(AppError::NotFound)?;
    if part == ComplaintPart::Attach {
        return attach(ctx, user, &case, sent);
    }
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let done = match part {
        ComplaintPart::State => {
            let to = State::from_code(form.text("to"));
            let outcome = Outcome::from_code(form.text("outcome"));
            let Some(to) = to else {
                drop(tx);
                sent.add("to", ctx.t(Msg::ComplaintChoose));
                return render(ctx, user, &id, &sent, 400);
            };
            if !user.role.has(cases::permission_for(case.state, to)) {
                return Err(AppError::Forbidden);
            }
            cases::change_state(&tx, &id, to, outcome, user, &ctx.app.config, ctx.now)
        }
        ComplaintPart::Note => cases::add_note(&tx, &id, form.text("note"), user, ctx.now),
        ComplaintPart::PaymentCodeSms => {
            let branch = (ctx.app.config.language(), &ctx.app.config.currency());
            complaints::messages::send_payment_code(&tx, &id, user, branch, ctx.now)
        }
        ComplaintPart::NewPaymentCode => {
            let branch = (ctx.app.config.language(), &ctx.app.config.currency());
            let hours = ctx.app.config.payments.code_validity_hours;
            let code = (
                chrono::Duration::hours(i64::from(hours)),
                crate::web::loans::today(ctx),
            );
            complaints::messages::issue_payment_code(&tx, &id, user, branch, code, ctx.now)
        }
        ComplaintPart::Step => cases::mark_step(&tx, &id, form.text("step"), user, ctx.now),
        ComplaintPart::PayoutFailed | ComplaintPart::PayoutAgain => {
            payout(ctx, &tx, &id, part, user, form)
        }
        ComplaintPart::EmailTypo => {
            let new = form.text("email");
            complaints::typos::correct_email(&tx, &id, new, user, &ctx.app.config, ctx.now)
                .map(|_| ())
        }
        ComplaintPart::Escalate => {
            if case.state == State::Escalated && !user.role.has(Permission::ComplaintEscalations) {
                return Err(AppError::Forbidden);
            }
            let escalation = Escalation {
                to_whom: form.text("to_whom").to_owned(),
                reason: form.text("reason").to_owned(),
                contact_by: form.text("contact_by").to_owned(),
            };
            cases::escalate(&tx, &id, &escalation, Some(user), &ctx.app.config, ctx.now)
        }
        ComplaintPart::Attach => return Err(AppError::NotFound),
        ComplaintPart::Owner => {
            if !user.role.has(Permission::ComplaintEscalations) {
                return Err(AppError::Forbidden);
            }
            match form.text("owner").parse::<StaffId>() {
                Ok(owner) => cases::set_owner(&tx, &id, &owner, user, ctx.now),
                Err(_) => Err(CaseError::NoSuchOwner),
            }
        }
    };
    match done {
        Ok(()) => {
            tx.commit()?;
            if matches!(
                part,
                ComplaintPart::PaymentCodeSms | ComplaintPart::NewPaymentCode
            ) {
                ctx.app.sms.wake();
                ctx.flash(ctx.t(Msg::ComplaintCodeSent));
            } else if let Some(done) = done_message(part) {
                if part == ComplaintPart::EmailTypo {
                    ctx.app.sms.wake(); // the customer told at their number
                }
                ctx.flash(ctx.t(done));
            } else {
                ctx.flash(ctx.t(Msg::ComplaintSaved));
            }
            Ok(Response::see_other(&paths::complaint(&id)))
        }
        Err(
            CaseError::Db(e)
            | CaseError::NoCode(CodeError::Db(e))
            | CaseError::Disbursement(DisbursementError::Db(e)),
        ) => Err(e.into()),
        Err(CaseError::NoSuchCase | CaseError::Disbursement(DisbursementError::NotFound)) => {
            Err(AppError::NotFound)
        }
        Err(CaseError::Forbidden) => Err(AppError::Forbidden),
        Err(e) => {
            drop(tx);
            refused(ctx, &mut sent, &e);
            render(ctx, user, &id, &sent, 400)
        }
    }
}

/// The field of why a payout failed (the escalation form's is `reason`: ids stay unique).
pub(crate) const FAILED_REASON: &str = "failed_reason";

/// The payout forms (B.7): marking it failed needs the corrections permission, making it
/// again loan origination's (a payout), on the server as on the page.
fn payout(
    ctx: &Ctx,
    tx: &rusqlite::Transaction,
    id: &ComplaintId,
    part: ComplaintPart,
    user: &StaffUser,
    form: &crate::plumbing::http::form::Form,
) -> Result<(), CaseError> {
    let Ok(payout) = form.text("payout").parse::<DisbursementId>() else {
        return Err(CaseError::NoTicket);
    };
    let when = (crate::web::loans::today(ctx), ctx.now);
    if part == ComplaintPart::PayoutFailed {
        if !user.role.has(Permission::Corrections) {
            return Err(CaseError::Forbidden);
        }
        return complaints::payouts::mark_failed(
            tx,
            id,
            &payout,
            form.text(FAILED_REASON),
            user,
            when,
        );
    }
    if !user.role.has(Permission::LoanOrigination) {
        return Err(CaseError::Forbidden);
    }
    let again = Again {
        method: Method::from_code(form.text("method")).unwrap_or(Method::None),
        reference: form.text("reference"),
    };
    complaints::payouts::make_again(tx, id, &payout, &again, user, when)
}

/// POST /staff/complaints/{id}/attach: the file, or the page with why it was refused.
fn attach(
    ctx: &Ctx,
    user: &StaffUser,
    case: &Case,
    mut sent: FieldErrors,
) -> Result<Response, AppError> {
    if case.state == State::Closed {
        sent.refuse(ctx.t(Msg::ComplaintClosedRefused));
        return render(ctx, user, &case.id, &sent, 400);
    }
    match super::files::attach(ctx, &case.id, Some(&user.id))? {
        Ok(()) => {
            ctx.flash(ctx.t(Msg::ComplaintSaved));
            Ok(Response::see_other(&paths::complaint(&case.id)))
        }
        Err(msg) => {
            sent.add(super::files::FIELD, ctx.t(msg));
            render(ctx, user, &case.id, &sent, 400)
        }
    }
}

/// The message of a form that says more than "saved".
fn done_message(part: ComplaintPart) -> Option<Msg> {
    match part {
        ComplaintPart::PayoutFailed => Some(Msg::DisbursementFailedDone),
        ComplaintPart::PayoutAgain => Some(Msg::DisbursementMadeAgainDone),
        ComplaintPart::EmailTypo => Some(Msg::ComplaintEventEmailCorrected),
        _ => None,
    }
}

/// Puts a refusal's message beside the field it is about.
fn refused(ctx: &Ctx, sent: &mut FieldErrors, e: &CaseError) {
    let (field, msg) = match e {
        CaseError::Note => ("note", Msg::ComplaintNoteLength),
        CaseError::OutcomeNeeded => ("outcome", Msg::ComplaintOutcomeNeeded),
        CaseError::NotAllowed { .. } => ("to", Msg::ComplaintNotAllowed),
        CaseError::Escalation => ("reason", Msg::ComplaintEscalationNeeds),
        CaseError::NoSuchOwner => ("owner", Msg::ComplaintChoose),
        CaseError::NotAllowedTypo => ("email", Msg::EmailTypoRefused),
        CaseError::NoEmail => ("", Msg::EmailTypoNoEmail),
        CaseError::Disbursement(DisbursementError::Reason) => {
            (FAILED_REASON, Msg::DisbursementReasonNeeded)
        }
        CaseError::Disbursement(DisbursementError::Method) => {
            ("method", Msg::DisbursementChooseMethod)
        }
        CaseError::Disbursement(d) => ("", d.message().unwrap_or(Msg::ComplaintStepRefused)),
        CaseError::StepDone | CaseError::UnknownStep(_) => ("", Msg::ComplaintStepRefused),
        CaseError::NoLiveCode => ("", Msg::ComplaintNoLiveCode),
        CaseError::NoTicket => ("", Msg::ComplaintNoTicketForCode),
        CaseError::NoCode(CodeError::NothingOwed) => ("", Msg::NothingToExtend),
        CaseError::NoCode(CodeError::NotExtendable) => ("", Msg::ComplaintCodeInstallment),
        CaseError::NoCode(CodeError::PayoutWaits) => ("", Msg::DisbursementOutstanding),
        CaseError::NoCode(_) => ("", Msg::CannotExtendNotOpen),
        _ => ("", Msg::ComplaintClosedRefused),
    };
    if field.is_empty() {
        sent.refuse(ctx.t(msg));
    } else {
        sent.add(field, ctx.t(msg));
    }
}
