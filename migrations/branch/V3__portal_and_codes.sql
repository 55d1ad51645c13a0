-- The customer portal: one-time codes (login and phone verification), the customer's lock
-- after wrong codes, customer sessions, and the customer's event history.

ALTER TABLE customers ADD COLUMN wrong_codes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN locked_at TEXT;

-- A code sent to a customer. Only its keyed hash is kept (HMAC with the installation secret).
-- It works only in the browser (or counter screen) that asked for it: binding_hash is the
-- SHA-256 of that browser's cookie.
CREATE TABLE otp_codes (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('login', 'verification')),
    channel      TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    destination  TEXT NOT NULL,
    code_hash    BLOB NOT NULL,
    binding_hash BLOB NOT NULL,
    staff_id     TEXT REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    voided_at    TEXT
) STRICT;
CREATE INDEX otp_codes_customer ON otp_codes (customer_id, created_at);
CREATE INDEX otp_codes_destination ON otp_codes (destination, created_at);

CREATE TABLE customer_sessions (
    token_hash   BLOB PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX customer_sessions_customer ON customer_sessions (customer_id);

-- What happened to a customer, for the staff timeline: codes sent and entered, locks,
-- unlocks, verifications, phone changes. Append-only.
CREATE TABLE customer_events (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    staff_id    TEXT REFERENCES staff (id),
    detail      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX customer_events_customer ON customer_events (customer_id, at);
CREATE TRIGGER customer_events_no_update BEFORE UPDATE ON customer_events
BEGIN
    SELECT RAISE(ABORT, 'customer events are append-only');
END;
CREATE TRIGGER customer_events_no_delete BEFORE DELETE ON customer_events
BEGIN
    SELECT RAISE(ABORT, 'customer events are append-only');
END;
