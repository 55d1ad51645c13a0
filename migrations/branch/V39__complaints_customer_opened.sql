-- The weekly evaluation's repeat complainants: for each customer with a case in the week,
-- their cases opened in the 90 days before its end. With `complaints_customer` (customer
-- alone) each of those cases was looked up in the table for its `opened_at` (22% of the
-- weekly page on the 50,000-case bench); with the opening time in the index the count is
-- read from the index. It serves every lookup by customer the old one did.
CREATE INDEX complaints_customer_opened ON complaints (customer_id, opened_at);
DROP INDEX complaints_customer;
