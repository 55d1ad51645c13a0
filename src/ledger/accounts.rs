//! The chart of accounts: a fixed list. The customer's accounts (principal, interest and fees
//! receivable) are kept per ticket (the posting's `loan_id`), so a ticket's receivable is the
//! sum of its postings there and no account row has to be created for a new ticket; the
//! branch's accounts (the cash drawer, the bank and mobile-money clearing accounts, income,
//! write-offs, unclaimed surplus income, the safe, cash over/short; the surplus owed to a
//! customer is kept per ticket) are one each. The cash-drawer account is kept per drawer (the
//! posting's `drawer_id`, `drawers`), as the receivables are per ticket; cash posted before
//! drawers existed (V23) has no drawer.

use super::Method;

/// An account of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Account {
    /// What the customer still owes of the money lent (per ticket).
    PrincipalReceivable,
    /// Interest charged and not yet paid (per ticket).
    InterestReceivable,
    /// Fees charged and not yet paid (per ticket).
    FeesReceivable,
    /// Cash in the clerks' drawers (per drawer).
    CashDrawer,
    /// Bank transfers received or sent, until the bank statement clears them.
    BankClearing,
    /// Mobile-money payments received or sent, likewise.
    MobileMoneyClearing,
    InterestIncome,
    FeeIncome,
    /// Receivables given up: what a forfeited ticket's sale did not cover (`disposals`).
    WriteOffs,
    /// A sale's net proceeds above what was owed, owed back to the customer until paid out or
    /// expired (per ticket).
    SurplusOwed,
    /// Surplus not claimed within `[loans] surplus_claim_days`, kept by the branch.
    UnclaimedSurplusIncome,
    /// The branch's safe: where a drawer's float comes from and where cash is dropped.
    Safe,
    /// What drawers' counts found over (credit) or short (debit) of their expected balance.
    CashOverShort,
}

impl Account {
    /// Every account, in the order of the chart.
    pub(crate) const ALL: [Account; 13] = [
        Account::PrincipalReceivable,
        Account::InterestReceivable,
        Account::FeesReceivable,
        Account::CashDrawer,
        Account::BankClearing,
        Account::MobileMoneyClearing,
        Account::InterestIncome,
        Account::FeeIncome,
        Account::WriteOffs,
        Account::SurplusOwed,
        Account::UnclaimedSurplusIncome,
        Account::Safe,
        Account::CashOverShort,
    ];

    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Account::PrincipalReceivable => "principal_receivable",
            Account::InterestReceivable => "interest_receivable",
            Account::FeesReceivable => "fees_receivable",
            Account::CashDrawer => "cash_drawer",
            Account::BankClearing => "bank_clearing",
            Account::MobileMoneyClearing => "mobile_money_clearing",
            Account::InterestIncome => "interest_income",
            Account::FeeIncome => "fee_income",
            Account::WriteOffs => "write_offs",
            Account::SurplusOwed => "surplus_owed",
            Account::UnclaimedSurplusIncome => "unclaimed_surplus_income",
            Account::Safe => "safe",
            Account::CashOverShort => "cash_over_short",
        }
    }

    /// The account named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Account> {
        Account::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Where money paid or received by `method` is kept (cash for bookkeeping-only rows).
    pub(crate) fn for_method(method: Method) -> Account {
        match method {
            Method::BankTransfer => Account::BankClearing,
            Method::MobileMoney => Account::MobileMoneyClearing,
            Method::Cash | Method::None => Account::CashDrawer,
        }
    }
}

/// Which side of an account a posting is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Debit,
    Credit,
}

impl Side {
    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Side::Debit => "debit",
            Side::Credit => "credit",
        }
    }

    /// The side named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Side> {
        match code {
            "debit" => Some(Side::Debit),
            "credit" => Some(Side::Credit),
            _ => None,
        }
    }

    /// The other side (a reversal's).
    pub(crate) fn flip(self) -> Side {
        match self {
            Side::Debit => Side::Credit,
            Side::Credit => Side::Debit,
        }
    }
}

/// One posting: an amount on one side of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Leg {
    pub(crate) account: Account,
    pub(crate) side: Side,
    pub(crate) amount: i64,
}

impl Leg {
    /// `amount` debited to `debit` and credited to `credit`: the two postings of a simple
    /// transaction.
    pub(crate) fn pair(debit: Account, credit: Account, amount: i64) -> [Leg; 2] {
        [
            Leg {
                account: debit,
                side: Side::Debit,
                amount,
            },
            Leg {
                account: credit,
                side: Side::Credit,
                amount,
            },
        ]
    }

    /// The posting's effect on its account's balance counted as debits minus credits.
    pub(crate) fn signed(&self) -> i64 {
        match self.side {
            Side::Debit => self.amount,
            Side::Credit => -self.amount,
        }
    }
}

/// Whether postings balance: every amount positive, debits equal to credits.
pub(crate) fn balanced(legs: &[Leg]) -> bool {
    !legs.is_empty()
        && legs.iter().all(|l| l.amount > 0)
        && legs.iter().map(Leg::signed).sum::<i64>() == 0
}
