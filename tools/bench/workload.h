#pragma once
// What herald-bench offers: customers, events and mails, numbered.

#include <chrono>
#include <string>

#include "connectors/connector.h"
#include "tools/bench/kafka.h"

namespace herald::bench {

/// ISO 8601, UTC, to the second.
std::string Iso(std::chrono::system_clock::time_point t);
/// Customer i's profile update: Dutch or English, email and phone, SMS or email first.
Message Profile(int i);
/// Event n for `customer`: 12 in 20 an order shipped, 5 an appointment reminder, 3 a
/// suspicious login; with the id of the notification it makes.
Message Event(int n, int customer, const std::string& now, const std::string& tomorrow,
              const std::string& prefix = "bench-");
/// Mail n, as the email connector gets it.
connectors::Delivery Email(int n);

}  // namespace herald::bench
