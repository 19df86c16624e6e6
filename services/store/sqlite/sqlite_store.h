#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/store/sqlite/sqlite_db.h"
#include "services/store/store.h"

namespace herald::store::sqlite {

/// The embedded store: one SQLite file in WAL mode. Writes from all threads go to one
/// writer thread that commits them in batches (one transaction, one fsync per batch;
/// a write that fails is left out and the rest of its batch runs again, so it does not
/// undo the others). Reads use a pool of reader connections and run concurrently with
/// writes.
class SqliteStore final : public Store {
 public:
  struct Options {
    std::string path;
    std::chrono::milliseconds busy_timeout{5000};
    bool synchronous_full = true;
    int max_batch = 256;
    /// Keep every state change in the status outbox until AckStatusOutbox (for the
    /// status topic); false: keep none.
    bool status_outbox = false;
  };

  /// Opens (creating if needed) the database and applies pending schema migrations.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const Options& options);

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  /// Finishes every queued write, then closes.
  ~SqliteStore() override;

  absl::StatusOr<core::Profile> GetProfile(std::string_view customer_id) override;
  absl::StatusOr<Page<core::Profile>> ListProfiles(std::string_view after, int limit) override;
  absl::StatusOr<std::vector<bool>> HasProfiles(
      const std::vector<std::string>& customer_ids) override;
  absl::StatusOr<core::Profile> MutateProfile(std::string_view customer_id,
                                              ProfileMutation mutate) override;
  absl::Status DeleteProfile(std::string_view customer_id) override;

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

  absl::StatusOr<std::vector<IntakeResult>> RecordIntake(
      const std::vector<IntakeItem>& items) override;
  absl::StatusOr<int64_t> CountNotifications(
      const std::vector<core::NotificationState>& states) override;
  absl::StatusOr<EventRecord> GetEvent(std::string_view event_id) override;
  absl::StatusOr<std::vector<std::optional<EventRecord>>> GetEvents(
      const std::vector<std::string>& event_ids) override;
  absl::StatusOr<std::vector<core::Notification>> ListDecisionWork(core::Time now,
                                                                   int limit) override;
  absl::StatusOr<std::optional<core::Time>> NextDeferTime() override;
  absl::StatusOr<std::vector<CustomerContext>> LoadCustomerContexts(
      const std::vector<std::string>& customer_ids, core::Time history_since,
      std::string_view event_type, core::Time events_since) override;
  absl::StatusOr<std::vector<bool>> RecordDecisions(
      const std::vector<DecisionUpdate>& updates) override;
  absl::StatusOr<std::vector<core::Decision>> ListDecisions(
      std::string_view notification_id) override;
  absl::StatusOr<std::vector<DispatchItem>> ClaimDispatchWork(
      core::Time now, const std::vector<core::Channel>& channels, int limit) override;
  absl::StatusOr<std::vector<DispatchItem>> ListInFlight() override;
  absl::StatusOr<std::vector<bool>> RecordAttempts(
      const std::vector<AttemptUpdate>& updates) override;
  absl::StatusOr<std::optional<core::Time>> NextDispatchTime(
      const std::vector<core::Channel>& channels) override;
  absl::StatusOr<ReceiptResult> ApplyReceipt(const Receipt& receipt) override;
  absl::StatusOr<Page<core::Notification>> ListChangedNotifications(
      const NotificationFilter& filter, std::string_view after, int limit) override;
  absl::StatusOr<core::Notification> GetNotification(std::string_view id) override;
  absl::StatusOr<std::vector<StatusChange>> ListStatusOutbox(int limit) override;
  absl::Status AckStatusOutbox(int64_t sequence) override;
  absl::StatusOr<Page<core::Notification>> ListNotifications(const NotificationFilter& filter,
                                                             std::string_view after,
                                                             int limit) override;

 private:
  using WriteFn = std::function<absl::Status(Db&)>;
  using ReadFn = std::function<absl::Status(Db&)>;
  struct WriteJob {
    WriteFn fn;
    std::promise<absl::Status> done;
  };

  SqliteStore(Options options, std::unique_ptr<Db> writer);

  /// Runs fn on the writer connection inside a batch transaction; returns once the
  /// batch is committed (or failed). fn may run more than once: when another write of
  /// its batch fails, the batch is rolled back and runs again without that one, so fn
  /// must not accumulate into what it captures.
  absl::Status Write(WriteFn fn);
  /// Runs fn on a reader connection inside a read transaction (one snapshot).
  absl::Status Read(const ReadFn& fn);
  /// Runs a "DELETE ... RETURNING 1" for key; NOT_FOUND naming `what` when no row went.
  absl::Status DeleteRow(std::string_view sql, std::string_view what, std::string_view key);
  void WriterLoop();
  void CommitBatch(std::vector<WriteJob>& batch);

  const Options options_;
  std::unique_ptr<Db> writer_;

  std::mutex write_mu_;
  std::condition_variable write_cv_;
  std::deque<WriteJob> write_queue_;
  bool stopping_ = false;
  std::thread writer_thread_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
};

}  // namespace herald::store::sqlite
