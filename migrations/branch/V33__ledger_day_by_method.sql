-- The day's non-cash match and totals (`drawers::statements`, `drawers::method_totals`) read
-- one method's transactions of a day. V31's `ledger_day` (on_date) gave them the day's every
-- transaction, each then looked up in the postings: at a busy branch (a generated one of
-- 54,000 a day, all cash or charges) the manager's dashboard took seconds for a match with no
-- transfer in it. By day and method, they read only the method's.
DROP INDEX ledger_day;
CREATE INDEX ledger_day ON ledger (on_date, method);

-- The dashboard's "Pawn loans" card counted every ticket of the branch on each visit (a
-- generated branch of 300,000: a fifth of a second). `loan_state_totals` keeps, per state, how
-- many tickets are in it and their principal, kept by the triggers below from `loans`; it stays
-- at the branch (head office has the tickets).
CREATE TABLE loan_state_totals (
    state     TEXT PRIMARY KEY,
    tickets   INTEGER NOT NULL,
    principal INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO loan_state_totals (state, tickets, principal)
SELECT state, COUNT(*), SUM(principal) FROM loans GROUP BY state;

CREATE TRIGGER loan_state_totals_insert AFTER INSERT ON loans
BEGIN
    INSERT INTO loan_state_totals (state, tickets, principal) VALUES (NEW.state, 1, NEW.principal)
    ON CONFLICT (state) DO UPDATE SET tickets = tickets + 1, principal = principal + excluded.principal;
END;

CREATE TRIGGER loan_state_totals_update AFTER UPDATE OF state, principal ON loans
BEGIN
    UPDATE loan_state_totals SET tickets = tickets - 1, principal = principal - OLD.principal
    WHERE state = OLD.state;
    INSERT INTO loan_state_totals (state, tickets, principal) VALUES (NEW.state, 1, NEW.principal)
    ON CONFLICT (state) DO UPDATE SET tickets = tickets + 1, principal = principal + excluded.principal;
END;

CREATE TRIGGER loan_state_totals_delete AFTER DELETE ON loans
BEGIN
    UPDATE loan_state_totals SET tickets = tickets - 1, principal = principal - OLD.principal
    WHERE state = OLD.state;
END;
