#include "services/dispatch/outcome.h"

#include "services/core/masking.h"
#include "services/core/strings.h"

namespace herald::dispatch {
namespace {

using connectors::SendOutcome;
using core::NotificationState;

store::AttemptUpdate Base(const core::Notification& n, core::Time now) {
  store::AttemptUpdate u;
  u.notification_seq = n.seq;
  u.notification_id = n.notification_id;
  u.named = store::Named::Of(n);
  if (n.channel) u.attempt_channel = *n.channel;
  u.attempt = n.attempt_count;
  u.end_time = now;
  u.fallback_channels = n.fallback_channels;
  return u;
}

// The next channel of the customer's order, or the end.
void NextChannelOrEnd(const core::Notification& n, std::string why, bool bounced, core::Time now,
                      store::AttemptUpdate& u) {
  if (!n.fallback_channels.empty()) {
    u.state = NotificationState::kQueued;
    u.channel = n.fallback_channels.front();
    u.fallback_channels.assign(n.fallback_channels.begin() + 1, n.fallback_channels.end());
    u.next_attempt_time = now;
    u.state_detail = core::StrCat(why, "; next: ", core::Name(*u.channel));
  } else {
    u.state = bounced ? NotificationState::kBounced : NotificationState::kFailed;
    u.state_detail = core::StrCat(why, "; no channel left");
  }
}

}  // namespace

store::AttemptUpdate HandOffOutcome(const core::Notification& n, const ChannelPolicy& policy,
                                    const connectors::SendResult& r, core::Time now,
                                    std::chrono::milliseconds backoff) {
  const core::Channel channel = *n.channel;
  store::AttemptUpdate u = Base(n, now);
  // What a server or provider said may quote the address: kept masked.
  u.detail = core::MaskContactData(r.detail);
  u.provider_message_id = r.provider_message_id;
  switch (r.outcome) {
    case SendOutcome::kAccepted:
      u.result = core::AttemptResult::kAccepted;
      u.state = NotificationState::kSent;
      u.state_detail =
          core::StrCat("accepted on ", core::Name(channel),
                       r.provider_message_id.empty() ? std::string()
                                                     : core::StrCat(" as ", r.provider_message_id));
      break;
    case SendOutcome::kRetryable: {
      u.result = core::AttemptResult::kRetryableFailure;
      std::chrono::milliseconds wait = backoff;
      if (r.retry_after) wait = std::max<std::chrono::milliseconds>(wait, *r.retry_after);
      const core::Time next = now + wait;
      const core::Time deadline = n.send_time.value_or(n.create_time) + policy.max_age;
      if (next <= deadline) {
        u.state = NotificationState::kQueued;
        u.next_attempt_time = next;
        u.state_detail = core::StrCat("retry on ", core::Name(channel), " at ",
                                      core::FormatTime(next), ": ", r.detail);
      } else {
        NextChannelOrEnd(n,
                         core::StrCat(core::Name(channel), " still failing after ",
                                      policy.max_age.count(), "s: ", r.detail),
                         false, now, u);
      }
      break;
    }
    case SendOutcome::kPermanent:
      u.result = core::AttemptResult::kPermanentFailure;
      u.address_rejected = r.address_rejected;  // suppressed with the outcome, atomically
      NextChannelOrEnd(n,
                       core::StrCat(r.address_rejected ? "bounced on " : "refused on ",
                                    core::Name(channel), ": ", r.detail),
                       r.address_rejected, now, u);
      break;
  }
  return u;
}

store::AttemptUpdate RenderFailure(const core::Notification& n, const std::string& why,
                                   core::Time now) {
  store::AttemptUpdate u = Base(n, now);
  u.attempt = 0;  // not handed off
  u.listed_attempt_count = n.attempt_count;
  u.result = core::AttemptResult::kPermanentFailure;
  u.detail = why;
  NextChannelOrEnd(n, core::StrCat("not rendered for ", core::Name(*n.channel), ": ", why), false,
                   now, u);
  return u;
}

store::AttemptUpdate Interrupted(const core::Notification& n, bool resend, core::Time now,
                                 const std::string& lost_lease_owner) {
  store::AttemptUpdate u = Base(n, now);
  u.result = core::AttemptResult::kInterrupted;
  u.detail = lost_lease_owner.empty()
                 ? std::string("heraldd stopped while this hand-off was in flight")
                 : core::StrCat("heraldd instance ", lost_lease_owner,
                                " stopped while this hand-off was in flight (its lease ran out)");
  if (resend) {
    u.state = NotificationState::kQueued;
    u.next_attempt_time = now;
    u.state_detail = core::StrCat("in flight on ", core::Name(*n.channel),
                                  " when heraldd stopped; sent again with the same "
                                  "idempotency key");
  } else {
    u.state = NotificationState::kUnknown;
    u.state_detail = core::StrCat("in flight on ", core::Name(*n.channel),
                                  " when heraldd stopped: whether it reached the customer is "
                                  "unknown; an operator must check");
  }
  return u;
}

}  // namespace herald::dispatch
