#include "services/store/sqlite/sqlite_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "services/core/strings.h"
#include "services/store/sqlite/migrations.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

constexpr int kWriterCacheKib = 32 * 1024;

absl::Status NotFound(std::string_view what, std::string_view key) {
  return absl::NotFoundError(core::StrCat(what, " \"", key, "\" not found"));
}

// Fills a page from keys fetched with limit + 1: the extra key only says there is more.
template <typename T, typename Load>
absl::StatusOr<Page<T>> MakePage(std::vector<std::string> keys, int limit, Load&& load) {
  Page<T> page;
  const bool more = static_cast<int>(keys.size()) > limit;
  if (more) keys.resize(static_cast<size_t>(limit));
  for (const std::string& key : keys) {
    absl::StatusOr<std::optional<T>> item = load(key);
    if (!item.ok()) return item.status();
    if (*item) page.items.push_back(std::move(**item));
  }
  if (more && !keys.empty()) page.next_after = keys.back();
  return page;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const Options& options) {
  if (options.max_batch < 1) {
    return absl::InvalidArgumentError("sqlite: max_batch must be at least 1");
  }
  // The writer's cache holds a batch's dirty pages; a smaller one spills them to the
  // WAL before the commit, and the same pages are written again at the commit.
  auto writer = Db::Open(options.path, {.busy_timeout = options.busy_timeout,
                                        .synchronous_full = options.synchronous_full,
                                        .cache_kib = kWriterCacheKib});
  if (!writer.ok()) return writer.status();
  absl::Status migrated = ApplyMigrations(**writer, Migrations());
  if (!migrated.ok()) return migrated;
  return std::unique_ptr<SqliteStore>(new SqliteStore(options, std::move(*writer)));
}

