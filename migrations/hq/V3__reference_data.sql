-- Reference data head office sends to every branch (issue 18): loan products and their terms,
-- the gold reference price, reminder texts, holidays, the chain-wide watch list, and whether
-- branches may keep their own products. Managers edit one draft; each publish freezes it as
-- the next version. Every edit and publish is in audit_log (reference.edit, reference.publish).
-- Plain statements PostgreSQL, CockroachDB and YugabyteDB also accept, but for STRICT.

-- Head office users' roles: viewers read the pages, managers also edit and publish the
-- reference data, admins as managers.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'manager', 'admin'));

-- The draft managers edit: one JSON document (the format of src/sync/reference.rs).
CREATE TABLE reference_draft (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
) STRICT;

-- Every published version, never changed: version numbers only grow.
CREATE TABLE reference_versions (
    version      INTEGER PRIMARY KEY,
    data         TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL
) STRICT;

-- The version each branch said it has applied.
CREATE TABLE reference_acks (
    branch   TEXT PRIMARY KEY REFERENCES branches (code),
    version  INTEGER NOT NULL,
    acked_at TEXT NOT NULL
) STRICT;
