-- Reference data from head office (issue 18): what head office decides for every branch,
-- kept here so that the branch works with it offline. The set itself is applied into the
-- branch's own tables (products, gold prices, reminder texts, holidays); these tables hold
-- what has no home yet: the version received and the chain-wide watch list.

-- The reference data set this branch holds: one row.
CREATE TABLE reference_state (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    version                 INTEGER NOT NULL DEFAULT 0,   -- 0: none received yet
    published_at            TEXT,                         -- when head office published it
    received_at             TEXT,                         -- when this branch applied it
    acked_at                TEXT,                         -- when head office heard it was applied
    branch_products_allowed INTEGER NOT NULL DEFAULT 1 CHECK (branch_products_allowed IN (0, 1)),
    gold_from_head_office   INTEGER NOT NULL DEFAULT 0 CHECK (gold_from_head_office IN (0, 1)), -- the price is head office's
    last_checked_at         TEXT,                         -- the last time head office was asked
    last_error              TEXT                          -- why the last fetch or apply failed
) STRICT;
INSERT INTO reference_state (id) VALUES (1);

-- ID numbers and item serial numbers reported stolen or fraudulent across the chain, as
-- head office sent them: replaced as a whole with every version. `value` is normalised
-- (upper case, letters and digits only).
CREATE TABLE watch_list (
    kind   TEXT NOT NULL CHECK (kind IN ('id_number', 'serial')),
    value  TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 64),
    reason TEXT NOT NULL,
    PRIMARY KEY (kind, value)
) STRICT, WITHOUT ROWID;

-- A product head office sends carries its head office code; the branch's own have none.
ALTER TABLE loan_products ADD COLUMN hq_code TEXT;
CREATE UNIQUE INDEX loan_products_hq_code ON loan_products (hq_code) WHERE hq_code IS NOT NULL;

-- Holidays head office sends are replaced with every version; the branch's own stay.
ALTER TABLE holidays ADD COLUMN from_head_office INTEGER NOT NULL DEFAULT 0 CHECK (from_head_office IN (0, 1));
