-- A customer's language (issue 13, point 8): chosen on the portal or set at the counter; the
-- SMS, emails and portal pages meant for the customer use it. NULL: the branch's language.
-- The sync triggers are generated from the live schema, so the column is logged as it is.
ALTER TABLE customers ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'id'));
