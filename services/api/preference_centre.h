#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <map>
#include <string>
#include <variant>

#include "services/core/clock.h"
#include "services/core/preference_token.h"
#include "services/store/store.h"
#include "services/tracking/receipts.h"

namespace herald::api {

/// The customers' own page on the public listener (/preferences/{token}, reached by the
/// {{preferences_url}} in their messages, or from an unsubscribe link): every category
/// on every channel with the current choice, in their language (nl or en). Saving
/// records each changed choice as a consent with source "preference-centre" and the
/// time, so the next decision honours it. SECURITY is shown, always on, not switchable.
/// GET shows, POST saves and redirects back (so a reload does not post again). The
/// page needs no script and is served with a CSP that allows none.
class PreferenceCentre {
 public:
  struct Options {
    /// Per category: true when allowed without the customer's consent (opt-out),
    /// false when only with it (opt-in: shown off until switched on).
    std::map<core::Category, bool> consent_by_default = {};
  };

  PreferenceCentre(store::ProfileStore& profiles, const core::Clock& clock,
                   const core::PreferenceTokens& tokens, Options options,
                   prometheus::Registry& registry);

  tracking::ReceiptReply Get(const tracking::ReceiptRequest& request);
  tracking::ReceiptReply Post(const tracking::ReceiptRequest& request);

 private:
  /// The claim of the token at the end of the path, or the page refusing it.
  std::variant<core::PreferenceClaim, tracking::ReceiptReply> ClaimOf(
      const tracking::ReceiptRequest& request, std::string_view method);
  bool ByDefault(core::Category category) const;
  void Count(std::string_view method, std::string_view result);

  store::ProfileStore& profiles_;
  const core::Clock& clock_;
  const core::PreferenceTokens& tokens_;
  const Options options_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& changes_;
};

}  // namespace herald::api
