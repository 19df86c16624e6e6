#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "services/store/sqlite/connections.h"
#include "services/store/store.h"

namespace herald::store::sqlite {

/// The embedded store: one SQLite file in WAL mode. Writes from all threads go to one
/// writer thread that commits them in batches (one transaction, one fsync per batch;
/// a write that fails is left out and the rest of its batch runs again, so it does not
/// undo the others). Reads use a pool of reader connections and run concurrently with
/// writes. Each table's rows are mapped in a file of its own (*_rows.h).
class SqliteStore final : public Store {
 public:
  using Options = Connections::Options;

  /// Opens (creating if needed) the database and applies pending schema migrations.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const Options& options);

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  /// Finishes every queued write, then closes.
  ~SqliteStore() override = default;

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
  explicit SqliteStore(std::unique_ptr<Connections> connections)
      : connections_(std::move(connections)) {}

  absl::Status Write(Connections::WriteFn fn,
                     Connections::Priority priority = Connections::Priority::kBulk) {
    return connections_->Write(std::move(fn), priority);
  }
  absl::Status Read(const Connections::ReadFn& fn) { return connections_->Read(fn); }
  /// Runs one write per update and collects whether each applied.
  template <typename U, typename F>
  absl::StatusOr<std::vector<bool>> WriteEach(const std::vector<U>& updates, F apply,
                                              Connections::Priority priority);
  /// Runs a "DELETE ... RETURNING 1" for key; NOT_FOUND naming `what` when no row went.
  absl::Status DeleteRow(std::string_view sql, std::string_view what, std::string_view key);

  std::unique_ptr<Connections> connections_;
};

}  // namespace herald::store::sqlite
