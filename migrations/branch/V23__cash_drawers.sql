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
-- `cash_over_short`. These only widen what the tables accept, so the tables are not rebuilt
-- (V18 rebuilt them; at millions of postings a rebuild keeps a branch from starting for half
-- an hour): their definitions are rewritten in place, the way SQLite's documentation gives for
-- removing NOT NULL and changing CHECK constraints ("Making Other Kinds Of Table Schema
-- Changes", https://www.sqlite.org/lang_altertable.html#otheralter). Every row already
-- satisfies the new definitions: each has a ticket and a customer and a kind of V18's list.
-- `PRAGMA writable_schema = RESET` makes this connection read the schema again, and the
-- `ALTER TABLE ... ADD COLUMN` after it bumps the schema version, so no connection keeps the
-- old definitions. The rows, their indexes
-- and the append-only triggers stay where they are; `drawers::migration_tests` checks it.

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

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = 'CREATE TABLE ledger (
    id          TEXT PRIMARY KEY,
    loan_id     TEXT REFERENCES loans (id),
    customer_id TEXT REFERENCES customers (id),
    kind        TEXT NOT NULL CHECK (kind IN (''disbursement'', ''interest'', ''fee'', ''principal'', ''reversal'',
                                              ''interest_charge'', ''fee_charge'', ''interest_credit'', ''fee_credit'',
                                              ''disposal_sale'', ''surplus_payout'', ''surplus_expiry'',
                                              ''drawer_float'', ''safe_transfer'', ''drawer_count'')),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    method      TEXT NOT NULL CHECK (method IN (''cash'', ''bank_transfer'', ''mobile_money'', ''none'')),
    reference   TEXT NOT NULL DEFAULT '''',
    payment_id  TEXT,
    reverses    TEXT REFERENCES ledger (id),
    note        TEXT NOT NULL DEFAULT '''',
    staff_id    TEXT REFERENCES staff (id),
    on_date     TEXT NOT NULL,
    at          TEXT NOT NULL,
    CHECK ((loan_id IS NULL) = (kind IN (''drawer_float'', ''safe_transfer'', ''drawer_count''))),
    CHECK ((customer_id IS NULL) = (loan_id IS NULL))
) STRICT'
WHERE type = 'table' AND name = 'ledger';
UPDATE sqlite_master SET sql = 'CREATE TABLE ledger_postings (
    id             TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL REFERENCES ledger (id),
    line           INTEGER NOT NULL CHECK (line > 0),
    account        TEXT NOT NULL CHECK (account IN (''principal_receivable'', ''interest_receivable'', ''fees_receivable'',
                                                    ''cash_drawer'', ''bank_clearing'', ''mobile_money_clearing'',
                                                    ''interest_income'', ''fee_income'', ''write_offs'', ''surplus_owed'',
                                                    ''unclaimed_surplus_income'', ''safe'', ''cash_over_short'')),
    loan_id        TEXT REFERENCES loans (id),
    side           TEXT NOT NULL CHECK (side IN (''debit'', ''credit'')),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    UNIQUE (transaction_id, line)
) STRICT'
WHERE type = 'table' AND name = 'ledger_postings';
PRAGMA writable_schema = RESET;

-- The drawer of a cash posting (none before V23).
ALTER TABLE ledger_postings ADD COLUMN drawer_id TEXT REFERENCES cash_drawers (id)
    CHECK (drawer_id IS NULL OR account = 'cash_drawer');
CREATE INDEX ledger_postings_drawer ON ledger_postings (drawer_id) WHERE drawer_id IS NOT NULL;
CREATE INDEX ledger_postings_account ON ledger_postings (account, transaction_id);

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
