//! The ledger, double entry: every money movement of a ticket is one transaction (a row of
//! `ledger`: what, on which ticket, how, by whom, when) with its balanced postings (rows of
//! `ledger_postings`) between the accounts of a fixed chart ([`accounts`]): the customer's
//! principal, interest and fees receivable per ticket, the cash drawer, bank and mobile-money
//! clearing, interest and fee income, write-offs and surplus owed to customers. Amounts are
//! integer minor units. [`postings::record`] is the one insert, and refuses a transaction whose
//! debits and credits differ; both tables refuse updates and deletes, so a correction is a
//! reversal: a transaction pointing at the one it cancels, with its postings mirrored, which
//! restores exactly the balances before it.
//!
//! Interest and fees are charges: transactions debiting the ticket's interest or fees
//! receivable and crediting income, dated the day they fall due. What falls due is the loans'
//! business (`loans::charges` computes it from the terms and posts it); the ledger only
//! records it. The statement ([`statement`]) is the customer's receivable accounts.
//!
//! The ledger knows accounts, transactions and postings, nothing of tickets' terms: loans call
//! it, never the other way round.

pub(crate) mod accounts;
pub(crate) mod postings;
pub(crate) mod statement;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, LedgerId, LoanId, PaymentId, StaffId};
use accounts::{Account, Leg};

/// What a transaction records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// Money paid out to the customer when the ticket is written.
    Disbursement,
    /// A payment's part that pays interest.
    Interest,
    /// A payment's part that pays fees.
    Fee,
    /// A payment's part that repays principal.
    Principal,
    /// Cancels another transaction.
    Reversal,
    /// Interest for a period, charged as the period starts.
    InterestCharge,
    /// A fee, charged as it falls due.
    FeeCharge,
    /// Interest charged before that turned out not to be due (a principal payment on the
    /// period's first day, a reversal): taken off the receivable.
    InterestCredit,
    /// Likewise for fees.
    FeeCredit,
    /// A forfeited ticket's items sold: the receivables settled from the net proceeds, the
    /// surplus owed to the customer or the shortfall written off (`disposals`).
    DisposalSale,
    /// A surplus paid out to the customer.
    SurplusPayout,
    /// A surplus not claimed within the claim period, taken to income.
    SurplusExpiry,
    /// A drawer's float, taken from the safe as it opens (`drawers`).
    DrawerFloat,
    /// Cash between a drawer and the safe, confirmed by a second staff member.
    SafeTransfer,
    /// What a drawer's count found over or short of its expected balance.
    DrawerCount,
}

