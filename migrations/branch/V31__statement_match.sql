-- The day's non-cash totals matched against the imported statements (issue 16). What the
-- statement import keeps is enough to match: every line's date, amount, method, reference and,
-- for a line applied to a payment code, the payment it became (`statement_lines.payment_id`).
-- A payment taken at the counter by transfer is confirmed by the statement line with its
-- reference (same method, same day, same amount), found when the match is read
-- (`drawers::statements`), so nothing new is stored and nothing new is synced. These indexes
-- let the match read one day's lines and one day's ledger (the clearing account's postings
-- are found through the day's transactions, not the account's whole history: the manager's
-- dashboard reads the match on every visit), and look a reference up on either side (a line
-- or a payment of another day), without reading whole tables.

CREATE INDEX statement_lines_day ON statement_lines (on_date, method);
CREATE INDEX statement_lines_reference_nocase ON statement_lines (reference COLLATE NOCASE);
CREATE INDEX ledger_day ON ledger (on_date);
CREATE INDEX ledger_reference ON ledger (reference COLLATE NOCASE) WHERE reference <> '';
