#include "services/api/operator_service.h"

#include <algorithm>

#include "services/api/kind_mapping.h"
#include "services/api/notification_mapping.h"
#include "services/api/status.h"
#include "services/core/audit.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

using Action = store::OperatorChange::Action;
using core::NotificationState;

constexpr size_t kMaxReason = 500;
constexpr int kIdsShown = 100;
constexpr int kBatch = 500;

std::string_view Verb(Action action) {
  switch (action) {
    case Action::kRetry:
      return "retried";
    case Action::kCancel:
      return "cancelled";
    case Action::kResolveSent:
      return "resolved as sent";
    case Action::kResolveNotSent:
      return "resolved as not sent";
  }
  return "changed";
}

// The states each action applies to (store::common::AfterOperatorAction's).
std::vector<NotificationState> StatesFor(Action action) {
  switch (action) {
    case Action::kRetry:
      return {NotificationState::kFailed, NotificationState::kUnknown};
    case Action::kCancel:
      return {NotificationState::kPending, NotificationState::kDeferred,
              NotificationState::kQueued};
    case Action::kResolveSent:
    case Action::kResolveNotSent:
      return {NotificationState::kUnknown};
  }
  return {};
}

// "PENDING, DEFERRED or QUEUED".
std::string StateList(const std::vector<NotificationState>& states) {
  std::string out;
  for (size_t i = 0; i < states.size(); ++i) {
    core::StrAppend(out,
                    i == 0                   ? ""
                    : i + 1 == states.size() ? " or "
                                             : ", ",
                    core::Name(states[i]));
  }
  return out;
}

}  // namespace

absl::Status CheckOperatorReason(const std::string& reason) {
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return FieldError("reason", "must say why (it is kept in the history and the audit trail)");
  }
  if (reason.size() > kMaxReason) {
    return FieldError("reason", core::StrCat("is ", reason.size(), " bytes; at most ", kMaxReason));
  }
  if (!core::IsValidUtf8(reason)) return FieldError("reason", "is not valid UTF-8");
  return absl::OkStatus();
}

namespace {

std::string Detail(Action action, const auth::Caller& caller, const std::string& reason) {
  return core::StrCat(Verb(action), " by ", caller.Principal(), ": ", reason);
}

}  // namespace

grpc::ServerUnaryReactor* OperatorService::RetryNotification(
    grpc::CallbackServerContext* context, const v1::RetryNotificationRequest* request,
    v1::RetryNotificationResponse* response) {
  return runner_.Run(context, "OperatorService.RetryNotification",
                     [this, request, response](const auth::Caller& caller) {
                       return ChangeOne(caller, "OperatorService.RetryNotification", Action::kRetry,
                                        request->notification_id(), request->reason(),
                                        response->mutable_notification());
                     });
}

grpc::ServerUnaryReactor* OperatorService::CancelNotification(
    grpc::CallbackServerContext* context, const v1::CancelNotificationRequest* request,
    v1::CancelNotificationResponse* response) {
  return runner_.Run(context, "OperatorService.CancelNotification",
                     [this, request, response](const auth::Caller& caller) {
                       return ChangeOne(caller, "OperatorService.CancelNotification",
                                        Action::kCancel, request->notification_id(),
                                        request->reason(), response->mutable_notification());
                     });
}

grpc::ServerUnaryReactor* OperatorService::ResolveNotification(
    grpc::CallbackServerContext* context, const v1::ResolveNotificationRequest* request,
    v1::ResolveNotificationResponse* response) {
  return runner_.Run(context, "OperatorService.ResolveNotification",
                     [this, request, response](const auth::Caller& caller) {
                       return ChangeOne(
                           caller, "OperatorService.ResolveNotification",
                           request->sent() ? Action::kResolveSent : Action::kResolveNotSent,
                           request->notification_id(), request->reason(),
                           response->mutable_notification());
                     });
}

grpc::ServerUnaryReactor* OperatorService::BulkChangeNotifications(
    grpc::CallbackServerContext* context, const v1::BulkChangeNotificationsRequest* request,
    v1::BulkChangeNotificationsResponse* response) {
  return runner_.Run(context, "OperatorService.BulkChangeNotifications",
                     [this, request, response](const auth::Caller& caller) {
                       return Bulk(caller, *request, *response);
                     });
}

absl::Status OperatorService::ChangeOne(const auth::Caller& caller, std::string_view method,
                                        Action action, const std::string& id,
                                        const std::string& reason, v1::Notification* out) {
  if (id.empty()) return FieldError("notification_id", "must be set");
  absl::Status valid = CheckOperatorReason(reason);
  if (!valid.ok()) return valid;
  const store::OperatorChange change{.action = action,
                                     .notification_id = id,
                                     .detail = Detail(action, caller, reason),
                                     .time = clock_.Now()};
  absl::StatusOr<std::vector<store::OperatorResult>> results =
      store_.ApplyOperatorChanges({change});
  if (!results.ok()) return results.status();
  const store::OperatorResult& result = results->at(0);
  switch (result.outcome) {
    case store::OperatorResult::Outcome::kNotFound:
      return absl::NotFoundError(core::StrCat("notification \"", id, "\" not found"));
    case store::OperatorResult::Outcome::kWrongState:
      return absl::FailedPreconditionError(
          core::StrCat("notification ", id, " is ", core::Name(result.state), "; only ",
                       StateList(StatesFor(action)), " can be ", Verb(action)));
    case store::OperatorResult::Outcome::kApplied:
      break;
  }
  if (audit_ != nullptr) {
    absl::Status audited = audit_->Record(
        caller, method, core::StrCat("notifications/", id), "",
        core::Sha256Hex(core::StrCat(core::Name(result.state), "\n", change.detail)));
    if (!audited.ok()) audit_->Failed(method, audited);
  }
  if (action == Action::kRetry && wake_) wake_();
  absl::StatusOr<core::Notification> now = store_.GetNotification(id);
  if (!now.ok()) return now.status();
  *out = NotificationToProto(*now);
  return absl::OkStatus();
}

