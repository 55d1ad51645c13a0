-- Head office on PostgreSQL: the same tables as migrations/hq/V1 (see there for what each
-- holds), in types PostgreSQL and the databases that speak its protocol (CockroachDB,
-- YugabyteDB) share: TEXT, BIGINT, BYTEA, BOOLEAN, TIMESTAMPTZ for head office's own times.
-- A branch's times (`at`, `oldest_waiting_at`) stay the text the branch sent.

CREATE TABLE branches (
    code              TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    credential_hash   BYTEA NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    revoked_at        TIMESTAMPTZ,
    acked_seq         BIGINT NOT NULL DEFAULT 0,
    entries_received  BIGINT NOT NULL DEFAULT 0,
    last_upload_at    TIMESTAMPTZ,
    schema_version    BIGINT,
    waiting_after     BIGINT,
    oldest_waiting_at TEXT
);

CREATE TABLE changes (
    branch      TEXT NOT NULL REFERENCES branches (code),
    seq         BIGINT NOT NULL,
    entity      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    op          TEXT NOT NULL,
    data        TEXT,
    at          TEXT NOT NULL,
    digest      BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    set_aside   TEXT,
    PRIMARY KEY (branch, seq)
);
CREATE INDEX changes_set_aside ON changes (branch, seq) WHERE set_aside IS NOT NULL;

CREATE TABLE records (
    branch    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    data      TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    deleted   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (branch, entity, record_id)
);

CREATE TABLE customers (
    branch        TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    full_name     TEXT NOT NULL,
    phone         TEXT NOT NULL,
    id_number     TEXT,
    date_of_birth TEXT,
    merged_into   TEXT,
    PRIMARY KEY (branch, record_id)
);
CREATE INDEX customers_phone ON customers (phone);
CREATE INDEX customers_id_number ON customers (id_number);

CREATE TABLE loans (
    branch        TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    customer_id   TEXT NOT NULL DEFAULT '',
    ticket_no     TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT '',
    principal_out BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (branch, record_id)
);
CREATE INDEX loans_customer ON loans (branch, customer_id);

-- Usernames are unique whatever their case (SQLite's COLLATE NOCASE).
CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_username_nocase ON users (lower(username));
