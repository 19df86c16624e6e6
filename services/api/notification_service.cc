#include "services/api/notification_service.h"

#include <condition_variable>
#include <thread>

#include "services/api/contact_masking.h"
#include "services/api/notification_mapping.h"
#include "services/api/page_token.h"
#include "services/api/status.h"
#include "services/api/time_mapping.h"
#include "services/core/contact_validation.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

constexpr char kListing[] = "notifications";
constexpr int kMaxExplained = 100;

// One sentence for a service agent about where a notification stands and why.
std::string Summarize(const core::Notification& n, const std::vector<core::Decision>& decisions) {
  std::string text =
      n.template_name.empty()
          ? core::StrCat("Event ", n.event_id, " (", n.event_type, ") for customer ", n.customer_id,
                         ": ")
          : core::StrCat("Template ", n.template_name,
                         n.category ? core::StrCat(" (", core::Name(*n.category), ")") : "",
                         " for customer ", n.customer_id, ", event ", n.event_id, " (",
                         n.event_type, "): ");
  if (decisions.empty()) {
    core::StrAppend(text, "recorded at ", core::FormatTime(n.create_time),
                    ", waiting for the contact policy.");
    return text;
  }
  const core::Decision& d = decisions.back();
  switch (d.outcome) {
    case core::DecisionOutcome::kSend:
      core::StrAppend(text, "let through at ", core::FormatTime(d.decide_time), " (", d.detail,
                      ")");
      break;
    case core::DecisionOutcome::kDefer:
      core::StrAppend(text, "held back at ", core::FormatTime(d.decide_time), " until ",
                      d.defer_until                               ? core::FormatTime(*d.defer_until)
                      : d.reason == core::DecisionReason::kPaused ? "it is resumed"
                                                                  : "later",
                      " by ", core::Name(d.reason), ", ", d.rule, ": ", d.detail);
      break;
    case core::DecisionOutcome::kSuppress:
      core::StrAppend(text, "not sent: ", core::Name(d.reason), " at ",
                      core::FormatTime(d.decide_time), ", ", d.rule, ": ", d.detail);
      break;
  }
  if (!d.config_version.empty()) core::StrAppend(text, " (config ", d.config_version, ")");
  core::StrAppend(text, ". Now ", core::Name(n.state));
  if (n.state == core::NotificationState::kCancelled && !n.history.empty()) {
    // Who stopped it and why.
    core::StrAppend(text, ": ", n.history.back().detail, " at ",
                    core::FormatTime(n.history.back().change_time));
  }
  text += ".";
  if (decisions.size() > 1) {
    core::StrAppend(text, " Decided ", decisions.size(), " times; before:");
    for (size_t i = 0; i + 1 < decisions.size(); ++i) {
      core::StrAppend(text, i == 0 ? " " : ", ", core::Name(decisions[i].outcome), " ",
                      core::Name(decisions[i].reason), " at ",
                      core::FormatTime(decisions[i].decide_time));
    }
    text += ".";
  }
  if (n.content_purge) {
    core::StrAppend(text, " Its messages' addresses and bodies were removed at ",
                    core::FormatTime(n.content_purge->time),
                    n.content_purge->reason == core::PurgeReason::kErasure
                        ? " when the customer was erased on request."
                        : " by retention.");
  }
  return text;
}

}  // namespace

grpc::ServerUnaryReactor* NotificationService::GetNotification(
    grpc::CallbackServerContext* context, const v1::GetNotificationRequest* request,
    v1::GetNotificationResponse* response) {
  return runner_.Run(context, "NotificationService.GetNotification",
                     [=, this](const auth::Caller& caller) {
                       absl::Status done = Get(*request, *response);
                       if (done.ok() && !caller.SeesContactData()) MaskForViewer(*response);
                       return done;
                     });
}

grpc::ServerUnaryReactor* NotificationService::ListNotifications(
    grpc::CallbackServerContext* context, const v1::ListNotificationsRequest* request,
    v1::ListNotificationsResponse* response) {
  return runner_.Run(context, "NotificationService.ListNotifications",
                     [=, this](const auth::Caller& caller) {
                       absl::Status done = List(*request, *response);
                       if (done.ok() && !caller.SeesContactData()) MaskForViewer(*response);
                       return done;
                     });
}

grpc::ServerUnaryReactor* NotificationService::ExplainNotification(
    grpc::CallbackServerContext* context, const v1::ExplainNotificationRequest* request,
    v1::ExplainNotificationResponse* response) {
  return runner_.Run(context, "NotificationService.ExplainNotification",
                     [=, this](const auth::Caller& caller) {
                       absl::Status done = Explain(*request, *response);
                       if (done.ok() && !caller.SeesContactData()) MaskForViewer(*response);
                       return done;
                     });
}

