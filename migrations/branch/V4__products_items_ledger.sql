-- Pawn loans in full: products (terms managers edit), the terms each ticket was written under,
-- collateral items, the append-only ledger, extensions, payment codes and state history.

CREATE TABLE loan_products (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('pawn', 'installment')),
    rate_bp            INTEGER NOT NULL CHECK (rate_bp >= 0),       -- interest per period, basis points
    period_days        INTEGER NOT NULL CHECK (period_days > 0),
    term_periods       INTEGER NOT NULL CHECK (term_periods > 0),
    min_interest_days  INTEGER NOT NULL DEFAULT 0 CHECK (min_interest_days >= 0),
    ticket_fee         TEXT NOT NULL DEFAULT 'amount:0',              -- 'amount:<minor>' or 'rate:<bp>'
    storage_fee        TEXT NOT NULL DEFAULT 'amount:0',              -- per period
    late_fee           TEXT NOT NULL DEFAULT 'amount:0',              -- once, after grace
    lost_ticket_fee    TEXT NOT NULL DEFAULT 'amount:0',
    grace_days         INTEGER NOT NULL DEFAULT 0 CHECK (grace_days >= 0),
    notice_days        INTEGER NOT NULL DEFAULT 0 CHECK (notice_days >= 0),
    forfeit_days       INTEGER NOT NULL DEFAULT 0 CHECK (forfeit_days >= 0),
    max_ltv_bp         INTEGER NOT NULL CHECK (max_ltv_bp > 0 AND max_ltv_bp <= 10000),
    rounding           TEXT NOT NULL DEFAULT 'half_up' CHECK (rounding IN ('half_up', 'down', 'up')),
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;

-- The terms a ticket was written under (a JSON copy of the product), so later product changes
-- never alter it; and the date the interest periods count from.
ALTER TABLE loans ADD COLUMN product_id TEXT REFERENCES loan_products (id);
ALTER TABLE loans ADD COLUMN terms TEXT;
ALTER TABLE loans ADD COLUMN approved_at TEXT;
ALTER TABLE loans ADD COLUMN closed_at TEXT;
ALTER TABLE loans ADD COLUMN released_at TEXT;
ALTER TABLE loans ADD COLUMN ticket_lost INTEGER NOT NULL DEFAULT 0;

CREATE TABLE loan_items (
    id          TEXT PRIMARY KEY,
    loan_id     TEXT NOT NULL REFERENCES loans (id),
    category    TEXT NOT NULL,
    description TEXT NOT NULL,
    marks       TEXT NOT NULL DEFAULT '',        -- serial number or distinguishing marks
    weight_mg   INTEGER,                          -- gold: weight in milligrams
    karat       INTEGER,                          -- gold: 1 to 24
    appraised   INTEGER NOT NULL CHECK (appraised > 0)
) STRICT;
CREATE INDEX loan_items_loan ON loan_items (loan_id);

-- The ledger: every money movement of a ticket. Amounts are minor units, positive; the kind
-- says which way money went. Rows are only inserted; a correction is a reversal row that
-- points at the row it cancels.
CREATE TABLE ledger (
    id          TEXT PRIMARY KEY,
    loan_id     TEXT NOT NULL REFERENCES loans (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('disbursement', 'interest', 'fee', 'principal', 'reversal')),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    method      TEXT NOT NULL CHECK (method IN ('cash', 'bank_transfer', 'mobile_money', 'none')),
    reference   TEXT NOT NULL DEFAULT '',
    payment_id  TEXT,                             -- the rows of one payment share it
    reverses    TEXT REFERENCES ledger (id),
    note        TEXT NOT NULL DEFAULT '',
    staff_id    TEXT REFERENCES staff (id),
    on_date     TEXT NOT NULL,                    -- branch-local business date
    at          TEXT NOT NULL
) STRICT;
CREATE INDEX ledger_loan ON ledger (loan_id, at);
CREATE INDEX ledger_customer ON ledger (customer_id, at);
CREATE UNIQUE INDEX ledger_one_reversal ON ledger (reverses) WHERE reverses IS NOT NULL;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only; correct with a reversal');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only; correct with a reversal');
END;

-- Maturity changes (extensions) and state changes, each recorded.
CREATE TABLE loan_events (
    id         TEXT PRIMARY KEY,
    loan_id    TEXT NOT NULL REFERENCES loans (id),
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,                     -- 'state', 'extension', 'release', ...
    from_value TEXT NOT NULL DEFAULT '',
    to_value   TEXT NOT NULL DEFAULT '',
    staff_id   TEXT REFERENCES staff (id),
    payment_id TEXT
) STRICT;
CREATE INDEX loan_events_loan ON loan_events (loan_id, at);

-- Payment codes (seed 003): a short reference for one ticket and one amount, valid for a
-- while, for paying at the counter, by bank transfer or mobile money.
CREATE TABLE payment_codes (
    code         TEXT PRIMARY KEY,
    loan_id      TEXT NOT NULL REFERENCES loans (id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('extension', 'redemption', 'payment')),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    periods      INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    paid_at      TEXT,
    payment_id   TEXT,
    cancelled_at TEXT
) STRICT;
CREATE INDEX payment_codes_loan ON payment_codes (loan_id);

ALTER TABLE customers ADD COLUMN do_not_text INTEGER NOT NULL DEFAULT 0;
