-- Compaction of the raw change log (`[hq] compact_after_days`, src/hq/compact.rs): an entry
-- old enough, applied and already reflected in `records` leaves `changes`; only its digest
-- stays here, so a branch that sends it again is still answered as a replay (same digest) or
-- refused as a conflict (a different one). About 50 bytes an entry instead of its record.
-- Plain statements PostgreSQL, CockroachDB and YugabyteDB also accept, but for STRICT.

CREATE TABLE compacted_changes (
    branch TEXT NOT NULL REFERENCES branches (code),
    seq    INTEGER NOT NULL,
    digest BLOB NOT NULL,                 -- SHA-256 of the entry, as `changes` kept it
    PRIMARY KEY (branch, seq)
) STRICT, WITHOUT ROWID;
