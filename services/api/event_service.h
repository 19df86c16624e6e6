#pragma once

#include "herald/v1/event_service.grpc.pb.h"
#include "services/api/rpc_runner.h"
#include "services/ingest/intake.h"

namespace herald::api {

/// herald.v1.EventService: events from producers without Kafka, through the same
/// intake (validation, fan-out, idempotency) as events read from Kafka.
class EventService final : public v1::EventService::CallbackService {
 public:
  static constexpr int kMaxBatch = 1000;

  EventService(ingest::Intake& intake, RpcRunner& runner) : intake_(intake), runner_(runner) {}

  grpc::ServerUnaryReactor* PublishEvent(grpc::CallbackServerContext* context,
                                         const v1::PublishEventRequest* request,
                                         v1::PublishEventResponse* response) override;
  grpc::ServerUnaryReactor* BatchPublishEvents(grpc::CallbackServerContext* context,
                                               const v1::BatchPublishEventsRequest* request,
                                               v1::BatchPublishEventsResponse* response) override;

 private:
  /// `traceparent`: the call's W3C traceparent ("": none; the events start new traces).
  absl::Status Publish(const v1::PublishEventRequest& request, v1::PublishEventResponse& response,
                       const std::string& traceparent);
  absl::Status BatchPublish(const v1::BatchPublishEventsRequest& request,
                            v1::BatchPublishEventsResponse& response,
                            const std::string& traceparent);

  ingest::Intake& intake_;
  RpcRunner& runner_;
};

}  // namespace herald::api
