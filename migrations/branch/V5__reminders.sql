-- SMS reminders: the templates managers edit, in both languages, and one row for each reminder
-- queued, whose key makes "never twice for the same loan and event" hold across restarts.

-- A template that replaces the built-in text of an event in one language. Without a row, the
-- text from the message catalogue is used.
CREATE TABLE reminder_templates (
    event      TEXT NOT NULL CHECK (event IN ('before_maturity', 'on_maturity', 'overdue', 'notice')),
    lang       TEXT NOT NULL CHECK (lang IN ('en', 'id')),
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (event, lang)
) STRICT;

-- A reminder queued for a ticket: written in the same transaction as its sms_outbox row.
-- due_on is the branch-local date the reminder fell due (a new due date after an extension
-- makes new reminders). sms_id moves to a new message only when the first one expired unsent
-- at the end of the sending hours.
CREATE TABLE reminders_sent (
    loan_id    TEXT NOT NULL REFERENCES loans (id),
    event      TEXT NOT NULL CHECK (event IN ('before_maturity', 'on_maturity', 'overdue', 'notice')),
    due_on     TEXT NOT NULL,
    sms_id     TEXT NOT NULL REFERENCES sms_outbox (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (loan_id, event, due_on)
) STRICT;
