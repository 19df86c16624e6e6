#include "services/api/customer_erasure.h"

#include <vector>

#include "services/core/erasure.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

using core::NotificationState;

constexpr int kPage = 500;
// A customer whose events keep arriving while their notifications are cancelled: each
// round takes what came meanwhile; this many rounds without calm is an error to retry.
constexpr int kMaxRounds = 8;

store::DecisionUpdate Cancellation(const core::Notification& n, core::Time erased_at,
                                   core::Time now) {
  const std::string detail = core::StrCat(
      "cancelled: the customer's data was erased on request at ", core::FormatTime(erased_at));
  core::Decision decision;
  decision.outcome = core::DecisionOutcome::kSuppress;
  decision.reason = core::DecisionReason::kErased;
  decision.rule = "erasure";
  decision.detail = detail;
  decision.decide_time = now;
  decision.evaluations.push_back({"erasure", false, detail});
  return {.notification_seq = n.seq,
          .notification_id = n.notification_id,
          .customer_id = n.customer_id,
          .expected_state = n.state,
          .expected_update_time = n.update_time,
          .state = NotificationState::kSuppressed,
          .decision = std::move(decision),
          .template_version = n.template_version,
          .category = n.category,
          .channel = n.channel,
          .fallback_channels = {},
          .send_time = std::nullopt};
}

// Step 2: suppresses what is not sent yet; how many.
absl::StatusOr<int64_t> CancelUnsent(store::Store& store, const std::string& customer_id,
                                     core::Time erased_at, core::Time now) {
  store::NotificationFilter filter;
  filter.customer_id = customer_id;
  filter.states = {NotificationState::kPending, NotificationState::kDeferred,
                   NotificationState::kQueued};
  int64_t cancelled = 0;
  for (int round = 0; round < kMaxRounds; ++round) {
    auto context = store.LoadCustomerContexts({customer_id}, now, "", now);
    if (!context.ok()) return context.status();
    const int64_t version = context->front().version;
    std::vector<store::DecisionUpdate> updates;
    std::string after;
    while (true) {
      auto page = store.ListNotifications(filter, after, kPage);
      if (!page.ok()) return page.status();
      for (const core::Notification& n : page->items) {
        updates.push_back(Cancellation(n, erased_at, now));
      }
      if (!page->next_after) break;
      after = *page->next_after;
    }
    // On the customer's version: a decision made from the profile before it was erased
    // and recorded after this listing is refused (and made again, ERASED), or this write
    // is, and the next round lists what it recorded.
    auto applied = store.RecordDecisions(updates, {{customer_id, version}});
    if (!applied.ok()) return applied.status();
    bool all = true;
    for (bool a : *applied) {
      if (a) ++cancelled;
      all = all && a;
    }
    auto after_write = store.LoadCustomerContexts({customer_id}, now, "", now);
    if (!after_write.ok()) return after_write.status();
    if (all && after_write->front().version == version + 1) return cancelled;
  }
  return absl::AbortedError(core::StrCat("customer \"", customer_id,
                                         "\" kept getting notifications while they were being "
                                         "cancelled; erase again to finish"));
}

}  // namespace

absl::StatusOr<ErasureReport> EraseCustomer(store::Store& store, const std::string& customer_id,
                                            core::Time now) {
  ErasureReport report;
  std::vector<std::string> terms;
  absl::StatusOr<core::Profile> erased = store.MutateProfile(
      customer_id, [&](const core::Profile* current) -> absl::StatusOr<core::Profile> {
        terms.clear();
        report.already_erased = false;
        if (current != nullptr) {
          terms = core::ErasureTerms(*current);
          report.already_erased = core::ErasedAt(*current).has_value();
        }
        return core::ErasedProfile(customer_id, current, now);
      });
  if (!erased.ok()) return erased.status();
  report.erase_time = core::ErasedAt(*erased).value_or(now);

  absl::StatusOr<int64_t> cancelled = CancelUnsent(store, customer_id, report.erase_time, now);
  if (!cancelled.ok()) return cancelled.status();
  report.cancelled = *cancelled;

  absl::StatusOr<int64_t> purged =
      store.EraseCustomerContent({.customer_id = customer_id, .terms = terms, .at = now});
  if (!purged.ok()) return purged.status();
  report.purged = *purged;
  return report;
}

}  // namespace herald::api
