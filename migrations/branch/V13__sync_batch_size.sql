-- The batch size the uploader has learned for this branch's link (src/sync/batch_size.rs):
-- halved after an upload that timed out or was cut, doubled after quick ones, up to [sync]
-- batch_entries and batch_bytes. Kept here so a restart on a poor link resumes at the size that
-- works there. NULL: nothing learned yet, the configured limits apply.
ALTER TABLE sync_state ADD COLUMN batch_entries INTEGER CHECK (batch_entries >= 1);
ALTER TABLE sync_state ADD COLUMN batch_bytes INTEGER CHECK (batch_bytes >= 1);
