// heraldctl pause|resume|pauses: the kill switches (operator role). A pause stops
// sending on every instance until it is resumed; what it holds waits, DEFERRED PAUSED.
#include <google/protobuf/util/time_util.h>

#include <CLI/CLI.hpp>

#include "herald/v1/operator_service.grpc.pb.h"
#include "tools/heraldctl/heraldctl.h"

namespace herald::heraldctl {
namespace {

// "template order_shipped", "all sending".
std::string Describe(const v1::SendingScope& scope) {
  switch (scope.scope_case()) {
    case v1::SendingScope::kAll:
      return "all sending";
    case v1::SendingScope::kTemplateName:
      return "template " + scope.template_name();
    case v1::SendingScope::kCategory:
      return "category " + v1::Category_Name(scope.category()).substr(sizeof("CATEGORY_") - 1);
    case v1::SendingScope::kChannel:
      return "channel " + v1::Channel_Name(scope.channel()).substr(sizeof("CHANNEL_") - 1);
    case v1::SendingScope::SCOPE_NOT_SET:
      break;
  }
  return "?";
}

}  // namespace

void Heraldctl::AddPauseCommands(CLI::App& app) {
  for (const bool pause : {true, false}) {
    CLI::App* command =
        pause ? app.add_subcommand("pause",
                                   "Kill switch: stop sending (all, a template, a category or a "
                                   "channel) on every instance until resumed; nothing is lost")
              : app.add_subcommand("resume",
                                   "End a pause: what it held is decided again, in order, "
                                   "honouring caps and quiet hours");
    command->callback([this, pause] { PauseOrResume(pause); });
    command->add_option("scope", pause_scope_, "all | template | category | channel")->required();
    command->add_option("name", pause_value_,
                        "The template's name, the category (e.g. SURVEY) or the channel "
                        "(EMAIL or SMS); none for all");
    command
        ->add_option("--reason", reason_,
                     "Why; kept with the pause, in the explain and in the audit trail")
        ->required();
  }
  app.add_subcommand("pauses", "The pauses in force, oldest first")->callback([this] {
    PauseList();
  });
}

void Heraldctl::PauseOrResume(bool pause) {
  v1::SendingScope scope;
  if (pause_scope_ != "all" && pause_scope_ != "template" && pause_scope_ != "category" &&
      pause_scope_ != "channel") {
    return (void)BadInput(pause_scope_ + ": not a scope (all, template, category, channel)");
  }
  if (pause_scope_ == "all") {
    if (!pause_value_.empty()) return (void)BadInput("all: takes no name");
    scope.set_all(true);
  } else if (pause_value_.empty()) {
    return (void)BadInput(pause_scope_ +
                          ": say which (a template's name, a category or a channel)");
  } else if (pause_scope_ == "template") {
    scope.set_template_name(pause_value_);
  } else if (pause_scope_ == "category") {
    v1::Category category;
    if (!v1::Category_Parse("CATEGORY_" + pause_value_, &category)) {
      return (void)BadInput("category " + pause_value_ +
                            ": not a category (ORDER_UPDATE, SURVEY, INFORMATIONAL, ...)");
    }
    scope.set_category(category);
  } else {
    v1::Channel channel;
    if (!v1::Channel_Parse("CHANNEL_" + pause_value_, &channel)) {
      return (void)BadInput("channel " + pause_value_ + ": EMAIL or SMS");
    }
    scope.set_channel(channel);
  }
  auto stub = v1::OperatorService::NewStub(Channel());
  if (pause) {
    v1::PauseSendingRequest request;
    *request.mutable_scope() = scope;
    request.set_reason(reason_);
    v1::PauseSendingResponse response;
    if (!Check(stub->PauseSending(Context().get(), request, &response))) return;
    out_ << "paused " << Describe(scope)
         << "; held at once (were QUEUED): " << response.held_count() << "\n";
  } else {
    v1::ResumeSendingRequest request;
    *request.mutable_scope() = scope;
    request.set_reason(reason_);
    v1::ResumeSendingResponse response;
    if (!Check(stub->ResumeSending(Context().get(), request, &response))) return;
    out_ << "resumed " << Describe(scope) << " (paused by " << response.pause().paused_by()
         << " at " << google::protobuf::util::TimeUtil::ToString(response.pause().pause_time())
         << "); released to be decided again: " << response.released_count() << "\n";
  }
}

void Heraldctl::PauseList() {
  auto stub = v1::OperatorService::NewStub(Channel());
  v1::ListPausesResponse response;
  if (!Check(stub->ListPauses(Context().get(), v1::ListPausesRequest(), &response))) return;
  if (response.pauses().empty()) out_ << "nothing is paused\n";
  for (const v1::Pause& p : response.pauses()) {
    out_ << Describe(p.scope()) << " paused by " << p.paused_by() << " at "
         << google::protobuf::util::TimeUtil::ToString(p.pause_time()) << ": " << p.reason()
         << "\n";
  }
}

}  // namespace herald::heraldctl
