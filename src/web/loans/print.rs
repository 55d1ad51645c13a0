//! The printable pawn ticket: an A5 sheet or an 80 mm receipt roll, with the branch's details,
//! the customer, the items (weight and karat for gold), the terms in plain words (interest,
//! fees, due date, what happens at forfeit) and the two signature lines.

use maud::html;

use crate::customers;
use crate::loans::ops;
use crate::loans::terms::{Fee, PeriodUnit, Terms};
use crate::plumbing::config::BranchConfig;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::LoanId;
use crate::plumbing::paths;
use crate::roles::Permission;
use crate::web::Ctx;

/// A fee in plain words.
fn fee_words(ctx: &Ctx, fee: Fee) -> String {
    match fee {
        Fee::Amount(0) => ctx.t(Msg::NoFee).to_owned(),
        Fee::Amount(a) => ctx.app.config.currency().format(a, ctx.lang),
        Fee::Rate(bp) => crate::plumbing::money::percent(bp, ctx.lang),
    }
}
/// The ticket's interest rule in plain words, per period of days or of calendar months.
fn interest_words(ctx: &Ctx, t: &Terms, rate: &str, amount: &str) -> String {
    let length = t.period_days.to_string();
    match t.period_unit {
        PeriodUnit::Day => ctx.lang.fill(
            Msg::TermsInterest,
            &[("rate", rate), ("days", &length), ("amount", amount)],
        ),
        PeriodUnit::Month => ctx.lang.fill(
            Msg::TermsInterestMonths,
            &[("rate", rate), ("months", &length), ("amount", amount)],
        ),
    }
}
/// Who may print a ticket: those who hand it over (writing it, or taking its payments).
pub(crate) const MAY_PRINT: [Permission; 2] = [Permission::LoanOrigination, Permission::Payments];
/// GET /staff/loans/{id}/print?size=a5|80mm: the pawn ticket to print and hand over, on an A5
/// sheet (the default) or an 80 mm receipt roll; the stylesheet prints nothing but the ticket.
pub(crate) fn print_ticket(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_PRINT)?;
    let narrow = ctx.req.query_form()?.text("size") == "80mm";
    let conn = ctx.app.db.conn()?;
    let record = ops::load(&conn, &id)?.ok_or(AppError::NotFound)?;
    let customer = customers::get(&conn, &record.customer)?.ok_or(AppError::NotFound)?;
    let items = crate::loans::items::of_ticket(&conn, &id)?;
    drop(conn);
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let body = html! {
        article class={ "ticket " (if narrow { "roll" } else { "a5" }) } {
            (branch_lines(&ctx.app.config.branch, ctx.lang))
            p class="ticket-no" { (ctx.t(Msg::PawnTicket)) " " strong { (record.ticket_no) } }
            dl {
                dt { (ctx.t(Msg::CustomerSelf)) } dd { (customer.full_name) " · " (customer.id_number.as_deref().unwrap_or("")) }
                dt { (ctx.t(Msg::Principal)) } dd { (money(record.principal)) }
                dt { (ctx.t(Msg::StartDate)) } dd { (ctx.date(record.start)) }
                dt { (ctx.t(Msg::Maturity)) } dd { (ctx.date(record.maturity)) }
            }
            h2 { (super::items::heading(ctx, &items)) }
            (super::items::list(ctx, &items))
            h2 { (ctx.t(Msg::TermsInPlainWords)) }
            (terms_words(ctx, &record))
            div class="signatures" {
                p { (ctx.t(Msg::SignatureCustomer)) }
                p { (ctx.t(Msg::SignatureStaff)) }
            }
        }
        p class="no-print actions" {
            a class="button secondary" href={ (paths::ticket_print(&id)) "?size=a5" } { (ctx.t(Msg::PrintOnA5)) }
            a class="button secondary" href={ (paths::ticket_print(&id)) "?size=80mm" } { (ctx.t(Msg::PrintOnRoll)) }
        }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::PawnTicket), body))
}
/// The branch at the top of a ticket (and of a receipt): its name, and its address, phone and licence where the
/// configuration gives them (an empty one leaves its line or part out).
pub(crate) fn branch_lines(branch: &BranchConfig, lang: Lang) -> maud::Markup {
    let phone = (!branch.phone.is_empty())
        .then(|| lang.fill(Msg::BranchPhone, &[("phone", &branch.phone)]));
    let licence = (!branch.licence.is_empty())
        .then(|| lang.fill(Msg::BranchLicence, &[("licence", &branch.licence)]));
    let contact: Vec<String> = phone.into_iter().chain(licence).collect();
    html! {
        header class="ticket-branch" {
            p { strong { (branch.name) } }
            @if !branch.address.is_empty() { p { (branch.address) } }
            @if !contact.is_empty() { p { (contact.join(" · ")) } }
        }
    }
}
/// The ticket's terms in plain words: interest, the due date and grace, forfeit with the
/// auction and the surplus paid back, and the fees.
fn terms_words(ctx: &Ctx, record: &ops::Ticket) -> maud::Markup {
    let t = &record.terms;
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let rate = crate::plumbing::money::percent(t.rate_bp, ctx.lang);
    let period_interest = t.charge(record.principal, t.rate_bp);
    let to_auction = ctx.lang.days(t.grace_days + t.notice_days + t.forfeit_days);
    let claim = ctx.lang.days(ctx.app.config.loans.surplus_claim_days);
    html! {
        p { (interest_words(ctx, t, &rate, &money(period_interest))) }
        p { (ctx.lang.fill(Msg::TermsMaturity, &[("date", &ctx.date(record.maturity)), ("grace", &ctx.lang.days(t.grace_days))])) }
        p { (ctx.lang.fill(Msg::TermsForfeit, &[("days", &to_auction)])) " " (ctx.lang.fill(Msg::TermsSurplus, &[("days", &claim)])) }
        p { (ctx.lang.fill(Msg::TermsFees, &[("ticket", &fee_words(ctx, t.ticket_fee)), ("late", &fee_words(ctx, t.late_fee)), ("lost", &fee_words(ctx, t.lost_ticket_fee))])) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(address: &str, phone: &str, licence: &str) -> BranchConfig {
        BranchConfig {
            name: "Pegadaian Kemang".to_owned(),
            address: address.to_owned(),
            phone: phone.to_owned(),
            licence: licence.to_owned(),
            ..BranchConfig::default()
        }
    }

    #[test]
    fn the_ticket_leaves_out_the_branch_details_not_configured() {
        let full = branch("Jl. Kemang Raya 8", "(021) 719 0123", "KEP-1/NB.1/2024");
        assert_eq!(
            branch_lines(&full, Lang::Id).into_string(),
            "<header class=\"ticket-branch\"><p><strong>Pegadaian Kemang</strong></p>\
             <p>Jl. Kemang Raya 8</p><p>Telp. (021) 719 0123 · No. izin usaha KEP-1/NB.1/2024</p></header>"
        );
        assert_eq!(
            branch_lines(&branch("", "", ""), Lang::En).into_string(),
            "<header class=\"ticket-branch\"><p><strong>Pegadaian Kemang</strong></p></header>"
        );
        assert_eq!(
            branch_lines(&branch("", "", "KEP-1"), Lang::En).into_string(),
            "<header class=\"ticket-branch\"><p><strong>Pegadaian Kemang</strong></p>\
             <p>Licence no. KEP-1</p></header>"
        );
    }
}