impl EntryKind {
    const ALL: [EntryKind; 15] = [
        EntryKind::Disbursement,
        EntryKind::Interest,
        EntryKind::Fee,
        EntryKind::Principal,
        EntryKind::Reversal,
        EntryKind::InterestCharge,
        EntryKind::FeeCharge,
        EntryKind::InterestCredit,
        EntryKind::FeeCredit,
        EntryKind::DisposalSale,
        EntryKind::SurplusPayout,
        EntryKind::SurplusExpiry,
        EntryKind::DrawerFloat,
        EntryKind::SafeTransfer,
        EntryKind::DrawerCount,
    ];

    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            EntryKind::Disbursement => "disbursement",
            EntryKind::Interest => "interest",
            EntryKind::Fee => "fee",
            EntryKind::Principal => "principal",
            EntryKind::Reversal => "reversal",
            EntryKind::InterestCharge => "interest_charge",
            EntryKind::FeeCharge => "fee_charge",
            EntryKind::InterestCredit => "interest_credit",
            EntryKind::FeeCredit => "fee_credit",
            EntryKind::DisposalSale => "disposal_sale",
            EntryKind::SurplusPayout => "surplus_payout",
            EntryKind::SurplusExpiry => "surplus_expiry",
            EntryKind::DrawerFloat => "drawer_float",
            EntryKind::SafeTransfer => "safe_transfer",
            EntryKind::DrawerCount => "drawer_count",
        }
    }

    /// The kind named by its code.
    pub(crate) fn from_code(code: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind for people (statements, the ticket page).
    pub(crate) fn label(self) -> Msg {
        match self {
            EntryKind::Disbursement => Msg::EntryDisbursement,
            EntryKind::Interest => Msg::EntryInterestPaid,
            EntryKind::Fee => Msg::EntryFeePaid,
            EntryKind::Principal => Msg::EntryPrincipalPaid,
            EntryKind::Reversal => Msg::EntryReversal,
            EntryKind::InterestCharge => Msg::EntryInterestCharged,
            EntryKind::FeeCharge => Msg::EntryFeeCharged,
            EntryKind::InterestCredit => Msg::EntryInterestCredited,
            EntryKind::FeeCredit => Msg::EntryFeeCredited,
            EntryKind::DisposalSale => Msg::EntryDisposalSale,
            EntryKind::SurplusPayout => Msg::EntrySurplusPayout,
            EntryKind::SurplusExpiry => Msg::EntrySurplusExpiry,
            EntryKind::DrawerFloat => Msg::EntryDrawerFloat,
            EntryKind::SafeTransfer => Msg::EntrySafeTransfer,
            EntryKind::DrawerCount => Msg::EntryDrawerCount,
        }
    }

    /// Whether it is a charge (or its credit): computed from the terms, never reversed by hand.
    pub(crate) fn is_charge(self) -> bool {
        matches!(
            self,
            EntryKind::InterestCharge
                | EntryKind::FeeCharge
                | EntryKind::InterestCredit
                | EntryKind::FeeCredit
        )
    }

    /// Whether it belongs to a disposal (a sale of forfeited items, a surplus paid out or
    /// expired): it stands with its record in `disposals` and is never reversed by hand.
    pub(crate) fn is_disposal(self) -> bool {
        matches!(
            self,
            EntryKind::DisposalSale | EntryKind::SurplusPayout | EntryKind::SurplusExpiry
        )
    }

    /// Whether it is a drawer's own (a float, a transfer with the safe, a count): it belongs
    /// to no ticket and stands with its drawer's record.
    pub(crate) fn is_drawer(self) -> bool {
        matches!(
            self,
            EntryKind::DrawerFloat | EntryKind::SafeTransfer | EntryKind::DrawerCount
        )
    }

    /// Whether staff may reverse a transaction of this kind (a correction): not a reversal,
    /// a charge, a disposal's or a drawer's.
    pub(crate) fn is_reversible(self) -> bool {
        self != EntryKind::Reversal && !self.is_charge() && !self.is_disposal() && !self.is_drawer()
    }

    /// The kind of a charge of interest (or else fees): `amount` > 0 charges, < 0 credits.
    pub(crate) fn charge(interest: bool, amount: i64) -> EntryKind {
        match (interest, amount > 0) {
            (true, true) => EntryKind::InterestCharge,
            (true, false) => EntryKind::InterestCredit,
            (false, true) => EntryKind::FeeCharge,
            (false, false) => EntryKind::FeeCredit,
        }
    }

    /// The customer's account a payment part or a charge is posted to.
    fn receivable(self) -> Account {
        match self {
            EntryKind::Interest | EntryKind::InterestCharge | EntryKind::InterestCredit => {
                Account::InterestReceivable
            }
            EntryKind::Fee | EntryKind::FeeCharge | EntryKind::FeeCredit => Account::FeesReceivable,
            EntryKind::Disbursement
            | EntryKind::Principal
            | EntryKind::Reversal
            | EntryKind::DisposalSale
            | EntryKind::SurplusPayout
            | EntryKind::SurplusExpiry
            | EntryKind::DrawerFloat
            | EntryKind::SafeTransfer
            | EntryKind::DrawerCount => Account::PrincipalReceivable,
        }
    }
}

/// How money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Cash,
    BankTransfer,
    MobileMoney,
    /// Bookkeeping only (a reversal).
    None,
}

impl Method {
    /// Every method a customer can pay or be paid by.
    pub(crate) const PAYABLE: [Method; 3] =
        [Method::Cash, Method::BankTransfer, Method::MobileMoney];

    /// The code in the database and forms.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::BankTransfer => "bank_transfer",
            Method::MobileMoney => "mobile_money",
            Method::None => "none",
        }
    }

    /// The method named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Method> {
        [
            Method::Cash,
            Method::BankTransfer,
            Method::MobileMoney,
            Method::None,
        ]
        .into_iter()
        .find(|m| m.code() == code)
    }
}