SqliteStore::SqliteStore(Options options, std::unique_ptr<Db> writer)
    : options_(std::move(options)), writer_(std::move(writer)) {
  writer_thread_ = std::thread([this] { WriterLoop(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(write_mu_);
    stopping_ = true;
  }
  write_cv_.notify_all();
  writer_thread_.join();
}

absl::Status SqliteStore::Write(WriteFn fn) {
  std::future<absl::Status> done;
  {
    std::lock_guard lock(write_mu_);
    if (stopping_) return absl::UnavailableError("sqlite: store is closing");
    write_queue_.push_back(WriteJob{std::move(fn), {}});
    done = write_queue_.back().done.get_future();
  }
  write_cv_.notify_one();
  return done.get();
}

void SqliteStore::WriterLoop() {
  std::vector<WriteJob> batch;
  while (true) {
    {
      std::unique_lock lock(write_mu_);
      write_cv_.wait(lock, [this] { return stopping_ || !write_queue_.empty(); });
      if (write_queue_.empty()) return;  // stopping, and everything is written
      while (!write_queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(std::move(write_queue_.front()));
        write_queue_.pop_front();
      }
    }
    CommitBatch(batch);
    batch.clear();
  }
}

void SqliteStore::CommitBatch(std::vector<WriteJob>& batch) {
  // The whole batch in one transaction, without a savepoint per write: SQLite copies
  // every page a savepoint touches to a statement journal first, which cost more than
  // the writes themselves. Should a write fail, the transaction is rolled back and the
  // batch runs again without it, so only the failed write is lost.
  std::vector<std::optional<absl::Status>> failed(batch.size());
  while (true) {
    absl::Status status = writer_->Exec("BEGIN IMMEDIATE");
    bool clean = status.ok();
    for (size_t i = 0; clean && i < batch.size(); ++i) {
      if (failed[i]) continue;
      absl::Status result = batch[i].fn(*writer_);
      if (result.ok() && !writer_->InTransaction()) {
        result = absl::InternalError("sqlite: the transaction ended during a write");
      }
      if (!result.ok()) {
        failed[i] = std::move(result);
        clean = false;
      }
    }
    if (clean) status = writer_->Exec("COMMIT");
    if (clean && status.ok()) break;
    if (writer_->InTransaction()) writer_->Exec("ROLLBACK").IgnoreError();
    if (!status.ok()) {
      // BEGIN or COMMIT failed (I/O error, disk full): none of the rest is written.
      for (std::optional<absl::Status>& f : failed) {
        if (!f) f = status;
      }
      break;
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].done.set_value(failed[i] ? *std::move(failed[i]) : absl::OkStatus());
  }
}

absl::Status SqliteStore::Read(const ReadFn& fn) {
  std::unique_ptr<Db> db;
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (db == nullptr) {
    auto opened = Db::Open(options_.path, {.busy_timeout = options_.busy_timeout,
                                           .synchronous_full = options_.synchronous_full});
    if (!opened.ok()) return opened.status();
    db = std::move(*opened);
  }
  absl::Status status = db->Exec("BEGIN");
  if (status.ok()) {
    status = fn(*db);
    absl::Status ended = db->Exec(status.ok() ? "COMMIT" : "ROLLBACK");
    if (status.ok()) status = ended;
  }
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(std::move(db));
  return status;
}

absl::StatusOr<core::Profile> SqliteStore::GetProfile(std::string_view customer_id) {
  absl::StatusOr<std::optional<core::Profile>> profile;
  absl::Status status = Read([&](Db& db) {
    profile = ReadProfile(db, customer_id);
    return profile.status();
  });
  if (!status.ok()) return status;
  if (!*profile) return NotFound("profile", customer_id);
  return std::move(**profile);
}

absl::StatusOr<Page<core::Profile>> SqliteStore::ListProfiles(std::string_view after, int limit) {
  absl::StatusOr<Page<core::Profile>> page;
  absl::Status status = Read([&](Db& db) {
    auto ids = KeysAfter(
        db, "SELECT customer_id FROM customers WHERE customer_id > ?1 ORDER BY 1 LIMIT ?2", after,
        limit + 1);
    if (!ids.ok()) return ids.status();
    page = MakePage<core::Profile>(std::move(*ids), limit,
                                   [&](const std::string& id) { return ReadProfile(db, id); });
    return page.status();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<std::vector<bool>> SqliteStore::HasProfiles(
    const std::vector<std::string>& customer_ids) {
  std::vector<bool> found(customer_ids.size());
  absl::Status status = Read([&](Db& db) -> absl::Status {
    for (size_t i = 0; i < customer_ids.size(); ++i) {
      auto query = db.Prepare("SELECT 1 FROM customers WHERE customer_id = ?1");
      if (!query.ok()) return query.status();
      absl::StatusOr<bool> row = (*query)->Bind(1, customer_ids[i]).Step();
      if (!row.ok()) return row.status();
      found[i] = *row;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<core::Profile> SqliteStore::MutateProfile(std::string_view customer_id,
                                                         ProfileMutation mutate) {
  core::Profile stored;
  absl::Status status = Write([&](Db& db) -> absl::Status {
    auto current = ReadProfile(db, customer_id);
    if (!current.ok()) return current.status();
    absl::StatusOr<core::Profile> next = mutate(*current ? &**current : nullptr);
    if (!next.ok()) return next.status();
    if (next->customer_id != customer_id) {
      return absl::InvalidArgumentError("a profile mutation may not change the customer id");
    }
    absl::Status written = WriteProfile(db, *next);
    if (written.ok()) stored = std::move(*next);
    return written;
  });
  if (!status.ok()) return status;
  return stored;
}

absl::Status SqliteStore::DeleteProfile(std::string_view customer_id) {
  return DeleteRow("DELETE FROM customers WHERE customer_id = ?1 RETURNING 1", "profile",
                   customer_id);
}

absl::StatusOr<core::Template> SqliteStore::GetTemplate(std::string_view name, int64_t version) {
  absl::StatusOr<std::optional<core::Template>> tmpl;
  absl::Status status = Read([&](Db& db) {
    tmpl = ReadTemplate(db, name, version);
    return tmpl.status();
  });
  if (!status.ok()) return status;
  if (!*tmpl) {
    return version <= 0 ? NotFound("template", name)
                        : absl::NotFoundError(
                              core::StrCat("template \"", name, "\" has no version ", version));
  }
  return std::move(**tmpl);
}

absl::StatusOr<Page<core::Template>> SqliteStore::ListTemplates(std::string_view after, int limit) {
  absl::StatusOr<Page<core::Template>> page;
  absl::Status status = Read([&](Db& db) {
    auto names = KeysAfter(db, "SELECT name FROM templates WHERE name > ?1 ORDER BY 1 LIMIT ?2",
                           after, limit + 1);
    if (!names.ok()) return names.status();
    page = MakePage<core::Template>(std::move(*names), limit, [&](const std::string& name) {
      return ReadTemplate(db, name, 0);
    });
    return page.status();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<core::Template> SqliteStore::AddTemplateVersion(std::string_view name,
                                                               TemplateMutation mutate) {
  core::Template stored;
  absl::Status status = Write([&](Db& db) -> absl::Status {
    auto latest = ReadTemplate(db, name, 0);
    if (!latest.ok()) return latest.status();
    const core::Template* previous = *latest ? &**latest : nullptr;
    absl::StatusOr<std::optional<core::Template>> mutated = mutate(previous);
    if (!mutated.ok()) return mutated.status();
    if (!*mutated) {
      if (previous == nullptr) {
        return absl::InvalidArgumentError("there is no version to keep for a new template");
      }
      stored = *previous;
      return absl::OkStatus();
    }
    std::optional<core::Template>& next = *mutated;
    if (next->name != name) {
      return absl::InvalidArgumentError("a template mutation may not change the name");
    }
    next->version = previous ? previous->version + 1 : 1;
    next->active_version = next->version;  // a new version is the one in use
    next->create_time = previous ? previous->create_time : next->update_time;
    absl::Status written = InsertTemplateVersion(db, *next);
    if (written.ok()) stored = std::move(*next);
    return written;
  });
  if (!status.ok()) return status;
  return stored;
}

absl::Status SqliteStore::DeleteTemplate(std::string_view name) {
  return DeleteRow("DELETE FROM templates WHERE name = ?1 RETURNING 1", "template", name);
}

absl::StatusOr<core::Template> SqliteStore::ActivateTemplateVersion(std::string_view name,
                                                                    int64_t version) {
  core::Template active;
  absl::Status status = Write([&](Db& db) -> absl::Status {
    absl::StatusOr<bool> set = SetActiveVersion(db, name, version);
    if (!set.ok()) return set.status();
    if (!*set) {
      return absl::NotFoundError(core::StrCat("template \"", name, "\" has no version ", version));
    }
    auto read = ReadTemplate(db, name, version);
    if (!read.ok()) return read.status();
    active = std::move(**read);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return active;
}

absl::StatusOr<std::vector<core::Template>> SqliteStore::ListTemplatesForEventType(
    std::string_view event_type) {
  absl::StatusOr<std::vector<core::Template>> templates;
  absl::Status status = Read([&](Db& db) {
    templates = SelectTemplatesForEventType(db, event_type);
    return templates.status();
  });
  if (!status.ok()) return status;
  return templates;
}

absl::StatusOr<core::Snippet> SqliteStore::GetSnippet(std::string_view name) {
  absl::StatusOr<std::optional<core::Snippet>> snippet;
  absl::Status status = Read([&](Db& db) {
    snippet = ReadSnippet(db, name);
    return snippet.status();
  });
  if (!status.ok()) return status;
  if (!*snippet) return NotFound("snippet", name);
  return std::move(**snippet);
}

absl::StatusOr<std::vector<core::Snippet>> SqliteStore::ListSnippets() {
  absl::StatusOr<std::vector<core::Snippet>> snippets;
  absl::Status status = Read([&](Db& db) {
    snippets = SelectSnippets(db);
    return snippets.status();
  });
  if (!status.ok()) return status;
  return snippets;
}

absl::StatusOr<core::Snippet> SqliteStore::PutSnippet(const core::Snippet& snippet,
                                                      bool must_exist) {
  core::Snippet stored = snippet;
  absl::Status status = Write([&](Db& db) -> absl::Status {
    absl::StatusOr<std::optional<core::Snippet>> existing = ReadSnippet(db, snippet.name);
    if (!existing.ok()) return existing.status();
    if (must_exist && !*existing) return NotFound("snippet", snippet.name);
    if (!must_exist && *existing) {
      return absl::AlreadyExistsError(
          core::StrCat("snippet \"", snippet.name, "\" already exists"));
    }
    stored.create_time = *existing ? (*existing)->create_time : snippet.update_time;
    if (*existing && (*existing)->text == snippet.text) {
      stored.update_time = (*existing)->update_time;  // when its text last changed
    }
    return WriteSnippet(db, stored);
  });
  if (!status.ok()) return status;
  return stored;
}

absl::Status SqliteStore::DeleteSnippet(std::string_view name) {
  return DeleteRow("DELETE FROM snippets WHERE name = ?1 RETURNING 1", "snippet", name);
}

absl::StatusOr<std::vector<IntakeResult>> SqliteStore::RecordIntake(
    const std::vector<IntakeItem>& items) {
  std::vector<IntakeResult> results;
  absl::Status status = Write([&](Db& db) -> absl::Status {
    results.assign(items.size(), IntakeResult{});
    for (size_t i = 0; i < items.size(); ++i) {
      absl::StatusOr<bool> inserted = InsertEvent(db, items[i].record);
      if (!inserted.ok()) return inserted.status();
      if (!*inserted) {
        results[i].duplicate = true;
        continue;
      }
      for (const core::Notification& n : items[i].notifications) {
        absl::StatusOr<bool> created = InsertNotification(db, n);
        if (!created.ok()) return created.status();
        if (*created) ++results[i].notifications_created;
      }
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return results;
}

absl::StatusOr<int64_t> SqliteStore::CountNotifications(
    const std::vector<core::NotificationState>& states) {
  int64_t count = 0;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    for (core::NotificationState state : states) {
      auto query = db.Prepare("SELECT COUNT(*) FROM notifications WHERE state = ?1");
      if (!query.ok()) return query.status();
      absl::StatusOr<bool> row = (*query)->Bind(1, core::Name(state)).Step();
      if (!row.ok()) return row.status();
      count += (*query)->ColumnInt(0);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return count;
}

absl::StatusOr<EventRecord> SqliteStore::GetEvent(std::string_view event_id) {
  absl::StatusOr<std::optional<EventRecord>> record;
  absl::Status status = Read([&](Db& db) {
    record = ReadEvent(db, event_id);
    return record.status();
  });
  if (!status.ok()) return status;
  if (!*record) return NotFound("event", event_id);
  return std::move(**record);
}

absl::StatusOr<std::vector<std::optional<EventRecord>>> SqliteStore::GetEvents(
    const std::vector<std::string>& event_ids) {
  std::vector<std::optional<EventRecord>> records;
  records.reserve(event_ids.size());
  absl::Status status = Read([&](Db& db) -> absl::Status {
    for (const std::string& id : event_ids) {
      absl::StatusOr<std::optional<EventRecord>> record = ReadEvent(db, id);
      if (!record.ok()) return record.status();
      records.push_back(*std::move(record));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return records;
}

absl::StatusOr<std::vector<core::Notification>> SqliteStore::ListDecisionWork(core::Time now,
                                                                              int limit) {
  absl::StatusOr<std::vector<core::Notification>> work;
  absl::Status status = Read([&](Db& db) {
    work = SelectDecisionWork(db, now, limit);
    return work.status();
  });
  if (!status.ok()) return status;
  return work;
}

absl::StatusOr<std::optional<core::Time>> SqliteStore::NextDeferTime() {
  absl::StatusOr<std::optional<core::Time>> next;
  absl::Status status = Read([&](Db& db) {
    next = SelectNextDeferTime(db);
    return next.status();
  });
  if (!status.ok()) return status;
  return next;
}

absl::StatusOr<std::vector<CustomerContext>> SqliteStore::LoadCustomerContexts(
    const std::vector<std::string>& customer_ids, core::Time history_since,
    std::string_view event_type, core::Time events_since) {
  std::vector<CustomerContext> contexts(customer_ids.size());
  absl::Status status = Read([&](Db& db) -> absl::Status {
    for (size_t i = 0; i < customer_ids.size(); ++i) {
      auto profile = ReadProfile(db, customer_ids[i]);
      if (!profile.ok()) return profile.status();
      contexts[i].profile = *std::move(profile);
      auto history = SelectContactHistory(db, customer_ids[i], history_since);
      if (!history.ok()) return history.status();
      contexts[i].history = *std::move(history);
      auto events = SelectCustomerEvents(db, customer_ids[i], event_type, events_since);
      if (!events.ok()) return events.status();
      contexts[i].events = *std::move(events);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return contexts;
}

absl::StatusOr<std::vector<bool>> SqliteStore::RecordDecisions(
    const std::vector<DecisionUpdate>& updates) {
  std::vector<bool> applied(updates.size());
  absl::Status status = Write([&](Db& db) -> absl::Status {
    for (size_t i = 0; i < updates.size(); ++i) {
      absl::StatusOr<bool> done =
          ApplyDecision(db, updates[i], updates[i].decision.decide_time, options_.status_outbox);
      if (!done.ok()) return done.status();
      applied[i] = *done;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<std::vector<DispatchItem>> SqliteStore::ClaimDispatchWork(
    core::Time now, const std::vector<core::Channel>& channels, int limit) {
  absl::StatusOr<std::vector<DispatchItem>> items;
  absl::Status status = Write([&](Db& db) {
    items = ClaimDispatch(db, now, channels, limit, options_.status_outbox);
    return items.status();
  });
  if (!status.ok()) return status;
  return items;
}

absl::StatusOr<std::vector<DispatchItem>> SqliteStore::ListInFlight() {
  absl::StatusOr<std::vector<DispatchItem>> items;
  absl::Status status = Read([&](Db& db) {
    items = SelectInFlight(db);
    return items.status();
  });
  if (!status.ok()) return status;
  return items;
}

absl::StatusOr<std::vector<bool>> SqliteStore::RecordAttempts(
    const std::vector<AttemptUpdate>& updates) {
  std::vector<bool> applied(updates.size());
  absl::Status status = Write([&](Db& db) -> absl::Status {
    for (size_t i = 0; i < updates.size(); ++i) {
      absl::StatusOr<bool> done = ApplyAttempt(db, updates[i], options_.status_outbox);
      if (!done.ok()) return done.status();
      applied[i] = *done;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<Page<core::Notification>> SqliteStore::ListChangedNotifications(
    const NotificationFilter& filter, std::string_view after, int limit) {
  absl::StatusOr<std::vector<core::Notification>> rows;
  absl::Status status = Read([&](Db& db) {
    rows = SelectNotifications(db, filter, after, limit, /*change_order=*/true);
    return rows.status();
  });
  if (!status.ok()) return status;
  Page<core::Notification> page;
  page.items = *std::move(rows);
  page.next_after =
      page.items.empty() ? std::string(after) : NotificationChangeKey(page.items.back());
  return page;
}

absl::StatusOr<ReceiptResult> SqliteStore::ApplyReceipt(const Receipt& receipt) {
  absl::StatusOr<ReceiptResult> result;
  absl::Status status = Write([&](Db& db) {
    result = ApplyReceiptRow(db, receipt, options_.status_outbox);
    return result.status();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<StatusChange>> SqliteStore::ListStatusOutbox(int limit) {
  absl::StatusOr<std::vector<StatusChange>> changes;
  absl::Status status = Read([&](Db& db) {
    changes = SelectStatusOutbox(db, limit);
    return changes.status();
  });
  if (!status.ok()) return status;
  return changes;
}

absl::Status SqliteStore::AckStatusOutbox(int64_t sequence) {
  return Write([&](Db& db) { return DeleteStatusOutbox(db, sequence); });
}

absl::StatusOr<std::optional<core::Time>> SqliteStore::NextDispatchTime(
    const std::vector<core::Channel>& channels) {
  absl::StatusOr<std::optional<core::Time>> next;
  absl::Status status = Read([&](Db& db) {
    next = SelectNextDispatchTime(db, channels);
    return next.status();
  });
  if (!status.ok()) return status;
  return next;
}

absl::StatusOr<std::vector<core::Decision>> SqliteStore::ListDecisions(
    std::string_view notification_id) {
  absl::StatusOr<std::vector<std::pair<core::Decision, core::NotificationState>>> rows;
  absl::Status status = Read([&](Db& db) {
    rows = SelectDecisions(db, notification_id);
    return rows.status();
  });
  if (!status.ok()) return status;
  std::vector<core::Decision> out;
  for (auto& [decision, state] : *rows) out.push_back(std::move(decision));
  return out;
}

absl::StatusOr<core::Notification> SqliteStore::GetNotification(std::string_view id) {
  absl::StatusOr<std::optional<core::Notification>> n;
  absl::StatusOr<std::vector<std::pair<core::Decision, core::NotificationState>>> decisions;
  absl::StatusOr<std::vector<core::RenderedMessage>> messages;
  absl::StatusOr<std::vector<core::DeliveryAttempt>> attempts;
  absl::StatusOr<std::vector<core::StateChange>> changes;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    n = ReadNotification(db, id);
    if (!n.ok() || !*n) return n.status();
    decisions = SelectDecisions(db, id);
    if (!decisions.ok()) return decisions.status();
    messages = SelectMessages(db, id);
    if (!messages.ok()) return messages.status();
    attempts = SelectAttempts(db, id);
    if (!attempts.ok()) return attempts.status();
    changes = SelectStateChanges(db, id);
    return changes.status();
  });
  if (!status.ok()) return status;
  if (!*n) return NotFound("notification", id);
  core::Notification& found = **n;
  found.history.push_back({core::NotificationState::kPending, found.create_time,
                           core::StrCat("recorded from event ", found.event_id)});
  for (const auto& [decision, state] : *decisions) {
    std::string detail = core::StrCat(core::Name(decision.outcome), " ",
                                      core::Name(decision.reason), ": ", decision.detail);
    found.history.push_back({state, decision.decide_time, std::move(detail)});
  }
  for (core::StateChange& change : *changes) found.history.push_back(std::move(change));
  std::stable_sort(found.history.begin(), found.history.end(),
                   [](const core::StateChange& a, const core::StateChange& b) {
                     return a.change_time < b.change_time;
                   });
  found.messages = *std::move(messages);
  found.attempts = *std::move(attempts);
  return std::move(found);
}

absl::StatusOr<Page<core::Notification>> SqliteStore::ListNotifications(
    const NotificationFilter& filter, std::string_view after, int limit) {
  Page<core::Notification> page;
  absl::Status status = Read([&](Db& db) {
    auto rows = SelectNotifications(db, filter, after, limit + 1);
    if (!rows.ok()) return rows.status();
    page.items = std::move(*rows);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<size_t>(limit));
    page.next_after = NotificationPageKey(page.items.back());
  }
  return page;
}

absl::Status SqliteStore::DeleteRow(std::string_view sql, std::string_view what,
                                    std::string_view key) {
  // Dependent rows go with it: the schema's foreign keys cascade.
  return Write([&](Db& db) -> absl::Status {
    auto del = db.Prepare(sql);
    if (!del.ok()) return del.status();
    absl::StatusOr<bool> deleted = (*del)->Bind(1, key).Step();
    if (!deleted.ok()) return deleted.status();
    return *deleted ? absl::OkStatus() : NotFound(what, key);
  });
}

}  // namespace herald::store::sqlite
