#include "tools/heraldctl/heraldctl.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "absl/status/statusor.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "herald/v1/event_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "services/compose/json_data.h"
#include "services/compose/mustache.h"
#include "services/compose/render.h"
#include "tools/heraldctl/manifest.h"

namespace herald::heraldctl {
namespace {

constexpr int kExitRefused = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitUnreachable = 3;

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const auto i = static_cast<size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "FILE:LINE:COLUMN: problem" for a Mustache syntax error, as compilers report.
std::optional<std::string> SyntaxError(const std::string& file, std::string_view source) {
  std::optional<compose::MustacheError> error = compose::FindMustacheError(source);
  if (!error) return std::nullopt;
  return file + ":" + std::to_string(error->line) + ":" + std::to_string(error->column) + ": " +
         error->problem;
}

}  // namespace

int Heraldctl::Main(int argc, const char* const* argv) {
  CLI::App app{"heraldctl: talk to a running heraldd"};
  app.add_option("--address,-a", address_, "heraldd's gRPC address")
      ->envname("HERALD_ADDRESS")
      ->capture_default_str();
  app.add_option("--timeout", timeout_seconds_, "Deadline of each call, in seconds")
      ->capture_default_str();
  app.add_option("--token", token_, "Bearer token: an API key (hk_...) or a JWT")
      ->envname("HERALD_TOKEN");
  app.add_option("--token-file", token_file_, "A file whose first line is the bearer token")
      ->envname("HERALD_TOKEN_FILE");
  app.add_flag("--tls", tls_, "Speak TLS, trusting the system's CAs (implied by --ca-file)")
      ->envname("HERALD_TLS");
  app.add_option("--ca-file", ca_file_, "Speak TLS, trusting this CA bundle (PEM)")
      ->envname("HERALD_CA_FILE")
      ->check(CLI::ExistingFile);
  auto* cert = app.add_option("--cert-file", cert_file_, "Client certificate for mTLS (PEM)")
                   ->envname("HERALD_CERT_FILE")
                   ->check(CLI::ExistingFile);
  auto* key = app.add_option("--key-file", key_file_, "Its private key (PEM)")
                  ->envname("HERALD_KEY_FILE")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.require_subcommand(1);
  app.parse_complete_callback([this] { LoadToken(); });

  app.add_subcommand("health", "Ask grpc.health.v1; exit 0 when SERVING")
      ->callback([this] { Health(); })
      ->add_option("--service", service_, "A service, e.g. herald.v1.ProfileService");
  app.add_subcommand("services", "List heraldd's gRPC services (server reflection)")
      ->callback([this] { Services(); });

  auto add_file = [this](CLI::App* cmd) {
    cmd->add_option("--file,-f", file_, "JSON file, or - for stdin")->required();
  };
  add_paging_ = [this](CLI::App* cmd) {
    cmd->add_option("--page-size", page_size_, "Items per page (default 50)");
    cmd->add_option("--page-token", page_token_, "next_page_token of the previous page");
  };
  const auto& add_paging = add_paging_;

  CLI::App* profile = app.add_subcommand("profile", "Customer profiles")->require_subcommand(1);
  add_file(profile->add_subcommand("create", "Create a profile from CustomerProfile JSON")
               ->callback([this] { ProfileCreate(); }));
  profile->add_subcommand("get", "Show a profile")
      ->callback([this] { ProfileGet(); })
      ->add_option("customer_id", key_, "Customer id")
      ->required();
  add_paging(profile->add_subcommand("list", "List profiles, one page")->callback([this] {
    ProfileList();
  }));
  CLI::App* update =
      profile->add_subcommand("update", "Change the fields named by --mask from JSON")
          ->callback([this] { ProfileUpdate(); });
  add_file(update);
  update->add_option("--mask", mask_, "Fields to change, e.g. email,consents")->delimiter(',');
  update->add_flag("--allow-missing", allow_missing_, "Create the profile if there is none");
  profile->add_subcommand("delete", "Delete a profile with its consents")
      ->callback([this] { ProfileDelete(); })
      ->add_option("customer_id", key_, "Customer id")
      ->required();

  CLI::App* tmpl = app.add_subcommand("template", "Message templates")->require_subcommand(1);
  add_file(tmpl->add_subcommand("create", "Create a template from Template JSON")->callback([this] {
    TemplateCreate();
  }));
  CLI::App* get =
      tmpl->add_subcommand("get", "Show a template")->callback([this] { TemplateGet(); });
  get->add_option("name", key_, "Template name")->required();
  get->add_option("--version", version_, "A version (default: the latest)");
  add_paging(tmpl->add_subcommand("list", "List templates, one page")->callback([this] {
    TemplateList();
  }));
  tmpl->add_subcommand("delete", "Delete a template and all its versions")
      ->callback([this] { TemplateDelete(); })
      ->add_option("name", key_, "Template name")
      ->required();

  CLI::App* event =
      app.add_subcommand("event", "Events, as a backend system sends them")->require_subcommand(1);
  add_file(event
               ->add_subcommand("publish",
                                "Publish events from a file: one herald.v1.Event JSON object "
                                "per line (or one object); each is validated as Kafka's are")
               ->callback([this] { EventPublish(); }));

  CLI::App* snippet =
      app.add_subcommand("snippet",
                         "Shared snippets that templates include as partials ({{> name}}); "
                         "kept as files and uploaded by template apply")
          ->require_subcommand(1);
  snippet->add_subcommand("list", "Every snippet")->callback([this] { SnippetList(); });
  snippet->add_subcommand("get", "One snippet's text, exactly")
      ->callback([this] { SnippetGet(); })
      ->add_option("name", key_, "Snippet name")
      ->required();
  snippet->add_subcommand("delete", "Delete a snippet no active template includes")
      ->callback([this] { SnippetDelete(); })
      ->add_option("name", key_, "Snippet name")
      ->required();

  CLI::App* render =
      tmpl->add_subcommand("render",
                           "Render a Mustache file offline with JSON data; writes exactly the "
                           "rendered bytes")
          ->callback([this] { TemplateRender(); });
  render->add_option("--file,-f", file_, "Mustache template file")->required();
  render->add_option("--data,-d", data_file_, "JSON data file")->required();
  render->add_option("--partial,-p", partial_args_, "NAME=FILE, a partial; repeatable");
  render->add_option("--snippets", snippets_dir_,
                     "Directory whose NAME.mustache files are partials (e.g. "
                     "deploy/templates/snippets); --partial wins");
  render->add_option("--escape", escape_, "html (Mustache's default, for HTML bodies) or none")
      ->check(CLI::IsMember({"html", "none"}))
      ->capture_default_str();

  CLI::App* apply =
      tmpl->add_subcommand("apply",
                           "Upload templates kept as files: first DIR/snippets/NAME.mustache "
                           "(shared partials), then every */template.yaml under DIR (a "
                           "manifest naming its Mustache files); unchanged ones make no new "
                           "version")
          ->callback([this] { TemplateApply(); });
  apply->add_option("dir", dir_, "Directory of templates")->required();

  CLI::App* activate =
      tmpl->add_subcommand("activate", "Make a stored version the one events use (roll back)")
          ->callback([this] { TemplateActivate(); });
  activate->add_option("name", key_, "Template name")->required();
  activate->add_option("version", version_, "Version")->required();

  CLI::App* preview =
      tmpl->add_subcommand("preview",
                           "Ask heraldd to render a stored template with JSON data: every "
                           "channel, and the SMS size")
          ->callback([this] { TemplatePreview(); });
  preview->add_option("name", key_, "Template name")->required();
  preview->add_option("--version", version_, "Version (default: the latest)");
  preview->add_option("--data,-d", data_file_, "JSON data file")->required();
  preview->add_option("--locale", locale_, "The customer's locale (falls back to the default)");
  preview->add_option("--partial,-p", partial_args_,
                      "NAME=FILE, a partial in place of the stored snippet; repeatable");
  preview
      ->add_option("--part", part_,
                   "Write exactly one part's bytes instead of JSON: subject, text, html or "
                   "sms")
      ->check(CLI::IsMember({"subject", "text", "html", "sms"}));
  preview->add_option("--snippets", snippets_dir_,
                      "Directory whose NAME.mustache files replace the stored snippets");

  CLI::App* explain =
      app.add_subcommand("explain",
                         "Why a customer did or did not get a message: the notification's "
                         "decisions and every rule evaluated")
          ->callback([this] { Explain(); });
  explain->add_option("notification_id", key_, "Notification id");
  explain->add_option("--customer", customer_, "Customer id (with --event)");
  explain->add_option("--event", event_, "Event id (with --customer)");
  explain->add_flag("--json", json_, "Print the whole response as JSON");

  CLI::App* deliveries =
      app.add_subcommand("deliveries", "The delivery log")->require_subcommand(1);
  CLI::App* list =
      deliveries
          ->add_subcommand("list",
                           "Notifications newest first, with their decisions (a customer's "
                           "contact history with --customer)")
          ->callback([this] { DeliveriesList(); });
  list->add_option("--customer", customer_, "Only this customer's");
  list->add_option("--event", event_, "Only this event's");
  list->add_option("--state", states_, "Only these states (e.g. DEFERRED); repeatable");
  add_paging(list);
  CLI::App* watch =
      deliveries
          ->add_subcommand("watch",
                           "Every notification change from now on, a line each, until Ctrl-C")
          ->callback([this] { DeliveriesWatch(); });
  watch->add_option("--customer", customer_, "Only this customer's");
  watch->add_option("--state", states_, "Only these states; repeatable");
  watch->add_flag("--json", json_, "Each change as JSON");

  CLI::App* get_one =
      deliveries
          ->add_subcommand("get",
                           "One notification as JSON: its decision, history and the message "
                           "rendered for each channel")
          ->callback([this] { DeliveriesGet(); });
  get_one->add_option("notification_id", key_, "Notification id")->required();
  get_one
      ->add_option("--part", part_,
                   "Write exactly one rendered part's bytes instead of JSON: subject, text, "
                   "html or sms")
      ->check(CLI::IsMember({"subject", "text", "html", "sms"}));

  AddKeyCommands(app);
  AddAuditCommands(app);
  AddPrivacyCommands(app);
  AddOperatorCommands(app);
  AddPauseCommands(app);
  AddConfigCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are not errors; any other problem with the command line is
    // bad usage (2), whatever number CLI11 gives it.
    return app.exit(e, out_, err_) == 0 ? 0 : kExitBadInput;
  }
  return exit_code_;
}