/// Who, how and when, shared by the transactions of one movement.
pub(crate) struct Posting<'a> {
    pub(crate) loan: &'a LoanId,
    pub(crate) customer: &'a CustomerId,
    pub(crate) method: Method,
    pub(crate) reference: &'a str,
    pub(crate) staff: Option<&'a StaffId>,
    /// The branch-local business date.
    pub(crate) on: NaiveDate,
    pub(crate) at: DateTime<Utc>,
}

/// Records the disbursement of a new ticket: the principal receivable debited, the drawer or
/// clearing account of the method credited.
pub(crate) fn disburse(
    conn: &Connection,
    posting: &Posting,
    amount: i64,
) -> rusqlite::Result<LedgerId> {
    let legs = Leg::pair(
        Account::PrincipalReceivable,
        Account::for_method(posting.method),
        amount,
    );
    postings::record(conn, posting, EntryKind::Disbursement, &legs, None, None)
}

/// Records a payment split into its parts (interest, fees, principal; the split is the
/// loans' [`crate::loans::terms::Owed::allocate`]): one transaction per non-zero part, each
/// debiting the method's account and crediting the receivable, sharing the payment id (made
/// when the payment form was shown, so a form sent twice is recognised).
pub(crate) fn pay(
    conn: &Connection,
    posting: &Posting,
    parts: &[(EntryKind, i64)],
    payment: &PaymentId,
) -> rusqlite::Result<()> {
    for &(kind, amount) in parts {
        if amount <= 0 {
            continue;
        }
        if !matches!(
            kind,
            EntryKind::Interest | EntryKind::Fee | EntryKind::Principal
        ) {
            return Err(postings::refused(
                "a payment part must be interest, fee or principal",
            ));
        }
        let legs = Leg::pair(
            Account::for_method(posting.method),
            kind.receivable(),
            amount,
        );
        postings::record(conn, posting, kind, &legs, Some(payment), None)?;
    }
    Ok(())
}

/// Records a charge on the ticket's receivable (`amount` > 0 charges, < 0 credits back), dated
/// `posting.on`: interest or fees receivable against interest or fee income.
pub(crate) fn charge(
    conn: &Connection,
    posting: &Posting,
    interest: bool,
    amount: i64,
) -> rusqlite::Result<Option<LedgerId>> {
    if amount == 0 {
        return Ok(None);
    }
    let kind = EntryKind::charge(interest, amount);
    let income = if interest {
        Account::InterestIncome
    } else {
        Account::FeeIncome
    };
    let legs = if amount > 0 {
        Leg::pair(kind.receivable(), income, amount)
    } else {
        Leg::pair(income, kind.receivable(), -amount)
    };
    postings::record(conn, posting, kind, &legs, None, None).map(Some)
}

/// What a ticket's customer accounts hold: the principal, interest and fees receivable, and
/// the surplus owed back to the customer, each as its balance (debits minus credits for the
/// receivables, credits minus debits for the surplus).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Balances {
    pub(crate) principal: i64,
    pub(crate) interest: i64,
    pub(crate) fees: i64,
    pub(crate) surplus: i64,
}

impl Balances {
    /// What the customer owes on the ticket.
    pub(crate) fn owed(&self) -> i64 {
        self.principal + self.interest + self.fees
    }
}

/// The balances of a ticket's customer accounts, every transaction up to `on` counted.
pub(crate) fn balances(
    conn: &Connection,
    loan: &LoanId,
    on: NaiveDate,
) -> rusqlite::Result<Balances> {
    conn.prepare_cached(
        "SELECT COALESCE(SUM(CASE WHEN p.account = 'principal_receivable' THEN p.amount * (p.side = 'debit') * 2 - p.amount END), 0),
                COALESCE(SUM(CASE WHEN p.account = 'interest_receivable' THEN p.amount * (p.side = 'debit') * 2 - p.amount END), 0),
                COALESCE(SUM(CASE WHEN p.account = 'fees_receivable' THEN p.amount * (p.side = 'debit') * 2 - p.amount END), 0),
                COALESCE(SUM(CASE WHEN p.account = 'surplus_owed' THEN p.amount * (p.side = 'credit') * 2 - p.amount END), 0)
         FROM ledger l JOIN ledger_postings p ON p.transaction_id = l.id
         WHERE l.loan_id = ?1 AND l.on_date <= ?2",
    )?
    .query_row(params![loan, on], |r| {
        Ok(Balances {
            principal: r.get(0)?,
            interest: r.get(1)?,
            fees: r.get(2)?,
            surplus: r.get(3)?,
        })
    })
}

