-- The dashboard shows how many customers the branch has. Counting them read every entry of an
-- index of 100,000 customers on each visit (a seventh of a full branch's dashboard); the count
-- is kept here instead, by the triggers below, in the transaction of each insert and delete.
-- It stays at the branch.
CREATE TABLE kept_counts (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL CHECK (n >= 0)
) STRICT, WITHOUT ROWID;

INSERT INTO kept_counts (name, n) SELECT 'customers', count(*) FROM customers;

CREATE TRIGGER kept_counts_customer_added AFTER INSERT ON customers
BEGIN
    UPDATE kept_counts SET n = n + 1 WHERE name = 'customers';
END;

CREATE TRIGGER kept_counts_customer_removed AFTER DELETE ON customers
BEGIN
    UPDATE kept_counts SET n = n - 1 WHERE name = 'customers';
END;
