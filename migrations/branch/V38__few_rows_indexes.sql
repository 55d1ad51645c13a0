-- Three figures of the dashboard count a few rows of a large table, and SQLite (built without
-- STAT4, .cargo/config.toml) cannot tell from its statistics how few they are. On the full
-- branch (300,000 tickets, 100,000 customers, 50,000 cases) each was a scan:
--
-- The forfeits coming up: the tickets whose forfeit notice has been sent, in the list's order
-- (maturity, ticket number), holding the columns the count's payout probe and the list read,
-- so neither reads a ticket's row. The count scanned every ticket through `loans_state`
-- (64% of the full branch's dashboard).
CREATE INDEX loans_forfeits_coming ON loans (matures_on, ticket_no, id, customer_id, principal)
WHERE state = 'notice';

-- The customers locked out of the portal (the dashboard's count; 7% of it, a scan of every
-- customer).
CREATE INDEX customers_locked ON customers (locked_at) WHERE locked_at IS NOT NULL;

-- The unresolved cases in the case list's default order, time left first: the cases with no
-- deadline last, then by the first deadline still running, then by opening. With it the
-- list's first page is read in order, 50 rows, instead of every unresolved case sorted.
CREATE INDEX complaints_unresolved_due ON complaints (
    COALESCE(response_due, resolution_due) IS NULL,
    COALESCE(response_due, resolution_due),
    opened_at,
    id
)
WHERE state IN ('open', 'waiting_on_customer', 'escalated');
