#include "services/core/audit.h"

#include <openssl/sha.h>

#include "services/core/strings.h"

namespace herald::core {

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::string AuditHash(const AuditRecord& r) {
  std::string text;
  for (const std::string& field :
       {std::to_string(r.sequence), std::to_string(r.time.time_since_epoch().count()), r.principal,
        r.method, r.resource, r.before_sha256, r.after_sha256, r.prev_hash}) {
    StrAppend(text, field.size(), ":", field, ";");
  }
  return Sha256Hex(text);
}

std::optional<int64_t> FirstBrokenAuditRecord(const std::vector<AuditRecord>& records,
                                              std::string_view previous_hash) {
  std::string previous(previous_hash);
  for (const AuditRecord& r : records) {
    if (r.prev_hash != previous || r.hash != AuditHash(r)) return r.sequence;
    previous = r.hash;
  }
  return std::nullopt;
}

}  // namespace herald::core
