-- Foundation: installation settings, staff accounts and sessions, the audit log, and the first
-- shape of customers and pawn loans (later migrations extend them; none edits this file).
--
-- Ids are chain-unique text ids (see src/ids.rs), so head office can merge every branch's rows.
-- Times are UTC, written by chrono as 'YYYY-MM-DD HH:MM:SS.ffffff+00:00', which sorts as text.
-- Dates are branch-local 'YYYY-MM-DD'. Money is INTEGER minor units of the branch currency.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    full_name       TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('clerk', 'call_agent', 'manager', 'admin')),
    password_hash   TEXT NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    last_sign_in_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

-- A signed-in staff browser. The cookie holds a random token; only its SHA-256 is stored, so a
-- copy of the database does not let anyone sign in.
CREATE TABLE staff_sessions (
    token_hash   BLOB PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Every change made by staff (or by the system on their behalf): who, what, when, before, after.
-- Rows are only ever inserted.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TEXT NOT NULL,
    staff_id    TEXT REFERENCES staff (id),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE customers (
    id                   TEXT PRIMARY KEY,
    full_name            TEXT NOT NULL DEFAULT '',
    phone                TEXT NOT NULL,
    phone_verified_at    TEXT,
    id_number            TEXT,
    date_of_birth        TEXT,
    address              TEXT NOT NULL DEFAULT '',
    email                TEXT,
    profile_completed_at TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
) STRICT;
CREATE INDEX customers_phone ON customers (phone);
CREATE INDEX customers_id_number ON customers (id_number);

CREATE TABLE loans (
    id               TEXT PRIMARY KEY,
    ticket_no        TEXT NOT NULL UNIQUE,
    customer_id      TEXT NOT NULL REFERENCES customers (id),
    state            TEXT NOT NULL CHECK (state IN ('origination', 'active', 'due', 'grace', 'notice',
                                                     'forfeited', 'redeemed', 'cancelled')),
    principal        INTEGER NOT NULL CHECK (principal > 0),
    item_description TEXT NOT NULL,
    started_on       TEXT NOT NULL,
    matures_on       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX loans_customer ON loans (customer_id);
CREATE INDEX loans_state ON loans (state);
