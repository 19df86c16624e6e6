#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/core/clock.h"
#include "services/core/kinds.h"
#include "services/store/store.h"

namespace herald::tracking {

/// Records a hard bounce: the channel is suppressed for the customer (an operator or a
/// new address lifts it), so no later message goes to an address that does not exist.
/// A customer without a profile (contact data from the event only) has nothing to
/// suppress: OK. Once is enough: a second bounce changes nothing.
absl::Status SuppressBouncedChannel(store::ProfileStore& store, std::string_view customer_id,
                                    core::Channel channel, std::string_view detail, core::Time now);

}  // namespace herald::tracking
