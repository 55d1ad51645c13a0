//! Every URL the pages link to, post to or redirect to, in one place. The routing table
//! (`router::find`) answers these paths; its test `every_path_here_has_a_route` builds each one
//! below and asks the table, so a path changed on one side and not the other fails a test
//! instead of a clerk's click. Fragments (`#timeline`) and query strings are added by the pages.

use std::fmt::Display;

use crate::plumbing::ids::{
    AttachmentId, ComplaintId, CustomerId, DrawerId, LedgerId, LoanId, PaymentId, ProductId,
    ReceiptId, SafeTransferId, StaffId,
};

// ----- The customer portal -----

/// "Pay My Loan", the portal's landing page.
pub(crate) const HOME: &str = "/";
pub(crate) const LOGIN: &str = "/login";
pub(crate) const LOGIN_CODE: &str = "/login/code";
pub(crate) const LOGIN_RESEND: &str = "/login/resend";
pub(crate) const LOGIN_EMAIL: &str = "/login/email";
pub(crate) const LOGIN_VERIFY: &str = "/login/verify";
pub(crate) const LOGOUT: &str = "/logout";
pub(crate) const PROFILE: &str = "/profile";
pub(crate) const PROFILE_PHONE: &str = "/profile/phone";
pub(crate) const PROFILE_PHONE_SEND: &str = "/profile/phone/send";
pub(crate) const PROFILE_PHONE_CANCEL: &str = "/profile/phone/cancel";
/// The customer's choice of language.
pub(crate) const PROFILE_LANGUAGE: &str = "/profile/language";
pub(crate) const VERIFY: &str = "/verify";
pub(crate) const VERIFY_SEND: &str = "/verify/send";
/// The customer's loans.
pub(crate) const MY: &str = "/my";
/// The customer's statement of all their tickets.
pub(crate) const MY_STATEMENT: &str = "/my/statement";

/// The customer's complaint cases, and the form to open one.
pub(crate) const MY_COMPLAINTS: &str = "/my/complaints";

/// One of the customer's own complaint cases.
pub(crate) fn my_complaint(id: &ComplaintId) -> String {
    format!("/my/complaints/{id}")
}

/// A file attached to one of the customer's own cases.
pub(crate) fn my_complaint_attachment(case: &ComplaintId, file: &AttachmentId) -> String {
    format!("/my/complaints/{case}/files/{file}")
}

/// One of the customer's own tickets.
pub(crate) fn my_loan(id: &LoanId) -> String {
    format!("/my/loans/{id}")
}

/// Extending one of the customer's tickets.
pub(crate) fn my_loan_extend(id: &LoanId) -> String {
    format!("/my/loans/{id}/extend")
}

/// A payment code the customer made for one of their tickets.
pub(crate) fn my_loan_code(id: &LoanId, code: &str) -> String {
    format!("/my/loans/{id}/code/{code}")
}

/// Switching the language.
pub(crate) fn language(code: &str) -> String {
    format!("/lang/{code}")
}

/// An embedded asset (`assets/`).
pub(crate) fn asset(name: &str) -> String {
    format!("/assets/{name}")
}

// ----- Staff -----

/// The staff dashboard.
pub(crate) const STAFF: &str = "/staff";
pub(crate) const STAFF_LOGIN: &str = "/staff/login";
pub(crate) const STAFF_LOGOUT: &str = "/staff/logout";
pub(crate) const ACCOUNT: &str = "/staff/account";
pub(crate) const ACCOUNT_PASSWORD: &str = "/staff/account/password";
pub(crate) const ACCOUNT_PHONE: &str = "/staff/account/phone";
pub(crate) const CUSTOMERS: &str = "/staff/customers";
pub(crate) const NEW_CUSTOMER: &str = "/staff/customers/new";
pub(crate) const DUPLICATES: &str = "/staff/customers/duplicates";
pub(crate) const PAYMENTS: &str = "/staff/payments";
pub(crate) const STATEMENT_IMPORT: &str = "/staff/payments/import";
pub(crate) const STATEMENT_REVIEW: &str = "/staff/payments/review";
pub(crate) const STATEMENT_RESOLVE: &str = "/staff/payments/review/resolve";
pub(crate) const FORFEITED: &str = "/staff/forfeited";
/// The tickets behind a "today" figure: `due_tickets`.
pub(crate) const DUE_TICKETS: &str = "/staff/due";
/// Forfeited items to sale stock, their sales and the surplus owed (issue 13, point 6).
pub(crate) const DISPOSALS: &str = "/staff/disposals";
/// The signed-in clerk's cash drawer: open it, its movements, the count.
pub(crate) const DRAWER: &str = "/staff/drawer";
pub(crate) const DRAWER_OPEN: &str = "/staff/drawer/open";
/// Asking for cash to move between the clerk's drawer and the safe.
pub(crate) const DRAWER_SAFE: &str = "/staff/drawer/safe";
/// The day's drawers (`?on=YYYY-MM-DD`), their counts and sign-offs, the other methods.
pub(crate) const DRAWERS: &str = "/staff/drawers";
/// The day's close (`?on=YYYY-MM-DD`, `&size=80mm`): the report, and the form that closes it.
pub(crate) const DAY_CLOSE: &str = "/staff/close";
/// The day's close as CSV (`?on=YYYY-MM-DD`).
pub(crate) const DAY_CLOSE_CSV: &str = "/staff/close/csv";

