//! A disbursement case's payout (seed 003 B.7): marking the ticket's payout failed and making
//! it again from the case, through `loans::disbursements` (the ledger, the ticket, the audit),
//! with each step on the case's timeline. The event's detail is the payout's new state and
//! the reason (failed) or the method (made again), shown in the reader's language.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Transaction;

use super::cases::{self, CaseError};
use super::{Case, EventKind};
use crate::loans::disbursements::{self, Again, State};
use crate::plumbing::ids::{ComplaintId, DisbursementId};
use crate::roles::StaffUser;

/// The open case and the payout, which must be of the case's ticket.
fn case_and_payout(
    tx: &Transaction,
    id: &ComplaintId,
    payout: &DisbursementId,
) -> Result<Case, CaseError> {
    let case = super::get(tx, id)?.ok_or(CaseError::NoSuchCase)?;
    if !case.state.is_open() {
        return Err(CaseError::Closed);
    }
    let found = disbursements::get(tx, payout)?;
    match (found, &case.loan_id) {
        (Some(p), Some(loan)) if &p.loan == loan => Ok(case),
        _ => Err(CaseError::NoTicket),
    }
}

/// Marks the case's payout failed with a reason.
pub(crate) fn mark_failed(
    tx: &Transaction,
    id: &ComplaintId,
    payout: &DisbursementId,
    reason: &str,
    user: &StaffUser,
    (today, now): (NaiveDate, DateTime<Utc>),
) -> Result<(), CaseError> {
    case_and_payout(tx, id, payout)?;
    disbursements::mark_failed(tx, payout, reason, user, today, now)?;
    recorded(tx, id, (State::Failed, reason.trim()), user, now)
}

/// The payout's new state on the case's timeline, and the case's first response.
fn recorded(
    tx: &Transaction,
    id: &ComplaintId,
    (state, what): (State, &str),
    user: &StaffUser,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let detail = format!("{}:{what}", state.code());
    cases::record(
        tx,
        id,
        EventKind::Disbursement,
        Some(&user.id),
        (None, None),
        &detail,
        now,
    )?;
    cases::responded(tx, id, now)
}

/// Makes the case's failed payout again.
pub(crate) fn make_again(
    tx: &Transaction,
    id: &ComplaintId,
    payout: &DisbursementId,
    again: &Again,
    user: &StaffUser,
    (today, now): (NaiveDate, DateTime<Utc>),
) -> Result<(), CaseError> {
    case_and_payout(tx, id, payout)?;
    disbursements::make_again(tx, payout, again, user, today, now)?;
    recorded(tx, id, (State::MadeAgain, again.method.code()), user, now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::NaiveDate;

    use super::*;
    use crate::complaints::cases::{NewCase, Opener};
    use crate::complaints::{Category, Channel, Priority};
    use crate::ledger::Method;
    use crate::loans::ops::tests::{customer_and_gold, paid_out_by, staff_member};
    use crate::plumbing::config::Config;
    use crate::plumbing::db::{self, tests::test_db};
    use crate::roles::Role;

    #[test]
    fn a_case_acts_only_on_its_own_tickets_payout_and_records_it() {
        let (_dir, db) = test_db();
        let mut conn = db.conn().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let now = day.and_hms_opt(3, 0, 0).unwrap().and_utc();
        let manager = staff_member(&conn, Role::Manager, now);
        let (customer, gold) = customer_and_gold(&conn, "Siti", now);
        let by_transfer = (Method::BankTransfer, "TRF-1");
        let ours = paid_out_by(
            &conn,
            &customer,
            &gold,
            &manager.id,
            900_000,
            by_transfer,
            day,
            now,
        )
        .0;
        let other = paid_out_by(
            &conn,
            &customer,
            &gold,
            &manager.id,
            500_000,
            by_transfer,
            day,
            now,
        )
        .0;
        let payout = |loan| disbursements::of_ticket(&conn, loan).unwrap().remove(0).id;
        let (ours_payout, other_payout) = (payout(&ours), payout(&other));
        let tx = db::immediate(&mut conn).unwrap();
        let new = NewCase {
            customer: &customer,
            channel: Channel::Hotline,
            category: Category::Disbursement,
            priority: Priority::Normal,
            loan: Some(&ours),
            payment_code: None,
            description: "No money yet.",
            owner: Some(&manager.id),
        };
        let opener = Opener::Staff {
            user: &manager,
            checked: &["phone"],
        };
        let id = cases::open(&tx, &new, &opener, &Config::default(), now).unwrap();
        let refused = mark_failed(&tx, &id, &other_payout, "returned", &manager, (day, now));
        assert!(matches!(refused, Err(CaseError::NoTicket)), "{refused:?}");
        mark_failed(&tx, &id, &ours_payout, "returned", &manager, (day, now)).unwrap();
        let again = Again {
            method: Method::MobileMoney,
            reference: "W-1",
        };
        make_again(&tx, &id, &ours_payout, &again, &manager, (day, now)).unwrap();
        let details: Vec<String> = crate::complaints::events(&tx, &id)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == EventKind::Disbursement)
            .map(|e| e.detail)
            .collect();
        assert_eq!(details, ["failed:returned", "made_again:mobile_money"]);
        let other_state = disbursements::get(&tx, &other_payout)
            .unwrap()
            .unwrap()
            .state;
        assert_eq!(
            other_state,
            State::Sent,
            "the other ticket's payout untouched"
        );
    }
}
