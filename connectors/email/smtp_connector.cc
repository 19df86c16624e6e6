#include "connectors/email/smtp_connector.h"

#include <curl/curl.h>

#include <cctype>
#include <cstring>

#include "connectors/email/mime.h"
#include "services/core/strings.h"

namespace herald::connectors::email {
namespace {

// What one transfer said and heard, from libcurl's debug callback.
struct Transcript {
  std::string last_command;  // e.g. "RCPT TO:<x@example.nl>"; "AUTH" for every AUTH line
  std::string last_reply;    // e.g. "250 2.0.0 Ok: queued as 4Fk2x"
  // The last refusal (4xx or 5xx) to MAIL, RCPT, DATA or AUTH and the command it
  // answered: what a failure is about (not an EHLO fallback, a declined STARTTLS, or
  // the QUIT after it). `first_refusal` is the fallback when none of those was refused.
  std::string refusal;
  std::string refused_command;
  std::string first_refusal;
  std::string first_refused_command;
  // Inside an AUTH exchange: the client's lines are credentials and are never kept.
  bool in_auth = false;
};

bool IsRefusal(std::string_view line) {
  return line.size() >= 3 && (line[0] == '4' || line[0] == '5') &&
         std::isdigit(static_cast<unsigned char>(line[1])) &&
         std::isdigit(static_cast<unsigned char>(line[2]));
}

std::string Verb(std::string_view command) {
  const size_t end = command.find_first_of(" :");
  return std::string(command.substr(0, end));
}

int OnDebug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  auto* t = static_cast<Transcript*>(user);
  std::string_view line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (type == CURLINFO_HEADER_OUT) {
    if (line.starts_with("AUTH")) t->in_auth = true;
    // AUTH and what follows it (base64 user names and passwords) are kept as "AUTH".
    t->last_command = t->in_auth ? "AUTH" : std::string(line);
  } else if (type == CURLINFO_HEADER_IN) {
    t->last_reply = std::string(line);
    if (t->in_auth && !line.starts_with("334")) t->in_auth = false;  // the exchange ended
    if (IsRefusal(line)) {
      if (t->first_refusal.empty()) {
        t->first_refusal = std::string(line);
        t->first_refused_command = t->last_command;
      }
      const std::string verb = Verb(t->last_command);
      if (verb == "MAIL" || verb == "RCPT" || verb == "DATA" || verb == "AUTH") {
        t->refusal = std::string(line);
        t->refused_command = t->last_command;
      }
    }
  }
  return 0;
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, u->data.size() - u->offset);
  std::memcpy(buffer, u->data.data() + u->offset, n);
  u->offset += n;
  return n;
}

// "250 2.0.0 Ok: queued as 4Fk2x" -> "4Fk2x".
std::string QueueId(std::string_view reply) {
  const size_t at = reply.find("queued as ");
  if (at == std::string_view::npos) return "";
  std::string_view id = reply.substr(at + 10);
  const size_t end = id.find_first_of(" \r\n");
  return std::string(id.substr(0, end));
}

SendResult Failed(SendOutcome outcome, std::string detail) {
  SendResult r;
  r.outcome = outcome;
  r.detail = std::move(detail);
  return r;
}

}  // namespace

SendResult ClassifySmtp(int curl_code, long reply_code, std::string_view reply,
                        std::string_view command, std::string_view curl_error) {
  SendResult r;
  if (curl_code == CURLE_OK) {
    r.outcome = SendOutcome::kAccepted;
    r.detail = std::string(reply);
    r.provider_message_id = QueueId(reply);
    return r;
  }
  const std::string what = reply_code >= 400 && !reply.empty()
                               ? core::StrCat(reply, " (to ", Verb(command), ")")
                               : core::StrCat(curl_easy_strerror(static_cast<CURLcode>(curl_code)),
                                              curl_error.empty() ? "" : ": ", curl_error);
  r.detail = what;
  // "550 5.1.1 ..." -> "5.1.1"; empty without an enhanced status code.
  std::string enhanced;
  if (reply.size() > 4) {
    const std::string_view rest = reply.substr(4);
    const size_t end = rest.find(' ');
    const std::string_view code = rest.substr(0, end);
    if (code.size() >= 5 && code[1] == '.' && std::isdigit(static_cast<unsigned char>(code[0]))) {
      enhanced = std::string(code);
    }
  }
  const std::string verb = Verb(command);
  if (curl_code == CURLE_LOGIN_DENIED || verb == "AUTH" || reply_code == 530 ||
      (enhanced.starts_with("5.7.") && verb != "DATA")) {
    // Our account or our relay, not the message: credentials refused, authentication
    // required, relaying denied (5.7.x to MAIL or RCPT; to DATA it is the content).
    // An operator can fix it; it is tried again.
    r.outcome = SendOutcome::kRetryable;
    return r;
  }
  if (reply_code >= 500 && reply_code < 600) {
    r.outcome = SendOutcome::kPermanent;
    // The address itself does not exist: 5.1.x, or a plain 550/551/553 to RCPT.
    r.address_rejected =
        verb == "RCPT" &&
        (enhanced.starts_with("5.1.") ||
         (enhanced.empty() && (reply_code == 550 || reply_code == 551 || reply_code == 553)));
    return r;
  }
  // 4xx, connection and TLS problems, timeouts, anything unexpected: later.
  r.outcome = SendOutcome::kRetryable;
  return r;
}

