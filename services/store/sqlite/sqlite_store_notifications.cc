// SqliteStore's events and notifications: intake, the contact policy's reads and
// re-decisions, hand-offs, receipts, the change log and the queries.
#include <algorithm>
#include <charconv>
#include <future>
#include <memory>

#include "services/core/strings.h"
#include "services/store/common/notification_parts.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/change_log.h"
#include "services/store/sqlite/customer_version_rows.h"
#include "services/store/sqlite/decision_rows.h"
#include "services/store/sqlite/dispatch_rows.h"
#include "services/store/sqlite/event_rows.h"
#include "services/store/sqlite/message_rows.h"
#include "services/store/sqlite/notification_rows.h"
#include "services/store/sqlite/operator_rows.h"
#include "services/store/sqlite/profile_rows.h"
#include "services/store/sqlite/receipt_rows.h"
#include "services/store/sqlite/rows.h"
#include "services/store/sqlite/sqlite_store.h"

namespace herald::store::sqlite {

template <typename U, typename F>
absl::StatusOr<std::vector<bool>> SqliteStore::WriteEach(const std::vector<U>& updates, F apply,
                                                         Connections::Priority priority) {
  std::vector<bool> applied(updates.size());
  absl::Status status = Write(
      [&](WriteTx& tx) -> absl::Status {
        for (size_t i = 0; i < updates.size(); ++i) {
          absl::StatusOr<bool> done = apply(tx, updates[i]);
          if (!done.ok()) return done.status();
          applied[i] = *done;
        }
        return absl::OkStatus();
      },
      priority);
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<std::vector<KnownEvent>> SqliteStore::KnownEvents(
    const std::vector<std::string>& event_ids) {
  absl::StatusOr<std::vector<KnownEvent>> known;
  absl::Status status = Read([&](Db& db) {
    known = SelectKnownEvents(db, event_ids);
    return known.status();
  });
  if (!status.ok()) return status;
  return known;
}

absl::StatusOr<std::vector<std::string>> SqliteStore::RecordedNotificationIds(int64_t event_seq) {
  std::vector<std::string> ids;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    auto query = db.Prepare("SELECT notification_id FROM notifications WHERE event_seq = ?1");
    if (!query.ok()) return query.status();
    return (*query)->Bind(1, event_seq).ForEachRow([&](Statement& r) {
      ids.push_back(r.ColumnText(0));
      return absl::OkStatus();
    });
  });
  if (!status.ok()) return status;
  return ids;
}

std::future<absl::StatusOr<std::vector<IntakeResult>>> SqliteStore::RecordIntakeAsync(
    std::vector<IntakeItem> items, std::vector<CustomerVersion> decided_on,
    std::function<void()> on_done) {
  // The write owns the items: the caller goes on while it waits for its turn.
  struct Job {
    std::vector<IntakeItem> items;
    std::vector<CustomerVersion> decided_on;
    std::vector<IntakeResult> results;
  };
  auto job = std::make_shared<Job>();
  job->items = std::move(items);
  job->decided_on = std::move(decided_on);
  auto promise = std::make_shared<std::promise<absl::StatusOr<std::vector<IntakeResult>>>>();
  auto recorded = promise->get_future();
  connections_->Enqueue(
      [job](WriteTx& tx) -> absl::Status {
        absl::StatusOr<std::vector<std::string>> stale =
            AdvanceCustomerVersions(tx.db(), job->decided_on);
        if (!stale.ok()) return stale.status();
        if (!stale->empty()) return common::DecidedMeanwhile(*stale);
        job->results.assign(job->items.size(), IntakeResult{});
        for (size_t i = 0; i < job->items.size(); ++i) {
          IntakeItem& item = job->items[i];
          IntakeResult& result = job->results[i];
          if (!item.continued) {
            absl::StatusOr<std::optional<int64_t>> inserted =
                InsertEvent(tx.db(), item.record, item.complete);
            if (!inserted.ok()) return inserted.status();
            if (!*inserted) {
              result.duplicate = true;
              result.created.assign(item.notifications.size(), false);
              continue;
            }
            result.event_seq = **inserted;
          } else {
            absl::StatusOr<std::optional<int64_t>> earlier =
                SelectEventSeq(tx.db(), item.record.event.event_id);
            if (!earlier.ok()) return earlier.status();
            if (!*earlier) {
              return absl::FailedPreconditionError(core::StrCat(
                  "event ", item.record.event.event_id, ": its first part is not recorded"));
            }
            result.event_seq = **earlier;
            if (item.complete) {
              absl::Status marked = MarkEventComplete(tx.db(), result.event_seq);
              if (!marked.ok()) return marked;
            }
          }
          result.created.reserve(item.notifications.size());
          for (core::Notification& n : item.notifications) {
            absl::StatusOr<bool> created = InsertNotification(tx, n, result.event_seq);
            if (!created.ok()) return created.status();
            result.created.push_back(*created);
            if (*created) ++result.notifications_created;
          }
        }
        return absl::OkStatus();
      },
      [job, promise, on_done = std::move(on_done)](absl::Status status) {
        if (status.ok()) {
          for (size_t i = 0; i < job->items.size(); ++i) {
            std::vector<core::Notification>& notifications = job->items[i].notifications;
            IntakeResult& result = job->results[i];
            for (size_t k = 0; k < notifications.size() && k < result.created.size(); ++k) {
              if (!result.created[k] ||
                  notifications[k].state != core::NotificationState::kQueued) {
                continue;
              }
              notifications[k].decision.reset();
              result.queued.push_back(std::move(notifications[k]));
            }
          }
          promise->set_value(std::move(job->results));
        } else {
          promise->set_value(std::move(status));
        }
        if (on_done) on_done();
      });
  return recorded;
}

