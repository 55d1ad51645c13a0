-- Each case keeps its pauses on its row, as it keeps its deadlines (`complaints::due`), so a
-- list of cases or the weekly evaluation counts its clocks from its rows alone: reading every
-- listed case's timeline for its pauses was a third of the weekly page at 50,000 cases.
-- A JSON array of [from, until], oldest first, each instant as the row stores it, `until`
-- null while the clocks still stand still. Head office does not receive it.
ALTER TABLE complaints ADD COLUMN pauses TEXT NOT NULL DEFAULT '[]';

-- The backfill, from each case's transitions (`sla::pauses`): after a transition the clocks
-- stand still if its new state does (waiting on the customer, resolved, closed); a pause
-- starts where they begin to stand still and ends where they next run.
UPDATE complaints SET pauses = kept.pauses
FROM (
    SELECT complaint_id, json_group_array(json_array(at, until) ORDER BY at, seq) AS pauses
    FROM (
        SELECT complaint_id, at, seq, still,
               lead(at) OVER (PARTITION BY complaint_id ORDER BY at, seq) AS until
        FROM (
            SELECT complaint_id, at, seq, still,
                   lag(still, 1, 0) OVER (PARTITION BY complaint_id ORDER BY at, seq) AS was_still
            FROM (
                SELECT complaint_id, at, rowid AS seq,
                       to_state IN ('waiting_on_customer', 'resolved', 'closed') AS still
                FROM complaint_events
                WHERE to_state IS NOT NULL
            )
        )
        WHERE still <> was_still
    )
    WHERE still
    GROUP BY complaint_id
) AS kept
WHERE kept.complaint_id = complaints.id;