/// The day's close of `day`.
pub(crate) fn day_close(day: chrono::NaiveDate) -> String {
    format!("{DAY_CLOSE}?on={day}")
}

pub(crate) const PRODUCTS: &str = "/staff/products";
/// The branch's gold reference price.
pub(crate) const GOLD_PRICE: &str = "/staff/gold-price";
pub(crate) const STAFF_ADMIN: &str = "/staff/admin/staff";
pub(crate) const AUDIT: &str = "/staff/audit";
pub(crate) const SMS: &str = "/staff/sms";
pub(crate) const SMS_TEST: &str = "/staff/sms/test";
/// Customers' messages (issue 17).
pub(crate) const SMS_INBOX: &str = "/staff/sms/inbox";

/// One message of the SMS inbox.
pub(crate) fn sms_inbox_message(id: &crate::plumbing::ids::SmsInboxId) -> String {
    format!("{SMS_INBOX}/{id}")
}

/// The answer form of a message of the SMS inbox.
pub(crate) fn sms_inbox_reply(id: &crate::plumbing::ids::SmsInboxId) -> String {
    format!("{SMS_INBOX}/{id}/reply")
}
/// Asks one modem (form field `modem`) to read its SIM balance.
pub(crate) const SMS_BALANCE: &str = "/staff/sms/balance";
pub(crate) const SYNC: &str = "/staff/sync";
pub(crate) const SYNC_UPLOAD: &str = "/staff/sync/upload";
pub(crate) const EMAIL: &str = "/staff/email";
/// The nightly backups in the data directory, newest first.
pub(crate) const BACKUPS: &str = "/staff/backups";
pub(crate) const REMINDERS: &str = "/staff/reminders";
/// The reminder days and hours, saved from the Reminders page.
pub(crate) const REMINDERS_SCHEDULE: &str = "/staff/reminders/schedule";

/// Complaint cases (issue 14): the list, and a new case.
pub(crate) const COMPLAINTS: &str = "/staff/complaints";
pub(crate) const NEW_COMPLAINT: &str = "/staff/complaints/new";
/// The weekly evaluation of complaints, its CSV, and the quarterly report's CSV.
pub(crate) const COMPLAINTS_WEEKLY: &str = "/staff/complaints/weekly";
pub(crate) const COMPLAINTS_WEEKLY_CSV: &str = "/staff/complaints/weekly.csv";
pub(crate) const COMPLAINTS_QUARTERLY_CSV: &str = "/staff/complaints/quarterly.csv";
/// The branch's holidays, which complaint clocks do not count.
pub(crate) const HOLIDAYS: &str = "/staff/holidays";

/// A new complaint case for a customer, from their file.
pub(crate) fn new_complaint_for(customer: &CustomerId) -> String {
    format!("{NEW_COMPLAINT}?customer={customer}")
}

/// The weekly evaluation (or its CSV: `page` is one of the two) of the week of `day`.
pub(crate) fn complaints_week(page: &str, day: chrono::NaiveDate, print: bool) -> String {
    let print = if print { "&print=1" } else { "" };
    format!("{page}?week={day}{print}")
}

/// The quarterly report's CSV of quarter `q` of `year`.
pub(crate) fn complaints_quarter(year: i32, q: u32) -> String {
    format!("{COMPLAINTS_QUARTERLY_CSV}?year={year}&quarter={q}")
}

/// A complaint case.
pub(crate) fn complaint(id: &ComplaintId) -> String {
    format!("/staff/complaints/{id}")
}

/// A file attached to a complaint case, for staff.
pub(crate) fn complaint_attachment(case: &ComplaintId, file: &AttachmentId) -> String {
    format!("/staff/complaints/{case}/files/{file}")
}

/// What a form on a case posts to: `complaint_part(id, ComplaintPart::Note)` is
/// `/staff/complaints/{id}/note`.
pub(crate) fn complaint_part(id: &ComplaintId, part: ComplaintPart) -> String {
    format!("/staff/complaints/{id}/{}", part.segment())
}

