-- Head office (`pawnbranch hq`): the branches it accepts uploads from, the raw change log of each
-- branch exactly as received, the current state of every record of every branch, and what the
-- staff pages search and total. Times are UTC text as chrono writes them.
-- The two tables that hold records' JSON are rowid tables with their key as a separate index:
-- WITHOUT ROWID suits only small rows.

CREATE TABLE branches (
    code              TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    credential_hash   BLOB NOT NULL,               -- SHA-256 of the credential printed once
    created_at        TEXT NOT NULL,
    revoked_at        TEXT,
    acked_seq         INTEGER NOT NULL DEFAULT 0,  -- every entry up to here is stored
    entries_received  INTEGER NOT NULL DEFAULT 0,
    last_upload_at    TEXT,
    schema_version    INTEGER,                     -- of the branch's last batch
    waiting_after     INTEGER,                     -- entries the branch still had after its last batch
    oldest_waiting_at TEXT                         -- when the oldest of those was written
) STRICT;

-- Every entry of every branch, as received. set_aside holds the reason an entry was stored but
-- not applied to the current state.
CREATE TABLE changes (
    branch      TEXT NOT NULL REFERENCES branches (code),
    seq         INTEGER NOT NULL,
    entity      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    op          TEXT NOT NULL,
    data        TEXT,
    at          TEXT NOT NULL,
    digest      BLOB NOT NULL,                     -- SHA-256 of the entry (src/sync/batch.rs)
    received_at TEXT NOT NULL,
    set_aside   TEXT,
    PRIMARY KEY (branch, seq)
) STRICT;
CREATE INDEX changes_set_aside ON changes (branch, seq) WHERE set_aside IS NOT NULL;

-- The current state of every record of every branch (deleted records keep their last state).
CREATE TABLE records (
    branch    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    data      TEXT NOT NULL,
    seq       INTEGER NOT NULL,                    -- the change that wrote it
    deleted   INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    PRIMARY KEY (branch, entity, record_id)
) STRICT;

-- Customers of every branch, for the search across branches (a customer often pawns at more
-- than one branch).
CREATE TABLE customers (
    branch        TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    full_name     TEXT NOT NULL,
    phone         TEXT NOT NULL,
    id_number     TEXT,
    date_of_birth TEXT,
    merged_into   TEXT,                          -- set when the branch merged it into another record
    PRIMARY KEY (branch, record_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX customers_phone ON customers (phone);
CREATE INDEX customers_id_number ON customers (id_number);

-- Tickets of every branch with their principal still outstanding, for the totals per branch.
CREATE TABLE loans (
    branch        TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    customer_id   TEXT NOT NULL DEFAULT '',
    ticket_no     TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT '',
    principal_out INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (branch, record_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX loans_customer ON loans (branch, customer_id);

-- Head office staff who may read these pages (HTTP Basic over TLS; the pages only read).
CREATE TABLE users (
    username      TEXT PRIMARY KEY COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
) STRICT;
