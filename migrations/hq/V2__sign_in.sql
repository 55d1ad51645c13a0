-- Head office sign-in: a sign-in page and server-side sessions replace HTTP Basic.

-- Failures in a row and locks, per username as typed (case-insensitive), whether or not a
-- user has that name, so the answers never tell which names exist. A row goes at the next
-- successful sign-in, or a day after its last failure once no lock holds.
CREATE TABLE sign_in_failures (
    username        TEXT PRIMARY KEY COLLATE NOCASE,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    last_failed_at  TEXT NOT NULL
) STRICT;

-- A signed-in head office browser. The cookie holds a random token; only its SHA-256 is
-- stored, so a copy of the database opens no session.
CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users (username),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_username ON sessions (username);

-- Every sign-in, failure, lock, refusal and sign-out at head office: who (the username as
-- typed, at most 64 characters), what, when, from which address.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    username TEXT NOT NULL,
    action   TEXT NOT NULL,   -- sign_in, sign_in.failed, sign_in.locked, sign_in.refused_locked, sign_in.disabled, sign_out
    address  TEXT NOT NULL,
    detail   TEXT             -- JSON: failures in a row, locked until
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
