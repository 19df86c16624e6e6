#include "services/api/privacy_service.h"

#include <spdlog/spdlog.h>

#include "services/api/customer_erasure.h"
#include "services/api/customer_export.h"
#include "services/api/profile_mapping.h"
#include "services/api/time_mapping.h"

namespace herald::api {

PrivacyService::PrivacyService(store::Store& store, const core::Clock& clock, RpcRunner& runner,
                               prometheus::Registry& registry)
    : store_(store),
      clock_(clock),
      runner_(runner),
      erased_(prometheus::BuildCounter()
                  .Name("herald_privacy_requests_total")
                  .Help("Customers erased or exported on request")
                  .Register(registry)
                  .Add({{"request", "erase"}})),
      exported_(prometheus::BuildCounter()
                    .Name("herald_privacy_requests_total")
                    .Help("Customers erased or exported on request")
                    .Register(registry)
                    .Add({{"request", "export"}})) {}

grpc::ServerUnaryReactor* PrivacyService::EraseCustomer(grpc::CallbackServerContext* context,
                                                        const v1::EraseCustomerRequest* request,
                                                        v1::EraseCustomerResponse* response) {
  return runner_.Run(
      context, "PrivacyService.EraseCustomer", *request, *response,
      [=, this](const auth::Caller& caller) { return Erase(caller, *request, *response); });
}

grpc::ServerUnaryReactor* PrivacyService::ExportCustomer(grpc::CallbackServerContext* context,
                                                         const v1::ExportCustomerRequest* request,
                                                         v1::ExportCustomerResponse* response) {
  return runner_.Run(
      context, "PrivacyService.ExportCustomer", *request, *response,
      [=, this](const auth::Caller& caller) { return Export(caller, *request, *response); });
}

absl::Status PrivacyService::Erase(const auth::Caller& caller,
                                   const v1::EraseCustomerRequest& request,
                                   v1::EraseCustomerResponse& response) {
  absl::Status valid = ValidateCustomerId(request.customer_id(), "customer_id");
  if (!valid.ok()) return valid;
  absl::StatusOr<ErasureReport> report =
      api::EraseCustomer(store_, request.customer_id(), clock_.Now());
  if (!report.ok()) return report.status();
  erased_.Increment();
  spdlog::info(
      "msg=\"customer erased\" customer_id={} by={} already_erased={} cancelled={} purged={}",
      request.customer_id(), caller.Principal(), report->already_erased, report->cancelled,
      report->purged);
  response.set_customer_id(request.customer_id());
  *response.mutable_erase_time() = ToProto(report->erase_time);
  response.set_already_erased(report->already_erased);
  response.set_notifications_cancelled(report->cancelled);
  response.set_notifications_purged(report->purged);
  return absl::OkStatus();
}

absl::Status PrivacyService::Export(const auth::Caller& caller,
                                    const v1::ExportCustomerRequest& request,
                                    v1::ExportCustomerResponse& response) {
  absl::Status valid = ValidateCustomerId(request.customer_id(), "customer_id");
  if (!valid.ok()) return valid;
  absl::StatusOr<v1::CustomerExport> exported =
      api::ExportCustomer(store_, request.customer_id(), clock_.Now());
  if (!exported.ok()) return exported.status();
  exported_.Increment();
  spdlog::info("msg=\"customer exported\" customer_id={} by={} notifications={}",
               request.customer_id(), caller.Principal(), exported->notifications_size());
  *response.mutable_customer_export() = *std::move(exported);
  return absl::OkStatus();
}

}  // namespace herald::api
