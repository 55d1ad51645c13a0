-- Cases listed by opening time (oldest or newest first) are ordered by the opening time, then
-- the customer, then as written (rowid): the order `complaints_opened` (V40) holds every case
-- in, so a week's cases are read in order with no sort. Ordered by the case id instead, SQLite
-- copied every row of the week into a sorter for the last term (0.43 ms instead of 0.13 ms for a
-- week's 560 cases). The unresolved cases by opening time get the same order from their
-- partial index.
DROP INDEX complaints_unresolved;
CREATE INDEX complaints_unresolved ON complaints (opened_at, customer_id)
WHERE state IN ('open', 'waiting_on_customer', 'escalated');
