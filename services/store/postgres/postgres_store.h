#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/store/postgres/pool.h"
#include "services/store/postgres/tx.h"
#include "services/store/store.h"

namespace herald::store::postgres {

/// The shared store: a PostgreSQL database that several heraldd instances use at once.
/// Each call is one transaction on a pooled connection; writes are guarded (a row is
/// changed only while it is as read) so that two instances never both apply one change,
/// and the change log is numbered in commit order. Each table's rows are mapped in a
/// file of its own (*_rows.h).
class PostgresStore final : public Store {
 public:
  struct Options {
    /// libpq connection string (key=value or postgresql:// URI); TLS options
    /// (sslmode, sslrootcert...) and passfile pass through to libpq.
    std::string dsn;
    int pool_size = 8;
    /// A statement running longer is cancelled (DEADLINE_EXCEEDED); 0: none.
    std::chrono::milliseconds statement_timeout{std::chrono::seconds(30)};
    /// How long state changes stay in the change log for watchers after the status
    /// topic has them (or at all, without a status outbox).
    std::chrono::milliseconds change_retention{std::chrono::minutes(10)};
    /// How often a write forgets what the change log no longer needs.
    std::chrono::milliseconds prune_interval{std::chrono::seconds(5)};
    /// Who this instance is, in leases (e.g. its host name and pid).
    std::string instance = "heraldd";
    /// How long a claim holds its hand-off without renewal. ListInFlight renews this
    /// instance's leases; called more often than this (heraldd: every quarter of it), an
    /// instance's sends are resolved by another only when it died or lost the database
    /// for that long.
    std::chrono::milliseconds send_lease{std::chrono::seconds(30)};
    /// Keep changes until the status topic has them (AckStatusOutbox).
    bool status_outbox = false;
  };

  /// Connects and applies pending schema migrations (one instance at a time).
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const Options& options);

  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;
  /// Finishes every queued asynchronous write, then closes.
  ~PostgresStore() override;

  absl::StatusOr<core::Profile> GetProfile(std::string_view customer_id) override;
  absl::StatusOr<Page<core::Profile>> ListProfiles(std::string_view after, int limit) override;
  absl::StatusOr<std::vector<bool>> HasProfiles(
      const std::vector<std::string>& customer_ids) override;
  absl::StatusOr<std::vector<std::optional<core::Profile>>> GetProfiles(
      const std::vector<std::string>& customer_ids) override;
  absl::StatusOr<core::Profile> MutateProfile(std::string_view customer_id,
                                              ProfileMutation mutate) override;
  absl::Status DeleteProfile(std::string_view customer_id) override;
  absl::StatusOr<bool> MutateProfileFromTopic(std::string_view customer_id, const TopicPosition& at,
                                              ProfileMutation mutate) override;
  absl::StatusOr<bool> DeleteProfileFromTopic(std::string_view customer_id,
                                              const TopicPosition& at) override;

  absl::StatusOr<core::Template> GetTemplate(std::string_view name, int64_t version) override;
  absl::StatusOr<Page<core::Template>> ListTemplates(std::string_view after, int limit) override;
  absl::StatusOr<core::Template> AddTemplateVersion(std::string_view name,
                                                    TemplateMutation mutate) override;
  absl::Status DeleteTemplate(std::string_view name) override;
  absl::StatusOr<core::Template> ActivateTemplateVersion(std::string_view name,
                                                         int64_t version) override;
  absl::StatusOr<std::vector<core::Template>> ListTemplatesForEventType(
      std::string_view event_type) override;
  absl::StatusOr<core::Snippet> GetSnippet(std::string_view name) override;
  absl::StatusOr<std::vector<core::Snippet>> ListSnippets() override;
  absl::StatusOr<core::Snippet> PutSnippet(const core::Snippet& snippet, bool must_exist) override;
  absl::Status DeleteSnippet(std::string_view name) override;
  absl::StatusOr<int64_t> CatalogVersion() override;