/// The forms of a complaint case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ComplaintPart {
    State,
    Note,
    Step,
    Escalate,
    Owner,
    PaymentCodeSms,
    /// A new payment code for the case's ticket, sent by SMS.
    NewPaymentCode,
    /// A file (multipart form, the upload body limit).
    Attach,
    /// The ticket's payout marked failed (B.7).
    PayoutFailed,
    /// The ticket's failed payout made again (B.7).
    PayoutAgain,
    /// The customer's email address corrected for an allowed typo (seed 002 step 3).
    EmailTypo,
}

impl ComplaintPart {
    /// Every part.
    pub(crate) const ALL: [ComplaintPart; 11] = [
        ComplaintPart::State,
        ComplaintPart::Note,
        ComplaintPart::Step,
        ComplaintPart::Escalate,
        ComplaintPart::Owner,
        ComplaintPart::PaymentCodeSms,
        ComplaintPart::NewPaymentCode,
        ComplaintPart::Attach,
        ComplaintPart::PayoutFailed,
        ComplaintPart::PayoutAgain,
        ComplaintPart::EmailTypo,
    ];

    /// The path segment after the case.
    pub(crate) fn segment(self) -> &'static str {
        match self {
            ComplaintPart::State => "state",
            ComplaintPart::Note => "note",
            ComplaintPart::Step => "step",
            ComplaintPart::Escalate => "escalate",
            ComplaintPart::Owner => "owner",
            ComplaintPart::PaymentCodeSms => "payment-code-sms",
            ComplaintPart::NewPaymentCode => "new-payment-code",
            ComplaintPart::Attach => "attach",
            ComplaintPart::PayoutFailed => "payout-failed",
            ComplaintPart::PayoutAgain => "payout-again",
            ComplaintPart::EmailTypo => "email-typo",
        }
    }

    /// The part of a path segment.
    pub(crate) fn from_segment(segment: &str) -> Option<ComplaintPart> {
        ComplaintPart::ALL
            .into_iter()
            .find(|p| p.segment() == segment)
    }
}

/// Removing a day from the holidays list.
pub(crate) fn holiday_remove(on: chrono::NaiveDate) -> String {
    format!("/staff/holidays/{on}/remove")
}

/// The call centre's "Customer Follow-Up" queue (issue 15).
pub(crate) const FOLLOW_UP: &str = "/staff/callcentre";

/// The agents' dashboard, a week at a time, and the same as CSV.
pub(crate) const FOLLOW_UP_DASHBOARD: &str = "/staff/callcentre/dashboard";
pub(crate) const FOLLOW_UP_DASHBOARD_CSV: &str = "/staff/callcentre/dashboard.csv";

/// The managers' page of the follow-up note's choices (and its add form), and its forms.
pub(crate) const FOLLOW_UP_CHOICES: &str = "/staff/callcentre/choices";
pub(crate) const FOLLOW_UP_CHOICES_RELABEL: &str = "/staff/callcentre/choices/relabel";
pub(crate) const FOLLOW_UP_CHOICES_RETIRE: &str = "/staff/callcentre/choices/retire";

/// The follow-up queue of one reason (its `reason` filter's code).
pub(crate) fn follow_up_queue(reason: &str) -> String {
    format!("{FOLLOW_UP}?reason={reason}")
}

/// The call centre's follow-up screen of one customer, or a form on it.
pub(crate) fn follow_up(id: &CustomerId, part: FollowUpPart) -> String {
    match part.segment() {
        "" => format!("{FOLLOW_UP}/customers/{id}"),
        segment => format!("{FOLLOW_UP}/customers/{id}/{segment}"),
    }
}

/// The follow-up screen and its forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FollowUpPart {
    /// The screen itself (GET).
    Screen,
    /// The follow-up note form (POST).
    Notes,
    /// An agent takes the customer (POST).
    Take,
    /// A manager assigns the customer (POST).
    Assign,
    /// A manager assigns the customer's RO (POST).
    Ro,
    /// A call agent approves the customer's information (POST).
    Approve,
    /// A call agent marks the customer "do not contact" (POST).
    DoNotContact,
    /// A call agent clears the mark (POST).
    DoNotContactClear,
}

impl FollowUpPart {
    /// Every part, for the test that each has a route.
    #[cfg(test)]
    pub(crate) const ALL: [FollowUpPart; 8] = [
        FollowUpPart::Screen,
        FollowUpPart::Notes,
        FollowUpPart::Take,
        FollowUpPart::Assign,
        FollowUpPart::Ro,
        FollowUpPart::Approve,
        FollowUpPart::DoNotContact,
        FollowUpPart::DoNotContactClear,
    ];

