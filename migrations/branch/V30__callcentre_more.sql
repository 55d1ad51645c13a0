-- The call centre's remaining points of issue 15.
--
-- 1. The follow-up queue's first read after a write. `loan_receivables` keeps each ticket's
-- receivable balance (principal, interest and fees receivable: debits less credits), derived
-- from `ledger_postings` (which takes no updates or deletes) by the trigger below, so the queue
-- reads one row per overdue ticket instead of summing its postings. It stays at the branch
-- (head office has the postings themselves). `loans_open_queue` holds every column the queue
-- reads of an open ticket, so its tickets come from the index alone.
CREATE TABLE loan_receivables (
    loan_id TEXT PRIMARY KEY REFERENCES loans (id),
    balance INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO loan_receivables (loan_id, balance)
SELECT loan_id, SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END)
FROM ledger_postings
WHERE loan_id IS NOT NULL AND account IN ('principal_receivable', 'interest_receivable', 'fees_receivable')
GROUP BY loan_id;

CREATE TRIGGER ledger_postings_receivable AFTER INSERT ON ledger_postings
WHEN NEW.loan_id IS NOT NULL
 AND NEW.account IN ('principal_receivable', 'interest_receivable', 'fees_receivable')
BEGIN
    INSERT INTO loan_receivables (loan_id, balance)
    VALUES (NEW.loan_id, CASE NEW.side WHEN 'debit' THEN NEW.amount ELSE -NEW.amount END)
    ON CONFLICT (loan_id) DO UPDATE SET balance = balance + excluded.balance;
END;

CREATE INDEX loans_open_queue ON loans (matures_on, customer_id, state, id, ticket_no)
    WHERE state IN ('active', 'due', 'grace', 'notice');

-- 2. New applications waiting for information approval (seed 004): a call agent approves a
-- customer's information; who and when are kept on the customer (synced with it). Customers
-- already there are not approved: the queue offers only the new ones (see
-- `callcentre::approval`), found by this index.
ALTER TABLE customers ADD COLUMN info_approved_at TEXT;
ALTER TABLE customers ADD COLUMN info_approved_by TEXT REFERENCES staff (id);
CREATE INDEX customers_awaiting_approval ON customers (created_at)
    WHERE info_approved_at IS NULL AND merged_into IS NULL;

-- 3. "Do not contact", apart from "do not text" (STOP replies, SMS only): set by a call agent
-- or manager with a reason, cleared by one; who and when kept on the customer.
ALTER TABLE customers ADD COLUMN do_not_contact_reason TEXT
    CHECK (do_not_contact_reason IS NULL OR length(do_not_contact_reason) BETWEEN 1 AND 500);
ALTER TABLE customers ADD COLUMN do_not_contact_by TEXT REFERENCES staff (id);
ALTER TABLE customers ADD COLUMN do_not_contact_at TEXT;

-- 4. A staff member's phone (E.164), shown where they are a customer's RO.
ALTER TABLE staff ADD COLUMN phone TEXT;
