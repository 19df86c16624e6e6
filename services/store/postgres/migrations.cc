#include "services/store/postgres/migrations.h"

#include "services/core/strings.h"

namespace herald::store::postgres {
namespace {

// pg_advisory_lock's key for schema changes: "herald" in ASCII.
constexpr int64_t kMigrationLock = 0x686572616c64;

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "profiles, templates, snippets; events and notifications numbered in arrival order, "
       "history packed in the row; the change log numbered in commit order",
       R"sql(
-- A customer's profile, packed (records.proto Profile). `version` grows with every
-- change: a change that names an older version than the row's is not applied.
CREATE TABLE customers (
  customer_id text PRIMARY KEY,
  version     bigint NOT NULL,
  profile     bytea NOT NULL
);

CREATE TABLE templates (
  name           text PRIMARY KEY,
  latest_version bigint NOT NULL,
  active_version bigint,              -- NULL: the latest is active
  create_time_us bigint NOT NULL
);

CREATE TABLE template_versions (
  name             text NOT NULL REFERENCES templates (name) ON DELETE CASCADE,
  version          bigint NOT NULL,
  description      text NOT NULL,
  category         text NOT NULL,
  event_types      text[] NOT NULL,
  priority         text NOT NULL,
  default_locale   text NOT NULL,
  max_sms_segments integer NOT NULL,
  create_time_us   bigint NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE template_contents (
  name          text NOT NULL,
  version       bigint NOT NULL,
  locale        text NOT NULL,
  position      integer NOT NULL,
  email_subject text,                 -- NULL: no email in this locale
  email_text    text,
  email_html    text,
  sms_text      text,                 -- NULL: no SMS in this locale
  PRIMARY KEY (name, version, locale),
  FOREIGN KEY (name, version) REFERENCES template_versions (name, version) ON DELETE CASCADE
);

CREATE TABLE snippets (
  name           text PRIMARY KEY,
  description    text NOT NULL,
  text           text NOT NULL,
  create_time_us bigint NOT NULL,
  update_time_us bigint NOT NULL
);

-- Bumped with every change to templates and snippets: a cache of them is current while
-- this is unchanged.
CREATE TABLE catalog (
  id      integer PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO catalog (id, version) VALUES (1, 1);

-- Events in the order they were accepted; event_seq is what notifications refer to.
CREATE TABLE events (
  event_seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        text NOT NULL UNIQUE,
  event_type      text NOT NULL,
  occur_time_us   bigint NOT NULL,
  source          text NOT NULL,
  customer_count  integer NOT NULL,
  content_type    text NOT NULL,
  body            bytea NOT NULL,     -- exactly as received
  origin          text NOT NULL,
  receive_time_us bigint NOT NULL,
  complete        boolean NOT NULL    -- false while an audience is recorded in parts
);

-- One row per notification; what is never queried by (every decision with its rule
-- evaluations, every attempt, the later state changes) is packed in `record`
-- (records.proto), which only ever grows by appending.
CREATE TABLE notifications (
  seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notification_id   text NOT NULL UNIQUE, -- f(event, customer, template): the idempotency key
  event_seq         bigint NOT NULL,
  customer_id       text NOT NULL,
  event_type        text NOT NULL,
  template_name     text NOT NULL,
  template_version  bigint NOT NULL,
  category          text,
  subject           text NOT NULL,
  state             text NOT NULL,
  channel           text,
  fallback_channels text NOT NULL,
  create_time_us    bigint NOT NULL,
  update_time_us    bigint NOT NULL,
  send_time_us      bigint,             -- when the policy let it go
  due_us            bigint,             -- QUEUED: next hand-off; DEFERRED: next decision
  attempt_count     integer NOT NULL,
  record            bytea NOT NULL
);
CREATE INDEX notifications_by_customer ON notifications (customer_id, create_time_us);
CREATE INDEX notifications_sent_late ON notifications (customer_id, send_time_us)
  WHERE send_time_us > create_time_us + 3600000000;
CREATE INDEX notifications_by_event ON notifications (event_seq);
CREATE INDEX notifications_queued ON notifications (channel, due_us) WHERE state = 'QUEUED';
CREATE INDEX notifications_waiting ON notifications (due_us)
  WHERE state IN ('DEFERRED', 'PENDING');
CREATE INDEX notifications_in_flight ON notifications (seq) WHERE state = 'SENDING';

-- What was rendered for each channel a notification was handed off on.
CREATE TABLE messages (
  notification_seq bigint NOT NULL,
  channel          text NOT NULL,
  position         integer NOT NULL,  -- the attempt that handed it off
  address          text NOT NULL,
  locale           text NOT NULL,
  subject          text NOT NULL,
  text_body        text NOT NULL,
  html_body        text NOT NULL,
  sms_text         text NOT NULL,
  sms_encoding     text NOT NULL,
  sms_units        integer NOT NULL,
  sms_segments     integer NOT NULL,
  render_time_us   bigint NOT NULL,
  PRIMARY KEY (notification_seq, channel)
);

-- Provider receipts name a message by the provider's id.
CREATE TABLE provider_ids (
  provider_message_id text NOT NULL,
  channel             text NOT NULL,
  notification_seq    bigint NOT NULL,
  attempt             integer NOT NULL,
  start_time_us       bigint NOT NULL,
  PRIMARY KEY (provider_message_id, channel, notification_seq, attempt)
);

-- A provider may call back before the hand-off's result is recorded: such a receipt is
-- held here and applied when it is; kept for a day.
CREATE TABLE early_receipts (
  channel             text NOT NULL,
  provider_message_id text NOT NULL,
  state               text NOT NULL,
  receipt_time_us     bigint NOT NULL,
  detail              text NOT NULL
);
CREATE INDEX early_receipts_by_provider_id ON early_receipts (provider_message_id);
CREATE INDEX early_receipts_by_time ON early_receipts (receipt_time_us);

-- Every state change, one row per transaction that made any (records.proto ChangeBatch),
-- numbered first_seq..last_seq. The numbers come from change_counter, updated just
-- before the commit: its row lock is held until the commit, so a later number is
-- never visible before an earlier one (commit order).
CREATE TABLE changes (
  first_seq      bigint PRIMARY KEY,
  last_seq       bigint NOT NULL,
  commit_time_us bigint NOT NULL,
  batch          bytea NOT NULL
);
CREATE TABLE change_counter (
  id       integer PRIMARY KEY CHECK (id = 1),
  next_seq bigint NOT NULL
);
INSERT INTO change_counter (id, next_seq) VALUES (1, 1);
-- How far a reader of the change log has come (the status topic: what the broker has).
CREATE TABLE change_cursors (
  name     text PRIMARY KEY,
  sequence bigint NOT NULL
);
)sql"},
      {2,
       "customer decision versions: a decision is recorded only on the history it was made "
       "with; the profiles topic's position per customer: each change applied once",
       R"sql(
-- How many decisions of each customer were recorded (none: 0). A write of decisions
-- names the version the policy read and moves it on by one, only while it is still so:
-- an instance that lost the customer (a rebalance) cannot record a stale decision.
CREATE TABLE customer_versions (
  customer_id text PRIMARY KEY,
  version     bigint NOT NULL
);

-- The last change of each customer applied from the profiles topic; kept when the
-- profile is deleted, so that a change read again (by any instance) never brings it back.
CREATE TABLE profile_positions (
  customer_id text PRIMARY KEY,
  topic_partition integer NOT NULL,
  topic_offset    bigint NOT NULL
);
)sql"},
      {3, "send leases: a claim holds its hand-off for an instance until a time",
       R"sql(
-- While SENDING: which instance handed it off, and until when (the server's clock) that
-- instance holds it. Past that, another instance may resolve it (ListInFlight).
ALTER TABLE notifications ADD COLUMN lease_owner text;
ALTER TABLE notifications ADD COLUMN lease_until_us bigint;
)sql"},
      {4, "customer hash: deferred notifications released by the customer's owner", R"sql(
-- Kafka's partitioner's hash of the customer id: the instance whose partitions hold it
-- owns the customer (hash % partitions). NULL for rows stored before: anyone's.
ALTER TABLE notifications ADD COLUMN customer_hash bigint;
)sql"},
      {5, "API keys: callers authenticate with a key whose secret only the caller holds",
       R"sql(
-- Only the SHA-256 of a key's secret is kept. Keys are revoked, never deleted, so an id
-- is never reused and the audit trail can always name the key.
CREATE TABLE api_keys (
  key_id         text PRIMARY KEY,
  name           text NOT NULL,
  role           text NOT NULL,
  secret_sha256  text NOT NULL,
  created_by     text NOT NULL,
  create_time_us bigint NOT NULL,
  expire_time_us bigint,             -- NULL: never expires
  revoke_time_us bigint              -- NULL: not revoked
);
)sql"},
      {6, "the audit trail: every change made through the API, hash-chained, append-only",
       R"sql(
-- Each record holds the hash of the one before it and its own over all its fields
-- (core::AuditHash): a record removed, reordered or edited breaks the chain there.
CREATE TABLE audit_records (
  sequence       bigint PRIMARY KEY,
  time_us        bigint NOT NULL,
  principal      text NOT NULL,
  method         text NOT NULL,
  resource       text NOT NULL,
  before_sha256  text NOT NULL,
  after_sha256   text NOT NULL,
  prev_hash      text NOT NULL,
  hash           text NOT NULL
);
CREATE INDEX audit_records_resource ON audit_records (resource, sequence);
CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_records
FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
)sql"},
      {7, "privacy: when a notification's content was purged (erasure or retention)",
       R"sql(
-- NULL while its messages' addresses and bodies are kept; the record says why they went.
ALTER TABLE notifications ADD COLUMN purge_time_us bigint;
-- Retention takes the oldest whose content is still kept.
CREATE INDEX notifications_to_purge ON notifications (create_time_us)
  WHERE purge_time_us IS NULL;
)sql"},
      {8, "dead letters: which were put back on their source topic, when and by whom",
       R"sql(
-- The letters stay on the dead-letter topic; this says which were replayed (the latest
-- replay of each), by "<topic>/<partition>@<offset>".
CREATE TABLE dead_letter_replays (
  dead_letter_id  text PRIMARY KEY,
  replay_time_us  bigint NOT NULL,
  principal       text NOT NULL
);
)sql"},
      {9, "operations: notifications sending or of unknown outcome, counted by channel",
       R"sql(
CREATE INDEX notifications_unresolved ON notifications (channel)
  WHERE state IN ('SENDING', 'UNKNOWN');
)sql"},
      {10, "kill switches: operators' pauses of sending, shared by every instance",
       R"sql(
-- While a row covers a notification, the policy holds it (DEFERRED, reason PAUSED, no
-- due time) instead of letting it go; deleting the row releases what no other covers.
CREATE TABLE pauses (
  scope         text NOT NULL,     -- ALL, TEMPLATE, CATEGORY or CHANNEL
  value         text NOT NULL,     -- the template, category or channel; '' for ALL
  paused_by     text NOT NULL,     -- the principal
  reason        text NOT NULL,
  pause_time_us bigint NOT NULL,
  PRIMARY KEY (scope, value)
);
)sql"},
      {11, "tracing: the W3C trace id each event came with (or was given)",
       R"sql(
-- 32 hex digits; NULL for events recorded before traces were kept. Notifications read
-- it with their event.
ALTER TABLE events ADD COLUMN trace_id text;
)sql"},
  };
  return kMigrations;
}

absl::Status ApplyMigrations(Conn& conn, const std::vector<Migration>& migrations) {
  // Session-level: held across the steps' transactions, released at the end (or when
  // the connection drops).
  absl::Status status = conn.Run(core::StrCat("SELECT pg_advisory_lock(", kMigrationLock, ")"));
  if (!status.ok()) return status;
  status = conn.Run(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, name text NOT NULL, apply_time timestamptz NOT NULL)");
  int64_t have = 0;
  if (status.ok()) {
    auto current = conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (current.ok()) {
      have = current->Int(0, 0);
    } else {
      status = current.status();
    }
  }
  const int known = migrations.empty() ? 0 : migrations.back().version;
  if (status.ok() && have > known) {
    status = absl::FailedPreconditionError(
        core::StrCat("postgres: the database has schema version ", have,
                     " but this heraldd knows versions up to ", known, "; upgrade heraldd"));
  }
  for (const Migration& m : migrations) {
    if (!status.ok()) break;
    if (m.version <= have) continue;
    status = conn.Run("BEGIN");
    if (status.ok()) status = conn.Run(m.sql);
    if (status.ok()) {
      status = conn.Exec(
                       "INSERT INTO schema_migrations (version, name, apply_time)"
                       " VALUES ($1, $2, now())",
                       Params().Add(m.version).Add(m.name))
                   .status();
    }
    if (status.ok()) status = conn.Run("COMMIT");
    if (!status.ok()) {
      if (conn.healthy()) conn.Run("ROLLBACK").IgnoreError();
      status = absl::Status(status.code(), core::StrCat("schema migration ", m.version, " (",
                                                        m.name, "): ", status.message()));
    }
  }
  if (conn.healthy()) {
    conn.Run(core::StrCat("SELECT pg_advisory_unlock(", kMigrationLock, ")")).IgnoreError();
  }
  return status;
}

}  // namespace herald::store::postgres
