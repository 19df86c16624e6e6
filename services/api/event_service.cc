#include "services/api/event_service.h"

#include "services/core/strings.h"

namespace herald::api {
namespace {

// The W3C traceparent the call came with (gRPC metadata, or the JSON call's header).
std::string TraceparentOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("traceparent");
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

// A rejected event as a status: the customer being unknown is a state of the system,
// everything else is a problem with the request.
absl::Status ToStatus(const ingest::IntakeOutcome& outcome) {
  if (!outcome.rejection) return absl::OkStatus();
  const std::string message = outcome.rejection->Message();
  if (outcome.rejection->reason == ingest::RejectReason::kUnknownCustomer) {
    return absl::FailedPreconditionError(message);
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace

grpc::ServerUnaryReactor* EventService::PublishEvent(grpc::CallbackServerContext* context,
                                                     const v1::PublishEventRequest* request,
                                                     v1::PublishEventResponse* response) {
  return runner_.Run(context, "EventService.PublishEvent",
                     [=, this, traceparent = TraceparentOf(*context)] {
                       return Publish(*request, *response, traceparent);
                     });
}

grpc::ServerUnaryReactor* EventService::BatchPublishEvents(
    grpc::CallbackServerContext* context, const v1::BatchPublishEventsRequest* request,
    v1::BatchPublishEventsResponse* response) {
  return runner_.Run(context, "EventService.BatchPublishEvents",
                     [=, this, traceparent = TraceparentOf(*context)] {
                       return BatchPublish(*request, *response, traceparent);
                     });
}

absl::Status EventService::Publish(const v1::PublishEventRequest& request,
                                   v1::PublishEventResponse& response,
                                   const std::string& traceparent) {
  if (!request.has_event()) return absl::InvalidArgumentError("event: must be set");
  auto outcomes = intake_.ProcessParsed({&request.event()}, "grpc", traceparent);
  if (!outcomes.ok()) return outcomes.status();
  const ingest::IntakeOutcome& outcome = outcomes->front();
  absl::Status status = ToStatus(outcome);
  if (!status.ok()) return status;
  response.set_event_id(outcome.event_id);
  response.set_duplicate(outcome.kind == ingest::IntakeOutcome::Kind::kDuplicate);
  response.set_customer_count(outcome.customers);
  return absl::OkStatus();
}

absl::Status EventService::BatchPublish(const v1::BatchPublishEventsRequest& request,
                                        v1::BatchPublishEventsResponse& response,
                                        const std::string& traceparent) {
  if (request.events_size() > kMaxBatch) {
    return absl::InvalidArgumentError(core::StrCat("events: ", request.events_size(),
                                                   " events; at most ", kMaxBatch, " per batch"));
  }
  std::vector<const v1::Event*> events;
  for (const v1::Event& e : request.events()) events.push_back(&e);
  auto outcomes = intake_.ProcessParsed(events, "grpc", traceparent);
  if (!outcomes.ok()) return outcomes.status();
  for (size_t i = 0; i < outcomes->size(); ++i) {
    const ingest::IntakeOutcome& outcome = (*outcomes)[i];
    v1::PublishResult* result = response.add_results();
    result->set_event_id(outcome.event_id);
    result->set_duplicate(outcome.kind == ingest::IntakeOutcome::Kind::kDuplicate);
    absl::Status status = ToStatus(outcome);
    result->set_code(static_cast<int>(status.code()));
    if (!status.ok()) {
      result->set_message(core::StrCat("events[", i, "]: ", core::ToStd(status.message())));
    }
  }
  return absl::OkStatus();
}

}  // namespace herald::api
