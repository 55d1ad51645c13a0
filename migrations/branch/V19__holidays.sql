-- The branch's holidays (issues 14 and 15): days the branch does not count as working days
-- (complaint service-level clocks) and on which the call centre does not call. Managers keep
-- the list; head office will later send it. One row per day.
CREATE TABLE holidays (
    on_date  TEXT PRIMARY KEY CHECK (on_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    name     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    added_by TEXT REFERENCES staff(id),
    added_at TEXT NOT NULL
);
