-- Several modems (issue 17): which modem sent each message and how many parts it took, each
-- modem's daily count of messages, parts and their cost, and the last SIM balance it read by
-- USSD. All three reach head office (sync::changes::SYNCED).
ALTER TABLE sms_outbox ADD COLUMN modem TEXT;    -- the [modem] name that sent it
ALTER TABLE sms_outbox ADD COLUMN parts INTEGER; -- SMS parts it took, once sent

-- One row per modem and branch-local day; cost in the branch currency's minor units at the
-- [modem] price_per_part of the moment each message went.
CREATE TABLE sms_modem_days (
    id         TEXT PRIMARY KEY,             -- '<modem>/<day>'
    modem      TEXT NOT NULL,
    day        TEXT NOT NULL,                -- YYYY-MM-DD, branch time
    messages   INTEGER NOT NULL CHECK (messages >= 0),
    parts      INTEGER NOT NULL CHECK (parts >= 0),
    cost       INTEGER NOT NULL CHECK (cost >= 0),
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX sms_modem_days_day ON sms_modem_days (day);

-- The last balance check of each modem's SIM: the amount read (NULL when the check failed),
-- the operator's answer or the error, and when.
CREATE TABLE sms_modem_balances (
    modem      TEXT PRIMARY KEY,
    balance    INTEGER,
    answer     TEXT NOT NULL,
    failed     INTEGER NOT NULL CHECK (failed IN (0, 1)),
    checked_at TEXT NOT NULL
) STRICT;
