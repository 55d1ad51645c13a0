-- One phone number, one live customer record (issue 11): a number belongs to at most one
-- record that is not merged, and the database enforces it. Also the portal's pending phone
-- change (the new number waits for its code) and the code purpose that proves it.

-- Records that shared their number with an older live record when this migration ran keep
-- their number (staff resolve such pairs on the duplicates page) and are left out of the
-- unique index: phone_shared = 1. The oldest record of each such number stays in the index,
-- so no further record can join the pair. Triggers below keep the exemption from outliving
-- the pair.
ALTER TABLE customers ADD COLUMN phone_shared INTEGER NOT NULL DEFAULT 0 CHECK (phone_shared IN (0, 1));
UPDATE customers SET phone_shared = 1
WHERE merged_into IS NULL
  AND EXISTS (SELECT 1 FROM customers o
              WHERE o.phone = customers.phone AND o.merged_into IS NULL
                AND (o.created_at < customers.created_at
                     OR (o.created_at = customers.created_at AND o.id < customers.id)));
CREATE UNIQUE INDEX customers_live_phone ON customers (phone)
    WHERE merged_into IS NULL AND phone_shared = 0;

-- A grandfathered record that takes another number is grandfathered no more (its new number
-- is checked by the index, through this update).
CREATE TRIGGER customers_phone_shared_lapses AFTER UPDATE OF phone ON customers
WHEN OLD.phone_shared = 1 AND NEW.phone IS NOT OLD.phone
BEGIN
    UPDATE customers SET phone_shared = 0 WHERE id = NEW.id;
END;

-- When the indexed record of a shared number leaves it (merged, or given another number), the
-- oldest record still holding the number takes its place in the index.
CREATE TRIGGER customers_phone_shared_keeper AFTER UPDATE OF phone, merged_into ON customers
WHEN OLD.merged_into IS NULL AND OLD.phone_shared = 0
     AND (NEW.merged_into IS NOT NULL OR NEW.phone IS NOT OLD.phone)
BEGIN
    UPDATE customers SET phone_shared = 0
    WHERE id = (SELECT id FROM customers
                WHERE phone = OLD.phone AND merged_into IS NULL AND phone_shared = 1
                ORDER BY created_at, id LIMIT 1);
END;

-- A number the customer gave at the portal, waiting for the code sent to it; the record's
-- phone stays the old one until then.
ALTER TABLE customers ADD COLUMN pending_phone TEXT;
ALTER TABLE customers ADD COLUMN pending_phone_at TEXT;

-- otp_codes gets the purpose 'new_phone' (SQLite changes a CHECK only by rebuilding the table;
-- nothing references otp_codes, and it has no triggers).
CREATE TABLE otp_codes_v12 (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('login', 'verification', 'new_phone')),
    channel      TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    destination  TEXT NOT NULL,
    code_hash    BLOB NOT NULL,
    binding_hash BLOB NOT NULL,
    staff_id     TEXT REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    voided_at    TEXT
) STRICT;
INSERT INTO otp_codes_v12 (id, customer_id, purpose, channel, destination, code_hash, binding_hash,
                           staff_id, created_at, expires_at, used_at, voided_at)
    SELECT id, customer_id, purpose, channel, destination, code_hash, binding_hash,
           staff_id, created_at, expires_at, used_at, voided_at FROM otp_codes;
DROP TABLE otp_codes;
ALTER TABLE otp_codes_v12 RENAME TO otp_codes;
CREATE INDEX otp_codes_customer ON otp_codes (customer_id, created_at);
CREATE INDEX otp_codes_destination ON otp_codes (destination, created_at);

-- And, in the same release so that head office (which accepts a branch's schema version and
-- the one before) still hears from branches a release behind:
-- The batch size the uploader has learned for this branch's link (src/sync/batch_size.rs):
-- halved after an upload that timed out or was cut, doubled after quick ones, up to [sync]
-- batch_entries and batch_bytes. Kept here so a restart on a poor link resumes at the size that
-- works there. NULL: nothing learned yet, the configured limits apply.
ALTER TABLE sync_state ADD COLUMN batch_entries INTEGER CHECK (batch_entries >= 1);
ALTER TABLE sync_state ADD COLUMN batch_bytes INTEGER CHECK (batch_bytes >= 1);