    fn segment(self) -> &'static str {
        match self {
            FollowUpPart::Screen => "",
            FollowUpPart::Notes => "notes",
            FollowUpPart::Take => "take",
            FollowUpPart::Assign => "assign",
            FollowUpPart::Ro => "ro",
            FollowUpPart::Approve => "approve",
            FollowUpPart::DoNotContact => "do-not-contact",
            FollowUpPart::DoNotContactClear => "do-not-contact/clear",
        }
    }
}

/// A customer's file at the counter.
/// The tickets a "today" figure counts (`list`: `today`, `week` or `notice`), page `page`.
pub(crate) fn due_tickets(list: &str, page: u32) -> String {
    match page {
        0 => format!("{DUE_TICKETS}?list={list}"),
        _ => format!("{DUE_TICKETS}?list={list}&page={page}"),
    }
}

/// The customers locked out by wrong codes, page `page`.
pub(crate) fn locked_customers(page: u32) -> String {
    match page {
        0 => format!("{CUSTOMERS}?locked=1"),
        _ => format!("{CUSTOMERS}?locked=1&page={page}"),
    }
}

pub(crate) fn customer(id: &CustomerId) -> String {
    format!("/staff/customers/{id}")
}

/// What a form on a customer's file posts to, or a page under it: `customer_part(id,
/// CustomerPart::Statement)` is `/staff/customers/{id}/statement`.
pub(crate) fn customer_part(id: &CustomerId, part: CustomerPart) -> String {
    format!("/staff/customers/{id}/{}", part.segments())
}

/// The pages and forms under a customer's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CustomerPart {
    Unlock,
    DoNotText,
    Language,
    VerificationSend,
    Verification,
    AlternativeContacts,
    Notes,
    Caller,
    PhoneAndEmail,
    Invite,
    TestEmail,
    TestSms,
    EmailVerificationSend,
    EmailVerification,
    Statement,
    StatementPrint,
    NewTicket,
}

impl CustomerPart {
    /// Every part, for the test that each has a route.
    #[cfg(test)]
    pub(crate) const ALL: [CustomerPart; 17] = [
        CustomerPart::Unlock,
        CustomerPart::DoNotText,
        CustomerPart::Language,
        CustomerPart::VerificationSend,
        CustomerPart::Verification,
        CustomerPart::AlternativeContacts,
        CustomerPart::Notes,
        CustomerPart::Caller,
        CustomerPart::PhoneAndEmail,
        CustomerPart::Invite,
        CustomerPart::TestEmail,
        CustomerPart::TestSms,
        CustomerPart::EmailVerificationSend,
        CustomerPart::EmailVerification,
        CustomerPart::Statement,
        CustomerPart::StatementPrint,
        CustomerPart::NewTicket,
    ];

    fn segments(self) -> &'static str {
        match self {
            CustomerPart::Unlock => "unlock",
            CustomerPart::DoNotText => "do-not-text",
            CustomerPart::Language => "language",
            CustomerPart::VerificationSend => "verification/send",
            CustomerPart::Verification => "verification",
            CustomerPart::AlternativeContacts => "contacts",
            CustomerPart::Notes => "notes",
            CustomerPart::Caller => "caller",
            CustomerPart::PhoneAndEmail => "contact",
            CustomerPart::Invite => "invite",
            CustomerPart::TestEmail => "test-email",
            CustomerPart::TestSms => "test-sms",
            CustomerPart::EmailVerificationSend => "email-verification/send",
            CustomerPart::EmailVerification => "email-verification",
            CustomerPart::Statement => "statement",
            CustomerPart::StatementPrint => "statement/print",
            CustomerPart::NewTicket => "tickets/new",
        }
    }
}

/// Removing one of a customer's alternative contacts.
pub(crate) fn alternative_contact_remove(customer: &CustomerId, contact: &str) -> String {
    format!("/staff/customers/{customer}/contacts/{contact}/remove")
}

/// Sending a code to a contact's phone (`send`), or checking the code the contact read out.
pub(crate) fn alternative_contact_code(customer: &CustomerId, contact: &str, send: bool) -> String {
    let tail = if send { "/send" } else { "" };
    format!("/staff/customers/{customer}/contacts/{contact}/code{tail}")
}

/// The form that changes one of a customer's contacts (issue 15).
pub(crate) fn alternative_contact_edit(customer: &CustomerId, contact: &str) -> String {
    format!("/staff/customers/{customer}/contacts/{contact}/edit")
}

