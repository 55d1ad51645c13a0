-- The unresolved cases (the case list's default, the weekly evaluation's list, the breach pass,
-- the dashboard's count) are a few of the branch's cases: 1,000 of 50,000 in the complaints
-- bench. SQLite is built without STAT4 (.cargo/config.toml), so its statistics give only the
-- average number of cases per state (50,000 over four states seen), and the planner took the
-- unresolved cases for three quarters of the table: it read every customer and each one's
-- cases (the case list fell to 15 requests a second). A partial index holding only the
-- unresolved cases, with exactly the condition every such query writes, tells it how few they
-- are; by opening time, the order the weekly evaluation lists them in.
CREATE INDEX complaints_unresolved ON complaints (opened_at)
WHERE state IN ('open', 'waiting_on_customer', 'escalated');
