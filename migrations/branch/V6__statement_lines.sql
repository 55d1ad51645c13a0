-- Bank and mobile-money statements: every line imported, once (the bank's or operator's
-- transaction reference is the key, so importing the same statement again changes nothing),
-- with what became of it: matched to a payment code and applied, left for staff to review
-- (amount or code not as expected; nothing was applied), or unmatched (no payment code found).
-- Staff mark review and unmatched lines resolved once they have dealt with them; resolving
-- never applies money.

CREATE TABLE statement_lines (
    reference   TEXT PRIMARY KEY,                 -- the bank's or operator's transaction reference
    on_date     TEXT NOT NULL,                    -- the date on the statement
    amount      INTEGER NOT NULL CHECK (amount > 0),
    method      TEXT NOT NULL CHECK (method IN ('bank_transfer', 'mobile_money')),
    description TEXT NOT NULL DEFAULT '',
    code        TEXT,                             -- the payment code found in the description
    status      TEXT NOT NULL CHECK (status IN ('matched', 'review', 'unmatched')),
    reason      TEXT NOT NULL DEFAULT '',         -- why a line is in review or unmatched (a code)
    loan_id     TEXT REFERENCES loans (id),
    payment_id  TEXT,                             -- the ledger rows of an applied line
    imported_at TEXT NOT NULL,
    resolved_at TEXT
) STRICT;
CREATE INDEX statement_lines_open ON statement_lines (on_date) WHERE status <> 'matched' AND resolved_at IS NULL;
