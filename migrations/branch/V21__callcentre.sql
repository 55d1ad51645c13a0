-- The call centre (issue 15, seed 004): the choices of a follow-up note and how they depend on
-- each other, the follow-up notes themselves (immutable, like customer_notes) and promises to
-- pay (one active per ticket).

-- The choices of a follow-up note's fields. The fields form a chain, each narrowed by the one
-- before it: Call Results -> Call Status -> Call Status Action -> Party Response; Client Status
-- stands alone. A row is a choice of `field` allowed after the choice `parent` of the field
-- before it ('' for the first field and for Client Status), so a choice allowed after several
-- parents has a row for each. Managers edit the labels, add choices and retire them; a choice
-- is never deleted, so old notes keep their words.
CREATE TABLE callcentre_choices (
    id            TEXT PRIMARY KEY,            -- '<field>/<parent>/<code>'
    field         TEXT NOT NULL CHECK (field IN ('call_result', 'call_status', 'status_action',
                                                 'party_response', 'client_status')),
    parent        TEXT NOT NULL,
    code          TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40 AND code NOT GLOB '*[^a-z0-9_]*'),
    label_en      TEXT NOT NULL CHECK (length(label_en) BETWEEN 1 AND 80),
    label_id      TEXT NOT NULL CHECK (length(label_id) BETWEEN 1 AND 80),
    -- A Party Response after which the note must carry a promise to pay (amount and date).
    takes_promise INTEGER NOT NULL DEFAULT 0 CHECK (takes_promise IN (0, 1)),
    position      INTEGER NOT NULL,
    retired_at    TEXT,
    updated_by    TEXT REFERENCES staff (id),
    updated_at    TEXT NOT NULL,
    UNIQUE (field, parent, code),
    CHECK (id = field || '/' || parent || '/' || code),
    CHECK ((field IN ('call_result', 'client_status')) = (parent = ''))
) STRICT;
CREATE TRIGGER callcentre_choices_no_delete BEFORE DELETE ON callcentre_choices
BEGIN
    SELECT RAISE(ABORT, 'a choice is retired, not deleted');
END;
CREATE TRIGGER callcentre_choices_keep_key BEFORE UPDATE ON callcentre_choices
WHEN NEW.id IS NOT OLD.id OR NEW.field IS NOT OLD.field OR NEW.parent IS NOT OLD.parent
  OR NEW.code IS NOT OLD.code
BEGIN
    SELECT RAISE(ABORT, 'a choice keeps its place in the chain; retire it and add another');
END;

INSERT INTO callcentre_choices (id, field, parent, code, label_en, label_id, takes_promise, position, updated_at)
SELECT field || '/' || parent || '/' || code, field, parent, code, label_en, label_id, takes_promise, position,
       '2026-12-01T00:00:00Z'
