#include "services/store/sqlite/migrations.h"

#include "services/core/strings.h"

namespace herald::store::sqlite {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "customer profiles, consents, suppressions; versioned templates", R"sql(
CREATE TABLE customers (
  customer_id        TEXT PRIMARY KEY,
  display_name       TEXT NOT NULL,
  email              TEXT NOT NULL,
  phone              TEXT NOT NULL,
  locale             TEXT NOT NULL,
  time_zone          TEXT NOT NULL,
  preferred_channels TEXT NOT NULL,   -- comma-separated channel names, in order
  quiet_start_minute INTEGER,         -- NULL: the configured default applies
  quiet_end_minute   INTEGER,
  create_time_us     INTEGER NOT NULL,
  update_time_us     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE consents (
  customer_id    TEXT NOT NULL REFERENCES customers (customer_id) ON DELETE CASCADE,
  position       INTEGER NOT NULL,    -- order as given by the client
  category       TEXT NOT NULL,
  channel        TEXT NOT NULL,
  state          TEXT NOT NULL,
  source         TEXT NOT NULL,
  update_time_us INTEGER NOT NULL,
  PRIMARY KEY (customer_id, category, channel)
) WITHOUT ROWID;

CREATE TABLE suppressions (
  customer_id    TEXT NOT NULL REFERENCES customers (customer_id) ON DELETE CASCADE,
  position       INTEGER NOT NULL,
  channel        TEXT,                -- NULL: every channel
  category       TEXT,                -- NULL: every category
  reason         TEXT NOT NULL,
  detail         TEXT NOT NULL,
  create_time_us INTEGER NOT NULL,
  expire_time_us INTEGER,             -- NULL: until removed
  PRIMARY KEY (customer_id, position)
) WITHOUT ROWID;

CREATE TABLE templates (
  name           TEXT PRIMARY KEY,
  latest_version INTEGER NOT NULL,
  create_time_us INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE template_versions (
  name             TEXT NOT NULL REFERENCES templates (name) ON DELETE CASCADE,
  version          INTEGER NOT NULL,
  description      TEXT NOT NULL,
  category         TEXT NOT NULL,
  event_types      TEXT NOT NULL,     -- comma-separated
  priority         TEXT NOT NULL,
  default_locale   TEXT NOT NULL,
  max_sms_segments INTEGER NOT NULL,
  create_time_us   INTEGER NOT NULL,
  PRIMARY KEY (name, version)
) WITHOUT ROWID;

CREATE TABLE template_contents (
  name          TEXT NOT NULL,
  version       INTEGER NOT NULL,
  locale        TEXT NOT NULL,
  position      INTEGER NOT NULL,
  email_subject TEXT,                 -- NULL: no email in this locale
  email_text    TEXT,
  email_html    TEXT,
  sms_text      TEXT,                 -- NULL: no SMS in this locale
  PRIMARY KEY (name, version, locale),
  FOREIGN KEY (name, version) REFERENCES template_versions (name, version) ON DELETE CASCADE
) WITHOUT ROWID;
)sql"},
      {2, "accepted events and their notifications", R"sql(
CREATE TABLE events (
  event_id        TEXT PRIMARY KEY,
  event_type      TEXT NOT NULL,
  occur_time_us   INTEGER NOT NULL,
  source          TEXT NOT NULL,
  customer_count  INTEGER NOT NULL,
  content_type    TEXT NOT NULL,
  body            BLOB NOT NULL,      -- exactly as received
  origin          TEXT NOT NULL,
  receive_time_us INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE notifications (
  notification_id TEXT PRIMARY KEY,
  event_id        TEXT NOT NULL,
  customer_id     TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  template_name   TEXT NOT NULL,
  channel         TEXT,               -- NULL until a channel is chosen
  state           TEXT NOT NULL,
  create_time_us  INTEGER NOT NULL,
  update_time_us  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX notifications_by_time ON notifications (create_time_us DESC, notification_id DESC);
CREATE INDEX notifications_by_customer
  ON notifications (customer_id, create_time_us DESC, notification_id DESC);
CREATE INDEX notifications_by_event ON notifications (event_id);
CREATE INDEX notifications_by_state ON notifications (state, create_time_us);
)sql"},
      {3,
       "contact policy: decisions with their rule evaluations, deferral, channels; active template "
       "versions",
       R"sql(
ALTER TABLE notifications ADD COLUMN template_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN category TEXT;           -- the template's; NULL: none
ALTER TABLE notifications ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN fallback_channels TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN send_time_us INTEGER;     -- when the policy let it go
ALTER TABLE notifications ADD COLUMN defer_until_us INTEGER;   -- while DEFERRED
ALTER TABLE notifications ADD COLUMN decision_count INTEGER NOT NULL DEFAULT 0;

CREATE INDEX notifications_due ON notifications (defer_until_us) WHERE state = 'DEFERRED';

ALTER TABLE templates ADD COLUMN active_version INTEGER;  -- NULL: the latest is active

-- Every decision of the contact policy, in order, with every rule it evaluated
-- (one line per rule: "1" or "0", TAB, rule, TAB, detail; TAB, LF and backslash escaped).
CREATE TABLE decisions (
  notification_id TEXT NOT NULL,
  seq             INTEGER NOT NULL,   -- 1 for the first decision
  decide_time_us  INTEGER NOT NULL,
  outcome         TEXT NOT NULL,
  reason          TEXT NOT NULL,
  rule            TEXT NOT NULL,
  detail          TEXT NOT NULL,
  defer_until_us  INTEGER,
  state           TEXT NOT NULL,      -- the state it led to
  evaluations     TEXT NOT NULL,
  PRIMARY KEY (notification_id, seq)
) WITHOUT ROWID;
)sql"},
      {4,
       "shared snippets (partials); rendered messages per notification and channel; "
       "dispatch: attempts and state changes",
       R"sql(
CREATE TABLE snippets (
  name           TEXT PRIMARY KEY,
  description    TEXT NOT NULL,
  text           TEXT NOT NULL,
  create_time_us INTEGER NOT NULL,
  update_time_us INTEGER NOT NULL
) WITHOUT ROWID;

-- What a notification says on each channel it may go on, rendered when the policy
-- let it go; what the connectors send.
CREATE TABLE messages (
  notification_id TEXT NOT NULL,
  channel         TEXT NOT NULL,
  position        INTEGER NOT NULL,   -- 0: the channel chosen, then the fallbacks
  address         TEXT NOT NULL,      -- email address or E.164 number
  locale          TEXT NOT NULL,
  subject         TEXT NOT NULL,
  text_body       TEXT NOT NULL,
  html_body       TEXT NOT NULL,
  sms_text        TEXT NOT NULL,
  sms_encoding    TEXT NOT NULL,
  sms_units       INTEGER NOT NULL,
  sms_segments    INTEGER NOT NULL,
  render_time_us  INTEGER NOT NULL,
  PRIMARY KEY (notification_id, channel)
) WITHOUT ROWID;

-- Dispatch: a QUEUED notification is due at next_attempt_us; each hand-off to a
-- connector is an attempt, begun (SENDING) before the hand-off.
ALTER TABLE notifications ADD COLUMN next_attempt_us INTEGER;
ALTER TABLE notifications ADD COLUMN attempt_count INTEGER NOT NULL DEFAULT 0;
UPDATE notifications SET next_attempt_us = COALESCE(send_time_us, update_time_us)
  WHERE state = 'QUEUED';
CREATE INDEX notifications_to_dispatch ON notifications (next_attempt_us) WHERE state = 'QUEUED';
-- Watching: notifications in the order they change.
CREATE INDEX notifications_by_change ON notifications (update_time_us, notification_id);

CREATE TABLE attempts (
  notification_id     TEXT NOT NULL,
  number              INTEGER NOT NULL,   -- 1 for the first
  channel             TEXT NOT NULL,
  start_time_us       INTEGER NOT NULL,
  end_time_us         INTEGER,            -- NULL while in flight
  result              TEXT,               -- ACCEPTED, RETRYABLE_FAILURE, ...
  detail              TEXT NOT NULL DEFAULT '',
  provider_message_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (notification_id, number)
) WITHOUT ROWID;
-- Provider receipts name the message by the provider's id.
CREATE INDEX attempts_by_provider_id ON attempts (provider_message_id)
  WHERE provider_message_id != '';

-- State changes after the policy's decisions (which the decisions table keeps).
CREATE TABLE state_changes (
  notification_id TEXT NOT NULL,
  change_time_us  INTEGER NOT NULL,
  state           TEXT NOT NULL,
  detail          TEXT NOT NULL
);
CREATE INDEX state_changes_by_notification ON state_changes (notification_id, change_time_us);
)sql"},
      {5,
       "status outbox: state changes waiting for the status topic; receipts that came before "
       "their hand-off was recorded",
       R"sql(
-- Every state change from the policy's decision on, in the order it was stored, until
-- the status topic has it (then the row is deleted). seq never repeats.
CREATE TABLE status_outbox (
  seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
  notification_id     TEXT NOT NULL,
  previous_state      TEXT NOT NULL,
  state               TEXT NOT NULL,
  channel             TEXT,               -- NULL: none chosen
  change_time_us      INTEGER NOT NULL,
  reason              TEXT NOT NULL,      -- a decision's reason; '' for later changes
  detail              TEXT NOT NULL,
  attempt             INTEGER NOT NULL,   -- 0: before the first hand-off
  provider_message_id TEXT NOT NULL
);

-- A provider may call back before the hand-off's result (with the provider's id) is
-- recorded: such a receipt is held here and applied when it is; kept for a day.
CREATE TABLE early_receipts (
  channel             TEXT NOT NULL,
  provider_message_id TEXT NOT NULL,
  state               TEXT NOT NULL,
  receipt_time_us     INTEGER NOT NULL,
  detail              TEXT NOT NULL
);
CREATE INDEX early_receipts_by_provider_id ON early_receipts (provider_message_id);
CREATE INDEX early_receipts_by_time ON early_receipts (receipt_time_us);
)sql"},
      {6,
       "lean rows: events and notifications numbered in arrival order, a notification's history "
       "packed in its row, state changes in batches (the change log), a catalog version",
       R"sql(
-- Events in the order they were accepted; event_seq is what notifications refer to.
CREATE TABLE events_v6 (
  event_seq       INTEGER PRIMARY KEY,
  event_id        TEXT NOT NULL UNIQUE,
  event_type      TEXT NOT NULL,
  occur_time_us   INTEGER NOT NULL,
  source          TEXT NOT NULL,
  customer_count  INTEGER NOT NULL,
  content_type    TEXT NOT NULL,
  body            BLOB NOT NULL,      -- exactly as received
  origin          TEXT NOT NULL,
  receive_time_us INTEGER NOT NULL,
  complete        INTEGER NOT NULL DEFAULT 1  -- 0 while an audience is recorded in parts
);
INSERT INTO events_v6 (event_id, event_type, occur_time_us, source, customer_count,
                       content_type, body, origin, receive_time_us)
  SELECT event_id, event_type, occur_time_us, source, customer_count, content_type, body,
         origin, receive_time_us
  FROM events ORDER BY receive_time_us, event_id;
DROP TABLE events;
ALTER TABLE events_v6 RENAME TO events;

-- One row per notification, written in creation order (seq); what is never queried by
-- (every decision with its rule evaluations, every attempt, the later state changes) is
-- packed in `record` (records.proto), which only ever grows by appending.
CREATE TABLE notifications_v6 (
  seq               INTEGER PRIMARY KEY,
  notification_id   TEXT NOT NULL,      -- f(event, customer, template): the idempotency key
  event_seq         INTEGER NOT NULL,
  customer_id       TEXT NOT NULL,
  event_type        TEXT NOT NULL,
  template_name     TEXT NOT NULL,
  template_version  INTEGER NOT NULL,
  category          TEXT,
  subject           TEXT NOT NULL,
  state             TEXT NOT NULL,
  channel           TEXT,
  fallback_channels TEXT NOT NULL,
  create_time_us    INTEGER NOT NULL,
  update_time_us    INTEGER NOT NULL,
  send_time_us      INTEGER,            -- when the policy let it go
  due_us            INTEGER,            -- QUEUED: next hand-off; DEFERRED: next decision
  attempt_count     INTEGER NOT NULL,
  record            BLOB NOT NULL
);

-- What was rendered for each channel a notification was handed off on.
CREATE TABLE messages_v6 (
  notification_seq INTEGER NOT NULL,
  channel          TEXT NOT NULL,
  position         INTEGER NOT NULL,  -- the attempt that handed it off (before: the order)
  address          TEXT NOT NULL,
  locale           TEXT NOT NULL,
  subject          TEXT NOT NULL,
  text_body        TEXT NOT NULL,
  html_body        TEXT NOT NULL,
  sms_text         TEXT NOT NULL,
  sms_encoding     TEXT NOT NULL,
  sms_units        INTEGER NOT NULL,
  sms_segments     INTEGER NOT NULL,
  render_time_us   INTEGER NOT NULL,
  PRIMARY KEY (notification_seq, channel)
) WITHOUT ROWID;

-- Provider receipts name a message by the provider's id.
CREATE TABLE provider_ids (
  provider_message_id TEXT NOT NULL,
  channel             TEXT NOT NULL,
  notification_seq    INTEGER NOT NULL,
  attempt             INTEGER NOT NULL,
  start_time_us       INTEGER NOT NULL,
  PRIMARY KEY (provider_message_id, channel, notification_seq, attempt)
) WITHOUT ROWID;

-- Every state change, one row per transaction that made any (records.proto ChangeBatch),
-- numbered first_seq..last_seq in commit order: what the status topic and watchers read.
CREATE TABLE changes (
  first_seq      INTEGER PRIMARY KEY,
  last_seq       INTEGER NOT NULL,
  commit_time_us INTEGER NOT NULL,
  batch          BLOB NOT NULL
);
-- How far a reader of the change log has come (the status topic: what the broker has).
CREATE TABLE change_cursors (
  name     TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL
) WITHOUT ROWID;

-- Bumped with every change to templates and snippets: a cache of them is current while
-- this is unchanged.
CREATE TABLE catalog (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO catalog (id, version) VALUES (1, 1);
)sql",
       &MoveToPackedNotifications,
       R"sql(
DROP TABLE decisions;
DROP TABLE attempts;
DROP TABLE state_changes;
DROP TABLE status_outbox;
DROP TABLE messages;
DROP TABLE notifications;
ALTER TABLE notifications_v6 RENAME TO notifications;
ALTER TABLE messages_v6 RENAME TO messages;
CREATE UNIQUE INDEX notifications_by_id ON notifications (notification_id);
-- A customer's contact history, and what caps and duplicates count (with the next one).
CREATE INDEX notifications_by_customer ON notifications (customer_id, create_time_us);
-- Let through long after they were made (a deferral): caps count them from then.
CREATE INDEX notifications_sent_late ON notifications (customer_id, send_time_us)
  WHERE send_time_us > create_time_us + 3600000000;
CREATE INDEX notifications_by_event ON notifications (event_seq);
CREATE INDEX notifications_queued ON notifications (channel, due_us) WHERE state = 'QUEUED';
CREATE INDEX notifications_waiting ON notifications (due_us)
  WHERE state IN ('DEFERRED', 'PENDING');
)sql"},
      {7,
       "customer decision versions: a decision is recorded only on the history it was made "
       "with; the profiles topic's position per customer: each change applied once",
       R"sql(
-- How many decisions of each customer were recorded (none: 0). A write of decisions
-- names the version the policy read and moves it on by one, only while it is still so.
CREATE TABLE customer_versions (
  customer_id TEXT PRIMARY KEY,
  version     INTEGER NOT NULL
) WITHOUT ROWID;

-- The last change of each customer applied from the profiles topic; kept when the
-- profile is deleted, so that a change read again never brings it back.
CREATE TABLE profile_positions (
  customer_id TEXT PRIMARY KEY,
  topic_partition INTEGER NOT NULL,
  topic_offset    INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
      {8, "API keys: callers authenticate with a key whose secret only the caller holds",
       R"sql(
-- Only the SHA-256 of a key's secret is kept. Keys are revoked, never deleted, so an id
-- is never reused and the audit trail can always name the key.
CREATE TABLE api_keys (
  key_id         TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  role           TEXT NOT NULL,
  secret_sha256  TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  create_time_us INTEGER NOT NULL,
  expire_time_us INTEGER,             -- NULL: never expires
  revoke_time_us INTEGER              -- NULL: not revoked
) WITHOUT ROWID;
)sql"},
      {9, "the audit trail: every change made through the API, hash-chained, append-only",
       R"sql(
-- Each record holds the hash of the one before it and its own over all its fields
-- (core::AuditHash): a record removed, reordered or edited breaks the chain there.
CREATE TABLE audit_records (
  sequence       INTEGER PRIMARY KEY,
  time_us        INTEGER NOT NULL,
  principal      TEXT NOT NULL,
  method         TEXT NOT NULL,
  resource       TEXT NOT NULL,
  before_sha256  TEXT NOT NULL,
  after_sha256   TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL
);
CREATE INDEX audit_records_resource ON audit_records (resource, sequence);
CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
)sql"},
      {10, "privacy: when a notification's content was purged (erasure or retention)",
       R"sql(
-- NULL while its messages' addresses and bodies are kept; the record says why they went.
ALTER TABLE notifications ADD COLUMN purge_time_us INTEGER;
-- Retention takes the oldest whose content is still kept.
CREATE INDEX notifications_to_purge ON notifications (create_time_us)
  WHERE purge_time_us IS NULL;
)sql"},
      {11, "dead letters: which were put back on their source topic, when and by whom",
       R"sql(
-- The letters stay on the dead-letter topic; this says which were replayed (the latest
-- replay of each), by "<topic>/<partition>@<offset>".
CREATE TABLE dead_letter_replays (
  dead_letter_id  TEXT PRIMARY KEY,
  replay_time_us  INTEGER NOT NULL,
  principal       TEXT NOT NULL
) WITHOUT ROWID;
)sql"},
      {12, "operations: notifications sending or of unknown outcome, counted by channel",
       R"sql(
CREATE INDEX notifications_unresolved ON notifications (channel)
  WHERE state IN ('SENDING', 'UNKNOWN');
)sql"},
      {13, "kill switches: operators' pauses of sending, shared by every instance",
       R"sql(
-- While a row covers a notification, the policy holds it (DEFERRED, reason PAUSED, no
-- due time) instead of letting it go; deleting the row releases what no other covers.
CREATE TABLE pauses (
  scope         TEXT NOT NULL,     -- ALL, TEMPLATE, CATEGORY or CHANNEL
  value         TEXT NOT NULL,     -- the template, category or channel; '' for ALL
  paused_by     TEXT NOT NULL,     -- the principal
  reason        TEXT NOT NULL,
  pause_time_us INTEGER NOT NULL,
  PRIMARY KEY (scope, value)
) WITHOUT ROWID;
)sql"},
      {14, "tracing: the W3C trace id each event came with (or was given)",
       R"sql(
-- 32 hex digits; NULL for events recorded before traces were kept. Notifications read
-- it with their event.
ALTER TABLE events ADD COLUMN trace_id TEXT;
)sql"},
  };
  return kMigrations;
}

absl::Status ApplyMigrations(Db& db, const std::vector<Migration>& migrations) {
  absl::Status status = db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, apply_time_us INTEGER NOT NULL)");
  if (!status.ok()) return status;
  auto current = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!current.ok()) return current.status();
  absl::StatusOr<bool> row = (*current)->Step();
  if (!row.ok()) return row.status();
  const int64_t have = (*current)->ColumnInt(0);
  current->reset();
  const int known = migrations.empty() ? 0 : migrations.back().version;
  if (have > known) {
    return absl::FailedPreconditionError(
        core::StrCat("sqlite: ", db.path(), " has schema version ", have,
                     " but this heraldd knows versions up to ", known, "; upgrade heraldd"));
  }
  for (const Migration& m : migrations) {
    if (m.version <= have) continue;
    status = db.Exec("BEGIN IMMEDIATE");
    if (status.ok()) status = db.Exec(m.sql);
    if (status.ok() && m.move != nullptr) status = m.move(db);
    if (status.ok() && !m.sql_after.empty()) status = db.Exec(m.sql_after);
    if (status.ok()) {
      auto record = db.Prepare(
          "INSERT INTO schema_migrations (version, name, apply_time_us)"
          " VALUES (?1, ?2, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER))");
      status = record.ok() ? (*record)->Bind(1, int64_t{m.version}).Bind(2, m.name).Run()
                           : record.status();
    }
    if (status.ok()) status = db.Exec("COMMIT");
    if (!status.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return absl::Status(status.code(), core::StrCat("schema migration ", m.version, " (", m.name,
                                                      "): ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace herald::store::sqlite
