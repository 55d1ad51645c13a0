-- Files attached to a complaint case (issue 14): staff's proof of the last bank transfer, a
-- customer's photo from the portal. Only this metadata is synced to head office
-- (sync::changes::SYNCED); the bytes stay in the data directory, attachments/<id>, written
-- before the row is committed. The type is what the bytes are (sniffed), not the client's
-- claim. Append-only.
CREATE TABLE complaint_attachments (
    id           TEXT PRIMARY KEY,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    file_name    TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png',
                                                       'application/pdf')),
    size_bytes   INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    -- NULL: the customer, on the portal.
    staff_id     TEXT REFERENCES staff (id),
    at           TEXT NOT NULL
) STRICT;
CREATE INDEX complaint_attachments_case ON complaint_attachments (complaint_id, at);
CREATE TRIGGER complaint_attachments_append_only_update BEFORE UPDATE ON complaint_attachments
BEGIN SELECT RAISE(ABORT, 'complaint attachments are append-only'); END;
CREATE TRIGGER complaint_attachments_append_only_delete BEFORE DELETE ON complaint_attachments
BEGIN SELECT RAISE(ABORT, 'complaint attachments are append-only'); END;