FROM (
    SELECT 'call_result' AS field, '' AS parent, 'answered' AS code, 'Answered' AS label_en,
           'Diangkat' AS label_id, 0 AS takes_promise, 1 AS position
    UNION ALL SELECT 'call_result', '', 'not_answered', 'Not answered', 'Tidak diangkat', 0, 2
    UNION ALL SELECT 'call_result', '', 'busy', 'Line busy', 'Nada sibuk', 0, 3
    UNION ALL SELECT 'call_result', '', 'switched_off', 'Phone switched off', 'Telepon tidak aktif', 0, 4
    UNION ALL SELECT 'call_result', '', 'invalid_number', 'Number not in service', 'Nomor tidak terdaftar', 0, 5

    UNION ALL SELECT 'call_status', 'answered', 'connected', 'Connected', 'Tersambung', 0, 1
    UNION ALL SELECT 'call_status', 'not_answered', 'not_connected', 'Not connected', 'Tidak tersambung', 0, 2
    UNION ALL SELECT 'call_status', 'busy', 'not_connected', 'Not connected', 'Tidak tersambung', 0, 2
    UNION ALL SELECT 'call_status', 'switched_off', 'not_connected', 'Not connected', 'Tidak tersambung', 0, 2
    UNION ALL SELECT 'call_status', 'invalid_number', 'not_connected', 'Not connected', 'Tidak tersambung', 0, 2

    UNION ALL SELECT 'status_action', 'connected', 'right_party', 'Spoke to the person called', 'Berbicara dengan orang yang dituju', 0, 1
    UNION ALL SELECT 'status_action', 'connected', 'third_party', 'Someone else answered', 'Diangkat orang lain', 0, 2
    UNION ALL SELECT 'status_action', 'connected', 'hung_up', 'Hung up', 'Telepon ditutup', 0, 3
    UNION ALL SELECT 'status_action', 'not_connected', 'try_later', 'Try again later', 'Coba lagi nanti', 0, 4
    UNION ALL SELECT 'status_action', 'not_connected', 'message_left', 'Voice message left', 'Pesan suara ditinggalkan', 0, 5
    UNION ALL SELECT 'status_action', 'not_connected', 'find_new_number', 'Look for a new number', 'Cari nomor baru', 0, 6

    UNION ALL SELECT 'party_response', 'right_party', 'promise_to_pay', 'Promised to pay', 'Berjanji membayar', 1, 1
    UNION ALL SELECT 'party_response', 'right_party', 'already_paid', 'Says it is already paid', 'Mengaku sudah membayar', 0, 2
    UNION ALL SELECT 'party_response', 'right_party', 'asks_extension', 'Asks for an extension', 'Meminta perpanjangan', 0, 3
    UNION ALL SELECT 'party_response', 'right_party', 'disputes', 'Disputes the amount', 'Membantah jumlahnya', 0, 4
    UNION ALL SELECT 'party_response', 'right_party', 'refuses', 'Refuses to pay', 'Menolak membayar', 0, 5
    UNION ALL SELECT 'party_response', 'third_party', 'will_pass_on', 'Will pass the message on', 'Akan menyampaikan pesan', 0, 6
    UNION ALL SELECT 'party_response', 'third_party', 'does_not_know', 'Does not know the customer', 'Tidak mengenal nasabah', 0, 7
    UNION ALL SELECT 'party_response', 'hung_up', 'no_response', 'No response', 'Tidak ada tanggapan', 0, 8
    UNION ALL SELECT 'party_response', 'try_later', 'no_response', 'No response', 'Tidak ada tanggapan', 0, 8
    UNION ALL SELECT 'party_response', 'message_left', 'no_response', 'No response', 'Tidak ada tanggapan', 0, 8
    UNION ALL SELECT 'party_response', 'find_new_number', 'no_response', 'No response', 'Tidak ada tanggapan', 0, 8

    UNION ALL SELECT 'client_status', '', 'willing', 'Willing to pay', 'Bersedia membayar', 0, 1
    UNION ALL SELECT 'client_status', '', 'unable', 'Unable to pay for now', 'Belum mampu membayar', 0, 2
    UNION ALL SELECT 'client_status', '', 'disputing', 'Disputing', 'Membantah', 0, 3
    UNION ALL SELECT 'client_status', '', 'unreachable', 'Unreachable', 'Tidak dapat dihubungi', 0, 4
    UNION ALL SELECT 'client_status', '', 'will_redeem', 'Will redeem the item', 'Akan menebus barang', 0, 5
    UNION ALL SELECT 'client_status', '', 'deceased', 'Deceased', 'Meninggal dunia', 0, 6
);