absl::StatusOr<std::unique_ptr<SmtpConnector>> SmtpConnector::Create(SmtpOptions options,
                                                                     const core::Clock& clock) {
  if (!options.url.starts_with("smtp://") && !options.url.starts_with("smtps://")) {
    return absl::InvalidArgumentError(
        core::StrCat("email.url: \"", options.url, "\" must start with smtp:// or smtps://"));
  }
  const size_t at = options.from_address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == options.from_address.size()) {
    return absl::InvalidArgumentError(
        core::StrCat("email.from_address: \"", options.from_address, "\" is not an address"));
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("email.pool_size: must be 1 or more");
  }
  if ((!options.username.empty() || !options.password.empty()) &&
      options.url.starts_with("smtp://") && options.starttls != StartTls::kRequired) {
    return absl::InvalidArgumentError(
        "email.starttls: must be required when credentials are set: they go only over TLS");
  }
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return absl::InternalError("libcurl: global initialisation failed");
  return std::unique_ptr<SmtpConnector>(new SmtpConnector(std::move(options), clock));
}

SmtpConnector::SmtpConnector(SmtpOptions options, const core::Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      domain_(options_.from_address.substr(options_.from_address.find('@') + 1)) {
  for (int i = 0; i < options_.pool_size; ++i) threads_.emplace_back([this] { SenderLoop(); });
}

SmtpConnector::~SmtpConnector() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (std::thread& t : threads_) t.join();
}

std::string SmtpConnector::MessageId(std::string_view notification_id) const {
  return core::StrCat(notification_id, "@", domain_);
}

void SmtpConnector::Send(Delivery delivery, SendDone done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(delivery), std::move(done)});
      queued_.notify_one();
      return;
    }
  }
  done(Failed(SendOutcome::kRetryable, "the email connector is stopping"));
}

void SmtpConnector::SenderLoop() {
  // One connection per thread, kept open between messages.
  CURL* curl = nullptr;
  while (true) {
    Queued next;
    {
      std::unique_lock lock(mu_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and what was given is done
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    if (curl == nullptr) curl = curl_easy_init();
    next.done(curl == nullptr ? Failed(SendOutcome::kRetryable, "libcurl: no handle")
                              : Deliver(curl, next.delivery));
  }
  if (curl != nullptr) curl_easy_cleanup(curl);
}

SendResult SmtpConnector::Deliver(void* handle, const Delivery& d) {
  EmailHeaders headers;
  headers.from_name = options_.from_name;
  headers.from_address = options_.from_address;
  headers.to = d.address;
  headers.subject = d.message.subject;
  headers.message_id = MessageId(d.notification_id);
  headers.date = clock_.Now();
  if (!d.unsubscribe_url.empty()) {
    headers.list_unsubscribe = d.unsubscribe_url;
    headers.one_click = true;
  }
  headers.extra = {{"X-Herald-Notification", d.notification_id}};
  if (!d.traceparent.empty()) headers.extra.emplace_back("Traceparent", d.traceparent);
  absl::StatusOr<std::string> message =
      BuildMessage(headers, d.message.text_body, d.message.html_body);
  if (!message.ok()) {
    return Failed(SendOutcome::kPermanent, std::string(message.status().message()));
  }

  CURL* curl = static_cast<CURL*>(handle);
  Transcript transcript;
  Upload upload{*message};
  char error[CURL_ERROR_SIZE] = {};
  const std::string from = core::StrCat("<", options_.from_address, ">");
  const std::string to = core::StrCat("<", d.address, ">");
  curl_slist* recipients = curl_slist_append(nullptr, to.c_str());

  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message->size()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);  // for the transcript, not for printing
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, OnDebug);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &transcript);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   options_.starttls == StartTls::kRequired        ? CURLUSESSL_ALL
                   : options_.starttls == StartTls::kOpportunistic ? CURLUSESSL_TRY
                                                                   : CURLUSESSL_NONE);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_peer ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_peer ? 2L : 0L);
  if (!options_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
  }

  const CURLcode code = curl_easy_perform(curl);
  long reply_code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply_code);
  // The handle keeps its connection for the next send; options are set anew each time.
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, nullptr);
  curl_easy_setopt(curl, CURLOPT_READDATA, nullptr);
  curl_slist_free_all(recipients);
  if (code != CURLE_OK && (!transcript.refusal.empty() || !transcript.first_refusal.empty())) {
    const bool about_mail = !transcript.refusal.empty();
    const std::string& refusal = about_mail ? transcript.refusal : transcript.first_refusal;
    return ClassifySmtp(code, std::stol(refusal.substr(0, 3)), refusal,
                        about_mail ? transcript.refused_command : transcript.first_refused_command,
                        error);
  }
  return ClassifySmtp(code, reply_code, transcript.last_reply, transcript.last_command, error);
}

}  // namespace herald::connectors::email
