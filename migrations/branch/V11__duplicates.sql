-- Duplicate customer records (issue 7, seed 000 step 10): a merged record becomes an alias of
-- the record that survives it, and pairs staff judged "not a duplicate" stay dismissed.

-- The record this one was merged into (NULL: a record in its own right). An alias keeps its
-- own values (its phone still logs in, to the survivor) and its own events.
ALTER TABLE customers ADD COLUMN merged_into TEXT REFERENCES customers (id);
ALTER TABLE customers ADD COLUMN merged_at TEXT;
CREATE INDEX customers_merged_into ON customers (merged_into) WHERE merged_into IS NOT NULL;

-- Detection groups by these in SQL (duplicates.rs); the ID number is compared without
-- spaces and dashes, by exactly this expression.
CREATE INDEX customers_id_key ON customers (REPLACE(REPLACE(UPPER(id_number), ' ', ''), '-', ''));
CREATE INDEX customers_date_of_birth ON customers (date_of_birth);

-- Pairs staff judged "not a duplicate". `pair` is "<lower id>:<higher id>", so a pair is
-- dismissed once whichever way round it was shown.
CREATE TABLE customer_duplicates_dismissed (
    pair         TEXT PRIMARY KEY,
    customer_a   TEXT NOT NULL REFERENCES customers (id),
    customer_b   TEXT NOT NULL REFERENCES customers (id),
    staff_id     TEXT REFERENCES staff (id),
    dismissed_at TEXT NOT NULL,
    CHECK (customer_a < customer_b AND pair = customer_a || ':' || customer_b)
) STRICT;