-- A follow-up note: one call (or attempt) by a call agent, with every property of seed 004.
-- Codes name callcentre_choices rows (field, parent = the code before in the chain, code). Its
-- contents never change; only a merge of duplicate customers moves it to the surviving record.
CREATE TABLE followup_notes (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT NOT NULL REFERENCES customers (id),
    loan_id         TEXT REFERENCES loans (id),          -- the ticket talked about, if one
    at              TEXT NOT NULL,
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    action          TEXT NOT NULL CHECK (action IN ('customer', 'guarantor', 'alternative', 'ro')),
    contact_id      TEXT REFERENCES customer_contacts (id), -- the guarantor or alternative contact
    call_result     TEXT NOT NULL,
    call_status     TEXT NOT NULL,
    status_action   TEXT NOT NULL,
    party_response  TEXT NOT NULL,
    promised_amount INTEGER CHECK (promised_amount > 0),
    promised_date   TEXT,
    visit_date      TEXT,
    comments        TEXT NOT NULL DEFAULT '',
    client_status   TEXT NOT NULL,
    message         TEXT,                                -- the text sent, when "Send Client A Message?" was yes
    sms_id          TEXT REFERENCES sms_outbox (id),
    CHECK ((promised_amount IS NULL) = (promised_date IS NULL)),
    CHECK (promised_amount IS NULL OR loan_id IS NOT NULL),
    CHECK ((action IN ('guarantor', 'alternative')) = (contact_id IS NOT NULL)),
    CHECK ((message IS NULL) = (sms_id IS NULL))
) STRICT;
CREATE INDEX followup_notes_customer ON followup_notes (customer_id, at);
CREATE INDEX followup_notes_staff ON followup_notes (staff_id, at);
CREATE TRIGGER followup_notes_keep_words BEFORE UPDATE ON followup_notes
WHEN NEW.id IS NOT OLD.id OR NEW.loan_id IS NOT OLD.loan_id OR NEW.at IS NOT OLD.at
  OR NEW.staff_id IS NOT OLD.staff_id OR NEW.action IS NOT OLD.action
  OR NEW.contact_id IS NOT OLD.contact_id OR NEW.call_result IS NOT OLD.call_result
  OR NEW.call_status IS NOT OLD.call_status OR NEW.status_action IS NOT OLD.status_action
  OR NEW.party_response IS NOT OLD.party_response OR NEW.promised_amount IS NOT OLD.promised_amount
  OR NEW.promised_date IS NOT OLD.promised_date OR NEW.visit_date IS NOT OLD.visit_date
  OR NEW.comments IS NOT OLD.comments OR NEW.client_status IS NOT OLD.client_status
  OR NEW.message IS NOT OLD.message OR NEW.sms_id IS NOT OLD.sms_id
BEGIN
    SELECT RAISE(ABORT, 'a follow-up note is not edited; write a new one');
END;
CREATE TRIGGER followup_notes_no_delete BEFORE DELETE ON followup_notes
BEGIN
    SELECT RAISE(ABORT, 'a follow-up note is not deleted; write a new one');
END;

