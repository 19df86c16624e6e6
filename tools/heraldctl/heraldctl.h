#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "herald/v1/template_service.pb.h"

namespace CLI {
class App;
}

namespace herald::heraldctl {

/// The heraldctl command line: talks to a running heraldd over gRPC and prints
/// responses as JSON (protobuf's JSON mapping).
///
/// Exit codes: 0 success; 1 heraldd refused (the gRPC code and message are printed);
/// 2 bad usage or input; 3 heraldd not reachable in time.
class Heraldctl {
 public:
  Heraldctl(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}

  int Main(int argc, const char* const* argv);

 private:
  std::shared_ptr<grpc::Channel> Channel() const;
  std::unique_ptr<grpc::ClientContext> Context() const;
  /// --token-file into token_ when --token (or HERALD_TOKEN) gave none.
  void LoadToken();
  /// Prints a failed call; true when OK.
  bool Check(const grpc::Status& status, std::string_view what = {});
  void PrintJson(const google::protobuf::Message& message);
  /// Reads file_ ("-" is stdin) as JSON into message.
  /// --file: a file, or standard input for "-"; nullopt when it cannot be opened.
  std::optional<std::string> ReadInput() const;
  bool ReadJson(google::protobuf::Message& message);
  /// Prints a bad-input message and sets exit code 2; returns false.
  bool BadInput(const std::string& message);
  /// The --partial NAME=FILE files, checked; nullopt after reporting a problem.
  std::optional<std::map<std::string, std::string>> ReadPartials();

  void Health();
  void Services();
  void ProfileCreate();
  void ProfileGet();
  void ProfileList();
  void ProfileUpdate();
  void ProfileDelete();
  void TemplateCreate();
  void TemplateGet();
  void TemplateList();
  void TemplateDelete();
  void TemplateRender();
  void TemplatePreview();
  void TemplateActivate();
  void TemplateApply();
  void Explain();
  void DeliveriesList();
  void DeliveriesGet();
  void DeliveriesWatch();
  void EventPublish();
  void SnippetList();
  void SnippetGet();
  void SnippetDelete();
  void AddKeyCommands(CLI::App& app);
  void KeyCreate();
  void KeyList();
  void KeyRevoke();
  void AddAuditCommands(CLI::App& app);
  void AuditList();
  void AuditVerify();
  void AddOperatorCommands(CLI::App& app);
  void OperatorChange(std::string_view action);
  void OperatorBulk();
  void AddPauseCommands(CLI::App& app);
  void AddConfigCommands(CLI::App& app);
  void ConfigReload();
  void PauseOrResume(bool pause);
  void PauseList();
  void AddPrivacyCommands(CLI::App& app);
  void PrivacyErase();
  void PrivacyExport();
  /// Writes the --part of a rendered message, exactly.
  /// `state`: of the notification the parts are of (empty for a preview).
  void PrintPart(const v1::RenderedEmail* email, const v1::RenderedSms* sms,
                 std::string_view state = {});

  std::ostream& out_;
  std::ostream& err_;
  int exit_code_ = 0;

  // Options, filled by the parser.
  std::string address_ = "127.0.0.1:50051";
  int timeout_seconds_ = 10;
  std::string token_;
  std::string token_file_;
  bool tls_ = false;
  std::string ca_file_;
  std::string cert_file_;
  std::string key_file_;
  std::string service_;
  std::string file_;
  std::string key_;  // customer id or template name
  std::vector<std::string> mask_;
  bool allow_missing_ = false;
  int page_size_ = 0;
  std::string page_token_;
  int64_t version_ = 0;
  std::string customer_;
  std::string event_;
  std::vector<std::string> states_;
  bool json_ = false;
  std::string data_file_;
  std::vector<std::string> partial_args_;  // NAME=FILE
  std::string snippets_dir_;
  std::string part_;  // --part: subject, text, html or sms               // every NAME.mustache in
                      // it is a partial
  std::string escape_ = "html";
  std::string locale_;
  std::string dir_;
  std::string key_name_;
  std::string key_role_;
  int key_expires_days_ = 0;
  bool key_token_only_ = false;
  std::string audit_principal_;
  std::string audit_method_;
  std::string audit_resource_;
  std::string reason_;
  bool resolved_sent_ = false;
  bool resolved_not_sent_ = false;
  std::string bulk_action_;
  std::string pause_scope_;
  std::string pause_value_;
  std::string template_;
  std::string category_;
  std::string channel_;
  std::string since_;
  std::string until_;
  int limit_ = 0;
  bool dry_run_ = false;
  std::function<void(CLI::App*)> add_paging_;
};

}  // namespace herald::heraldctl