/// Records a disposal's transaction, built by the disposals from the sale's figures: its
/// legs must balance (`postings::record` refuses them otherwise).
pub(crate) fn record_disposal(
    conn: &Connection,
    posting: &Posting,
    kind: EntryKind,
    legs: &[Leg],
    payment: Option<&PaymentId>,
) -> rusqlite::Result<LedgerId> {
    if !kind.is_disposal() {
        return Err(postings::refused("not a disposal's kind of transaction"));
    }
    postings::record(conn, posting, kind, legs, payment, None)
}

/// A payment part of a ticket, with the date of its reversal if it was reversed: what the
/// loans build what was paid on a date from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Movement {
    pub(crate) kind: EntryKind,
    pub(crate) amount: i64,
    pub(crate) on: NaiveDate,
    pub(crate) reversed_on: Option<NaiveDate>,
}

/// The payment parts (interest, fee, principal) of a ticket, oldest first.
pub(crate) fn movements(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Vec<Movement>> {
    conn.prepare_cached(
        "SELECT l.kind, l.amount, l.on_date, (SELECT r.on_date FROM ledger r WHERE r.reverses = l.id)
         FROM ledger l WHERE l.loan_id = ?1 AND l.kind IN ('interest', 'fee', 'principal')
         ORDER BY l.on_date, l.at, l.rowid",
    )?
    .query_map([loan], |r| {
        Ok(Movement {
            kind: EntryKind::from_code(&r.get::<_, String>(0)?).unwrap_or(EntryKind::Principal),
            amount: r.get(1)?,
            on: r.get(2)?,
            reversed_on: r.get(3)?,
        })
    })?
    .collect()
}

/// The charges posted on a ticket so far, net of credits, and the date of the latest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Charged {
    pub(crate) interest: i64,
    pub(crate) fees: i64,
    pub(crate) through: Option<NaiveDate>,
}

/// What has been charged on a ticket.
pub(crate) fn charged(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Charged> {
    Ok(movements_and_charged(conn, loan)?.charged)
}

/// A ticket's payment parts (as [`movements`]) and what has been charged on it, gathered from
/// its transactions in date order: what the charges falling due are worked out from. (Charges
/// are never reversed: a correction of one is a credit.) The one fold of a ticket's
/// transactions, whether read here ([`movements_and_charged`]) or from a statement's lines
/// (`statement::history`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct History {
    pub(crate) moves: Vec<Movement>,
    pub(crate) charged: Charged,
}

impl History {
    /// Adds the ticket's next transaction; kinds that are neither a payment part nor a charge
    /// or credit of one (a disbursement, a reversal) change nothing.
    pub(crate) fn add(
        &mut self,
        kind: EntryKind,
        amount: i64,
        on: NaiveDate,
        reversed_on: Option<NaiveDate>,
    ) {
        let (interest, fees) = match kind {
            EntryKind::InterestCharge => (amount, 0),
            EntryKind::InterestCredit => (-amount, 0),
            EntryKind::FeeCharge => (0, amount),
            EntryKind::FeeCredit => (0, -amount),
            EntryKind::Interest | EntryKind::Fee | EntryKind::Principal => {
                self.moves.push(Movement {
                    kind,
                    amount,
                    on,
                    reversed_on,
                });
                return;
            }
            _ => return,
        };
        self.charged.interest += interest;
        self.charged.fees += fees;
        self.charged.through = self.charged.through.max(Some(on));
    }
}

/// A ticket's [`History`], from one read of its transactions.
pub(crate) fn movements_and_charged(conn: &Connection, loan: &LoanId) -> rusqlite::Result<History> {
    let mut history = History::default();
    let mut stmt = conn.prepare_cached(
        "SELECT l.kind, l.amount, l.on_date,
                CASE WHEN l.kind IN ('interest', 'fee', 'principal')
                     THEN (SELECT r.on_date FROM ledger r WHERE r.reverses = l.id) END
         FROM ledger l WHERE l.loan_id = ?1 AND l.kind IN ('interest', 'fee', 'principal',
              'interest_charge', 'fee_charge', 'interest_credit', 'fee_credit')
         ORDER BY l.on_date, l.at, l.rowid",
    )?;
    let mut rows = stmt.query([loan])?;
    while let Some(r) = rows.next()? {
        let kind = EntryKind::from_code(&r.get::<_, String>(0)?).unwrap_or(EntryKind::Principal);
        history.add(kind, r.get(1)?, r.get(2)?, r.get(3)?);
    }
    Ok(history)
}

