-- Amounts due rounded to the currency's usual step (issue 13, point 8): each product's step in
-- minor units (100 rounds rupiah to Rp 100). Every product so far rounds to the minor unit: 1.
-- A ticket's own copy of its terms (loans.terms, JSON) without the step rounds to 1 too.
ALTER TABLE loan_products ADD COLUMN rounding_step INTEGER NOT NULL DEFAULT 1
    CHECK (rounding_step BETWEEN 1 AND 100000);
