-- Head office's chain reports (src/hq/reports.rs): one narrow row per record a report counts,
-- written by the receive path (receive::apply, then reports::project) in the batch's
-- transaction, so a report reads this table and `loans`, never the records' JSON.
--   entity     the branch table the record came from (loans, ledger, loan_products,
--              disposals, disposal_sales, complaints, sms_outbox)
--   category   loans: product id; ledger: the kind of money it moved (a reversal: the kind it
--              undoes); loan_products: the product's name; disposal_sales: channel;
--              complaints: category
--   outcome    loans: state; ledger: 'reversal' for a reversal, else ''; complaints: SLA met/breached/open; sms_outbox: delivered,
--              not_delivered, sent, failed, waiting, cancelled
--   week       the Monday (YYYY-MM-DD) of the week of the day the branch wrote (ledger,
--              disposals, sales: on_date, the business day; loans: closed_at; complaints:
--              opened_at; sms_outbox: created_at, UTC); '' when it has none yet
--   amount     minor units: ledger: the amount (negative for a reversal); loans: principal;
--              disposal_sales: price
CREATE TABLE report_rows (
    branch    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    category  TEXT NOT NULL DEFAULT '',
    outcome   TEXT NOT NULL DEFAULT '',
    week      TEXT NOT NULL DEFAULT '',
    amount    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (branch, entity, record_id)
) STRICT, WITHOUT ROWID;
-- Every weekly report reads one entity over a range of weeks, every column it groups and sums
-- in the index, so the rows themselves are not read; one branch's page reads by the key.
CREATE INDEX report_rows_week ON report_rows (entity, week, branch, category, outcome, amount);
-- The outstanding report reads the open tickets.
CREATE INDEX loans_state ON loans (state, branch);

-- A head office that already holds records back-fills report_rows from them once, at its next
-- start (reports::backfill), through the same projection as the receive path; the row is
-- deleted in the transaction that finishes it.
CREATE TABLE report_backfill (
    pending INTEGER PRIMARY KEY CHECK (pending = 1)
) STRICT;
INSERT INTO report_backfill (pending) VALUES (1);