/// The date of a ticket's latest money movement (a payment, disbursement or reversal).
pub(crate) fn last_movement(
    conn: &Connection,
    loan: &LoanId,
) -> rusqlite::Result<Option<NaiveDate>> {
    conn.prepare_cached(
        "SELECT MAX(on_date) FROM ledger WHERE loan_id = ?1
           AND kind IN ('disbursement', 'interest', 'fee', 'principal', 'reversal')",
    )?
    .query_row([loan], |r| r.get(0))
}

/// One transaction as the receipt and the portal's payments list it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) kind: EntryKind,
    pub(crate) amount: i64,
    pub(crate) method: Method,
    pub(crate) reference: String,
    pub(crate) on: NaiveDate,
    pub(crate) at: DateTime<Utc>,
    pub(crate) reversed: bool,
    pub(crate) payment: Option<PaymentId>,
}

/// The transactions of a customer (all tickets) or of one ticket, oldest first, optionally
/// between two business dates. A customer's rows are those of the customer's tickets (not
/// `ledger.customer_id`, which records whose the ticket was when the row was written): a
/// merge moves tickets to the surviving record, and the ledger itself never changes.
pub(crate) fn entries(
    conn: &Connection,
    customer: &CustomerId,
    loan: Option<&LoanId>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> rusqlite::Result<Vec<Entry>> {
    conn.prepare_cached(
        "SELECT l.kind, l.amount, l.method, l.reference, l.on_date, l.at,
                EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = l.id), l.payment_id
         FROM ledger l JOIN loans t ON t.id = l.loan_id
         WHERE t.customer_id = ?1 AND (?2 IS NULL OR l.loan_id = ?2)
           AND (?3 IS NULL OR l.on_date >= ?3) AND (?4 IS NULL OR l.on_date <= ?4)
         ORDER BY l.at, l.id",
    )?
    .query_map(params![customer, loan, from, to], entry_from_row)?
    .collect()
}

/// The transactions of one money movement, oldest first: the parts of a payment (`payment`),
/// or a disbursement (`row`), whichever is given.
pub(crate) fn movement(
    conn: &Connection,
    payment: Option<&PaymentId>,
    row: Option<&LedgerId>,
) -> rusqlite::Result<Vec<Entry>> {
    conn.prepare_cached(
        "SELECT l.kind, l.amount, l.method, l.reference, l.on_date, l.at,
                EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = l.id), l.payment_id
         FROM ledger l
         WHERE (l.payment_id = ?1 AND l.kind IN ('interest', 'fee', 'principal'))
            OR (l.id = ?2 AND l.kind = 'disbursement')
         ORDER BY l.at, l.id",
    )?
    .query_map(params![payment, row], entry_from_row)?
    .collect()
}

/// An [`Entry`] from the columns `entries` selects, in its order.
fn entry_from_row(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    Ok(Entry {
        kind: EntryKind::from_code(&r.get::<_, String>(0)?).unwrap_or(EntryKind::Reversal),
        amount: r.get(1)?,
        method: Method::from_code(&r.get::<_, String>(2)?).unwrap_or(Method::None),
        reference: r.get(3)?,
        on: r.get(4)?,
        at: r.get(5)?,
        reversed: r.get(6)?,
        payment: r.get(7)?,
    })
}

/// Why a reversal was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReversalError {
    #[error("no such ledger row")]
    NotFound,
    #[error("this row is already reversed")]
    AlreadyReversed,
    #[error("a reversal cannot itself be reversed; record the payment again")]
    IsReversal,
    #[error("a charge follows from the terms and cannot be reversed")]
    IsCharge,
    #[error("a disposal's sale, payout or expiry stands with its record and cannot be reversed")]
    IsDisposal,
    #[error("the cash went through a drawer that is closed now; it takes no more movements")]
    DrawerClosed,
    #[error(
        "a payout by bank transfer or mobile money keeps its state: mark it failed and make it again instead"
    )]
    PayoutWithState,
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// The ticket a ledger row belongs to, if there is such a row.
pub(crate) fn ticket_of(conn: &Connection, row: &LedgerId) -> rusqlite::Result<Option<LoanId>> {
    // A drawer's own transaction belongs to no ticket.
    conn.prepare_cached("SELECT loan_id FROM ledger WHERE id = ?1")?
        .query_row([row], |r| r.get::<_, Option<LoanId>>(0))
        .optional()
        .map(Option::flatten)
}

