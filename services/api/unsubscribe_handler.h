#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <variant>

#include "services/core/clock.h"
#include "services/core/preference_token.h"
#include "services/core/unsubscribe_token.h"
#include "services/store/store.h"
#include "services/tracking/receipts.h"

namespace herald::api {

/// The unsubscribe links in email (List-Unsubscribe, /unsubscribe/{token} on the public
/// listener). POST is RFC 8058's one click: the customer's consent for the token's
/// category and channel becomes DENIED with source "list-unsubscribe" and the time, so
/// the next decision honours it. GET (someone opened the link) lands on the customer's
/// preference page (a fresh link, valid for an hour), which offers this unsubscribe
/// first: a link scanner following it changes nothing.
class UnsubscribeHandler {
 public:
  UnsubscribeHandler(store::ProfileStore& profiles, const core::Clock& clock,
                     const core::UnsubscribeTokens& tokens,
                     const core::PreferenceTokens& preferences, prometheus::Registry& registry);

  tracking::ReceiptReply Post(const tracking::ReceiptRequest& request);
  tracking::ReceiptReply Get(const tracking::ReceiptRequest& request);

 private:
  /// The claim of the token at the end of the path, or the reply refusing it.
  std::variant<core::UnsubscribeClaim, tracking::ReceiptReply> ClaimOf(
      const tracking::ReceiptRequest& request);

  store::ProfileStore& profiles_;
  const core::Clock& clock_;
  const core::UnsubscribeTokens& tokens_;
  const core::PreferenceTokens& preferences_;
  prometheus::Family<prometheus::Counter>& unsubscribes_;
};

}  // namespace herald::api