std::shared_ptr<grpc::Channel> Heraldctl::Channel() const {
  // A customer's export may be larger than gRPC's default of 4 MiB.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  if (!tls_ && ca_file_.empty() && cert_file_.empty()) {
    return grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions options;  // empty roots: the system's
  if (!ca_file_.empty()) options.pem_root_certs = ReadFile(ca_file_).value_or("");
  if (!cert_file_.empty()) {
    options.pem_cert_chain = ReadFile(cert_file_).value_or("");
    options.pem_private_key = ReadFile(key_file_).value_or("");
  }
  return grpc::CreateCustomChannel(address_, grpc::SslCredentials(options), args);
}

std::unique_ptr<grpc::ClientContext> Heraldctl::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds_));
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
  return context;
}

void Heraldctl::LoadToken() {
  if (!token_.empty() || token_file_.empty()) return;  // --token wins over a file
  std::ifstream in(token_file_);
  if (!in || !std::getline(in, token_)) {
    throw CLI::ValidationError("--token-file", "cannot read a token from " + token_file_);
  }
  while (!token_.empty() && (token_.back() == '\r' || token_.back() == ' ')) token_.pop_back();
}

bool Heraldctl::Check(const grpc::Status& status, std::string_view what) {
  if (status.ok()) return true;
  err_ << "heraldctl: " << what << (what.empty() ? "" : ": ") << CodeName(status.error_code())
       << ": " << status.error_message() << "\n";
  const bool unreachable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                           status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  exit_code_ = unreachable ? kExitUnreachable : kExitRefused;
  return false;
}

