// Receipt parsing: a delivery receipt as a provider posts it, correctly signed so that
// parsing is reached (the first byte picks the form: SMS JSON, email JSON or Twilio's
// form), against a real SQLite store. Every receipt must get an HTTP status with a
// reason; nothing may crash or read out of bounds.
#include <prometheus/registry.h>
#include <unistd.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "services/core/clock.h"
#include "services/store/sqlite/sqlite_store.h"
#include "services/tracking/receipts.h"

namespace {

constexpr char kSecret[] = "fuzz-secret";
constexpr char kTwilioToken[] = "fuzz-token";
constexpr char kTwilioUrl[] = "https://herald.example/receipts/twilio";

struct World {
  std::unique_ptr<herald::store::sqlite::SqliteStore> store;
  herald::core::SystemClock clock;
  prometheus::Registry registry;
  std::unique_ptr<herald::tracking::ReceiptHandler> handler;
};

World& TheWorld() {
  static World* world = [] {
    char dir[] = "/tmp/herald-receipt-fuzzer-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    auto* w = new World;
    auto store = herald::store::sqlite::SqliteStore::Open(
        {.path = std::string(dir) + "/herald.db", .synchronous_full = false});
    if (!store.ok()) std::abort();
    w->store = std::move(*store);
    w->handler = std::make_unique<herald::tracking::ReceiptHandler>(
        *w->store, w->clock, w->registry,
        herald::tracking::ReceiptHandler::Options{.generic_secret = kSecret,
                                                  .twilio_auth_token = kTwilioToken,
                                                  .twilio_public_url = kTwilioUrl});
    return w;
  }();
  return *world;
}

std::string PercentEncoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Twilio's form from up to three NUL-separated values (MessageSid, MessageStatus,
// ErrorCode), with its signature: the URL, then each name and value in name order.
void TwilioForm(std::string_view input, herald::tracking::ReceiptRequest& request) {
  static const char* const kNames[] = {"ErrorCode", "MessageSid", "MessageStatus"};
  std::map<std::string, std::string> params;
  for (const char* name : kNames) {
    const size_t end = input.find('\0');
    params[name] = std::string(input.substr(0, end));
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
  }
  std::string signed_text = kTwilioUrl;
  for (const auto& [name, value] : params) {
    if (!request.body.empty()) request.body += '&';
    request.body += name + "=" + PercentEncoded(value);
    signed_text += name + value;
  }
  request.headers["x-twilio-signature"] =
      herald::tracking::HmacSha1Base64(kTwilioToken, signed_text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& world = TheWorld();
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  herald::tracking::ReceiptRequest request;
  herald::tracking::ReceiptReply reply;
  if (data[0] % 3 == 2) {
    TwilioForm(input, request);
    reply = world.handler->Twilio(request);
  } else {
    request.body = std::string(input);
    request.headers = herald::tracking::SignReceipt(kSecret, request.body, world.clock.Now());
    reply = data[0] % 3 == 0 ? world.handler->Generic(request) : world.handler->Email(request);
  }
  if (reply.status < 200 || reply.status > 599) __builtin_trap();
  if (reply.status >= 400 && reply.body.empty()) __builtin_trap();  // refusals say why
  return 0;
}
