-- A customer's statement reads the postings on their tickets' receivables (`ledger::statement`).
-- `ledger_postings_loan` (V21) found them by ticket and account, and every one was then read
-- from the table for its transaction, side and amount; with these columns in the index the
-- statement reads its postings from the index alone. Same leading columns, so every query
-- that used the narrower index uses this one.
DROP INDEX ledger_postings_loan;
CREATE INDEX ledger_postings_loan ON ledger_postings (loan_id, account, transaction_id, side, amount);