void Heraldctl::PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    err_ << "heraldctl: cannot print the response as JSON\n";
    exit_code_ = kExitRefused;
    return;
  }
  out_ << json << "\n";
}

std::optional<std::string> Heraldctl::ReadInput() const {
  if (file_ != "-") return ReadFile(file_);
  std::stringstream in;
  in << std::cin.rdbuf();
  return in.str();
}

bool Heraldctl::ReadJson(google::protobuf::Message& message) {
  std::optional<std::string> text = ReadInput();
  if (!text) return BadInput("cannot open " + file_);
  auto status = google::protobuf::util::JsonStringToMessage(*text, &message);
  if (!status.ok()) {
    err_ << "heraldctl: " << file_ << ": not a " << message.GetDescriptor()->full_name()
         << " in JSON: " << status.message() << "\n";
    exit_code_ = kExitBadInput;
    return false;
  }
  return true;
}

void Heraldctl::Health() {
  auto stub = grpc::health::v1::Health::NewStub(Channel());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service_);
  grpc::health::v1::HealthCheckResponse response;
  if (!Check(stub->Check(Context().get(), request, &response))) return;
  out_ << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    exit_code_ = kExitRefused;
  }
}

void Heraldctl::Services() {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(Channel());
  auto context = Context();
  auto stream = stub->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  const bool answered = stream->Write(request) && stream->Read(&response);
  stream->WritesDone();
  if (!Check(stream->Finish()) || !answered) return;
  for (const auto& s : response.list_services_response().service()) out_ << s.name() << "\n";
}

