-- The scheduler's passes (states by date, reminders) look only at open tickets near or past
-- their maturity; this index finds them without reading every ticket of a large branch.
CREATE INDEX loans_open_maturity ON loans (matures_on) WHERE state IN ('active', 'due', 'grace', 'notice');
