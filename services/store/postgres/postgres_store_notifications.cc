// PostgresStore's events and notifications: intake, the contact policy's reads and
// re-decisions, hand-offs, receipts, the change log and the queries.
#include <algorithm>
#include <future>
#include <memory>

#include "services/core/strings.h"
#include "services/store/common/notification_parts.h"
#include "services/store/postgres/async_runner.h"
#include "services/store/postgres/change_log.h"
#include "services/store/postgres/customer_version_rows.h"
#include "services/store/postgres/decision_rows.h"
#include "services/store/postgres/dispatch_rows.h"
#include "services/store/postgres/event_rows.h"
#include "services/store/postgres/message_rows.h"
#include "services/store/postgres/notification_rows.h"
#include "services/store/postgres/operator_rows.h"
#include "services/store/postgres/postgres_store.h"
#include "services/store/postgres/profile_rows.h"
#include "services/store/postgres/receipt_rows.h"
#include "services/store/postgres/rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {
namespace {

using core::NotificationState;

/// Runs one write per update in one transaction and collects whether each applied.
template <typename U, typename F>
absl::Status ApplyEach(WriteTx& tx, const std::vector<U>& updates, F apply,
                       std::vector<bool>& applied) {
  applied.assign(updates.size(), false);
  for (size_t i = 0; i < updates.size(); ++i) {
    absl::StatusOr<bool> done = apply(tx, updates[i]);
    if (!done.ok()) return done.status();
    applied[i] = *done;
  }
  return absl::OkStatus();
}

// Two statements for the whole batch whatever its size: its new events, then every
// notification in the order of the items (an audience's later part looks up its event).
absl::Status RecordItems(WriteTx& tx, std::vector<IntakeItem>& items,
                         std::vector<IntakeResult>& results) {
  results.assign(items.size(), IntakeResult{});
  std::vector<NewEvent> new_events;
  for (const IntakeItem& item : items) {
    if (!item.continued) new_events.push_back({.record = &item.record, .complete = item.complete});
  }
  absl::StatusOr<std::vector<std::optional<int64_t>>> inserted =
      InsertEvents(tx.conn(), new_events);
  if (!inserted.ok()) return inserted.status();
  std::vector<NewNotification> notifications;
  size_t next_new = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    IntakeItem& item = items[i];
    IntakeResult& result = results[i];
    if (!item.continued) {
      const std::optional<int64_t>& seq = (*inserted)[next_new++];
      if (!seq) {
        result.duplicate = true;
        result.created.assign(item.notifications.size(), false);
        continue;
      }
      result.event_seq = *seq;
    } else {
      absl::StatusOr<std::optional<int64_t>> earlier =
          SelectEventSeq(tx.conn(), item.record.event.event_id);
      if (!earlier.ok()) return earlier.status();
      if (!*earlier) {
        return absl::FailedPreconditionError(
            core::StrCat("event ", item.record.event.event_id, ": its first part is not recorded"));
      }
      result.event_seq = **earlier;
      if (item.complete) {
        absl::Status marked = MarkEventComplete(tx.conn(), result.event_seq);
        if (!marked.ok()) return marked;
      }
    }
    for (core::Notification& n : item.notifications) {
      notifications.push_back({.notification = &n, .event_seq = result.event_seq});
    }
  }
  absl::StatusOr<std::vector<bool>> created = InsertNotifications(tx, notifications);
  if (!created.ok()) return created.status();
  size_t next = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (results[i].duplicate) continue;
    IntakeResult& result = results[i];
    result.created.assign(
        created->begin() + static_cast<ptrdiff_t>(next),
        created->begin() + static_cast<ptrdiff_t>(next + items[i].notifications.size()));
    next += items[i].notifications.size();
    result.notifications_created =
        static_cast<int>(std::count(result.created.begin(), result.created.end(), true));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<KnownEvent>> PostgresStore::KnownEvents(
    const std::vector<std::string>& event_ids) {
  absl::StatusOr<std::vector<KnownEvent>> known;
  absl::Status status = Read([&](Conn& conn) {
    known = SelectKnownEvents(conn, event_ids);
    return known.status();
  });
  if (!status.ok()) return status;
  return known;
}

absl::StatusOr<std::vector<std::string>> PostgresStore::RecordedNotificationIds(int64_t event_seq) {
  std::vector<std::string> ids;
  absl::Status status = Read([&](Conn& conn) -> absl::Status {
    auto rows = conn.Exec("SELECT notification_id FROM notifications WHERE event_seq = $1",
                          Params().Add(event_seq));
    if (!rows.ok()) return rows.status();
    for (int r = 0; r < rows->rows(); ++r) ids.push_back(rows->Text(r, 0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return ids;
}

std::future<absl::StatusOr<std::vector<IntakeResult>>> PostgresStore::RecordIntakeAsync(
    std::vector<IntakeItem> items, std::vector<CustomerVersion> decided_on,
    std::function<void()> on_done) {
  // The write owns the items: the caller goes on while it runs.
  auto job = std::make_shared<std::vector<IntakeItem>>(std::move(items));
  auto guards = std::make_shared<std::vector<CustomerVersion>>(std::move(decided_on));
  auto promise = std::make_shared<std::promise<absl::StatusOr<std::vector<IntakeResult>>>>();
  auto recorded = promise->get_future();
  intake_writes_->Post([this, job, guards, promise, on_done = std::move(on_done)] {
    std::vector<IntakeResult> results;
    // A transaction that runs again starts from the items as given: numbers set by the
    // one rolled back are overwritten, and nothing else of them changes.
    absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
      absl::StatusOr<std::vector<std::string>> stale = AdvanceCustomerVersions(tx.conn(), *guards);
      if (!stale.ok()) return stale.status();
      if (!stale->empty()) return common::DecidedMeanwhile(*stale);
      return RecordItems(tx, *job, results);
    });
    if (status.ok()) {
      for (size_t i = 0; i < job->size(); ++i) {
        std::vector<core::Notification>& notifications = (*job)[i].notifications;
        IntakeResult& result = results[i];
        for (size_t k = 0; k < notifications.size() && k < result.created.size(); ++k) {
          if (!result.created[k] || notifications[k].state != NotificationState::kQueued) {
            continue;
          }
          notifications[k].decision.reset();
          result.queued.push_back(std::move(notifications[k]));
        }
      }
      promise->set_value(std::move(results));
    } else {
      promise->set_value(std::move(status));
    }
    if (on_done) on_done();
  });
  return recorded;
}

absl::StatusOr<std::vector<CustomerContext>> PostgresStore::LoadCustomerContexts(
    const std::vector<std::string>& customer_ids, core::Time history_since,
    std::string_view event_type, core::Time events_since) {
  absl::StatusOr<std::vector<CustomerContext>> contexts;
  absl::Status status = Read(
      [&](Conn& conn) -> absl::Status {
        contexts =
            SelectContactHistory(conn, customer_ids, history_since, event_type, events_since);
        if (!contexts.ok()) return contexts.status();
        absl::StatusOr<std::vector<int64_t>> versions = ReadCustomerVersions(conn, customer_ids);
        if (!versions.ok()) return versions.status();
        for (size_t i = 0; i < customer_ids.size(); ++i) (*contexts)[i].version = (*versions)[i];
        absl::StatusOr<std::vector<std::optional<core::Profile>>> profiles =
            ReadProfiles(conn, customer_ids);
        if (!profiles.ok()) return profiles.status();
        for (size_t i = 0; i < customer_ids.size(); ++i) {
          (*contexts)[i].profile = std::move((*profiles)[i]);
        }
        return absl::OkStatus();
      },
      /*snapshot=*/true);
  if (!status.ok()) return status;
  return contexts;
}

absl::StatusOr<EventRecord> PostgresStore::GetEvent(std::string_view event_id) {
  absl::StatusOr<std::optional<EventRecord>> record;
  absl::Status status = Read([&](Conn& conn) {
    record = ReadEvent(conn, event_id);
    return record.status();
  });
  if (!status.ok()) return status;
  if (!*record) return absl::NotFoundError(core::StrCat("event \"", event_id, "\" not found"));
  return std::move(**record);
}

absl::StatusOr<std::vector<std::optional<EventRecord>>> PostgresStore::GetEventsBySeq(
    const std::vector<int64_t>& event_seqs) {
  absl::StatusOr<std::vector<std::optional<EventRecord>>> records;
  absl::Status status = Read([&](Conn& conn) {
    records = ReadEventsBySeq(conn, event_seqs);
    return records.status();
  });
  if (!status.ok()) return status;
  return records;
}

absl::StatusOr<std::vector<core::Notification>> PostgresStore::ListDueDecisions(
    core::Time now, int limit, const std::optional<core::OwnedPartitions>& owned) {
  absl::StatusOr<std::vector<core::Notification>> due;
  absl::Status status = Read([&](Conn& conn) {
    due = SelectDueDecisions(conn, now, limit, owned);
    return due.status();
  });
  if (!status.ok()) return status;
  return due;
}

absl::StatusOr<std::optional<core::Time>> PostgresStore::NextDeferTime(
    const std::optional<core::OwnedPartitions>& owned) {
  absl::StatusOr<std::optional<core::Time>> next;
  absl::Status status = Read([&](Conn& conn) {
    next = SelectNextDeferTime(conn, owned);
    return next.status();
  });
  if (!status.ok()) return status;
  return next;
}

absl::StatusOr<int64_t> PostgresStore::CountDeferred() {
  return CountNotifications({NotificationState::kDeferred});
}

absl::StatusOr<std::vector<bool>> PostgresStore::RecordDecisions(
    const std::vector<DecisionUpdate>& updates, const std::vector<CustomerVersion>& decided_on) {
  std::vector<bool> applied;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    absl::StatusOr<std::vector<std::string>> stale = AdvanceCustomerVersions(tx.conn(), decided_on);
    if (!stale.ok()) return stale.status();
    applied.assign(updates.size(), false);
    for (size_t i = 0; i < updates.size(); ++i) {
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

absl::StatusOr<std::vector<core::Notification>> PostgresStore::ListDue(core::Time now,
                                                                       core::Channel channel,
                                                                       int limit) {
  absl::StatusOr<std::vector<core::Notification>> due;
  absl::Status status = Read([&](Conn& conn) {
    due = SelectDue(conn, now, channel, limit);
    return due.status();
  });
  if (!status.ok()) return status;
  return due;
}

std::function<absl::StatusOr<bool>(WriteTx&, const store::Claim&)> PostgresStore::ClaimWithLease()
    const {
  return [lease = Lease{options_.instance, options_.send_lease}](
             WriteTx& tx, const store::Claim& claim) { return ClaimRow(tx, claim, lease); };
}

absl::StatusOr<std::vector<bool>> PostgresStore::Claim(const std::vector<store::Claim>& claims) {
  std::vector<bool> applied;
  absl::Status status =
      Write([&](WriteTx& tx) { return ApplyEach(tx, claims, ClaimWithLease(), applied); });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<std::vector<DispatchItem>> PostgresStore::ListInFlight() {
  absl::StatusOr<std::vector<DispatchItem>> items;
  const Lease lease{.owner = options_.instance, .length = options_.send_lease};
  // The first time, this process holds no sends yet: what its name holds is an earlier
  // run's. After that, its own leases are renewed while it lives.
  const bool first = !listed_in_flight_.exchange(true);
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    if (!first) {
      absl::Status renewed = RenewLeases(tx.conn(), lease);
      if (!renewed.ok()) return renewed;
    }
    items = TakeOverInFlight(tx.conn(), lease, /*including_own=*/first);
    return items.status();
  });
  if (!status.ok() && first) listed_in_flight_ = false;  // the next call is the first
  if (!status.ok()) return status;
  return items;
}

absl::StatusOr<std::vector<bool>> PostgresStore::RecordAttempts(
    const std::vector<AttemptUpdate>& updates) {
  std::vector<bool> applied;
  absl::Status status =
      Write([&](WriteTx& tx) { return ApplyEach(tx, updates, ApplyAttempt, applied); });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<DispatchStore::Settled> PostgresStore::Settle(
    const std::vector<AttemptUpdate>& results, const std::vector<store::Claim>& claims) {
  Settled settled;
  absl::Status status = Write([&](WriteTx& tx) {
    absl::Status s = ApplyEach(tx, results, ApplyAttempt, settled.recorded);
    if (!s.ok()) return s;
    return ApplyEach(tx, claims, ClaimWithLease(), settled.claimed);
  });
  if (!status.ok()) return status;
  return settled;
}

void PostgresStore::SettleAsync(std::vector<AttemptUpdate> results,
                                std::vector<store::Claim> claims, SettleDone done) {
  dispatch_writes_->Post([this, results = std::move(results), claims = std::move(claims),
                          done = std::move(done)] { done(Settle(results, claims)); });
}

absl::StatusOr<std::optional<core::Time>> PostgresStore::NextDispatchTime(
    const std::vector<core::Channel>& channels) {
  absl::StatusOr<std::optional<core::Time>> next;
  absl::Status status = Read([&](Conn& conn) {
    next = SelectNextDispatchTime(conn, channels);
    return next.status();
  });
  if (!status.ok()) return status;
  return next;
}

absl::StatusOr<ReceiptResult> PostgresStore::ApplyReceipt(const Receipt& receipt) {
  absl::StatusOr<ReceiptResult> result;
  absl::Status status = Write([&](WriteTx& tx) {
    result = ApplyReceiptRow(tx, receipt);
    return result.status();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<OperatorResult>> PostgresStore::ApplyOperatorChanges(
    const std::vector<OperatorChange>& changes) {
  std::vector<OperatorResult> results;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    results.clear();  // a transaction retried starts over
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

absl::StatusOr<std::vector<StatusChange>> PostgresStore::ListStatusOutbox(int limit) {
  if (!options_.status_outbox) return std::vector<StatusChange>();
  absl::StatusOr<bool> publisher = HoldStatusOutbox();
  if (!publisher.ok()) return publisher.status();
  if (!*publisher) return std::vector<StatusChange>();  // another instance publishes
  absl::StatusOr<std::vector<StatusChange>> changes;
  absl::Status status = Read(
      [&](Conn& conn) {
        absl::StatusOr<int64_t> published = StatusCursor(conn);
        if (!published.ok()) return published.status();
        // What was committed while no status topic was set is not kept for it.
        changes = SelectChanges(conn, *published, limit, /*skip_forgotten=*/true);
        return changes.status();
      },
      /*snapshot=*/true);
  if (!status.ok()) return status;
  return changes;
}

absl::StatusOr<bool> PostgresStore::HoldStatusOutbox() {
  // pg_advisory_lock's key for the status outbox's publisher: "status" in ASCII.
  constexpr int64_t kPublisherLock = 0x737461747573;
  std::lock_guard lock(outbox_mu_);
  if (outbox_conn_ == nullptr || !outbox_conn_->Run("SELECT 1").ok()) {
    outbox_held_ = false;  // the lock went with the connection, if it had it
    outbox_conn_.reset();
    auto conn = Conn::Open(pool_->options().conn);
    if (!conn.ok()) return conn.status();
    outbox_conn_ = std::move(*conn);
  }
  if (outbox_held_) return true;
  auto held = outbox_conn_->Exec(core::StrCat("SELECT pg_try_advisory_lock(", kPublisherLock, ")"));
  if (!held.ok()) return held.status();
  outbox_held_ = held->Bool(0, 0);
  return outbox_held_;
}

absl::Status PostgresStore::AckStatusOutbox(int64_t sequence) {
  return Write([&](WriteTx& tx) { return SetStatusCursor(tx.conn(), sequence); });
}

absl::StatusOr<int64_t> PostgresStore::LatestChange() {
  absl::StatusOr<int64_t> latest;
  absl::Status status = Read([&](Conn& conn) {
    latest = LastChangeSequence(conn);
    return latest.status();
  });
  if (!status.ok()) return status;
  return latest;
}

absl::StatusOr<Page<core::Notification>> PostgresStore::ListChangedNotifications(
    const NotificationFilter& filter, int64_t after, int limit) {
  Page<core::Notification> page;
  absl::Status status = Read(
      [&](Conn& conn) -> absl::Status {
        page = {};
        absl::StatusOr<std::vector<StatusChange>> changes = SelectChanges(conn, after, limit);
        if (!changes.ok()) return changes.status();
        for (const StatusChange& c : *changes) {
          page.next_after = std::to_string(c.sequence);
          if (!common::ChangeMatches(filter, c)) continue;
          absl::StatusOr<std::optional<core::Notification>> n =
              ReadNotificationBySeq(conn, c.notification_seq, RecordPart::kLatest);
          if (!n.ok()) return n.status();
          if (!*n || (filter.start_time && (*n)->create_time < *filter.start_time) ||
              (filter.end_time && (*n)->create_time >= *filter.end_time)) {
            continue;
          }
          common::AsChanged(**n, c);
          page.items.push_back(std::move(**n));
        }
        return absl::OkStatus();
      },
      /*snapshot=*/true);
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<NotificationBacklog> PostgresStore::CountBacklog() {
  absl::StatusOr<NotificationBacklog> backlog;
  absl::Status status = Read(
      [&](Conn& conn) {
        backlog = SelectBacklog(conn);
        return backlog.status();
      },
      /*snapshot=*/true);
  if (!status.ok()) return status;
  return backlog;
}

absl::StatusOr<int64_t> PostgresStore::CountNotifications(
    const std::vector<NotificationState>& states) {
  absl::StatusOr<int64_t> count;
  absl::Status status = Read(
      [&](Conn& conn) {
        count = CountInStates(conn, states);
        return count.status();
      },
      /*snapshot=*/states.size() > 1);
  if (!status.ok()) return status;
  return count;
}

absl::StatusOr<core::Notification> PostgresStore::GetNotification(std::string_view id) {
  absl::StatusOr<std::optional<core::Notification>> n;
  absl::StatusOr<std::vector<core::RenderedMessage>> messages;
  absl::Status status = Read(
      [&](Conn& conn) -> absl::Status {
        n = ReadNotification(conn, id, RecordPart::kAll);
        if (!n.ok() || !*n) return n.status();
        messages = SelectMessages(conn, (*n)->seq);
        return messages.status();
      },
      /*snapshot=*/true);
  if (!status.ok()) return status;
  if (!*n) return absl::NotFoundError(core::StrCat("notification \"", id, "\" not found"));
  (*n)->messages = *std::move(messages);
  return std::move(**n);
}

absl::StatusOr<std::vector<core::Decision>> PostgresStore::ListDecisions(
    std::string_view notification_id) {
  std::vector<core::Decision> out;
  absl::Status status = Read([&](Conn& conn) -> absl::Status {
    auto row = conn.Exec("SELECT record FROM notifications WHERE notification_id = $1",
                         Params().Add(notification_id));
    if (!row.ok()) return row.status();
    if (row->rows() == 0) return absl::OkStatus();
    absl::StatusOr<record::NotificationHistory> decoded =
        record::DecodeHistory(row->Bytes(0, 0), notification_id);
    if (!decoded.ok()) return decoded.status();
    for (auto& [decision, state] : decoded->decisions) out.push_back(std::move(decision));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<Page<core::Notification>> PostgresStore::ListNotifications(
    const NotificationFilter& filter, std::string_view after, int limit) {
  Page<core::Notification> page;
  absl::Status status = Read([&](Conn& conn) {
    auto rows = SelectNotifications(conn, filter, after, limit + 1);
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

}  // namespace herald::store::postgres
