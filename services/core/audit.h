#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"

namespace herald::core {

/// One change made through the API: who, when, which method on what, and digests of the
/// resource before and after. Records are chained: each holds the hash of the one before
/// it and its own hash over everything, so removing, reordering or editing one breaks
/// the chain from there on.
struct AuditRecord {
  int64_t sequence = 0;  // 1, 2, ... in the order they were written
  Time time = {};
  std::string principal = {};      // "api-key:<id>", "jwt:<sub>", "cert:<name>"
  std::string method = {};         // "TemplateService.UpdateTemplate"
  std::string resource = {};       // "templates/order-shipped"
  std::string before_sha256 = {};  // of the resource before; empty: there was none
  std::string after_sha256 = {};   // after; empty: there is none now
  std::string prev_hash = {};      // the previous record's hash; empty for the first
  std::string hash = {};           // AuditHash of this record

  bool operator==(const AuditRecord&) const = default;
};

/// SHA-256 (hex) over every field but `hash`, each length-prefixed.
std::string AuditHash(const AuditRecord& record);

/// The sequence of the first record that does not hold: its hash is not AuditHash of
/// it, or it does not link to the record before it (`previous_hash`: the hash of the
/// record before records[0]; empty when records[0] is the first ever). nullopt: intact.
std::optional<int64_t> FirstBrokenAuditRecord(const std::vector<AuditRecord>& records,
                                              std::string_view previous_hash);

/// SHA-256 of bytes, as lowercase hex.
std::string Sha256Hex(std::string_view bytes);

}  // namespace herald::core
