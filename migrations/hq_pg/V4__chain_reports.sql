-- Head office's chain reports on PostgreSQL: the same tables as migrations/hq/V4 (see there
-- for what each column holds), in types CockroachDB and YugabyteDB share.
CREATE TABLE report_rows (
    branch    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    category  TEXT NOT NULL DEFAULT '',
    outcome   TEXT NOT NULL DEFAULT '',
    week      TEXT NOT NULL DEFAULT '',
    amount    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (branch, entity, record_id)
);
CREATE INDEX report_rows_week ON report_rows (entity, week, branch, category, outcome, amount);
CREATE INDEX loans_state ON loans (state, branch);

CREATE TABLE report_backfill (
    pending BIGINT PRIMARY KEY CHECK (pending = 1)
);
INSERT INTO report_backfill (pending) VALUES (1);
