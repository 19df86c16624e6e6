#include "services/api/unsubscribe_handler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "services/core/strings.h"

namespace herald::api {

UnsubscribeHandler::UnsubscribeHandler(store::ProfileStore& profiles, const core::Clock& clock,
                                       const core::UnsubscribeTokens& tokens,
                                       const core::PreferenceTokens& preferences,
                                       prometheus::Registry& registry)
    : profiles_(profiles),
      clock_(clock),
      tokens_(tokens),
      preferences_(preferences),
      unsubscribes_(prometheus::BuildCounter()
                        .Name("herald_unsubscribes_total")
                        .Help("Unsubscribe links followed (one click), by category and result")
                        .Register(registry)) {}

std::variant<core::UnsubscribeClaim, tracking::ReceiptReply> UnsubscribeHandler::ClaimOf(
    const tracking::ReceiptRequest& request) {
  const std::string_view token =
      std::string_view(request.path)
          .substr(std::min(request.path.size(), request.path.rfind('/') + 1));
  absl::StatusOr<core::UnsubscribeClaim> claim = tokens_.Read(token);
  if (!claim.ok()) {
    unsubscribes_.Add({{"category", "unknown"}, {"result", "refused"}}).Increment();
    return tracking::ReceiptReply{
        .status = absl::IsPermissionDenied(claim.status()) ? 403 : 400,
        .body =
            core::StrCat("this unsubscribe link is not valid: ", claim.status().message(), "\n")};
  }
  return *std::move(claim);
}

tracking::ReceiptReply UnsubscribeHandler::Post(const tracking::ReceiptRequest& request) {
  auto claim_or_reply = ClaimOf(request);
  if (auto* reply = std::get_if<tracking::ReceiptReply>(&claim_or_reply)) return *reply;
  const core::UnsubscribeClaim& claim = std::get<core::UnsubscribeClaim>(claim_or_reply);
  const core::Time now = clock_.Now();
  absl::StatusOr<core::Profile> stored = profiles_.MutateProfile(
      claim.customer_id, [&](const core::Profile* current) -> absl::StatusOr<core::Profile> {
        core::Profile profile;
        if (current != nullptr) {
          profile = *current;
        } else {
          // Contact data from events only: the withdrawal is kept all the same.
          profile.customer_id = claim.customer_id;
          profile.create_time = now;
        }
        std::erase_if(profile.consents, [&](const core::Consent& c) {
          return c.category == claim.category && c.channel == claim.channel;
        });
        profile.consents.push_back({.category = claim.category,
                                    .channel = claim.channel,
                                    .state = core::ConsentState::kDenied,
                                    .source = "list-unsubscribe",
                                    .update_time = now});
        profile.update_time = now;
        return profile;
      });
  const std::string category(core::Name(claim.category));
  if (!stored.ok()) {
    unsubscribes_.Add({{"category", category}, {"result", "error"}}).Increment();
    return {.status = 503,
            .body = core::StrCat("cannot record it now (", stored.status().message(),
                                 "); please try again\n")};
  }
  unsubscribes_.Add({{"category", category}, {"result", "unsubscribed"}}).Increment();
  spdlog::info("msg=\"unsubscribed\" customer={} category={} channel={} source=list-unsubscribe",
               claim.customer_id, category, core::Name(claim.channel));
  return {.status = 200,
          .body = core::StrCat("unsubscribed: no more ", category, " messages by ",
                               core::Name(claim.channel), "\n")};
}

tracking::ReceiptReply UnsubscribeHandler::Get(const tracking::ReceiptRequest& request) {
  auto claim_or_reply = ClaimOf(request);
  if (auto* reply = std::get_if<tracking::ReceiptReply>(&claim_or_reply)) return *reply;
  const core::UnsubscribeClaim& claim = std::get<core::UnsubscribeClaim>(claim_or_reply);
  // An hour: enough to decide, and an old email's link opens no lasting access.
  const std::string token = preferences_.Issue(
      {.customer_id = claim.customer_id, .expire_time = clock_.Now() + std::chrono::hours(1)});
  // Relative to /unsubscribe/{token}, so a path prefix in front of heraldd still holds.
  return {.status = 303,
          .body = "see your preferences\n",
          .headers = {{"Location", core::StrCat("../preferences/", token,
                                                "?unsubscribe=", core::Name(claim.category), ".",
                                                core::Name(claim.channel))},
                      {"Cache-Control", "no-store"},
                      {"Referrer-Policy", "no-referrer"}}};
}

}  // namespace herald::api
