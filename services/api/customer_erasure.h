#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// What erasing a customer did.
struct ErasureReport {
  core::Time erase_time;
  bool already_erased = false;
  int64_t cancelled = 0;  // notifications not yet sent, now SUPPRESSED (ERASED)
  int64_t purged = 0;     // notifications whose content went now
};

/// Forgets a customer, in steps that each leave them uncontacted and that a second
/// call completes if the first stopped half-way: (1) the profile becomes its erased
/// remainder (core::ErasedProfile), so nothing decided from now on lets a message
/// through; (2) notifications not yet sent are suppressed with reason ERASED, on the
/// customer's decision version, so a decision taken from the profile before step 1
/// cannot slip in after; (3) the content of every notification goes
/// (store::PrivacyStore::EraseCustomerContent).
absl::StatusOr<ErasureReport> EraseCustomer(store::Store& store, const std::string& customer_id,
                                            core::Time now);

}  // namespace herald::api