/// A pair of possible duplicate records, side by side.
pub(crate) fn duplicate_pair(a: &CustomerId, b: &CustomerId) -> String {
    format!("/staff/customers/duplicates/{a}/{b}")
}

/// Merging a pair of duplicate records.
pub(crate) fn duplicate_merge(a: &CustomerId, b: &CustomerId) -> String {
    format!("/staff/customers/duplicates/{a}/{b}/merge")
}

/// Marking a pair as not duplicates.
pub(crate) fn duplicate_dismiss(a: &CustomerId, b: &CustomerId) -> String {
    format!("/staff/customers/duplicates/{a}/{b}/dismiss")
}

/// A pawn ticket at the counter.
pub(crate) fn ticket(id: &LoanId) -> String {
    format!("/staff/loans/{id}")
}

/// Moving a forfeited ticket's items to sale stock.
/// What can be done with one drawer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DrawerAction {
    Close,
    SignOff,
    Print,
}

/// One drawer's close, sign-off or printable sheet.
pub(crate) fn drawer(id: &DrawerId, action: DrawerAction) -> String {
    let tail = match action {
        DrawerAction::Close => "close",
        DrawerAction::SignOff => "sign-off",
        DrawerAction::Print => "print",
    };
    format!("/staff/drawers/{id}/{tail}")
}

/// A second person's confirmation of cash moved with the safe.
pub(crate) fn safe_transfer_confirm(id: &SafeTransferId) -> String {
    format!("/staff/safe-transfers/{id}/confirm")
}

pub(crate) fn disposal_stock(id: &LoanId) -> String {
    format!("/staff/disposals/{id}/stock")
}

/// Recording the sale of a ticket's items in stock.
pub(crate) fn disposal_sale(id: &LoanId) -> String {
    format!("/staff/disposals/{id}/sale")
}

/// Paying out a ticket's surplus at the counter.
pub(crate) fn surplus_payout(id: &LoanId) -> String {
    format!("/staff/disposals/{id}/payout")
}

/// Approving and paying out a ticket.
pub(crate) fn ticket_approve(id: &LoanId) -> String {
    format!("/staff/loans/{id}/approve")
}

/// A payment on a ticket.
pub(crate) fn ticket_pay(id: &LoanId) -> String {
    format!("/staff/loans/{id}/pay")
}

/// The printable ticket.
pub(crate) fn ticket_print(id: &LoanId) -> String {
    format!("/staff/loans/{id}/print")
}

/// The receipt of a payment on a ticket.
pub(crate) fn receipt(id: &LoanId, payment: &PaymentId) -> String {
    format!("/staff/loans/{id}/receipt/{payment}")
}

/// A receipt of a money movement (a payment's or a payout's).
pub(crate) fn issued_receipt(id: &ReceiptId) -> String {
    format!("/staff/receipts/{id}")
}

/// Reversing a ledger row.
pub(crate) fn ledger_reverse(id: &LedgerId) -> String {
    format!("/staff/ledger/{id}/reverse")
}

/// A loan product's page.
pub(crate) fn product(id: &ProductId) -> String {
    format!("/staff/products/{id}")
}

/// Offering a product again, or withdrawing it.
pub(crate) fn product_toggle(id: &ProductId) -> String {
    format!("/staff/products/{id}/toggle")
}

/// Confirming a payment code at the counter.
pub(crate) fn payment_confirm(code: &str) -> String {
    format!("/staff/payments/{code}/confirm")
}

/// What the staff administration does to one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaffAction {
    Role,
    Disable,
    Enable,
    Password,
    Phone,
}

impl StaffAction {
    /// Every action, for the test that each has a route.
    #[cfg(test)]
    pub(crate) const ALL: [StaffAction; 5] = [
        StaffAction::Role,
        StaffAction::Disable,
        StaffAction::Enable,
        StaffAction::Password,
        StaffAction::Phone,
    ];
}

/// A form of the staff administration about one member.
pub(crate) fn staff_member(id: &StaffId, action: StaffAction) -> String {
    let action = match action {
        StaffAction::Role => "role",
        StaffAction::Disable => "disable",
        StaffAction::Enable => "enable",
        StaffAction::Password => "password",
        StaffAction::Phone => "phone",
    };
    format!("/staff/admin/staff/{id}/{action}")
}

/// A retry (`retry`) or cancel form below an outbox's staff page (`channel_page`: [`SMS`],
/// [`EMAIL`]).
pub(crate) fn outbox_action(channel_page: &str, id: &impl Display, retry: bool) -> String {
    let action = if retry { "retry" } else { "cancel" };
    format!("{channel_page}/{id}/{action}")
}
