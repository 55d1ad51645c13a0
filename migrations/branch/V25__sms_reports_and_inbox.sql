-- Issue 17: delivery reports and messages from customers.
--
-- Every message asks the network for a status report (TP-SRR). Each report names one part by
-- the message reference `+CMGS` gave it and the recipient's number; it is kept per part here,
-- and the message's own delivery is decided once every part has a final report: delivered
-- when all parts reached the phone, not delivered as soon as one part failed for good. The
-- times are the network's (TP-DT, the discharge time), not the branch's.
ALTER TABLE sms_outbox ADD COLUMN delivery TEXT CHECK (delivery IN ('delivered', 'not_delivered'));
ALTER TABLE sms_outbox ADD COLUMN delivered_at TEXT;     -- the network's time of the last report
ALTER TABLE sms_outbox ADD COLUMN delivery_status INTEGER; -- TP-ST of the deciding report

-- One row per part that has a report; a temporary report (the network still trying) is
-- replaced by the final one.
CREATE TABLE sms_status_reports (
    sms_id        TEXT NOT NULL REFERENCES sms_outbox (id),
    reference     INTEGER NOT NULL CHECK (reference BETWEEN 0 AND 255),
    status        INTEGER NOT NULL CHECK (status BETWEEN 0 AND 255), -- TP-ST
    discharged_at TEXT NOT NULL,                                     -- TP-DT, the network's time
    received_at   TEXT NOT NULL,                                     -- when the branch read it
    PRIMARY KEY (sms_id, reference)
) STRICT;

-- Messages from customers (and from numbers no customer has), read from the modem and deleted
-- from the SIM. A STOP word sets `customers.do_not_text` (audited) instead of waiting for staff.
CREATE TABLE sms_inbox (
    id          TEXT PRIMARY KEY,
    sender      TEXT NOT NULL,               -- E.164 when it reads as a number, else as given
    body        TEXT NOT NULL,
    sent_at     TEXT,                        -- the network's time stamp (TP-SCTS)
    received_at TEXT NOT NULL,               -- when the branch read it
    customer_id TEXT REFERENCES customers (id), -- none: an unknown number
    stop        INTEGER NOT NULL DEFAULT 0 CHECK (stop IN (0, 1)),
    read_at     TEXT,
    read_by     TEXT REFERENCES staff (id)
) STRICT;
CREATE INDEX sms_inbox_received ON sms_inbox (received_at);
CREATE INDEX sms_inbox_customer ON sms_inbox (customer_id);
CREATE INDEX sms_inbox_unread ON sms_inbox (received_at) WHERE read_at IS NULL;

-- Parts of concatenated messages waiting for their siblings (already deleted from the SIM).
CREATE TABLE sms_inbox_parts (
    sender      TEXT NOT NULL,
    reference   INTEGER NOT NULL,
    total       INTEGER NOT NULL CHECK (total BETWEEN 2 AND 255),
    seq         INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 255),
    body        TEXT NOT NULL,
    sent_at     TEXT,
    received_at TEXT NOT NULL,
    PRIMARY KEY (sender, reference, total, seq)
) STRICT;
