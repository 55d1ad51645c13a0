-- Disposals of forfeited items (issue 13, point 6). A forfeited ticket's items are moved to
-- sale stock (`disposals`), then sold at auction or in the shop (`disposal_sales`: price,
-- costs, what the ticket owed, the surplus owed back or the shortfall written off, the ledger
-- transaction); a surplus is then paid out at the counter or expires after the claim period
-- (`surplus_settlements`). One row of each per ticket at most; all three are append-only.
--
-- The ledger gains three kinds of transaction (`disposal_sale`, `surplus_payout`,
-- `surplus_expiry`) and one account (`unclaimed_surplus_income`). SQLite cannot change a
-- CHECK, so `ledger` and `ledger_postings` are rebuilt with every row kept as it was (same
-- ids, same columns), their indexes and append-only triggers recreated.
--
-- Other tables refer to the ledger (`receipts.disbursement_id`, V16). The rows are therefore
-- set aside, the tables dropped and created again under their own names, and the rows put
-- back: with the foreign keys deferred to the commit, dropping a parent the receipts refer
-- to counts a violation, and putting its row back under the same name clears it (a renamed
-- copy would not). The implicit delete of a DROP fires no trigger.

PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE ledger_kept AS SELECT * FROM ledger ORDER BY rowid;
CREATE TEMP TABLE ledger_postings_kept AS SELECT * FROM ledger_postings ORDER BY rowid;
DROP TABLE ledger_postings;
DROP TABLE ledger;

CREATE TABLE ledger (
    id          TEXT PRIMARY KEY,
    loan_id     TEXT NOT NULL REFERENCES loans (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('disbursement', 'interest', 'fee', 'principal', 'reversal',
                                              'interest_charge', 'fee_charge', 'interest_credit', 'fee_credit',
                                              'disposal_sale', 'surplus_payout', 'surplus_expiry')),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    method      TEXT NOT NULL CHECK (method IN ('cash', 'bank_transfer', 'mobile_money', 'none')),
    reference   TEXT NOT NULL DEFAULT '',
    payment_id  TEXT,
    reverses    TEXT REFERENCES ledger (id),
    note        TEXT NOT NULL DEFAULT '',
    staff_id    TEXT REFERENCES staff (id),
    on_date     TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT;
INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, note,
                    staff_id, on_date, at)
SELECT id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, note, staff_id, on_date, at
FROM ledger_kept ORDER BY rowid;

CREATE TABLE ledger_postings (
    id             TEXT PRIMARY KEY,              -- '<transaction id>:<line>'
    transaction_id TEXT NOT NULL REFERENCES ledger (id),
    line           INTEGER NOT NULL CHECK (line > 0),
    account        TEXT NOT NULL CHECK (account IN ('principal_receivable', 'interest_receivable', 'fees_receivable',
                                                    'cash_drawer', 'bank_clearing', 'mobile_money_clearing',
                                                    'interest_income', 'fee_income', 'write_offs', 'surplus_owed',
                                                    'unclaimed_surplus_income')),
    loan_id        TEXT REFERENCES loans (id),    -- the ticket of a customer's account
    side           TEXT NOT NULL CHECK (side IN ('debit', 'credit')),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    UNIQUE (transaction_id, line)
) STRICT;
INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
SELECT id, transaction_id, line, account, loan_id, side, amount FROM ledger_postings_kept ORDER BY rowid;
DROP TABLE ledger_kept;
DROP TABLE ledger_postings_kept;

CREATE INDEX ledger_loan ON ledger (loan_id, at);
CREATE INDEX ledger_customer ON ledger (customer_id, at);
CREATE INDEX ledger_payment ON ledger (payment_id) WHERE payment_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_one_reversal ON ledger (reverses) WHERE reverses IS NOT NULL;

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

-- A forfeited ticket's items moved to sale stock.
CREATE TABLE disposals (
    loan_id     TEXT PRIMARY KEY REFERENCES loans (id),
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    on_date     TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT;

-- The sale of a ticket's items in stock.
CREATE TABLE disposal_sales (
    loan_id        TEXT PRIMARY KEY REFERENCES disposals (loan_id),
    channel        TEXT NOT NULL CHECK (channel IN ('auction', 'shop')),
    price          INTEGER NOT NULL CHECK (price > 0),
    costs          INTEGER NOT NULL CHECK (costs >= 0 AND costs <= price),
    buyer          TEXT NOT NULL DEFAULT '',
    method         TEXT NOT NULL CHECK (method IN ('cash', 'bank_transfer', 'mobile_money')),
    owed_principal INTEGER NOT NULL CHECK (owed_principal >= 0),
    owed_interest  INTEGER NOT NULL CHECK (owed_interest >= 0),
    owed_fees      INTEGER NOT NULL CHECK (owed_fees >= 0),
    surplus        INTEGER NOT NULL CHECK (surplus >= 0),
    shortfall      INTEGER NOT NULL CHECK (shortfall >= 0 AND (surplus = 0 OR shortfall = 0)),
    claim_until    TEXT,                          -- the last day a surplus can be claimed
    ledger_id      TEXT REFERENCES ledger (id),   -- none when nothing moved (sold for its costs, nothing owed)
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    on_date        TEXT NOT NULL,
    at             TEXT NOT NULL
) STRICT;
CREATE INDEX disposal_sales_open_claims ON disposal_sales (claim_until) WHERE surplus > 0;

-- What became of a surplus: paid out at the counter, or expired unclaimed.
CREATE TABLE surplus_settlements (
    loan_id     TEXT PRIMARY KEY REFERENCES disposal_sales (loan_id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('paid', 'expired')),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    method      TEXT NOT NULL CHECK (method IN ('cash', 'bank_transfer', 'mobile_money', 'none')),
    payment_id  TEXT,
    ledger_id   TEXT NOT NULL REFERENCES ledger (id),
    staff_id    TEXT REFERENCES staff (id),
    on_date     TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT;

CREATE TRIGGER disposals_no_update BEFORE UPDATE ON disposals
BEGIN
    SELECT RAISE(ABORT, 'disposals are append-only');
END;
CREATE TRIGGER disposals_no_delete BEFORE DELETE ON disposals
BEGIN
    SELECT RAISE(ABORT, 'disposals are append-only');
END;
CREATE TRIGGER disposal_sales_no_update BEFORE UPDATE ON disposal_sales
BEGIN
    SELECT RAISE(ABORT, 'disposal sales are append-only');
END;
CREATE TRIGGER disposal_sales_no_delete BEFORE DELETE ON disposal_sales
BEGIN
    SELECT RAISE(ABORT, 'disposal sales are append-only');
END;
CREATE TRIGGER surplus_settlements_no_update BEFORE UPDATE ON surplus_settlements
BEGIN
    SELECT RAISE(ABORT, 'surplus settlements are append-only');
END;
CREATE TRIGGER surplus_settlements_no_delete BEFORE DELETE ON surplus_settlements
BEGIN
    SELECT RAISE(ABORT, 'surplus settlements are append-only');
END;
