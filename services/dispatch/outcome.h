#pragma once

#include <chrono>
#include <string>

#include "connectors/connector.h"
#include "services/core/notification.h"
#include "services/dispatch/channel_policy.h"
#include "services/store/store.h"

// What a hand-off's result (or a message that did not render) means for the
// notification: SENT, a retry after its backoff, the next channel, or the end.
namespace herald::dispatch {

/// The record of a hand-off of attempt `n.attempt_count` that ended at `now`; `backoff`
/// is the wait before a retry when the channel may be tried again.
store::AttemptUpdate HandOffOutcome(const core::Notification& n, const ChannelPolicy& policy,
                                    const connectors::SendResult& result, core::Time now,
                                    std::chrono::milliseconds backoff);

/// A QUEUED notification whose message for its channel did not render: not handed off;
/// the next channel, or FAILED.
store::AttemptUpdate RenderFailure(const core::Notification& n, const std::string& why,
                                   core::Time now);

/// What a crash left SENDING: sent again with the same idempotency key (`resend`), or
/// UNKNOWN for an operator.
store::AttemptUpdate Interrupted(const core::Notification& n, bool resend, core::Time now,
                                 const std::string& lost_lease_owner = "");

}  // namespace herald::dispatch
