-- The branch's gold reference price (issue 13, point 7): what a gram of 24-karat gold is worth
-- from a date on, in minor units of the branch currency, with who set it and why. Lower karats
-- are priced pro rata (k/24) unless `karat_prices` (a JSON object, karat -> price per gram in
-- minor units) names their own price. Rows are only inserted: a new price is a new row.
CREATE TABLE gold_prices (
    id              TEXT PRIMARY KEY,
    price_per_gram  INTEGER NOT NULL CHECK (price_per_gram > 0),   -- 24K, minor units
    karat_prices    TEXT NOT NULL DEFAULT '{}',
    effective_on    TEXT NOT NULL,                                 -- branch-local date
    set_by          TEXT REFERENCES staff (id),
    note            TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX gold_prices_effective ON gold_prices (effective_on, created_at);
CREATE TRIGGER gold_prices_no_update BEFORE UPDATE ON gold_prices
BEGIN
    SELECT RAISE(ABORT, 'gold prices are append-only; set a new price');
END;
CREATE TRIGGER gold_prices_no_delete BEFORE DELETE ON gold_prices
BEGIN
    SELECT RAISE(ABORT, 'gold prices are append-only; set a new price');
END;

-- Who wrote a ticket, so that one above `[loans] second_approval_above` is approved and paid
-- out by someone else. Tickets written before this migration have no writer recorded.
ALTER TABLE loans ADD COLUMN written_by TEXT REFERENCES staff (id);
