#include "tests/integration/delivery_accounting.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>

#include "herald/v1/template_service.grpc.pb.h"
#include "services/store/record/records.h"

namespace herald::testing {
namespace {

constexpr char kQuery[] =
    "SELECT n.notification_id, e.event_id, n.customer_id, COALESCE(n.channel, ''), n.state,"
    " n.record FROM notifications n JOIN events e ON e.event_seq = n.event_seq";

StoredNotification FromRow(std::string event_id, std::string customer_id, std::string channel,
                           std::string state, std::string_view record,
                           const std::string& notification_id) {
  StoredNotification n{.event_id = std::move(event_id),
                       .customer_id = std::move(customer_id),
                       .channel = std::move(channel),
                       .state = std::move(state),
                       .interrupted_by = {}};
  auto history = store::record::DecodeHistory(record, notification_id);
  if (!history.ok()) {
    ADD_FAILURE() << history.status();
    return n;
  }
  static const std::regex kInstance("^heraldd instance (.+) stopped while");
  for (const core::DeliveryAttempt& a : history->attempts) {
    if (a.result != core::AttemptResult::kInterrupted) continue;
    std::smatch match;
    n.interrupted_by.push_back(std::regex_search(a.detail, match, kInstance) ? match[1].str()
                                                                             : std::string());
  }
  return n;
}

}  // namespace

v1::Event ShippedEvent(int i, const std::string& customer) {
  v1::Event e;
  e.set_event_id("e-" + std::to_string(i));
  e.set_event_type("order.shipped");
  *e.mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  e.set_customer_id(customer.empty() ? "c" + std::to_string(i) : customer);
  if (i % 2 == 0) {
    e.mutable_contact_overrides()->set_email("c" + std::to_string(i) + "@example.nl");
  } else {
    e.mutable_contact_overrides()->set_phone("+316" + std::to_string(20'000'000 + i));
  }
  e.mutable_order()->set_order_id(std::to_string(i));
  return e;
}

void CreateOrderShippedTemplate(const HeralddProcess& heraldd) {
  auto stub = v1::TemplateService::NewStub(heraldd.Channel());
  v1::CreateTemplateRequest request;
  v1::Template* t = request.mutable_template_();
  t->set_name("order-shipped");
  t->set_category(v1::CATEGORY_ORDER_UPDATE);
  t->add_event_types("order.shipped");
  t->set_default_locale("en");
  v1::LocalizedContent* en = t->add_contents();
  en->set_locale("en");
  en->mutable_email()->set_subject("Order {{order.order_id}} is on its way");
  en->mutable_email()->set_text_body("Hello {{customer.id}}, order {{order.order_id}} shipped.");
  en->mutable_sms()->set_text("Order {{order.order_id}} shipped");
  v1::CreateTemplateResponse response;
  grpc::Status status = stub->CreateTemplate(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

StoredNotifications ReadSqliteNotifications(const std::string& db_path) {
  StoredNotifications out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* stmt = nullptr;
  auto text = [&](int column) {
    const unsigned char* value = sqlite3_column_text(stmt, column);
    return value == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(value));
  };
  if (sqlite3_prepare_v2(db, kQuery, -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const std::string id = text(0);
      const std::string_view record(static_cast<const char*>(sqlite3_column_blob(stmt, 5)),
                                    static_cast<size_t>(sqlite3_column_bytes(stmt, 5)));
      out[id] = FromRow(text(1), text(2), text(3), text(4), record, id);
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

StoredNotifications ReadPostgresNotifications(const std::string& dsn) {
  StoredNotifications out;
  PGconn* conn = PQconnectdb(dsn.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    PQfinish(conn);
    return out;
  }
  // Binary results: the record as its bytes, text columns as they are.
  PGresult* result = PQexecParams(conn, kQuery, 0, nullptr, nullptr, nullptr, nullptr, 1);
  if (PQresultStatus(result) == PGRES_TUPLES_OK) {
    auto value = [&](int row, int column) {
      return std::string(PQgetvalue(result, row, column),
                         static_cast<size_t>(PQgetlength(result, row, column)));
    };
    for (int r = 0; r < PQntuples(result); ++r) {
      const std::string id = value(r, 0);
      out[id] = FromRow(value(r, 1), value(r, 2), value(r, 3), value(r, 4), value(r, 5), id);
    }
  }
  PQclear(result);
  PQfinish(conn);
  return out;
}

std::map<std::string, int> MailArrivals(const std::string& dir) {
  std::map<std::string, int> out;
  if (!std::filesystem::exists(dir)) return out;
  const std::regex message_id(R"(^Message-ID: <([^@>]+)@)", std::regex::icase);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".eml") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line) && line != "\r" && !line.empty()) {
      std::smatch match;
      if (std::regex_search(line, match, message_id)) {
        ++out[match[1]];
        break;
      }
    }
  }
  return out;
}

bool AllEnded(const StoredNotifications& stored, size_t events) {
  if (stored.size() < events) return false;
  return std::all_of(stored.begin(), stored.end(), [](const auto& entry) {
    const std::string& state = entry.second.state;
    return state == "SENT" || state == "UNKNOWN" || state == "SUPPRESSED";
  });
}

std::string Summary(const StoredNotifications& stored) {
  std::map<std::string, int> by_state;
  for (const auto& [id, n] : stored) ++by_state[n.state];
  std::string out = std::to_string(stored.size()) + " notifications:";
  for (const auto& [state, count] : by_state) {
    out += " " + std::to_string(count) + " " + state;
  }
  return out;
}

Accounting AccountDeliveries(const StoredNotifications& stored,
                             const std::vector<std::string>& event_ids,
                             const std::map<std::string, int>& mail,
                             const std::vector<SmsSink::Seen>& sms) {
  Accounting a;
  // None lost, none made twice: one notification per event, and for nothing else.
  std::map<std::string, std::string> by_event;  // event id -> notification id
  for (const auto& [id, n] : stored) {
    EXPECT_TRUE(by_event.emplace(n.event_id, id).second) << "two notifications for " << n.event_id;
  }
  const std::set<std::string> expected(event_ids.begin(), event_ids.end());
  for (const std::string& event_id : expected) {
    EXPECT_TRUE(by_event.contains(event_id)) << "lost: " << event_id;
  }
  for (const auto& [event_id, id] : by_event) {
    EXPECT_TRUE(expected.contains(event_id)) << "a notification for no event sent: " << event_id;
  }

  std::map<std::string, int> requests;  // SMS accepted, by idempotency key
  for (const SmsSink::Seen& seen : sms) {
    if (seen.status / 100 == 2) ++requests[seen.idempotency_key];
  }
  auto count = [](const std::map<std::string, int>& m, const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
  };
  for (const auto& [id, n] : stored) {
    for (const std::string& instance : n.interrupted_by) ++a.interrupted[instance][n.channel];
    const int interrupted = static_cast<int>(n.interrupted_by.size());
    if (n.state == "SUPPRESSED") {
      ++a.suppressed;
      EXPECT_EQ(count(mail, id) + count(requests, id), 0) << "suppressed, yet sent: " << id;
    } else if (n.channel == "EMAIL") {
      // SENT arrived exactly once; UNKNOWN (in flight at a kill) at most once.
      ++a.emails;
      const int arrived = count(mail, id);
      if (n.state == "UNKNOWN") {
        ++a.unknown;
        a.unknown_arrived += arrived;
        EXPECT_LE(arrived, 1) << id;
        EXPECT_EQ(interrupted, 1) << id;
      } else {
        EXPECT_EQ(n.state, "SENT") << id;
        EXPECT_EQ(arrived, 1) << id;
      }
    } else {
      // SMS: SENT and delivered once (the provider keys on Idempotency-Key); a key is
      // seen again only for a send a kill interrupted, once per interruption.
      ++a.sms;
      EXPECT_EQ(n.channel, "SMS") << id;
      EXPECT_EQ(n.state, "SENT") << id;
      const int sent = count(requests, id);
      EXPECT_GE(sent, 1) << id;
      EXPECT_LE(sent, 1 + interrupted) << id;
      a.resent += std::max(sent - 1, 0);
    }
  }
  for (const auto& [id, arrived] : mail) {
    const auto it = stored.find(id);
    EXPECT_TRUE(it != stored.end() && it->second.channel == "EMAIL") << "unexpected mail " << id;
  }
  for (const auto& [key, sent] : requests) {
    const auto it = stored.find(key);
    EXPECT_TRUE(it != stored.end() && it->second.channel == "SMS") << "unexpected SMS " << key;
  }
  return a;
}

std::vector<std::string> UnmaskedContactData(const std::string& text) {
  static const std::regex kContact(
      R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+|\+[0-9]{8,15})");
  std::vector<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kContact);
       it != std::sregex_iterator(); ++it) {
    found.push_back(it->str());
  }
  return found;
}

}  // namespace herald::testing
