-- Complaints (issue 14; seeds 003 and 002): a case per complaint, its timeline of events, the
-- steps of its category's procedure recorded as done, and its escalations. All synced to head
-- office (sync::changes::SYNCED). Times are UTC as every table stores them.
CREATE TABLE complaints (
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers (id),
    -- The caller details compared with the record ("phone,id_number,full_name", seed 003 step
    -- 2); empty for a case the customer opened on the portal, signed in by code.
    checked_details   TEXT NOT NULL,
    channel           TEXT NOT NULL CHECK (channel IN ('hotline', 'social_media', 'live_chat',
                                                       'email', 'counter', 'portal')),
    category          TEXT NOT NULL CHECK (category IN ('billing', 'disbursement',
                                                        'payment_confirmation', 'payment_method',
                                                        'one_time_code', 'other')),
    priority          TEXT NOT NULL CHECK (priority IN ('normal', 'high')),
    -- What it concerns: a ticket (and so its disbursement) and/or a payment code.
    loan_id           TEXT REFERENCES loans (id),
    payment_code      TEXT REFERENCES payment_codes (code),
    description       TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    owner_id          TEXT REFERENCES staff (id),
    state             TEXT NOT NULL CHECK (state IN ('open', 'waiting_on_customer', 'escalated',
                                                     'resolved', 'closed')),
    outcome           TEXT CHECK (outcome IN ('upheld', 'explained', 'rejected', 'withdrawn')),
    opened_by         TEXT REFERENCES staff (id),
    opened_at         TEXT NOT NULL,
    -- The first thing staff did on the case (a note, a step, a message, a state change).
    first_response_at TEXT,
    resolved_at       TEXT,
    closed_at         TEXT,
    -- When the scheduler's breach pass found the first response, and the resolution, late
    -- (each escalated once).
    response_breached_at TEXT,
    breached_at       TEXT,
    -- When each running clock's time is up (complaints::sla::due, written by every change of
    -- the case and again for the unresolved cases when the holidays list changes); NULL while
    -- the clock stands still (waiting on the customer, resolved) or has stopped (responded).
    response_due      TEXT,
    resolution_due    TEXT,
    updated_at        TEXT NOT NULL,
    CHECK ((state IN ('resolved', 'closed')) = (outcome IS NOT NULL))
) STRICT;
CREATE INDEX complaints_customer ON complaints (customer_id);
CREATE INDEX complaints_state_opened ON complaints (state, opened_at);
CREATE INDEX complaints_opened ON complaints (opened_at);
-- The case list by time left (the running clock that matters most: the response's, else the
-- resolution's) and the breach pass's late cases.
CREATE INDEX complaints_due ON complaints (COALESCE(response_due, resolution_due));
CREATE INDEX complaints_response_due ON complaints (response_due) WHERE response_due IS NOT NULL;
CREATE INDEX complaints_resolution_due ON complaints (resolution_due) WHERE resolution_due IS NOT NULL;

-- Everything that happened on a case, with who (NULL: the customer on the portal, or the
-- system) and when. Append-only.
CREATE TABLE complaint_events (
    id           TEXT PRIMARY KEY,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    at           TEXT NOT NULL,
    staff_id     TEXT REFERENCES staff (id),
    kind         TEXT NOT NULL CHECK (kind IN ('opened', 'state', 'note', 'step', 'escalated',
                                               'owner', 'message')),
    from_state   TEXT,
    to_state     TEXT,
    detail       TEXT NOT NULL
) STRICT;
CREATE INDEX complaint_events_case ON complaint_events (complaint_id, at);
CREATE TRIGGER complaint_events_append_only_update BEFORE UPDATE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;
CREATE TRIGGER complaint_events_append_only_delete BEFORE DELETE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;

-- The steps of the category's procedure recorded as done (one row per case and step).
CREATE TABLE complaint_steps (
    id           TEXT PRIMARY KEY,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    step         TEXT NOT NULL,
    done_by      TEXT REFERENCES staff (id),
    done_at      TEXT NOT NULL,
    UNIQUE (complaint_id, step)
) STRICT;

-- Every escalation: to whom, why, and who must contact the customer (seed 003 A.4-A.6).
-- `by_staff` NULL: the scheduler's breach pass.
CREATE TABLE complaint_escalations (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints (id),
    at            TEXT NOT NULL,
    by_staff      TEXT REFERENCES staff (id),
    to_whom       TEXT NOT NULL CHECK (length(to_whom) BETWEEN 1 AND 200),
    reason        TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    contact_by    TEXT NOT NULL CHECK (length(contact_by) BETWEEN 1 AND 200)
) STRICT;
CREATE INDEX complaint_escalations_case ON complaint_escalations (complaint_id, at);