absl::Status NotificationService::Explain(const v1::ExplainNotificationRequest& request,
                                          v1::ExplainNotificationResponse& response) {
  std::vector<core::Notification> notifications;
  if (!request.notification_id().empty()) {
    if (!request.customer_id().empty() || !request.event_id().empty()) {
      return FieldError("notification_id",
                        "give notification_id, or customer_id and event_id, not both");
    }
    auto n = store_.GetNotification(request.notification_id());
    if (!n.ok()) return n.status();
    notifications.push_back(*std::move(n));
  } else {
    if (request.customer_id().empty()) {
      return FieldError("customer_id", "must be set (with event_id) when notification_id is not");
    }
    absl::Status valid = core::ValidateCustomerId(request.customer_id());
    if (!valid.ok()) return InField("customer_id", valid);
    if (request.event_id().empty()) {
      return FieldError("event_id", "must be set (with customer_id) when notification_id is not");
    }
    store::NotificationFilter filter;
    filter.customer_id = request.customer_id();
    filter.event_id = request.event_id();
    auto page = store_.ListNotifications(filter, "", kMaxExplained);
    if (!page.ok()) return page.status();
    if (page->items.empty()) {
      auto event = store_.GetEvent(request.event_id());
      if (absl::IsNotFound(event.status())) {
        return absl::NotFoundError(core::StrCat(
            "no event \"", request.event_id(),
            "\" was recorded (was it dead-lettered? see the dead-letter topic), or its "
            "records were deleted after the retention period"));
      }
      if (!event.ok()) return event.status();
      return absl::NotFoundError(core::StrCat("event \"", request.event_id(),
                                              "\" did not address customer \"",
                                              request.customer_id(), "\""));
    }
    for (const core::Notification& listed : page->items) {
      auto n = store_.GetNotification(listed.notification_id);  // with its history
      if (!n.ok()) return n.status();
      notifications.push_back(*std::move(n));
    }
  }
  std::string summary;
  for (const core::Notification& n : notifications) {
    auto decisions = store_.ListDecisions(n.notification_id);
    if (!decisions.ok()) return decisions.status();
    for (const core::Decision& d : *decisions) {
      for (const core::RuleEvaluation& e : d.evaluations) {
        v1::RuleEvaluation* out = response.add_evaluations();
        out->set_notification_id(n.notification_id);
        out->set_rule(e.rule);
        out->set_passed(e.passed);
        out->set_detail(e.detail);
        *out->mutable_evaluate_time() = ToProto(d.decide_time);
      }
    }
    core::StrAppend(summary, summary.empty() ? "" : " ", Summarize(n, *decisions));
    *response.add_notifications() = NotificationToProto(n);
  }
  response.set_summary(summary);
  return absl::OkStatus();
}

absl::Status NotificationService::Get(const v1::GetNotificationRequest& request,
                                      v1::GetNotificationResponse& response) {
  if (request.notification_id().empty()) return FieldError("notification_id", "must be set");
  auto n = store_.GetNotification(request.notification_id());
  if (!n.ok()) return n.status();
  *response.mutable_notification() = NotificationToProto(*n);
  return absl::OkStatus();
}

absl::Status NotificationService::List(const v1::ListNotificationsRequest& request,
                                       v1::ListNotificationsResponse& response) {
  absl::StatusOr<int> size = EffectivePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = DecodePageToken(kListing, request.page_token());
  if (!after.ok()) return after.status();
  auto filter = FilterFromProto(request.filter());
  if (!filter.ok()) return filter.status();
  auto page = store_.ListNotifications(*filter, *after, *size);
  if (!page.ok()) return InField("page_token", page.status());
  for (const core::Notification& n : page->items) {
    *response.add_notifications() = NotificationToProto(n);
  }
  if (page->next_after) response.set_next_page_token(EncodePageToken(kListing, *page->next_after));
  return absl::OkStatus();
}

