-- Reference data head office sends to every branch (issue 18) on PostgreSQL: migrations/hq/V3's
-- tables and column. Managers edit one draft; each publish freezes it as the next version
-- (two publishers at once: the second's INSERT ... ON CONFLICT DO NOTHING stores nothing and
-- it tries again with the next number). Every edit and publish is in audit_log.
-- Plain statements CockroachDB and YugabyteDB accept too (the CHECK added on its own).

-- Head office users' roles: viewers read the pages, managers also edit and publish the
-- reference data, admins as managers.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'viewer';
ALTER TABLE users ADD CONSTRAINT users_role CHECK (role IN ('viewer', 'manager', 'admin'));

-- The draft managers edit: one JSON document (the format of src/sync/reference.rs).
CREATE TABLE reference_draft (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    data       TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);

-- Every published version, never changed: version numbers only grow.
CREATE TABLE reference_versions (
    version      BIGINT PRIMARY KEY,
    data         TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by TEXT NOT NULL
);

-- The version each branch said it has applied.
CREATE TABLE reference_acks (
    branch   TEXT PRIMARY KEY REFERENCES branches (code),
    version  BIGINT NOT NULL,
    acked_at TIMESTAMPTZ NOT NULL
);