/// Reverses one transaction with a reason (a manager's correction): a transaction of kind
/// reversal with the reversed one's postings mirrored. The caller audits it.
///
/// Refused, besides reversals, charges and disposals: a payout by bank transfer or mobile
/// money that has a state (`loans::disbursements`, V29), and the reversal that marked one
/// failed. Their state would no longer say what the ledger does (a payout still "sent" while
/// reversed, a remade payout undone behind its record), so they are corrected only by marking
/// the payout failed and making it again ([`reverse_failed_payout`]). A cash payout is handed
/// over at the counter and has no state: it keeps this correction.
pub(crate) fn reverse(
    conn: &Connection,
    row: &LedgerId,
    reason: &str,
    staff: &StaffId,
    on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<(LoanId, i64, Option<PaymentId>), ReversalError> {
    let kept: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM disbursements d WHERE d.ledger_id = l.id AND d.method <> 'cash')
                 OR EXISTS (SELECT 1 FROM disbursements d WHERE d.ledger_id = l.reverses AND d.reversal_id = l.id)
             FROM ledger l WHERE l.id = ?1",
        )?
        .query_row([row], |r| r.get(0))
        .optional()?
        .ok_or(ReversalError::NotFound)?;
    if kept {
        return Err(ReversalError::PayoutWithState);
    }
    reverse_row(conn, row, reason, staff, on, at)
}

/// Reverses a payout marked failed (`loans::disbursements::mark_failed`, which keeps its
/// state and is the only caller): as [`reverse`], without the refusal of a payout with a state.
pub(crate) fn reverse_failed_payout(
    conn: &Connection,
    row: &LedgerId,
    reason: &str,
    staff: &StaffId,
    on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<(LoanId, i64, Option<PaymentId>), ReversalError> {
    reverse_row(conn, row, reason, staff, on, at)
}

/// The reversal itself, once the caller has checked whose correction it is.
fn reverse_row(
    conn: &Connection,
    row: &LedgerId,
    reason: &str,
    staff: &StaffId,
    on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<(LoanId, i64, Option<PaymentId>), ReversalError> {
    let found: Option<(LoanId, CustomerId, String, i64, bool, Option<PaymentId>)> = conn
        .prepare_cached(
            // The reversal is the ticket's customer's now (a merge may have moved the ticket).
            "SELECT l.loan_id, t.customer_id, l.kind, l.amount, EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = l.id),
                    l.payment_id
             FROM ledger l JOIN loans t ON t.id = l.loan_id WHERE l.id = ?1",
        )?
        .query_row(
            [row],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let (loan, customer, kind, amount, reversed, payment) = found.ok_or(ReversalError::NotFound)?;
    match EntryKind::from_code(&kind) {
        Some(EntryKind::Reversal) | None => return Err(ReversalError::IsReversal),
        Some(k) if k.is_charge() => return Err(ReversalError::IsCharge),
        Some(k) if k.is_disposal() => return Err(ReversalError::IsDisposal),
        Some(_) => (),
    }
    if reversed {
        return Err(ReversalError::AlreadyReversed);
    }
    let posting = Posting {
        loan: &loan,
        customer: &customer,
        method: Method::None,
        reference: "",
        staff: Some(staff),
        on,
        at,
    };
    let mirrored: Vec<_> = postings::posted(conn, row)?
        .into_iter()
        .map(|(l, drawer)| {
            let leg = Leg {
                side: l.side.flip(),
                ..l
            };
            (leg, drawer)
        })
        .collect();
    postings::record_reversal(conn, &posting, &mirrored, (row, reason)).map_err(|e| {
        match postings::is_no_open_drawer(&e) {
            true => ReversalError::DrawerClosed,
            false => ReversalError::Db(e),
        }
    })?;
    Ok((loan, amount, payment))
}

#[cfg(test)]
pub(crate) mod migration_tests;
