#include "services/api/http_listener.h"

#include <httplib.h>
#include <prometheus/text_serializer.h>

#include <charconv>
#include <chrono>

#include "services/api/connect/connect_gateway.h"
#include "services/api/tls/peer_identity.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

void ServeOperations(httplib::Server& server, std::atomic<bool>& ready,
                     const HttpListener::Options& options) {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server.Get("/readyz", [&ready](const httplib::Request&, httplib::Response& res) {
    if (ready.load()) {
      res.set_content("ready\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("not ready\n", "text/plain");
    }
  });
  server.Get("/metrics", [&options](const httplib::Request& req, httplib::Response& res) {
    if (options.admit_metrics) {
      std::optional<std::string> authorization;
      if (req.has_header("Authorization")) authorization = req.get_header_value("Authorization");
      const bool certificate = req.ssl != nullptr &&
                               SSL_get0_peer_certificate(req.ssl) != nullptr &&
                               SSL_get_verify_result(req.ssl) == X509_V_OK;
      absl::Status admitted = options.admit_metrics(authorization, certificate);
      if (!admitted.ok()) {
        res.status = admitted.code() == absl::StatusCode::kPermissionDenied ? 403 : 401;
        if (res.status == 401) res.set_header("WWW-Authenticate", "Bearer");
        res.set_content(core::StrCat(admitted.message(), "\n"), "text/plain");
        return;
      }
    }
    prometheus::TextSerializer serializer;
    res.set_content(serializer.Serialize(options.metrics->Collect()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
}

std::map<std::string, std::string> LowerCaseHeaders(const httplib::Request& req) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : req.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers[lower] = value;
  }
  return headers;
}

void ServeApi(httplib::Server& server, connect::ConnectGateway& api) {
  server.Post(R"(/[A-Za-z0-9_.]+/[A-Za-z0-9_]+)", [&api](const httplib::Request& req,
                                                         httplib::Response& res) {
    connect::HttpCall call{.path = req.path,
                           .headers = LowerCaseHeaders(req),
                           .body = req.body,
                           .certificate_identities = tls::VerifiedPeerIdentities(req.ssl)};
    auto answer = api.Handle(call);
    if (auto* whole = std::get_if<connect::HttpAnswer>(&answer)) {
      res.status = whole->status;
      res.set_content(whole->body, whole->content_type);
      return;
    }
    std::shared_ptr<connect::HttpStream> stream =
        std::move(std::get<std::unique_ptr<connect::HttpStream>>(answer));
    res.status = 200;
    for (const auto& [name, value] : stream->headers()) res.set_header(name, value);
    res.set_chunked_content_provider(
        std::string(stream->content_type()),
        [stream](size_t, httplib::DataSink& sink) {
          std::string part;
          switch (stream->Read(part, std::chrono::seconds(1))) {
            case connect::HttpStream::Next::kData:
              if (sink.write(part.data(), part.size())) return true;
              break;
            case connect::HttpStream::Next::kIdle:
              if (sink.is_writable()) return true;
              break;
            case connect::HttpStream::Next::kEnd:
              sink.done();
              return true;
          }
          stream->Cancel();  // the client is gone
          return false;
        },
        [stream](bool complete) {
          if (!complete) stream->Cancel();
        });
  });
}

// The console is static files; what the browser may do with them is held tight: its own
// scripts only, no framing, no referrer. Inline styles are allowed for the email previews,
// which keep their own.
void ServeConsole(httplib::Server& server, const std::string& dir) {
  server.Get("/console", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/console/");
  });
  httplib::Headers headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-cache"},
  };
  server.set_mount_point("/console/", dir, std::move(headers));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(Options options) {
  std::unique_ptr<HttpListener> listener(new HttpListener());
  listener->options_ = std::move(options);
  const Options& o = listener->options_;
  if (o.tls != nullptr) {
    tls::ReloadableServerTls* tls = o.tls;
    auto server = std::make_unique<httplib::SSLServer>(
        [tls](SSL_CTX& context) { return tls->Configure(context); });
    if (!server->is_valid()) {
      return absl::InternalError(core::StrCat("http: cannot set up TLS for ", o.host, ":", o.port));
    }
    listener->server_ = std::move(server);
  } else {
    listener->server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *listener->server_;
  if (o.api != nullptr) {
    // Each open stream holds a thread; the rest stay for calls and /healthz.
    server.new_task_queue = [] {
      return new httplib::ThreadPool(connect::ConnectGateway::kMaxStreams + 16);
    };
  }
  server.set_payload_max_length(o.max_body_bytes);
  // Before any of the body is read: a declared length over the limit, or a body without
  // one (chunked, which the library would read whole), is refused and the connection
  // closed, so the body is never read.
  server.set_pre_routing_handler([limit = o.max_body_bytes](const httplib::Request& req,
                                                            httplib::Response& res) {
    auto refuse = [&res](int status, std::string_view message) {
      res.status = status;
      res.set_header("Connection", "close");
      res.set_content(core::StrCat(message, "\n"), "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    };
    if (req.has_header("Transfer-Encoding")) {
      return refuse(411, "a request body needs a Content-Length (chunked bodies are refused)");
    }
    uint64_t length = 0;
    const std::string declared = req.get_header_value("Content-Length");
    const auto [end, error] =
        std::from_chars(declared.data(), declared.data() + declared.size(), length);
    if (!declared.empty() && (error != std::errc() || end != declared.data() + declared.size())) {
      return refuse(400, "Content-Length is not a number");
    }
    if (length > limit) {
      return refuse(
          413, core::StrCat("the body is ", length, " bytes; at most ", limit, " are accepted"));
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  if (o.metrics != nullptr) {
    listener->ready_gauge_ = &prometheus::BuildGauge()
                                  .Name("herald_ready")
                                  .Help(
                                      "1 while this heraldd takes work (what /readyz says), 0 "
                                      "while it starts or drains")
                                  .Register(*o.metrics)
                                  .Add({});
    ServeOperations(server, listener->ready_, o);
  }
  if (o.api != nullptr) ServeApi(server, *o.api);
  if (!o.console_dir.empty()) ServeConsole(server, o.console_dir);

  for (const HttpRoute& route : o.routes) {
    auto handler = [&route](const httplib::Request& req, httplib::Response& res) {
      tracking::ReceiptRequest request;
      request.body = req.body;
      request.path = req.path;
      for (const auto& [name, value] : req.params) request.query[name] = value;
      for (auto& [name, value] : LowerCaseHeaders(req)) request.headers[name] = std::move(value);
      tracking::ReceiptReply reply = route.handle(request);
      res.status = reply.status;
      for (const auto& [name, value] : reply.headers) res.set_header(name, value);
      res.set_content(reply.body, reply.content_type);
    };
    if (route.method == HttpRoute::Method::kGet) {
      server.Get(route.path, handler);
    } else {
      server.Post(route.path, handler);
    }
  }

  if (o.port == 0) {
    listener->port_ = server.bind_to_any_port(o.host);
  } else {
    listener->port_ = server.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (listener->port_ <= 0) {
    return absl::UnavailableError(core::StrCat("http: cannot listen on ", o.host, ":", o.port,
                                               " (in use, or not an address of this machine)"));
  }
  HttpListener* self = listener.get();
  listener->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return listener;
}

HttpListener::~HttpListener() { Stop(); }

void HttpListener::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace herald::api
