#pragma once

#include <map>
#include <string>
#include <vector>

#include "herald/v1/event.pb.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/sms_sink.h"

namespace herald::testing {

/// Event `i` as a backend sends it: "e-<i>", order.shipped, to customer c<i> (or
/// `customer`), by email for even i and by SMS for odd i (contact overrides).
v1::Event ShippedEvent(int i, const std::string& customer = "");

/// The template ShippedEvent's events are made with (email and SMS, English), created
/// through `heraldd`'s TemplateService; a gtest failure when refused.
void CreateOrderShippedTemplate(const HeralddProcess& heraldd);

/// A notification as the store holds it at the end of a run.
struct StoredNotification {
  std::string event_id;
  std::string customer_id;
  std::string channel;
  std::string state;
  /// For each attempt a stop cut short: the instance named as the one that stopped
  /// (empty when it was the one process of a SQLite file).
  std::vector<std::string> interrupted_by;
};
/// By notification id; empty when the store cannot be read.
using StoredNotifications = std::map<std::string, StoredNotification>;

StoredNotifications ReadSqliteNotifications(const std::string& db_path);
StoredNotifications ReadPostgresNotifications(const std::string& dsn);

/// Notification ids of the mail an SMTP sink kept in `dir` (each Message-ID is
/// <notification id>@domain), with how often each arrived.
std::map<std::string, int> MailArrivals(const std::string& dir);

/// Whether every notification has ended (SENT, UNKNOWN or SUPPRESSED) and there are at
/// least `events` of them.
bool AllEnded(const StoredNotifications& stored, size_t events);

/// "181 notifications: 90 SENT, 1 QUEUED, ..." for a failure message.
std::string Summary(const StoredNotifications& stored);

struct Accounting {
  int emails = 0;
  int sms = 0;
  int suppressed = 0;
  int unknown = 0;          // emails in flight at a kill
  int unknown_arrived = 0;  // of those, how many the SMTP server has
  int resent = 0;           // SMS requests repeated after a kill, with the same key
  /// Attempts a kill cut short, by the instance named (see interrupted_by) and channel.
  std::map<std::string, std::map<std::string, int>> interrupted;
};

/// Checks (gtest expectations) that each of `event_ids` made exactly one notification
/// and nothing else did; every SENT email arrived once, every UNKNOWN one (interrupted
/// once) at most once; every SMS was SENT and delivered by its idempotency key, a key
/// repeated only for a send a kill interrupted; nothing arrived for a SUPPRESSED one or
/// for anything not stored.
Accounting AccountDeliveries(const StoredNotifications& stored,
                             const std::vector<std::string>& event_ids,
                             const std::map<std::string, int>& mail,
                             const std::vector<SmsSink::Seen>& sms);

/// Every email address and international phone number in `text` that is not masked
/// (a masked one has "***" or "*" digits): what no log line may hold.
std::vector<std::string> UnmaskedContactData(const std::string& text);

}  // namespace herald::testing