  absl::StatusOr<std::vector<KnownEvent>> KnownEvents(
      const std::vector<std::string>& event_ids) override;
  absl::StatusOr<std::vector<std::string>> RecordedNotificationIds(int64_t event_seq) override;
  std::future<absl::StatusOr<std::vector<IntakeResult>>> RecordIntakeAsync(
      std::vector<IntakeItem> items, std::vector<CustomerVersion> decided_on,
      std::function<void()> on_done) override;
  absl::StatusOr<std::vector<CustomerContext>> LoadCustomerContexts(
      const std::vector<std::string>& customer_ids, core::Time history_since,
      std::string_view event_type, core::Time events_since) override;
  absl::StatusOr<EventRecord> GetEvent(std::string_view event_id) override;
  absl::StatusOr<std::vector<std::optional<EventRecord>>> GetEventsBySeq(
      const std::vector<int64_t>& event_seqs) override;
  absl::StatusOr<std::vector<core::Notification>> ListDueDecisions(
      core::Time now, int limit, const std::optional<core::OwnedPartitions>& owned) override;
  absl::StatusOr<std::optional<core::Time>> NextDeferTime(
      const std::optional<core::OwnedPartitions>& owned) override;
  absl::StatusOr<int64_t> CountDeferred() override;
  absl::StatusOr<std::vector<bool>> RecordDecisions(
      const std::vector<DecisionUpdate>& updates,
      const std::vector<CustomerVersion>& decided_on) override;
  absl::StatusOr<std::vector<core::Notification>> ListDue(core::Time now, core::Channel channel,
                                                          int limit) override;
  absl::StatusOr<std::vector<bool>> Claim(const std::vector<store::Claim>& claims) override;
  absl::StatusOr<std::vector<DispatchItem>> ListInFlight() override;
  absl::StatusOr<std::vector<bool>> RecordAttempts(
      const std::vector<AttemptUpdate>& updates) override;
  absl::StatusOr<Settled> Settle(const std::vector<AttemptUpdate>& results,
                                 const std::vector<store::Claim>& claims) override;
  void SettleAsync(std::vector<AttemptUpdate> results, std::vector<store::Claim> claims,
                   SettleDone done) override;
  absl::StatusOr<std::optional<core::Time>> NextDispatchTime(
      const std::vector<core::Channel>& channels) override;
  absl::StatusOr<ReceiptResult> ApplyReceipt(const Receipt& receipt) override;
  absl::StatusOr<std::vector<StatusChange>> ListStatusOutbox(int limit) override;
  absl::Status AckStatusOutbox(int64_t sequence) override;
  absl::StatusOr<int64_t> LatestChange() override;
  absl::StatusOr<Page<core::Notification>> ListChangedNotifications(
      const NotificationFilter& filter, int64_t after, int limit) override;
  absl::StatusOr<int64_t> CountNotifications(
      const std::vector<core::NotificationState>& states) override;
  absl::StatusOr<NotificationBacklog> CountBacklog() override;
  absl::StatusOr<std::vector<OperatorResult>> ApplyOperatorChanges(
      const std::vector<OperatorChange>& changes) override;

  absl::StatusOr<PauseChange> AddPause(const core::Pause& pause) override;
  absl::StatusOr<std::pair<core::Pause, PauseChange>> RemovePause(core::PauseScope scope,
                                                                  std::string_view value) override;
  absl::StatusOr<std::vector<core::Pause>> ListPauses() override;
  absl::StatusOr<PauseChange> SweepPauses(core::Time now) override;
  absl::StatusOr<core::Notification> GetNotification(std::string_view id) override;
  absl::StatusOr<std::vector<core::Decision>> ListDecisions(
      std::string_view notification_id) override;
  absl::StatusOr<Page<core::Notification>> ListNotifications(const NotificationFilter& filter,
                                                             std::string_view after,
                                                             int limit) override;

  absl::Status CreateApiKey(const core::ApiKey& key) override;
  absl::StatusOr<core::ApiKey> GetApiKey(std::string_view id) override;
  absl::StatusOr<Page<core::ApiKey>> ListApiKeys(std::string_view after, int limit) override;
  absl::StatusOr<core::ApiKey> RevokeApiKey(std::string_view id, core::Time at) override;

  // DeadLetterStore
  absl::Status RecordReplays(const std::vector<DeadLetterReplay>& replays) override;
  absl::StatusOr<std::map<std::string, DeadLetterReplay>> GetReplays(
      const std::vector<std::string>& ids) override;
  absl::StatusOr<core::AuditRecord> AppendAudit(core::AuditRecord record) override;
  absl::StatusOr<Page<core::AuditRecord>> ListAudit(const AuditFilter& filter, int64_t after,
                                                    int limit) override;

  absl::StatusOr<int64_t> EraseCustomerContent(const Erasure& erasure) override;
  absl::StatusOr<int64_t> PurgeContent(core::Time before, core::Time at, int limit) override;
  absl::StatusOr<int64_t> DeleteNotifications(core::Time before, int limit) override;

 private:
  PostgresStore(Options options, std::unique_ptr<Pool> pool);

  /// One write transaction: fn's state changes are numbered and stored as one batch of
  /// the change log just before the commit.
  absl::Status Write(const std::function<absl::Status(WriteTx&)>& fn);
  /// Whether this instance is the one that publishes the status outbox: it holds a
  /// session lock on a connection of its own, until it closes or that connection drops
  /// (the server restarted, the instance died); then the next to ask takes over.
  absl::StatusOr<bool> HoldStatusOutbox();
  /// Claims a hand-off for this instance's lease.
  std::function<absl::StatusOr<bool>(WriteTx&, const store::Claim&)> ClaimWithLease() const;
  /// Forgets, now and then, what the change log no longer needs (in a write's
  /// transaction).
  absl::Status MaybePrune(Conn& conn);
  /// One read: a snapshot transaction when `snapshot` (several statements that must
  /// agree), else a single statement's own.
  absl::Status Read(const std::function<absl::Status(Conn&)>& fn, bool snapshot = false);

  const Options options_;
  std::unique_ptr<Pool> pool_;
  /// Asynchronous writes run in the order they were asked for, as on one writer: an
  /// audience's later part after its first, a dispatcher's round after the one before.
  std::unique_ptr<class AsyncRunner> intake_writes_;
  std::unique_ptr<class AsyncRunner> dispatch_writes_;
  std::mutex outbox_mu_;
  std::unique_ptr<Conn> outbox_conn_;  // asks for, then holds, the status outbox's lock
  bool outbox_held_ = false;
  /// Whether ListInFlight ran in this process: before it has, what is leased under this
  /// instance's name was left by an earlier run of it.
  std::atomic<bool> listed_in_flight_ = false;
  /// When the next prune is due (steady clock, ns).
  std::atomic<int64_t> next_prune_{0};
};

}  // namespace herald::store::postgres
