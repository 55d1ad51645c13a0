-- The email outbox (issue 7): every email is a row here before it reaches the SMTP relay, so a
-- queued email survives a restart and waits while no relay is configured or the relay is down.
-- The sender thread takes queued rows by priority, then age. V9 rather than V8: V8 is taken by
-- the sync work on main.
CREATE TABLE email_outbox (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,              -- an email address
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,              -- codes are blanked once the email has left
    kind            TEXT NOT NULL CHECK (kind IN ('invitation', 'otp', 'test')),
    priority        INTEGER NOT NULL,           -- lower goes first
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'expired',
                                                   'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    expires_at      TEXT,                       -- one-time codes: not sent after this
    last_error      TEXT,
    customer_id     TEXT REFERENCES customers (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT
) STRICT;
CREATE INDEX email_outbox_due ON email_outbox (priority, created_at) WHERE state = 'queued';
CREATE INDEX email_outbox_created ON email_outbox (created_at);
CREATE INDEX email_outbox_customer ON email_outbox (customer_id, kind);

-- An email address is verified by a code sent to it (at the counter); changing the address
-- makes it unverified again. Only a verified address may receive login codes.
ALTER TABLE customers ADD COLUMN email_verified_at TEXT;
