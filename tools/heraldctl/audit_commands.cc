// heraldctl audit list|verify: the audit trail, read and checked by the client itself.
#include <google/protobuf/util/time_util.h>

#include <CLI/CLI.hpp>

#include "herald/v1/audit_service.grpc.pb.h"
#include "services/core/audit.h"
#include "tools/heraldctl/heraldctl.h"

namespace herald::heraldctl {
namespace {

core::AuditRecord FromProto(const v1::AuditRecord& r) {
  return {.sequence = r.sequence(),
          .time = core::Time(std::chrono::microseconds(
              google::protobuf::util::TimeUtil::TimestampToMicroseconds(r.time()))),
          .principal = r.principal(),
          .method = r.method(),
          .resource = r.resource(),
          .before_sha256 = r.before_sha256(),
          .after_sha256 = r.after_sha256(),
          .prev_hash = r.previous_hash(),
          .hash = r.hash()};
}

}  // namespace

void Heraldctl::AddAuditCommands(CLI::App& app) {
  CLI::App* audit = app.add_subcommand("audit", "The audit trail (admin)")->require_subcommand(1);
  CLI::App* list =
      audit->add_subcommand("list", "Changes made through the API, oldest first")->callback([this] {
        AuditList();
      });
  list->add_option("--principal", audit_principal_, "Only this caller's, e.g. api-key:ID");
  list->add_option("--method", audit_method_,
                   "Only this method's, e.g. ProfileService.DeleteProfile");
  list->add_option("--resource", audit_resource_, "Only this resource's, e.g. profiles/anna");
  add_paging_(list);
  audit
      ->add_subcommand("verify",
                       "Read the whole trail and recompute its hash chain here; exit 1 naming "
                       "the first record that does not hold")
      ->callback([this] { AuditVerify(); });
}

void Heraldctl::AuditList() {
  v1::ListAuditRecordsRequest request;
  request.mutable_filter()->set_principal(audit_principal_);
  request.mutable_filter()->set_method(audit_method_);
  request.mutable_filter()->set_resource(audit_resource_);
  request.set_page_size(page_size_);
  request.set_page_token(page_token_);
  v1::ListAuditRecordsResponse response;
  auto stub = v1::AuditService::NewStub(Channel());
  if (Check(stub->ListAuditRecords(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::AuditVerify() {
  auto stub = v1::AuditService::NewStub(Channel());
  std::vector<core::AuditRecord> records;
  v1::ListAuditRecordsRequest request;
  request.set_page_size(1000);
  do {
    v1::ListAuditRecordsResponse response;
    if (!Check(stub->ListAuditRecords(Context().get(), request, &response))) return;
    for (const v1::AuditRecord& r : response.audit_records()) records.push_back(FromProto(r));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].sequence != static_cast<int64_t>(i) + 1) {
      err_ << "heraldctl: audit record " << i + 1 << " is missing (the next one listed is "
           << records[i].sequence << ")\n";
      exit_code_ = 1;
      return;
    }
  }
  if (std::optional<int64_t> broken = core::FirstBrokenAuditRecord(records, "")) {
    err_ << "heraldctl: audit record " << *broken
         << " does not hold: it was changed, or a record before it was removed or changed\n";
    exit_code_ = 1;
    return;
  }
  out_ << "audit trail intact: " << records.size() << " records"
       << (records.empty() ? "" : ", last hash " + records.back().hash) << "\n";
}

}  // namespace herald::heraldctl
