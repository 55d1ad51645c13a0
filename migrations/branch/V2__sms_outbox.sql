-- The SMS outbox: every SMS is a row here before it reaches the modem, so a queued message
-- survives a restart. The sender thread takes queued rows by priority, then age.
CREATE TABLE sms_outbox (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,              -- E.164
    body            TEXT NOT NULL,              -- codes are blanked once the message has left
    kind            TEXT NOT NULL CHECK (kind IN ('otp', 'verification', 'test', 'follow_up', 'notice',
                                                  'reminder', 'campaign')),
    priority        INTEGER NOT NULL,           -- lower goes first
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'expired',
                                                   'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    expires_at      TEXT,                       -- one-time codes: not sent after this
    last_error      TEXT,
    modem_reference TEXT,                       -- +CMGS message references, one per part
    customer_id     TEXT REFERENCES customers (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT
) STRICT;
CREATE INDEX sms_outbox_due ON sms_outbox (priority, created_at) WHERE state = 'queued';
CREATE INDEX sms_outbox_created ON sms_outbox (created_at);
CREATE INDEX sms_outbox_customer ON sms_outbox (customer_id);
