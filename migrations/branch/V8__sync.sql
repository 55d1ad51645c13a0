-- Sync to head office (src/sync): the change log, the uploader's position in it, and the entries
-- head office set aside.
--
-- Rows of sync_log are written only by triggers, in the same transaction as the change they
-- record. The triggers are not in this file: src/sync/changes.rs generates them from the live
-- schema at every start, so a column a later migration adds is logged without anyone having to
-- remember it, and a test fails if a table is neither synced nor declared local.

CREATE TABLE sync_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,  -- the branch sequence number; never reused
    entity    TEXT NOT NULL,                      -- the table the record lives in
    record_id TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    data      TEXT,                               -- the record's new state, a JSON object; NULL for delete
    at        TEXT NOT NULL                       -- UTC, when the change was committed
) STRICT;

-- One row: how far head office has acknowledged, and how the last attempts went.
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    acked_seq       INTEGER NOT NULL DEFAULT 0,   -- head office holds every entry up to here
    last_success_at TEXT,
    last_attempt_at TEXT,
    last_error      TEXT,
    compacted_at    TEXT
) STRICT;
INSERT INTO sync_state (id) VALUES (1);

-- Entries head office stored but could not apply, with its reason (shown on the Sync page).
CREATE TABLE sync_set_aside (
    seq         INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    reported_at TEXT NOT NULL
) STRICT;
