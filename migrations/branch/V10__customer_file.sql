-- The customer's file at the counter (seeds 000, 002, 003): alternative contacts and
-- guarantors, follow-up notes, and the search index behind the one search box.

-- People to reach when the customer cannot be, and guarantors. Removing one keeps the row.
CREATE TABLE customer_contacts (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    kind         TEXT NOT NULL CHECK (kind IN ('alternative', 'guarantor')),
    full_name    TEXT NOT NULL,
    relationship TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL,                -- E.164
    staff_id     TEXT REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    removed_at   TEXT
) STRICT;
CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id);

-- Follow-up notes staff write on a customer (calls, promises to pay, complaints in passing).
-- A note's words and time never change; only a merge moves it to the surviving record.
CREATE TABLE customer_notes (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    at          TEXT NOT NULL,
    staff_id    TEXT REFERENCES staff (id),
    body        TEXT NOT NULL
) STRICT;
CREATE INDEX customer_notes_customer ON customer_notes (customer_id, at);
CREATE TRIGGER customer_notes_keep_words BEFORE UPDATE ON customer_notes
WHEN NEW.body IS NOT OLD.body OR NEW.at IS NOT OLD.at OR NEW.staff_id IS NOT OLD.staff_id
BEGIN
    SELECT RAISE(ABORT, 'a note is not edited; write a new one');
END;
CREATE TRIGGER customer_notes_no_delete BEFORE DELETE ON customer_notes
BEGIN
    SELECT RAISE(ABORT, 'a note is not deleted; write a new one');
END;

-- Names found by any three letters in them (partial and misspelt names), kept in step with
-- customers by triggers.
CREATE VIRTUAL TABLE customers_search USING fts5 (
    full_name,
    content = 'customers',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);
CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_search (rowid, full_name) VALUES (NEW.rowid, NEW.full_name);
END;
CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, full_name) VALUES ('delete', OLD.rowid, OLD.full_name);
END;
CREATE TRIGGER customers_search_update AFTER UPDATE OF full_name ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, full_name) VALUES ('delete', OLD.rowid, OLD.full_name);
    INSERT INTO customers_search (rowid, full_name) VALUES (NEW.rowid, NEW.full_name);
END;
INSERT INTO customers_search (customers_search) VALUES ('rebuild');
