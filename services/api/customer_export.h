#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "herald/v1/privacy_service.pb.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// Everything Herald holds about a customer (PrivacyService.ExportCustomer): profile,
/// every notification with its messages, decisions, evaluations and attempts, and the
/// events they came from. NOT_FOUND when there is nothing.
absl::StatusOr<v1::CustomerExport> ExportCustomer(store::Store& store,
                                                  const std::string& customer_id, core::Time now);

}  // namespace herald::api
