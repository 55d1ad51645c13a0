-- Cash drawers (issue 16). A clerk opens a drawer with a counted float before the first cash
-- movement; every cash posting then carries the drawer (`ledger_postings.drawer_id`, like
-- `loan_id` for a ticket's receivables), so a drawer's expected balance is the balance of its
-- postings on the cash-drawer account and nothing beside the ledger keeps money. The float
-- comes from the safe (a `drawer_float` transaction, safe credited), cash moves between drawer
-- and safe only once a second staff member confirms (`safe_transfers`, a `safe_transfer`
-- transaction), and the count at closing posts the difference to cash over/short
-- (`drawer_count`) with the clerk's reason. A manager other than the clerk signs the count off.
--
-- A drawer's own transactions belong to no ticket: `ledger.loan_id` and `customer_id` become
-- optional (required for every other kind, as before), and the chart gains `safe` and
-- `cash_over_short`. SQLite cannot change a CHECK, so `ledger` and `ledger_postings` are
-- rebuilt as V18 rebuilt them: every row kept as it was (same ids, same columns), the indexes
-- and append-only triggers recreated, foreign keys deferred to the commit.

CREATE TABLE cash_drawers (
    id            TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff (id),   -- the clerk whose drawer it is
    opened_on     TEXT NOT NULL,                          -- the branch-local business date
    opened_at     TEXT NOT NULL,
    float         INTEGER NOT NULL CHECK (float >= 0),
    float_counts  TEXT NOT NULL DEFAULT '',               -- notes and coins counted, 'value:count,...'
    closed_at     TEXT,
    expected      INTEGER,                                -- the ledger's balance when counted
    counted       INTEGER CHECK (counted >= 0),
    counted_counts TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',               -- why the count differs
    count_id      TEXT REFERENCES ledger (id),            -- the over/short posted, none when it agreed
    signed_off_by TEXT REFERENCES staff (id),
    signed_off_at TEXT,
    left_open_on  TEXT,                                   -- flagged: still open when this day ended
    CHECK ((closed_at IS NULL) = (counted IS NULL) AND (closed_at IS NULL) = (expected IS NULL)),
    CHECK (signed_off_at IS NULL OR closed_at IS NOT NULL),
    CHECK ((signed_off_by IS NULL) = (signed_off_at IS NULL)),
    CHECK (signed_off_by IS NULL OR signed_off_by <> staff_id)
) STRICT;
-- One open drawer per clerk.
CREATE UNIQUE INDEX cash_drawers_one_open ON cash_drawers (staff_id) WHERE closed_at IS NULL;
CREATE INDEX cash_drawers_day ON cash_drawers (opened_on);

-- Cash between a drawer and the safe: asked for by one staff member, moved when a second
-- confirms it.
CREATE TABLE safe_transfers (
    id           TEXT PRIMARY KEY,
    drawer_id    TEXT NOT NULL REFERENCES cash_drawers (id),
    direction    TEXT NOT NULL CHECK (direction IN ('to_safe', 'from_safe')),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    asked_by     TEXT NOT NULL REFERENCES staff (id),
    asked_at     TEXT NOT NULL,
    confirmed_by TEXT REFERENCES staff (id),
    confirmed_at TEXT,
    ledger_id    TEXT REFERENCES ledger (id),
    CHECK ((confirmed_by IS NULL) = (ledger_id IS NULL) AND (confirmed_by IS NULL) = (confirmed_at IS NULL)),
    CHECK (confirmed_by IS NULL OR confirmed_by <> asked_by)
) STRICT;
CREATE INDEX safe_transfers_drawer ON safe_transfers (drawer_id);

PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE ledger_kept AS SELECT * FROM ledger ORDER BY rowid;
CREATE TEMP TABLE ledger_postings_kept AS SELECT * FROM ledger_postings ORDER BY rowid;
DROP TABLE ledger_postings;
DROP TABLE ledger;

CREATE TABLE ledger (
    id          TEXT PRIMARY KEY,
    loan_id     TEXT REFERENCES loans (id),       -- none for a drawer's own transactions
    customer_id TEXT REFERENCES customers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('disbursement', 'interest', 'fee', 'principal', 'reversal',
                                              'interest_charge', 'fee_charge', 'interest_credit', 'fee_credit',
                                              'disposal_sale', 'surplus_payout', 'surplus_expiry',
                                              'drawer_float', 'safe_transfer', 'drawer_count')),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    method      TEXT NOT NULL CHECK (method IN ('cash', 'bank_transfer', 'mobile_money', 'none')),
    reference   TEXT NOT NULL DEFAULT '',
    payment_id  TEXT,
    reverses    TEXT REFERENCES ledger (id),
    note        TEXT NOT NULL DEFAULT '',
    staff_id    TEXT REFERENCES staff (id),
    on_date     TEXT NOT NULL,
    at          TEXT NOT NULL,
    CHECK ((loan_id IS NULL) = (kind IN ('drawer_float', 'safe_transfer', 'drawer_count'))),
    CHECK ((customer_id IS NULL) = (loan_id IS NULL))
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
                                                    'unclaimed_surplus_income', 'safe', 'cash_over_short')),
    loan_id        TEXT REFERENCES loans (id),    -- the ticket of a customer's account
    side           TEXT NOT NULL CHECK (side IN ('debit', 'credit')),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    drawer_id      TEXT REFERENCES cash_drawers (id), -- the drawer of a cash posting (none before V23)
    UNIQUE (transaction_id, line),
    CHECK (drawer_id IS NULL OR account = 'cash_drawer')
) STRICT;
INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
SELECT id, transaction_id, line, account, loan_id, side, amount FROM ledger_postings_kept ORDER BY rowid;
DROP TABLE ledger_kept;
DROP TABLE ledger_postings_kept;

CREATE INDEX ledger_loan ON ledger (loan_id, at);
CREATE INDEX ledger_customer ON ledger (customer_id, at);
CREATE INDEX ledger_payment ON ledger (payment_id) WHERE payment_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_one_reversal ON ledger (reverses) WHERE reverses IS NOT NULL;
CREATE INDEX ledger_postings_drawer ON ledger_postings (drawer_id) WHERE drawer_id IS NOT NULL;
CREATE INDEX ledger_postings_account ON ledger_postings (account, transaction_id);
-- V21's index, dropped with the table it was on: a ticket's postings by account (the call
-- centre's amounts overdue).
CREATE INDEX ledger_postings_loan ON ledger_postings (loan_id, account);

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


-- The day's close: one row per business day closed (none while a drawer of it is open).
CREATE TABLE day_closes (
    day      TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    at       TEXT NOT NULL
) STRICT;
CREATE TRIGGER day_closes_no_update BEFORE UPDATE ON day_closes
BEGIN
    SELECT RAISE(ABORT, 'a closed day stays closed');
END;
CREATE TRIGGER day_closes_no_delete BEFORE DELETE ON day_closes
BEGIN
    SELECT RAISE(ABORT, 'a closed day stays closed');
END;
