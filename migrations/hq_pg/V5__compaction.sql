-- Compaction of the raw change log: the same table as migrations/hq/V5 (see there).

CREATE TABLE compacted_changes (
    branch TEXT NOT NULL REFERENCES branches (code),
    seq    BIGINT NOT NULL,
    digest BYTEA NOT NULL,
    PRIMARY KEY (branch, seq)
);
