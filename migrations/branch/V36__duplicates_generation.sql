-- The possible duplicate pairs (`duplicates::pairs`) group the branch's every customer by
-- phone, ID number and date of birth and compare names within a date of birth: at a branch of
-- 100,000 customers, about half a second, which the manager's dashboard paid on every visit
-- for its "possible duplicates" count. The pairs depend only on the columns below and on the
-- dismissed pairs, so a number that moves with every write to them lets the program keep the
-- pairs it found until one happens (`duplicates::kept`). The number stays at the branch.
CREATE TABLE duplicates_generation (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    n    INTEGER NOT NULL
) STRICT;
INSERT INTO duplicates_generation (only, n) VALUES (1, 0);

CREATE TRIGGER duplicates_generation_customer_insert AFTER INSERT ON customers
BEGIN
    UPDATE duplicates_generation SET n = n + 1;
END;

CREATE TRIGGER duplicates_generation_customer_delete AFTER DELETE ON customers
BEGIN
    UPDATE duplicates_generation SET n = n + 1;
END;

CREATE TRIGGER duplicates_generation_customer_update
AFTER UPDATE OF full_name, phone, id_number, date_of_birth, merged_into ON customers
BEGIN
    UPDATE duplicates_generation SET n = n + 1;
END;

CREATE TRIGGER duplicates_generation_dismissed_insert AFTER INSERT ON customer_duplicates_dismissed
BEGIN
    UPDATE duplicates_generation SET n = n + 1;
END;

CREATE TRIGGER duplicates_generation_dismissed_delete AFTER DELETE ON customer_duplicates_dismissed
BEGIN
    UPDATE duplicates_generation SET n = n + 1;
END;
