// heraldctl notification retry|cancel|resolve|bulk: an operator's changes to
// notifications (operator role), each with the reason kept in its history and audited.
#include <google/protobuf/util/time_util.h>

#include <CLI/CLI.hpp>

#include "herald/v1/operator_service.grpc.pb.h"
#include "tools/heraldctl/heraldctl.h"

namespace herald::heraldctl {

void Heraldctl::AddOperatorCommands(CLI::App& app) {
  CLI::App* notification =
      app.add_subcommand("notification", "Retry, cancel or resolve notifications (operator role)")
          ->require_subcommand(1);
  auto add_reason = [this](CLI::App* command) {
    command->add_option("--reason", reason_, "Why; kept in the history and the audit trail")
        ->required();
  };
  CLI::App* retry =
      notification
          ->add_subcommand("retry",
                           "Hand a FAILED or UNKNOWN notification to its channel again, under "
                           "the same id (idempotency key, Message-ID)")
          ->callback([this] { OperatorChange("retry"); });
  retry->add_option("notification_id", key_, "Notification id")->required();
  add_reason(retry);
  CLI::App* cancel =
      notification
          ->add_subcommand("cancel", "Stop a PENDING, DEFERRED or QUEUED notification: CANCELLED")
          ->callback([this] { OperatorChange("cancel"); });
  cancel->add_option("notification_id", key_, "Notification id")->required();
  add_reason(cancel);
  CLI::App* resolve =
      notification
          ->add_subcommand("resolve",
                           "Record what the provider said of an UNKNOWN notification: --sent "
                           "(SENT) or --not-sent (FAILED)")
          ->callback([this] { OperatorChange("resolve"); });
  resolve->add_option("notification_id", key_, "Notification id")->required();
  auto* sent = resolve->add_flag("--sent", resolved_sent_, "The provider has it");
  auto* not_sent = resolve->add_flag("--not-sent", resolved_not_sent_, "It never got it");
  sent->excludes(not_sent);
  add_reason(resolve);

  CLI::App* bulk =
      notification
          ->add_subcommand("bulk",
                           "retry, cancel, resolve-sent or resolve-not-sent every notification "
                           "the filters match, newest first, up to --limit (--dry-run counts)")
          ->callback([this] { OperatorBulk(); });
  bulk->add_option("action", bulk_action_, "retry | cancel | resolve-sent | resolve-not-sent")
      ->required();
  bulk->add_option("--template", template_, "Only this template's");
  bulk->add_option("--category", category_, "Only this category's (e.g. SURVEY)");
  bulk->add_option("--channel", channel_, "Only this channel's (EMAIL or SMS)");
  bulk->add_option("--state", states_, "Only these states; repeatable");
  bulk->add_option("--customer", customer_, "Only this customer's");
  bulk->add_option("--event", event_, "Only this event's");
  bulk->add_option("--since", since_, "Only those created at or after (RFC 3339)");
  bulk->add_option("--until", until_, "Only those created before (RFC 3339)");
  bulk->add_option("--limit", limit_, "At most this many are changed")->required();
  bulk->add_flag("--dry-run", dry_run_, "Say how many would change; change nothing");
  add_reason(bulk);
}

void Heraldctl::OperatorChange(std::string_view action) {
  auto stub = v1::OperatorService::NewStub(Channel());
  if (action == "retry") {
    v1::RetryNotificationRequest request;
    request.set_notification_id(key_);
    request.set_reason(reason_);
    v1::RetryNotificationResponse response;
    if (Check(stub->RetryNotification(Context().get(), request, &response))) PrintJson(response);
  } else if (action == "cancel") {
    v1::CancelNotificationRequest request;
    request.set_notification_id(key_);
    request.set_reason(reason_);
    v1::CancelNotificationResponse response;
    if (Check(stub->CancelNotification(Context().get(), request, &response))) PrintJson(response);
  } else {
    if (!resolved_sent_ && !resolved_not_sent_) {
      return (void)BadInput("resolve: say --sent or --not-sent (what the provider said)");
    }
    v1::ResolveNotificationRequest request;
    request.set_notification_id(key_);
    request.set_sent(resolved_sent_);
    request.set_reason(reason_);
    v1::ResolveNotificationResponse response;
    if (Check(stub->ResolveNotification(Context().get(), request, &response))) PrintJson(response);
  }
}

void Heraldctl::OperatorBulk() {
  v1::BulkChangeNotificationsRequest request;
  const std::pair<const char*, v1::OperatorAction> actions[] = {
      {"retry", v1::OPERATOR_ACTION_RETRY},
      {"cancel", v1::OPERATOR_ACTION_CANCEL},
      {"resolve-sent", v1::OPERATOR_ACTION_RESOLVE_SENT},
      {"resolve-not-sent", v1::OPERATOR_ACTION_RESOLVE_NOT_SENT}};
  for (const auto& [name, value] : actions) {
    if (bulk_action_ == name) request.set_action(value);
  }
  if (request.action() == v1::OPERATOR_ACTION_UNSPECIFIED) {
    return (void)BadInput("bulk " + bulk_action_ +
                          ": not an action (retry, cancel, resolve-sent, resolve-not-sent)");
  }
  v1::NotificationFilter* filter = request.mutable_filter();
  filter->set_template_name(template_);
  filter->set_customer_id(customer_);
  filter->set_event_id(event_);
  for (const std::string& name : states_) {
    v1::NotificationState state;
    if (!v1::NotificationState_Parse("NOTIFICATION_STATE_" + name, &state) &&
        !v1::NotificationState_Parse(name, &state)) {
      return (void)BadInput("--state " + name + ": not a state (QUEUED, FAILED, UNKNOWN, ...)");
    }
    filter->add_states(state);
  }
  if (!channel_.empty()) {
    v1::Channel channel;
    if (!v1::Channel_Parse("CHANNEL_" + channel_, &channel)) {
      return (void)BadInput("--channel " + channel_ + ": EMAIL or SMS");
    }
    filter->set_channel(channel);
  }
  if (!category_.empty()) {
    v1::Category category;
    if (!v1::Category_Parse("CATEGORY_" + category_, &category)) {
      return (void)BadInput("--category " + category_ +
                            ": not a category (ORDER_UPDATE, SURVEY, INFORMATIONAL, ...)");
    }
    request.set_category(category);
  }
  for (const auto& [flag, text, field] :
       {std::tuple{"--since", &since_, filter->mutable_start_time()},
        std::tuple{"--until", &until_, filter->mutable_end_time()}}) {
    if (text->empty()) continue;
    if (!google::protobuf::util::TimeUtil::FromString(*text, field)) {
      return (void)BadInput(std::string(flag) + " " + *text +
                            ": not an RFC 3339 time (e.g. 2026-12-07T03:00:00Z)");
    }
  }
  if (since_.empty()) filter->clear_start_time();
  if (until_.empty()) filter->clear_end_time();
  request.set_limit(limit_);
  request.set_dry_run(dry_run_);
  request.set_reason(reason_);
  v1::BulkChangeNotificationsResponse response;
  auto stub = v1::OperatorService::NewStub(Channel());
  if (!Check(stub->BulkChangeNotifications(Context().get(), request, &response))) return;
  // A line a person reads, then the ids (the first 100), one a line.
  const std::string more = response.limit_reached() ? " (more match: raise --limit)" : "";
  if (dry_run_) {
    out_ << response.matched() << " would be changed (" << bulk_action_ << ")" << more << "\n";
  } else {
    out_ << response.changed() << " of " << response.matched() << " changed (" << bulk_action_
         << ")" << more << "\n";
  }
  for (const std::string& id : response.notification_ids()) out_ << id << "\n";
}

}  // namespace herald::heraldctl
