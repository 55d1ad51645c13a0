-- Products whose periods are calendar months (issue 13): `period_days` is then the number of
-- months a period lasts. Every product so far counts days. A ticket's own copy of its terms
-- (loans.terms, JSON) without the unit counts days too.
ALTER TABLE loan_products ADD COLUMN period_unit TEXT NOT NULL DEFAULT 'day'
    CHECK (period_unit IN ('day', 'month'));
