-- Receipts (issue 13, point 4): one for every money movement of a ticket, a payment (its
-- ledger rows share `payment_id`) or a disbursement (one ledger row), numbered per branch and
-- business year: `seq` runs 1, 2, 3 ... within `year`, without gaps, and is never reused. The
-- number is allocated as MAX(seq) + 1 in the write transaction of the movement itself
-- (`loans::receipts`), so a movement that rolls back takes its number with it; the unique index
-- refuses a second receipt of one number, and the triggers below refuse deleting a receipt or
-- changing anything on it but its view count, so MAX(seq) never goes down.
--
-- The breakdown is the ledger's (the movement's rows); the receipt keeps what the ledger does
-- not: the kind, the due date and principal outstanding right after the movement, who took it
-- (none: applied from a statement import), and how often it was shown (`views`: the first
-- view is the original, every later one a copy).
CREATE TABLE receipts (
    id              TEXT PRIMARY KEY,
    year            INTEGER NOT NULL CHECK (year BETWEEN 1000 AND 9999),
    seq             INTEGER NOT NULL CHECK (seq > 0),
    kind            TEXT NOT NULL CHECK (kind IN ('payment', 'extension', 'redemption', 'disbursement')),
    loan_id         TEXT NOT NULL REFERENCES loans (id),
    customer_id     TEXT NOT NULL REFERENCES customers (id),
    payment_id      TEXT UNIQUE,                           -- a payment's ledger rows
    disbursement_id TEXT UNIQUE REFERENCES ledger (id),    -- a disbursement's ledger row
    staff_id        TEXT REFERENCES staff (id),            -- the cashier; NULL: a statement import
    due_after       TEXT,                                  -- the due date after it; NULL: redeemed
    principal_after INTEGER NOT NULL CHECK (principal_after >= 0),
    on_date         TEXT NOT NULL,                         -- the movement's business date
    issued_at       TEXT NOT NULL,
    views           INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0),
    UNIQUE (year, seq),
    CHECK ((payment_id IS NULL) <> (disbursement_id IS NULL))
) STRICT;
CREATE INDEX receipts_loan ON receipts (loan_id, issued_at);

-- The receipts of the movements there were, numbered in the order they happened within each
-- business year. A receipt takes the id of its movement (the payment id, or the disbursement's
-- ledger id), both ULIDs. Tickets brought over from the previous system (`import loans`) have
-- their disbursement and what was paid before as bookkeeping rows (references 'imported' and
-- 'imported: paid before', no staff): those receipts were the previous system's, so they get
-- none here, as a newly imported ticket gets none.
WITH movements AS (
    SELECT l.payment_id AS id, l.payment_id AS payment_id, NULL AS disbursement_id,
           MIN(l.loan_id) AS loan_id, MIN(l.customer_id) AS customer_id, MIN(l.staff_id) AS staff_id,
           MIN(l.on_date) AS on_date, MIN(l.at) AS at
    FROM ledger l
    WHERE l.kind IN ('interest', 'fee', 'principal') AND l.payment_id IS NOT NULL
      AND NOT (l.staff_id IS NULL AND l.reference = 'imported: paid before')
    GROUP BY l.payment_id
    UNION ALL
    SELECT l.id, NULL, l.id, l.loan_id, l.customer_id, l.staff_id, l.on_date, l.at
    FROM ledger l
    WHERE l.kind = 'disbursement' AND NOT (l.staff_id IS NULL AND l.reference = 'imported')
),
numbered AS (
    SELECT m.*, CAST(strftime('%Y', m.on_date) AS INTEGER) AS year,
           ROW_NUMBER() OVER (PARTITION BY strftime('%Y', m.on_date) ORDER BY m.at, m.id) AS seq
    FROM movements m
)
INSERT INTO receipts (id, year, seq, kind, loan_id, customer_id, payment_id, disbursement_id, staff_id,
                      due_after, principal_after, on_date, issued_at, views)
SELECT n.id, n.year, n.seq,
       CASE
           WHEN n.disbursement_id IS NOT NULL THEN 'disbursement'
           WHEN EXISTS (SELECT 1 FROM loan_events e WHERE e.payment_id = n.payment_id AND e.kind = 'extension')
               THEN 'extension'
           -- The payment after which nothing was left: the one that closed a redeemed ticket.
           WHEN t.state = 'redeemed' AND NOT EXISTS (
                    SELECT 1 FROM ledger later WHERE later.loan_id = n.loan_id
                      AND later.kind IN ('interest', 'fee', 'principal') AND later.at > n.at)
               THEN 'redemption'
           ELSE 'payment'
       END,
       n.loan_id, n.customer_id, n.payment_id, n.disbursement_id, n.staff_id,
       -- The due date right after it: an extension's new date, else the latest one set by then.
       CASE
           WHEN n.disbursement_id IS NULL AND t.state = 'redeemed' AND NOT EXISTS (
                    SELECT 1 FROM ledger later WHERE later.loan_id = n.loan_id
                      AND later.kind IN ('interest', 'fee', 'principal') AND later.at > n.at)
               THEN NULL
           ELSE COALESCE(
               (SELECT e.to_value FROM loan_events e WHERE e.loan_id = n.loan_id AND e.kind = 'extension'
                  AND e.at <= n.at ORDER BY e.at DESC LIMIT 1),
               (SELECT e.from_value FROM loan_events e WHERE e.loan_id = n.loan_id AND e.kind = 'extension'
                  ORDER BY e.at LIMIT 1),
               t.matures_on)
       END,
       -- The principal lent less what was repaid up to and with it (reversed repayments kept
       -- out: the receipt states the position as it is known now, never below zero).
       MAX(0, t.principal - COALESCE((
           SELECT SUM(p.amount) FROM ledger p WHERE p.loan_id = n.loan_id AND p.kind = 'principal'
             AND p.at <= n.at AND NOT EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = p.id)), 0)),
       n.on_date, n.at, 1
FROM numbered n JOIN loans t ON t.id = n.loan_id;

-- A receipt is a document: only its view count changes, and it is never deleted (a reversal
-- leaves it standing; the reversal shows on it, read from the ledger).
CREATE TRIGGER receipts_no_change BEFORE UPDATE ON receipts
WHEN NEW.id IS NOT OLD.id OR NEW.year IS NOT OLD.year OR NEW.seq IS NOT OLD.seq OR NEW.kind IS NOT OLD.kind
  OR NEW.loan_id IS NOT OLD.loan_id OR NEW.customer_id IS NOT OLD.customer_id
  OR NEW.payment_id IS NOT OLD.payment_id OR NEW.disbursement_id IS NOT OLD.disbursement_id
  OR NEW.staff_id IS NOT OLD.staff_id OR NEW.due_after IS NOT OLD.due_after
  OR NEW.principal_after IS NOT OLD.principal_after OR NEW.on_date IS NOT OLD.on_date
  OR NEW.issued_at IS NOT OLD.issued_at OR NEW.views < OLD.views
BEGIN
    SELECT RAISE(ABORT, 'a receipt never changes; only its view count goes up');
END;
CREATE TRIGGER receipts_no_delete BEFORE DELETE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'a receipt is never deleted; a reversal leaves it standing');
END;