absl::Status OperatorService::Bulk(const auth::Caller& caller,
                                   const v1::BulkChangeNotificationsRequest& request,
                                   v1::BulkChangeNotificationsResponse& response) {
  std::optional<Action> action;
  switch (request.action()) {
    case v1::OPERATOR_ACTION_RETRY:
      action = Action::kRetry;
      break;
    case v1::OPERATOR_ACTION_CANCEL:
      action = Action::kCancel;
      break;
    case v1::OPERATOR_ACTION_RESOLVE_SENT:
      action = Action::kResolveSent;
      break;
    case v1::OPERATOR_ACTION_RESOLVE_NOT_SENT:
      action = Action::kResolveNotSent;
      break;
    default:
      return FieldError("action", "must be RETRY, CANCEL, RESOLVE_SENT or RESOLVE_NOT_SENT");
  }
  if (request.limit() < 1 || request.limit() > kMaxBulk) {
    return FieldError("limit", core::StrCat("must be from 1 to ", kMaxBulk));
  }
  absl::Status valid = CheckOperatorReason(request.reason());
  if (!valid.ok()) return valid;
  absl::StatusOr<store::NotificationFilter> filter = FilterFromProto(request.filter());
  if (!filter.ok()) return InField("filter", filter.status());
  const std::vector<NotificationState> eligible = StatesFor(*action);
  if (filter->states.empty()) {
    filter->states = eligible;
  } else {
    for (NotificationState s : filter->states) {
      if (std::find(eligible.begin(), eligible.end(), s) == eligible.end()) {
        return FieldError(
            "filter.states",
            core::StrCat(core::Name(s), ": only ", StateList(eligible), " can be ", Verb(*action)));
      }
    }
  }
  std::optional<core::Category> category;
  if (request.category() != v1::CATEGORY_UNSPECIFIED) {
    category = FromProto(request.category());
    if (!category) return FieldError("category", "is not a known category");
  }

  // Newest first, as the delivery log lists them; one more than the limit says whether
  // there are more.
  const size_t limit = static_cast<size_t>(request.limit());
  std::vector<std::string> ids;
  std::string after;
  while (ids.size() <= limit) {
    absl::StatusOr<store::Page<core::Notification>> page =
        store_.ListNotifications(*filter, after, 1000);
    if (!page.ok()) return page.status();
    for (const core::Notification& n : page->items) {
      if (category && n.category != category) continue;
      ids.push_back(n.notification_id);
      if (ids.size() > limit) break;
    }
    if (!page->next_after) break;
    after = *page->next_after;
  }
  response.set_limit_reached(ids.size() > limit);
  if (ids.size() > limit) ids.resize(limit);
  response.set_matched(static_cast<int64_t>(ids.size()));
  if (request.dry_run()) {
    for (size_t i = 0; i < ids.size() && i < kIdsShown; ++i) response.add_notification_ids(ids[i]);
    return absl::OkStatus();
  }

  const std::string detail = Detail(*action, caller, request.reason());
  const core::Time now = clock_.Now();
  int64_t changed = 0;
  std::string list;
  for (size_t start = 0; start < ids.size(); start += kBatch) {
    std::vector<store::OperatorChange> batch;
    for (size_t i = start; i < std::min(ids.size(), start + kBatch); ++i) {
      batch.push_back(
          {.action = *action, .notification_id = ids[i], .detail = detail, .time = now});
    }
    absl::StatusOr<std::vector<store::OperatorResult>> results = store_.ApplyOperatorChanges(batch);
    if (!results.ok()) return results.status();
    for (size_t i = 0; i < results->size(); ++i) {
      if ((*results)[i].outcome != store::OperatorResult::Outcome::kApplied) continue;
      ++changed;
      core::StrAppend(list, batch[i].notification_id, "\n");
      if (response.notification_ids_size() < kIdsShown) {
        response.add_notification_ids(batch[i].notification_id);
      }
    }
  }
  response.set_changed(changed);
  if (audit_ != nullptr && changed > 0) {
    const std::string method = "OperatorService.BulkChangeNotifications";
    absl::Status audited =
        audit_->Record(caller, method,
                       core::StrCat("notifications/", response.notification_ids(0),
                                    changed > 1 ? core::StrCat(" and ", changed - 1, " more") : ""),
                       "", core::Sha256Hex(core::StrCat(detail, "\n", list)));
    if (!audited.ok()) audit_->Failed(method, audited);
  }
  if (*action == Action::kRetry && changed > 0 && wake_) wake_();
  return absl::OkStatus();
}

}  // namespace herald::api
