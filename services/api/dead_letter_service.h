#pragma once

#include "herald/v1/dead_letter_service.grpc.pb.h"
#include "services/api/audit_trail.h"
#include "services/api/rpc_runner.h"
#include "services/core/clock.h"
#include "services/ingest/dead_letters.h"
#include "services/store/dead_letter_store.h"

namespace herald::api {

/// herald.v1.DeadLetterService: the dead-letter topic for operators (viewers read it
/// without the messages' contents), and replays, recorded in the store and the audit
/// trail.
class DeadLetterService final : public v1::DeadLetterService::CallbackService {
 public:
  /// `audit` may be null (unit tests of one service).
  DeadLetterService(ingest::DeadLetters& letters, store::DeadLetterStore& store,
                    const core::Clock& clock, RpcRunner& runner, AuditTrail* audit)
      : letters_(letters), store_(store), clock_(clock), runner_(runner), audit_(audit) {}

  grpc::ServerUnaryReactor* ListDeadLetters(grpc::CallbackServerContext* context,
                                            const v1::ListDeadLettersRequest* request,
                                            v1::ListDeadLettersResponse* response) override;
  grpc::ServerUnaryReactor* ReplayDeadLetters(grpc::CallbackServerContext* context,
                                              const v1::ReplayDeadLettersRequest* request,
                                              v1::ReplayDeadLettersResponse* response) override;

  /// Letters replayed by one call with a reason, at most.
  static constexpr int kMaxReplay = 10'000;

 private:
  absl::Status List(const auth::Caller& caller, const v1::ListDeadLettersRequest& request,
                    v1::ListDeadLettersResponse& response);
  absl::Status Replay(const auth::Caller& caller, const v1::ReplayDeadLettersRequest& request,
                      v1::ReplayDeadLettersResponse& response);

  ingest::DeadLetters& letters_;
  store::DeadLetterStore& store_;
  const core::Clock& clock_;
  RpcRunner& runner_;
  AuditTrail* audit_;
};

}  // namespace herald::api