void Heraldctl::ProfileCreate() {
  v1::CreateProfileRequest request;
  if (!ReadJson(*request.mutable_profile())) return;
  v1::CreateProfileResponse response;
  auto stub = v1::ProfileService::NewStub(Channel());
  if (Check(stub->CreateProfile(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::ProfileGet() {
  v1::GetProfileRequest request;
  request.set_customer_id(key_);
  v1::GetProfileResponse response;
  auto stub = v1::ProfileService::NewStub(Channel());
  if (Check(stub->GetProfile(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::ProfileList() {
  v1::ListProfilesRequest request;
  request.set_page_size(page_size_);
  request.set_page_token(page_token_);
  v1::ListProfilesResponse response;
  auto stub = v1::ProfileService::NewStub(Channel());
  if (Check(stub->ListProfiles(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::ProfileUpdate() {
  v1::UpdateProfileRequest request;
  if (!ReadJson(*request.mutable_profile())) return;
  for (const std::string& path : mask_) request.mutable_update_mask()->add_paths(path);
  request.set_allow_missing(allow_missing_);
  v1::UpdateProfileResponse response;
  auto stub = v1::ProfileService::NewStub(Channel());
  if (Check(stub->UpdateProfile(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::ProfileDelete() {
  v1::DeleteProfileRequest request;
  request.set_customer_id(key_);
  v1::DeleteProfileResponse response;
  auto stub = v1::ProfileService::NewStub(Channel());
  if (Check(stub->DeleteProfile(Context().get(), request, &response))) {
    out_ << "deleted profile " << key_ << "\n";
  }
}

void Heraldctl::TemplateCreate() {
  v1::CreateTemplateRequest request;
  if (!ReadJson(*request.mutable_template_())) return;
  v1::CreateTemplateResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (Check(stub->CreateTemplate(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::TemplateGet() {
  v1::GetTemplateRequest request;
  request.set_name(key_);
  request.set_version(version_);
  v1::GetTemplateResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (Check(stub->GetTemplate(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::TemplateList() {
  v1::ListTemplatesRequest request;
  request.set_page_size(page_size_);
  request.set_page_token(page_token_);
  v1::ListTemplatesResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (Check(stub->ListTemplates(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::TemplateDelete() {
  v1::DeleteTemplateRequest request;
  request.set_name(key_);
  v1::DeleteTemplateResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (Check(stub->DeleteTemplate(Context().get(), request, &response))) {
    out_ << "deleted template " << key_ << "\n";
  }
}

void Heraldctl::EventPublish() {
  std::optional<std::string> text = ReadInput();
  if (!text) return (void)BadInput("cannot open " + file_);
  // One object per line; a file holding a single (possibly multi-line) object works too.
  std::vector<std::string> lines;
  {
    std::stringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
    }
  }
  v1::Event probe;
  if (!lines.empty() && !google::protobuf::util::JsonStringToMessage(lines[0], &probe).ok()) {
    lines = {*text};
  }
  auto stub = v1::EventService::NewStub(Channel());
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::PublishEventRequest request;
    const auto parsed =
        google::protobuf::util::JsonStringToMessage(lines[i], request.mutable_event());
    if (!parsed.ok()) {
      BadInput(file_ + ":" + std::to_string(i + 1) +
               ": not a herald.v1.Event JSON object: " + std::string(parsed.message()));
      continue;
    }
    v1::PublishEventResponse response;
    grpc::Status status = stub->PublishEvent(Context().get(), request, &response);
    if (!Check(status, request.event().event_id())) continue;
    out_ << response.event_id() << ": "
         << (response.duplicate()
                 ? "already published; nothing new"
                 : "accepted for " + std::to_string(response.customer_count()) +
                       (response.customer_count() == 1 ? " customer" : " customers"))
         << "\n";
  }
}

void Heraldctl::SnippetList() {
  v1::ListSnippetsResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (Check(stub->ListSnippets(Context().get(), v1::ListSnippetsRequest(), &response))) {
    PrintJson(response);
  }
}

void Heraldctl::SnippetGet() {
  v1::GetSnippetRequest request;
  request.set_name(key_);
  v1::GetSnippetResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (Check(stub->GetSnippet(Context().get(), request, &response)))
    out_ << response.snippet().text();
}

void Heraldctl::SnippetDelete() {
  v1::DeleteSnippetRequest request;
  request.set_name(key_);
  v1::DeleteSnippetResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (Check(stub->DeleteSnippet(Context().get(), request, &response))) {
    out_ << "deleted snippet " << key_ << "\n";
  }
}

bool Heraldctl::BadInput(const std::string& message) {
  err_ << "heraldctl: " << message << "\n";
  exit_code_ = kExitBadInput;
  return false;
}

std::optional<std::map<std::string, std::string>> Heraldctl::ReadPartials() {
  std::map<std::string, std::string> partials;
  if (!snippets_dir_.empty()) {
    std::error_code error;
    for (auto it = std::filesystem::directory_iterator(snippets_dir_, error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
      if (it->path().extension() != ".mustache") continue;
      partial_args_.insert(partial_args_.begin(),
                           it->path().stem().string() + "=" + it->path().string());
    }
    if (error) {
      BadInput("--snippets " + snippets_dir_ + ": " + error.message());
      return std::nullopt;
    }
  }
  for (const std::string& arg : partial_args_) {
    const size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      BadInput("--partial " + arg + ": expected NAME=FILE");
      return std::nullopt;
    }
    const std::string file = arg.substr(eq + 1);
    std::optional<std::string> partial = ReadFile(file);
    if (!partial) {
      BadInput("cannot open " + file);
      return std::nullopt;
    }
    if (auto error = SyntaxError(file, *partial)) {
      BadInput(*error);
      return std::nullopt;
    }
    partials[arg.substr(0, eq)] = *std::move(partial);
  }
  return partials;
}

void Heraldctl::TemplateRender() {
  std::optional<std::string> source = ReadFile(file_);
  if (!source) return (void)BadInput("cannot open " + file_);
  std::optional<std::string> json = ReadFile(data_file_);
  if (!json) return (void)BadInput("cannot open " + data_file_);
  std::optional<std::map<std::string, std::string>> partials = ReadPartials();
  if (!partials) return;
  if (auto error = SyntaxError(file_, *source)) return (void)BadInput(*error);
  // Recursion, which Mustache allows: the render below fails only if the data never
  // ends it.
  if (std::optional<std::string> cycle = compose::FindPartialCycle(*partials)) {
    err_ << "heraldctl: warning: partials include each other in a circle: " << *cycle
         << "; a message renders only while its data ends the recursion\n";
  }
  // As the spec says, a partial nobody gave renders as nothing; heraldd would refuse
  // to send such a message, so say so.
  if (absl::Status present = compose::CheckPartialsPresent(*source, *partials); !present.ok()) {
    std::string problem(present.message().data(), present.message().size());
    problem = problem.substr(0, problem.rfind(" is not a stored snippet"));
    err_ << "heraldctl: warning: " << file_ << ": " << problem
         << " was not given (--partial, --snippets) and renders as nothing\n";
  }
  absl::StatusOr<compose::Value> data = compose::ParseJsonData(*json);
  if (!data.ok()) return (void)BadInput(data_file_ + ": " + std::string(data.status().message()));
  absl::StatusOr<std::string> out =
      compose::RenderMustache(*source, *data, *partials,
                              escape_ == "html" ? compose::Escape::kHtml : compose::Escape::kNone);
  if (!out.ok()) return (void)BadInput(std::string(out.status().message()));
  out_ << *out;  // exactly the rendered bytes
}

void Heraldctl::TemplateApply() {
  std::error_code error;
  std::vector<std::filesystem::path> manifests;
  std::vector<std::filesystem::path> snippets;
  const std::filesystem::path snippet_dir = std::filesystem::path(dir_) / "snippets";
  for (auto it = std::filesystem::recursive_directory_iterator(dir_, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->path().filename() == "template.yaml") manifests.push_back(it->path());
    if (it->path().parent_path() == snippet_dir && it->path().extension() == ".mustache") {
      snippets.push_back(it->path());
    }
  }
  if (error || (manifests.empty() && snippets.empty())) {
    BadInput(dir_ + ": no */template.yaml or snippets/*.mustache found" +
             (error ? " (" + error.message() + ")" : ""));
    return;
  }
  std::sort(manifests.begin(), manifests.end());
  std::sort(snippets.begin(), snippets.end());
  auto stub = v1::TemplateService::NewStub(Channel());
  // Snippets first: the templates include them.
  for (const auto& path : snippets) {
    std::optional<std::string> text = ReadFile(path.string());
    if (!text) {
      BadInput(path.string() + ": cannot open");
      continue;
    }
    v1::Snippet snippet;
    snippet.set_name(path.stem().string());
    snippet.set_description("from " + path.filename().string());
    snippet.set_text(*text);
    v1::GetSnippetRequest get;
    get.set_name(snippet.name());
    v1::GetSnippetResponse before;
    grpc::Status status = stub->GetSnippet(Context().get(), get, &before);
    std::string what;
    google::protobuf::RepeatedPtrField<std::string> warnings;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      v1::CreateSnippetRequest create;
      *create.mutable_snippet() = snippet;
      v1::CreateSnippetResponse created;
      status = stub->CreateSnippet(Context().get(), create, &created);
      warnings = created.warnings();
      what = "created";
    } else if (status.ok() && before.snippet().text() == snippet.text() &&
               before.snippet().description() == snippet.description()) {
      what = "unchanged";
    } else if (status.ok()) {
      v1::UpdateSnippetRequest update;
      *update.mutable_snippet() = snippet;
      v1::UpdateSnippetResponse updated;
      status = stub->UpdateSnippet(Context().get(), update, &updated);
      warnings = updated.warnings();
      what = "updated";
    }
    if (!Check(status, path.string())) continue;
    out_ << "snippet " << snippet.name() << ": " << what << "\n";
    for (const std::string& warning : warnings) {
      err_ << "heraldctl: " << path.string() << ": warning: " << warning << "\n";
    }
  }
  for (const auto& manifest : manifests) {
    absl::StatusOr<v1::Template> t = ReadTemplateManifest(manifest);
    if (!t.ok()) {
      BadInput(std::string(t.status().message()));
      continue;
    }
    v1::GetTemplateRequest get;
    get.set_name(t->name());
    v1::GetTemplateResponse before;
    grpc::Status status = stub->GetTemplate(Context().get(), get, &before);
    const v1::Template* stored = nullptr;
    google::protobuf::RepeatedPtrField<std::string> warnings;
    std::string what;
    v1::CreateTemplateResponse created;
    v1::UpdateTemplateResponse updated;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      v1::CreateTemplateRequest create;
      *create.mutable_template_() = *t;
      status = stub->CreateTemplate(Context().get(), create, &created);
      stored = &created.template_();
      warnings = created.warnings();
      what = "created";
    } else if (status.ok()) {
      v1::UpdateTemplateRequest update;
      *update.mutable_template_() = *t;
      update.mutable_update_mask()->add_paths("*");
      status = stub->UpdateTemplate(Context().get(), update, &updated);
      stored = &updated.template_();
      warnings = updated.warnings();
      what = stored->version() == before.template_().version() ? "unchanged" : "updated";
    }
    if (!Check(status, manifest.string())) continue;
    out_ << stored->name() << ": " << what << ", version " << stored->version() << " (active "
         << stored->active_version() << ")\n";
    for (const std::string& warning : warnings) {
      err_ << "heraldctl: " << manifest.string() << ": warning: " << warning << "\n";
    }
  }
}

void Heraldctl::TemplateActivate() {
  v1::ActivateTemplateRequest request;
  request.set_name(key_);
  request.set_version(version_);
  v1::ActivateTemplateResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (Check(stub->ActivateTemplate(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::TemplatePreview() {
  v1::PreviewTemplateRequest request;
  request.set_name(key_);
  request.set_version(version_);
  request.set_locale(locale_);
  std::optional<std::string> json = ReadFile(data_file_);
  if (!json) return (void)BadInput("cannot open " + data_file_);
  if (!google::protobuf::util::JsonStringToMessage(*json, request.mutable_data()).ok()) {
    return (void)BadInput(data_file_ + ": not a JSON object");
  }
  std::optional<std::map<std::string, std::string>> partials = ReadPartials();
  if (!partials) return;
  request.mutable_partials()->insert(partials->begin(), partials->end());
  v1::PreviewTemplateResponse response;
  auto stub = v1::TemplateService::NewStub(Channel());
  if (!Check(stub->PreviewTemplate(Context().get(), request, &response))) return;
  if (part_.empty()) return PrintJson(response);
  PrintPart(response.has_email() ? &response.email() : nullptr,
            response.has_sms() ? &response.sms() : nullptr);
}

void Heraldctl::PrintPart(const v1::RenderedEmail* email, const v1::RenderedSms* sms,
                          std::string_view state) {
  const bool is_sms = part_ == "sms";
  if (is_sms ? sms == nullptr : email == nullptr) {
    err_ << "heraldctl: no " << (is_sms ? "SMS" : "email") << " was rendered";
    if (!state.empty()) {
      err_ << " for it (it is " << state
           << "): a message is rendered when it is handed off on that channel";
    }
    err_ << "\n";
    exit_code_ = kExitRefused;
    return;
  }
  // Exactly the bytes, nothing added: for a browser, a diff or wc.
  if (is_sms) {
    out_ << sms->text();
  } else if (part_ == "subject") {
    out_ << email->subject();
  } else if (part_ == "text") {
    out_ << email->text_body();
  } else if (email->html_body().empty()) {
    err_ << "heraldctl: the email has no HTML body (the template has none)\n";
    exit_code_ = kExitRefused;
  } else {
    out_ << email->html_body();
  }
}

void Heraldctl::Explain() {
  v1::ExplainNotificationRequest request;
  request.set_notification_id(key_);
  request.set_customer_id(customer_);
  request.set_event_id(event_);
  v1::ExplainNotificationResponse response;
  auto stub = v1::NotificationService::NewStub(Channel());
  if (!Check(stub->ExplainNotification(Context().get(), request, &response))) return;
  if (json_) {
    PrintJson(response);
    return;
  }
  out_ << response.summary() << "\n";
  std::string current;
  for (const v1::RuleEvaluation& e : response.evaluations()) {
    const std::string when =
        google::protobuf::util::TimeUtil::ToString(e.evaluate_time()) + " " + e.notification_id();
    if (when != current) {
      out_ << "\n" << when << "\n";
      current = when;
    }
    out_ << "  " << (e.passed() ? "pass" : "FAIL") << "  " << e.rule() << ": " << e.detail()
         << "\n";
  }
  // What happened after the decision that let it go: each hand-off and what it led to.
  for (const v1::Notification& n : response.notifications()) {
    bool first = true;
    for (const v1::StateChange& h : n.history()) {
      if (!n.has_decision() ||
          google::protobuf::util::TimeUtil::TimestampToMicroseconds(h.change_time()) <=
              google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                  n.decision().decide_time())) {
        continue;
      }
      if (first) out_ << "\n" << n.notification_id() << " after the decision\n";
      first = false;
      std::string state = v1::NotificationState_Name(h.state());
      if (state.starts_with("NOTIFICATION_STATE_")) state.erase(0, 19);
      out_ << "  " << google::protobuf::util::TimeUtil::ToString(h.change_time()) << "  " << state
           << ": " << h.detail() << "\n";
    }
  }
}

void Heraldctl::DeliveriesWatch() {
  v1::WatchNotificationsRequest request;
  request.mutable_filter()->set_customer_id(customer_);
  for (const std::string& name : states_) {
    v1::NotificationState state;
    if (!v1::NotificationState_Parse("NOTIFICATION_STATE_" + name, &state) &&
        !v1::NotificationState_Parse(name, &state)) {
      return (void)BadInput("--state " + name + ": not a state (QUEUED, SENT, DELIVERED, ...)");
    }
    request.mutable_filter()->add_states(state);
  }
  auto stub = v1::NotificationService::NewStub(Channel());
  grpc::ClientContext context;  // no deadline: it runs until stopped
  std::unique_ptr<grpc::ClientReader<v1::WatchNotificationsResponse>> reader =
      stub->WatchNotifications(&context, request);
  v1::WatchNotificationsResponse change;
  while (reader->Read(&change)) {
    const v1::Notification& n = change.notification();
    if (json_) {
      PrintJson(n);
    } else {
      auto bare = [](const std::string& name, std::string_view prefix) {
        return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
      };
      out_ << google::protobuf::util::TimeUtil::ToString(n.update_time()) << " "
           << n.notification_id() << " " << n.customer_id() << " "
           << (n.template_name().empty() ? "-" : n.template_name()) << " "
           << (n.channel() == v1::CHANNEL_UNSPECIFIED
                   ? "-"
                   : bare(v1::Channel_Name(n.channel()), "CHANNEL_"))
           << " " << bare(v1::NotificationState_Name(n.state()), "NOTIFICATION_STATE_") << " "
           << n.decision().reason() << std::endl;
    }
  }
  Check(reader->Finish());
}

void Heraldctl::DeliveriesGet() {
  v1::GetNotificationRequest request;
  request.set_notification_id(key_);
  v1::GetNotificationResponse response;
  auto stub = v1::NotificationService::NewStub(Channel());
  if (!Check(stub->GetNotification(Context().get(), request, &response))) return;
  if (part_.empty()) return PrintJson(response.notification());
  const v1::RenderedEmail* email = nullptr;
  const v1::RenderedSms* sms = nullptr;
  for (const v1::RenderedMessage& m : response.notification().messages()) {
    if (m.has_email()) email = &m.email();
    if (m.has_sms()) sms = &m.sms();
  }
  std::string state = v1::NotificationState_Name(response.notification().state());
  if (state.starts_with("NOTIFICATION_STATE_")) state.erase(0, 19);
  PrintPart(email, sms, state);
}

void Heraldctl::DeliveriesList() {
  v1::ListNotificationsRequest request;
  request.mutable_filter()->set_customer_id(customer_);
  request.mutable_filter()->set_event_id(event_);
  for (const std::string& name : states_) {
    v1::NotificationState state;
    if (!v1::NotificationState_Parse("NOTIFICATION_STATE_" + name, &state) &&
        !v1::NotificationState_Parse(name, &state)) {
      err_ << "heraldctl: --state " << name
           << ": not a state (PENDING, QUEUED, DEFERRED, SUPPRESSED, SENDING, SENT, DELIVERED, "
              "BOUNCED, FAILED, UNKNOWN)\n";
      exit_code_ = kExitBadInput;
      return;
    }
    request.mutable_filter()->add_states(state);
  }
  request.set_page_size(page_size_);
  request.set_page_token(page_token_);
  v1::ListNotificationsResponse response;
  auto stub = v1::NotificationService::NewStub(Channel());
  if (Check(stub->ListNotifications(Context().get(), request, &response))) PrintJson(response);
}

}  // namespace herald::heraldctl
