-- The dashboard's trends (issue 16): principal outstanding and collections per day, tickets
-- written, redeemed and forfeited per week, read without scanning the ledger.
--
-- `ledger_day_totals` keeps, per business day, account, kind of transaction and side, the sum
-- of the postings and their count. It is derived from `ledger_postings` (which takes no updates
-- or deletes) by the trigger below, so an account's balance at the end of any day is a sum over
-- a few rows per day instead of every posting since the branch opened. It stays at the branch
-- (head office has the postings themselves).
CREATE TABLE ledger_day_totals (
    on_date TEXT NOT NULL,
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    side    TEXT NOT NULL CHECK (side IN ('debit', 'credit')),
    amount  INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (account, on_date, kind, side)
) STRICT, WITHOUT ROWID;

INSERT INTO ledger_day_totals (on_date, account, kind, side, amount, n)
SELECT l.on_date, p.account, l.kind, p.side, SUM(p.amount), COUNT(*)
FROM ledger_postings p JOIN ledger l ON l.id = p.transaction_id
GROUP BY l.on_date, p.account, l.kind, p.side;

CREATE TRIGGER ledger_day_totals_add AFTER INSERT ON ledger_postings
BEGIN
    INSERT INTO ledger_day_totals (on_date, account, kind, side, amount, n)
    SELECT l.on_date, NEW.account, l.kind, NEW.side, NEW.amount, 1
    FROM ledger l WHERE l.id = NEW.transaction_id
    ON CONFLICT (account, on_date, kind, side)
    DO UPDATE SET amount = amount + excluded.amount, n = n + 1;
END;

-- The week's tickets: written (disbursements by day) and redeemed or forfeited (state events
-- by time), each a range of an index.
CREATE INDEX ledger_kind_day ON ledger (kind, on_date);
CREATE INDEX loan_events_state_at ON loan_events (to_value, at) WHERE kind = 'state';