absl::StatusOr<std::vector<CustomerContext>> SqliteStore::LoadCustomerContexts(
    const std::vector<std::string>& customer_ids, core::Time history_since,
    std::string_view event_type, core::Time events_since) {
  absl::StatusOr<std::vector<CustomerContext>> contexts;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    contexts = SelectContactHistory(db, customer_ids, history_since, event_type, events_since);
    if (!contexts.ok()) return contexts.status();
    absl::StatusOr<std::vector<int64_t>> versions = ReadCustomerVersions(db, customer_ids);
    if (!versions.ok()) return versions.status();
    for (size_t i = 0; i < customer_ids.size(); ++i) (*contexts)[i].version = (*versions)[i];
    absl::StatusOr<std::vector<std::optional<core::Profile>>> profiles =
        ReadProfiles(db, customer_ids);
    if (!profiles.ok()) return profiles.status();
    for (size_t i = 0; i < customer_ids.size(); ++i) {
      (*contexts)[i].profile = std::move((*profiles)[i]);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return contexts;
}

absl::StatusOr<EventRecord> SqliteStore::GetEvent(std::string_view event_id) {
  absl::StatusOr<std::optional<EventRecord>> record;
  absl::Status status = Read([&](Db& db) {
    record = ReadEvent(db, event_id);
    return record.status();
  });
  if (!status.ok()) return status;
  if (!*record) return absl::NotFoundError(core::StrCat("event \"", event_id, "\" not found"));
  return std::move(**record);
}

absl::StatusOr<std::vector<std::optional<EventRecord>>> SqliteStore::GetEventsBySeq(
    const std::vector<int64_t>& event_seqs) {
  absl::StatusOr<std::vector<std::optional<EventRecord>>> records;
  absl::Status status = Read([&](Db& db) {
    records = ReadEventsBySeq(db, event_seqs);
    return records.status();
  });
  if (!status.ok()) return status;
  return records;
}

absl::StatusOr<std::vector<core::Notification>> SqliteStore::ListDueDecisions(
    core::Time now, int limit, const std::optional<core::OwnedPartitions>& owned) {
  absl::StatusOr<std::vector<core::Notification>> due;
  absl::Status status = Read([&](Db& db) {
    due = SelectDueDecisions(db, now, limit, owned);
    return due.status();
  });
  if (!status.ok()) return status;
  return due;
}

absl::StatusOr<std::optional<core::Time>> SqliteStore::NextDeferTime(
    const std::optional<core::OwnedPartitions>& owned) {
  absl::StatusOr<std::optional<core::Time>> next;
  absl::Status status = Read([&](Db& db) {
    next = SelectNextDeferTime(db, owned);
    return next.status();
  });
  if (!status.ok()) return status;
  return next;
}

absl::StatusOr<int64_t> SqliteStore::CountDeferred() {
  return CountNotifications({core::NotificationState::kDeferred});
}

absl::StatusOr<std::vector<bool>> SqliteStore::RecordDecisions(
    const std::vector<DecisionUpdate>& updates, const std::vector<CustomerVersion>& decided_on) {
  std::vector<bool> applied(updates.size());
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    absl::StatusOr<std::vector<std::string>> stale = AdvanceCustomerVersions(tx.db(), decided_on);
    if (!stale.ok()) return stale.status();
    for (size_t i = 0; i < updates.size(); ++i) {
      applied[i] = false;
      if (common::Names(*stale, updates[i].customer_id)) continue;
      absl::StatusOr<bool> done = ApplyDecision(tx, updates[i]);
      if (!done.ok()) return done.status();
      applied[i] = *done;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<std::vector<core::Notification>> SqliteStore::ListDue(core::Time now,
                                                                     core::Channel channel,
                                                                     int limit) {
  absl::StatusOr<std::vector<core::Notification>> due;
  absl::Status status = Read([&](Db& db) {
    due = SelectDue(db, now, channel, limit);
    return due.status();
  });
  if (!status.ok()) return status;
  return due;
}

absl::StatusOr<std::vector<bool>> SqliteStore::Claim(const std::vector<store::Claim>& claims) {
  return WriteEach(claims, ClaimRow, Connections::Priority::kUrgent);
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
  return WriteEach(updates, ApplyAttempt, Connections::Priority::kUrgent);
}

absl::StatusOr<DispatchStore::Settled> SqliteStore::Settle(
    const std::vector<AttemptUpdate>& results, const std::vector<store::Claim>& claims) {
  std::promise<absl::StatusOr<Settled>> promise;
  std::future<absl::StatusOr<Settled>> settled = promise.get_future();
  SettleAsync(results, claims,
              [&promise](absl::StatusOr<Settled> s) { promise.set_value(std::move(s)); });
  return settled.get();
}

void SqliteStore::SettleAsync(std::vector<AttemptUpdate> results, std::vector<store::Claim> claims,
                              SettleDone done) {
  // The write owns what it records: the dispatcher goes on while it waits its turn.
  struct Job {
    std::vector<AttemptUpdate> results;
    std::vector<store::Claim> claims;
    Settled settled;
  };
  auto job = std::make_shared<Job>();
  job->results = std::move(results);
  job->claims = std::move(claims);
  connections_->Enqueue(
      [job](WriteTx& tx) -> absl::Status {
        Settled& settled = job->settled;
        settled.recorded.assign(job->results.size(), false);
        settled.claimed.assign(job->claims.size(), false);
        for (size_t i = 0; i < job->results.size(); ++i) {
          absl::StatusOr<bool> applied = ApplyAttempt(tx, job->results[i]);
          if (!applied.ok()) return applied.status();
          settled.recorded[i] = *applied;
        }
        for (size_t i = 0; i < job->claims.size(); ++i) {
          absl::StatusOr<bool> taken = ClaimRow(tx, job->claims[i]);
          if (!taken.ok()) return taken.status();
          settled.claimed[i] = *taken;
        }
        return absl::OkStatus();
      },
      [job, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(std::move(status));
        } else {
          done(std::move(job->settled));
        }
      },
      Connections::Priority::kUrgent);
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

absl::StatusOr<ReceiptResult> SqliteStore::ApplyReceipt(const Receipt& receipt) {
  absl::StatusOr<ReceiptResult> result;
  absl::Status status = Write(
      [&](WriteTx& tx) {
        result = ApplyReceiptRow(tx, receipt);
        return result.status();
      },
      Connections::Priority::kUrgent);
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<OperatorResult>> SqliteStore::ApplyOperatorChanges(
    const std::vector<OperatorChange>& changes) {
  std::vector<OperatorResult> results;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    results.clear();
    for (const OperatorChange& change : changes) {
      absl::StatusOr<OperatorResult> result = ApplyOperatorChangeRow(tx, change);
      if (!result.ok()) return result.status();
      results.push_back(*std::move(result));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return results;
}

absl::StatusOr<std::vector<StatusChange>> SqliteStore::ListStatusOutbox(int limit) {
  if (!connections_->options().status_outbox) return std::vector<StatusChange>();
  absl::StatusOr<std::vector<StatusChange>> changes;
  absl::Status status = Read([&](Db& db) {
    absl::StatusOr<int64_t> published = StatusCursor(db);
    if (!published.ok()) return published.status();
    // What was committed while no status topic was set is not kept for it.
    changes = SelectChanges(db, *published, limit, /*skip_forgotten=*/true);
    return changes.status();
  });
  if (!status.ok()) return status;
  return changes;
}

absl::Status SqliteStore::AckStatusOutbox(int64_t sequence) {
  return Write([&](WriteTx& tx) { return SetStatusCursor(tx.db(), sequence); });
}

absl::StatusOr<int64_t> SqliteStore::LatestChange() { return connections_->latest_change(); }

absl::StatusOr<Page<core::Notification>> SqliteStore::ListChangedNotifications(
    const NotificationFilter& filter, int64_t after, int limit) {
  Page<core::Notification> page;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    absl::StatusOr<std::vector<StatusChange>> changes = SelectChanges(db, after, limit);
    if (!changes.ok()) return changes.status();
    for (const StatusChange& c : *changes) {
      page.next_after = std::to_string(c.sequence);
      if (!common::ChangeMatches(filter, c)) continue;
      absl::StatusOr<std::optional<core::Notification>> n =
          ReadNotificationBySeq(db, c.notification_seq, RecordPart::kLatest);
      if (!n.ok()) return n.status();
      if (!*n || (filter.start_time && (*n)->create_time < *filter.start_time) ||
          (filter.end_time && (*n)->create_time >= *filter.end_time)) {
        continue;
      }
      common::AsChanged(**n, c);
      page.items.push_back(std::move(**n));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<int64_t> SqliteStore::CountNotifications(
    const std::vector<core::NotificationState>& states) {
  absl::StatusOr<int64_t> count;
  absl::Status status = Read([&](Db& db) {
    count = CountInStates(db, states);
    return count.status();
  });
  if (!status.ok()) return status;
  return count;
}

absl::StatusOr<NotificationBacklog> SqliteStore::CountBacklog() {
  absl::StatusOr<NotificationBacklog> backlog;
  absl::Status status = Read([&](Db& db) {
    backlog = SelectBacklog(db);
    return backlog.status();
  });
  if (!status.ok()) return status;
  return backlog;
}

absl::StatusOr<core::Notification> SqliteStore::GetNotification(std::string_view id) {
  absl::StatusOr<std::optional<core::Notification>> n;
  absl::StatusOr<std::vector<core::RenderedMessage>> messages;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    n = ReadNotification(db, id, RecordPart::kAll);
    if (!n.ok() || !*n) return n.status();
    messages = SelectMessages(db, (*n)->seq);
    return messages.status();
  });
  if (!status.ok()) return status;
  if (!*n) return absl::NotFoundError(core::StrCat("notification \"", id, "\" not found"));
  (*n)->messages = *std::move(messages);
  return std::move(**n);
}

absl::StatusOr<std::vector<core::Decision>> SqliteStore::ListDecisions(
    std::string_view notification_id) {
  absl::StatusOr<std::optional<record::NotificationHistory>> history;
  absl::Status status = Read([&](Db& db) -> absl::Status {
    auto query = db.Prepare("SELECT record FROM notifications WHERE notification_id = ?1");
    if (!query.ok()) return query.status();
    absl::StatusOr<bool> found = (*query)->Bind(1, notification_id).Step();
    if (!found.ok()) return found.status();
    if (!*found) {
      history = std::nullopt;
      return absl::OkStatus();
    }
    absl::StatusOr<record::NotificationHistory> decoded =
        record::DecodeHistory((*query)->ColumnView(0), notification_id);
    if (!decoded.ok()) return decoded.status();
    history = *std::move(decoded);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::vector<core::Decision> out;
  if (*history) {
    for (auto& [decision, state] : (*history)->decisions) out.push_back(std::move(decision));
  }
  return out;
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
    page.next_after = std::to_string(page.items.back().seq);
  }
  return page;
}

}  // namespace herald::store::sqlite
