#include "services/api/audit_service.h"

#include "services/api/page_token.h"
#include "services/api/status.h"
#include "services/api/time_mapping.h"

namespace herald::api {
namespace {

constexpr char kListing[] = "audit";

}  // namespace

v1::AuditRecord AuditRecordToProto(const core::AuditRecord& r) {
  v1::AuditRecord out;
  out.set_sequence(r.sequence);
  *out.mutable_time() = ToProto(r.time);
  out.set_principal(r.principal);
  out.set_method(r.method);
  out.set_resource(r.resource);
  out.set_before_sha256(r.before_sha256);
  out.set_after_sha256(r.after_sha256);
  out.set_previous_hash(r.prev_hash);
  out.set_hash(r.hash);
  return out;
}

grpc::ServerUnaryReactor* AuditService::ListAuditRecords(grpc::CallbackServerContext* context,
                                                         const v1::ListAuditRecordsRequest* request,
                                                         v1::ListAuditRecordsResponse* response) {
  return runner_.Run(context, "AuditService.ListAuditRecords",
                     [=, this] { return List(*request, *response); });
}

absl::Status AuditService::List(const v1::ListAuditRecordsRequest& request,
                                v1::ListAuditRecordsResponse& response) {
  absl::StatusOr<int> size = EffectivePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = DecodePageToken(kListing, request.page_token());
  if (!after.ok()) return after.status();
  store::AuditFilter filter{.principal = request.filter().principal(),
                            .method = request.filter().method(),
                            .resource = request.filter().resource()};
  if (request.filter().has_start_time()) filter.since = FromProto(request.filter().start_time());
  if (request.filter().has_end_time()) filter.until = FromProto(request.filter().end_time());
  absl::StatusOr<store::Page<core::AuditRecord>> page =
      store_.ListAudit(filter, after->empty() ? 0 : std::stoll(*after), *size);
  if (!page.ok()) return page.status();
  for (const core::AuditRecord& r : page->items)
    *response.add_audit_records() = AuditRecordToProto(r);
  if (page->next_after) response.set_next_page_token(EncodePageToken(kListing, *page->next_after));
  return absl::OkStatus();
}

}  // namespace herald::api