// One watch: a thread that polls the store for changes matching the filter and writes
// each notification after its change, one write at a time.
class NotificationService::Watcher final
    : public grpc::ServerWriteReactor<v1::WatchNotificationsResponse> {
 public:
  Watcher(NotificationService& service, grpc::CallbackServerContext* context,
          v1::WatchNotificationsRequest request)
      : service_(service), context_(context), request_(std::move(request)) {
    thread_ = std::thread([this] { Run(); });
  }

  void OnSendInitialMetadataDone(bool ok) override {
    std::lock_guard lock(mu_);
    sending_metadata_ = false;
    if (!ok) ended_ = true;
    cv_.notify_all();
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) ended_ = true;
    cv_.notify_all();
  }
  void OnCancel() override { End(); }
  void OnDone() override {
    {
      std::lock_guard lock(service_.watchers_mu_);
      service_.watchers_.erase(this);
    }
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
    delete this;
  }
  void End() {
    std::lock_guard lock(mu_);
    ended_ = true;
    cv_.notify_all();
  }

 private:
  // Admits the caller and reads where the change log is, then watches from there.
  grpc::Status Begin() {
    absl::StatusOr<auth::Caller> caller =
        service_.runner_.Admit(context_, "NotificationService.WatchNotifications");
    if (!caller.ok()) return ToGrpcStatus(caller.status());
    masked_ = !caller->SeesContactData();
    absl::StatusOr<store::NotificationFilter> filter = FilterFromProto(request_.filter());
    if (!filter.ok()) return ToGrpcStatus(InField("filter", filter.status()));
    filter_ = *std::move(filter);
    absl::StatusOr<int64_t> latest = service_.store_.LatestChange();  // changes from now on
    if (!latest.ok()) return ToGrpcStatus(latest.status());
    cursor_ = *latest;
    // Established: the client learns it from the headers (herald-watch-after: the last
    // change before the watch), and every change from here on reaches it.
    context_->AddInitialMetadata("herald-watch-after", std::to_string(cursor_));
    std::unique_lock lock(mu_);
    sending_metadata_ = true;
    StartSendInitialMetadata();
    cv_.wait(lock, [this] { return !sending_metadata_; });
    return grpc::Status::OK;
  }

  void Run() {
    grpc::Status result = Begin();
    while (result.ok()) {
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return ended_; });
        if (ended_) break;
      }
      absl::StatusOr<store::Page<core::Notification>> page =
          service_.store_.ListChangedNotifications(filter_, cursor_, 100);
      if (!page.ok()) {
        result = grpc::Status(
            absl::IsOutOfRange(page.status()) ? grpc::StatusCode::DATA_LOSS
                                              : grpc::StatusCode::UNAVAILABLE,
            absl::IsOutOfRange(page.status())
                ? core::StrCat("the watch fell behind: ", core::ToStd(page.status().message()))
                : std::string(page.status().message()));
        break;
      }
      bool ended = false;
      for (const core::Notification& n : page->items) {
        *response_.mutable_notification() = NotificationToProto(n);
        if (masked_) MaskForViewer(*response_.mutable_notification());
        {
          std::lock_guard lock(mu_);
          if (ended_) break;
          writing_ = true;
        }
        StartWrite(&response_);
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !writing_ || ended_; });
        if (ended_) {
          // Wait for the write in flight before the reactor may finish.
          cv_.wait(lock, [this] { return !writing_; });
          ended = true;
          break;
        }
      }
      if (ended) break;
      if (page->next_after) cursor_ = std::stoll(*page->next_after);
    }
    Finish(result);
  }

  NotificationService& service_;
  grpc::CallbackServerContext* const context_;
  const v1::WatchNotificationsRequest request_;
  store::NotificationFilter filter_;
  bool masked_ = true;  // a viewer's watch: contact data masked
  int64_t cursor_ = 0;  // the change seen last
  v1::WatchNotificationsResponse response_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool sending_metadata_ = false;
  bool writing_ = false;
  bool ended_ = false;
  std::thread thread_;
};

grpc::ServerWriteReactor<v1::WatchNotificationsResponse>* NotificationService::WatchNotifications(
    grpc::CallbackServerContext* context, const v1::WatchNotificationsRequest* request) {
  std::lock_guard lock(watchers_mu_);
  if (static_cast<int>(watchers_.size()) >= kMaxWatchers) {
    class Refused final : public grpc::ServerWriteReactor<v1::WatchNotificationsResponse> {
     public:
      explicit Refused(grpc::Status status) { Finish(std::move(status)); }
      void OnDone() override { delete this; }
    };
    return new Refused(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                    core::StrCat("at most ", kMaxWatchers, " watches at once")));
  }
  auto* watcher = new Watcher(*this, context, *request);
  watchers_.insert(watcher);
  return watcher;
}

void NotificationService::EndWatches() {
  std::lock_guard lock(watchers_mu_);
  for (Watcher* w : watchers_) w->End();
}

}  // namespace herald::api