-- A promise to pay made in a follow-up note, about one ticket. One is active per ticket: a new
-- promise replaces it (state 'replaced', replaced_by the new one). The day after promised_on
-- the scheduler settles it: 'kept' when the payments from made_on to promised_on reached the
-- amount, else 'broken'; `paid` keeps what had been paid. The SMS ids are the messages sent
-- when it was made and on the promised day.
CREATE TABLE promises_to_pay (
    id           TEXT PRIMARY KEY,
    loan_id      TEXT NOT NULL REFERENCES loans (id),
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    note_id      TEXT NOT NULL REFERENCES followup_notes (id),
    staff_id     TEXT NOT NULL REFERENCES staff (id),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    made_on      TEXT NOT NULL,
    promised_on  TEXT NOT NULL CHECK (promised_on >= made_on),
    made_at      TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'kept', 'broken', 'replaced')),
    settled_at   TEXT,
    paid         INTEGER,
    replaced_by  TEXT,                          -- the promise that replaced it (written before it exists)
    made_sms_id  TEXT REFERENCES sms_outbox (id),
    due_sms_id   TEXT REFERENCES sms_outbox (id),
    CHECK ((state = 'active') = (settled_at IS NULL)),
    CHECK ((state = 'replaced') = (replaced_by IS NOT NULL)),
    CHECK ((state IN ('kept', 'broken')) = (paid IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX promises_to_pay_one_active ON promises_to_pay (loan_id) WHERE state = 'active';
CREATE INDEX promises_to_pay_due ON promises_to_pay (state, promised_on);
CREATE INDEX promises_to_pay_customer ON promises_to_pay (customer_id, made_at);
CREATE TRIGGER promises_to_pay_settled_once BEFORE UPDATE ON promises_to_pay
WHEN OLD.state IS NOT 'active' AND (NEW.state IS NOT OLD.state OR NEW.paid IS NOT OLD.paid)
BEGIN
    SELECT RAISE(ABORT, 'a settled promise stays settled');
END;
CREATE TRIGGER promises_to_pay_no_delete BEFORE DELETE ON promises_to_pay
BEGIN
    SELECT RAISE(ABORT, 'a promise is not deleted');
END;

-- Who follows a customer up: a manager assigns an agent, or an agent takes an unassigned
-- customer from the queue. One row per customer; a reassignment replaces it (audited).
CREATE TABLE callcentre_assignments (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id),
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    assigned_by TEXT NOT NULL REFERENCES staff (id),
    assigned_at TEXT NOT NULL
) STRICT;
CREATE INDEX callcentre_assignments_staff ON callcentre_assignments (staff_id);

-- The follow-up queue reads each overdue ticket's balance from its receivable postings.
CREATE INDEX ledger_postings_loan ON ledger_postings (loan_id, account);

-- Alternative contacts and guarantors (seed 004): call agents keep them too, with an email
-- address, and every change is a row of their history (a snapshot of the contact after it).
ALTER TABLE customer_contacts ADD COLUMN email TEXT;
CREATE TABLE customer_contact_changes (
    id           TEXT PRIMARY KEY,
    contact_id   TEXT NOT NULL REFERENCES customer_contacts (id),
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    at           TEXT NOT NULL,
    staff_id     TEXT REFERENCES staff (id),
    change       TEXT NOT NULL CHECK (change IN ('added', 'edited', 'removed')),
    full_name    TEXT NOT NULL,
    relationship TEXT NOT NULL,
    phone        TEXT NOT NULL,
    email        TEXT
) STRICT;
CREATE INDEX customer_contact_changes_contact ON customer_contact_changes (contact_id, at);
CREATE TRIGGER customer_contact_changes_no_update BEFORE UPDATE ON customer_contact_changes
BEGIN
    SELECT RAISE(ABORT, 'a contact''s history is not edited');
END;
CREATE TRIGGER customer_contact_changes_no_delete BEFORE DELETE ON customer_contact_changes
BEGIN
    SELECT RAISE(ABORT, 'a contact''s history is not deleted');
END;

-- The customer's Relationship Officer: the staff member who knows them, whom the call centre
-- may call about them. A manager assigns one (audited); one per customer.
CREATE TABLE customer_ros (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id),
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    assigned_by TEXT NOT NULL REFERENCES staff (id),
    assigned_at TEXT NOT NULL
) STRICT;

-- A contact's phone checked by a code sent to it (the otp rules: validity, spacing, daily
-- count, three wrong codes lock the contact until its phone is changed). Only keyed hashes
-- are stored, as for customers' codes; they never leave the branch.
ALTER TABLE customer_contacts ADD COLUMN phone_verified_at TEXT;
ALTER TABLE customer_contacts ADD COLUMN wrong_codes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customer_contacts ADD COLUMN locked_at TEXT;
CREATE TABLE contact_codes (
    id           TEXT PRIMARY KEY,
    contact_id   TEXT NOT NULL REFERENCES customer_contacts (id),
    destination  TEXT NOT NULL,
    code_hash    BLOB NOT NULL,
    binding_hash BLOB NOT NULL,
    staff_id     TEXT REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    voided_at    TEXT
) STRICT;
CREATE INDEX contact_codes_destination ON contact_codes (destination, created_at);
CREATE INDEX contact_codes_contact ON contact_codes (contact_id, created_at);
