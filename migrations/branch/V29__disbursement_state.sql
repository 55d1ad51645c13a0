-- Issue 14, the remaining points: a disbursement's state (seed 003 B.7), breach notices by
-- email, and the email typos a complaint case may correct (seed 002 step 3).
--
-- A disbursement paid out by bank transfer or mobile money can fail after the branch sent it
-- (a wrong account, a closed wallet). Each such payout gets a row here: sent (when, by whom),
-- marked failed (when, by whom, why, and the ledger's reversal of the payout), made again
-- (the new payout, which points back at the one it replaces). Cash is handed over at the
-- counter and gets no row; a cash remake of a failed transfer does, to keep the link.
-- New CHECK lists, through the writable_schema procedure V23 uses ("Making Other Kinds Of Table
-- Schema Changes", https://www.sqlite.org/lang_altertable.html#otheralter): every row already
-- satisfies the longer lists. The email outbox takes breach notices ('notice'); a case's
-- timeline records a disbursement's state change and an email address corrected from the
-- case. `replace` edits only the list, so the rest of each definition stays as it was.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''invitation'', ''otp'', ''test''))',
                       'CHECK (kind IN (''invitation'', ''otp'', ''test'', ''notice''))')
WHERE type = 'table' AND name = 'email_outbox';
UPDATE sqlite_master
SET sql = replace(sql, '''owner'', ''message'')', '''owner'', ''message'', ''disbursement'', ''email_corrected'')')
WHERE type = 'table' AND name = 'complaint_events';
PRAGMA writable_schema = RESET;

-- The table below is created after the edit: creating it bumps the schema version, so no
-- connection keeps the old definitions (V23's ALTER TABLE does the same).
CREATE TABLE disbursements (
    id            TEXT PRIMARY KEY,
    loan_id       TEXT NOT NULL REFERENCES loans (id),
    ledger_id     TEXT NOT NULL UNIQUE REFERENCES ledger (id),   -- the payout's transaction
    method        TEXT NOT NULL CHECK (method IN ('cash', 'bank_transfer', 'mobile_money')),
    reference     TEXT NOT NULL DEFAULT '',
    amount        INTEGER NOT NULL CHECK (amount > 0),
    state         TEXT NOT NULL CHECK (state IN ('sent', 'failed', 'made_again')),
    sent_at       TEXT NOT NULL,
    sent_by       TEXT REFERENCES staff (id),
    failed_at     TEXT,
    failed_by     TEXT REFERENCES staff (id),
    failed_reason TEXT NOT NULL DEFAULT '',
    reversal_id   TEXT REFERENCES ledger (id),                   -- the payout's reversal
    replaces      TEXT UNIQUE REFERENCES disbursements (id),     -- the failed payout this one makes again
    updated_at    TEXT NOT NULL,
    CHECK ((state = 'sent') = (failed_at IS NULL)),
    CHECK ((failed_at IS NULL) = (failed_by IS NULL) AND (failed_at IS NULL) = (reversal_id IS NULL)),
    CHECK (state = 'sent' OR method <> 'cash')
) STRICT;
CREATE INDEX disbursements_loan ON disbursements (loan_id, sent_at);
-- At most one payout of a ticket waits to be made again.
CREATE UNIQUE INDEX disbursements_one_failed ON disbursements (loan_id) WHERE state = 'failed';

-- The non-cash payouts made before V29, as sent (none of them had a state to record).
INSERT INTO disbursements (id, loan_id, ledger_id, method, reference, amount, state, sent_at, sent_by, updated_at)
SELECT l.id, l.loan_id, l.id, l.method, l.reference, l.amount, 'sent', l.at, l.staff_id, l.at
FROM ledger l
WHERE l.kind = 'disbursement' AND l.method IN ('bank_transfer', 'mobile_money')
  AND NOT EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = l.id);

