-- The double-entry ledger (issue 13). `ledger` stays the table of transactions, one row
-- each (what moved, on which ticket, how, by whom, when), now also the charges: interest for
-- a period as it starts and fees as they fall due, posted to the customer's receivables
-- (`interest_charge`, `fee_charge`; `interest_credit`, `fee_credit` when less turns out to be
-- due). `ledger_postings` holds each transaction's postings, between the accounts of a fixed
-- chart; the debits of a transaction equal its credits and its amount.
--
-- Every existing row is kept as it was (same id, same columns) and gets its two postings:
-- a disbursement debits the ticket's principal receivable and credits the drawer or clearing
-- account of its method; a payment debits that account and credits the principal, interest or
-- fees receivable; a reversal posts the mirror image of the row it cancels.

CREATE TABLE ledger_new (
    id          TEXT PRIMARY KEY,
    loan_id     TEXT NOT NULL REFERENCES loans (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('disbursement', 'interest', 'fee', 'principal', 'reversal',
                                              'interest_charge', 'fee_charge', 'interest_credit', 'fee_credit')),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    method      TEXT NOT NULL CHECK (method IN ('cash', 'bank_transfer', 'mobile_money', 'none')),
    reference   TEXT NOT NULL DEFAULT '',
    payment_id  TEXT,
    reverses    TEXT REFERENCES ledger_new (id),
    note        TEXT NOT NULL DEFAULT '',
    staff_id    TEXT REFERENCES staff (id),
    on_date     TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT;
INSERT INTO ledger_new (id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, note,
                        staff_id, on_date, at)
SELECT id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, note, staff_id, on_date, at
FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_new RENAME TO ledger;
CREATE INDEX ledger_loan ON ledger (loan_id, at);
CREATE INDEX ledger_customer ON ledger (customer_id, at);
CREATE INDEX ledger_payment ON ledger (payment_id) WHERE payment_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_one_reversal ON ledger (reverses) WHERE reverses IS NOT NULL;

CREATE TABLE ledger_postings (
    id             TEXT PRIMARY KEY,              -- '<transaction id>:<line>'
    transaction_id TEXT NOT NULL REFERENCES ledger (id),
    line           INTEGER NOT NULL CHECK (line > 0),
    account        TEXT NOT NULL CHECK (account IN ('principal_receivable', 'interest_receivable', 'fees_receivable',
                                                    'cash_drawer', 'bank_clearing', 'mobile_money_clearing',
                                                    'interest_income', 'fee_income', 'write_offs', 'surplus_owed')),
    loan_id        TEXT REFERENCES loans (id),    -- the ticket of a customer's account
    side           TEXT NOT NULL CHECK (side IN ('debit', 'credit')),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    UNIQUE (transaction_id, line)
) STRICT;
-- Read by transaction (the unique index); an index by account comes with the first view that
-- reads an account across tickets (the drawers, the day's close).

-- The postings of the rows there were: line 1 the debit, line 2 the credit.
INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
SELECT id || ':1', id, 1,
       CASE kind WHEN 'disbursement' THEN 'principal_receivable'
                 ELSE CASE method WHEN 'bank_transfer' THEN 'bank_clearing'
                                  WHEN 'mobile_money' THEN 'mobile_money_clearing' ELSE 'cash_drawer' END END,
       loan_id, 'debit', amount
FROM ledger WHERE kind <> 'reversal';
INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
SELECT id || ':2', id, 2,
       CASE kind WHEN 'disbursement'
                 THEN CASE method WHEN 'bank_transfer' THEN 'bank_clearing'
                                  WHEN 'mobile_money' THEN 'mobile_money_clearing' ELSE 'cash_drawer' END
                 WHEN 'interest' THEN 'interest_receivable'
                 WHEN 'fee' THEN 'fees_receivable'
                 ELSE 'principal_receivable' END,
       loan_id, 'credit', amount
FROM ledger WHERE kind <> 'reversal';
-- A reversal: the reversed row's postings, sides swapped, in the same line order.
INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
SELECT r.id || ':' || p.line, r.id, p.line, p.account, p.loan_id,
       CASE p.side WHEN 'debit' THEN 'credit' ELSE 'debit' END, p.amount
FROM ledger r JOIN ledger_postings p ON p.transaction_id = r.reverses
WHERE r.kind = 'reversal';

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only; correct with a reversal');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only; correct with a reversal');
END;
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only; correct with a reversal');
END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only; correct with a reversal');
END;
