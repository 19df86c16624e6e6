// heraldctl privacy erase|export: a customer's rights over their data, for the privacy
// role.
#include <CLI/CLI.hpp>

#include "herald/v1/privacy_service.grpc.pb.h"
#include "tools/heraldctl/heraldctl.h"

namespace herald::heraldctl {

void Heraldctl::AddPrivacyCommands(CLI::App& app) {
  CLI::App* privacy = app.add_subcommand("privacy", "Erase or export a customer (privacy role)")
                          ->require_subcommand(1);
  privacy
      ->add_subcommand("erase",
                       "Forget a customer: contact data, name and message content go, unsent "
                       "notifications are cancelled, later events are suppressed (ERASED)")
      ->callback([this] { PrivacyErase(); })
      ->add_option("customer_id", key_, "Customer id")
      ->required();
  privacy
      ->add_subcommand("export",
                       "Print everything Herald holds about a customer as one JSON document")
      ->callback([this] { PrivacyExport(); })
      ->add_option("customer_id", key_, "Customer id")
      ->required();
}

void Heraldctl::PrivacyErase() {
  v1::EraseCustomerRequest request;
  request.set_customer_id(key_);
  v1::EraseCustomerResponse response;
  auto stub = v1::PrivacyService::NewStub(Channel());
  if (Check(stub->EraseCustomer(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::PrivacyExport() {
  v1::ExportCustomerRequest request;
  request.set_customer_id(key_);
  v1::ExportCustomerResponse response;
  auto stub = v1::PrivacyService::NewStub(Channel());
  if (Check(stub->ExportCustomer(Context().get(), request, &response))) {
    PrintJson(response.customer_export());
  }
}

}  // namespace herald::heraldctl
