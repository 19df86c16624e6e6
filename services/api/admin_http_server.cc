#include "services/api/admin_http_server.h"

#include <httplib.h>
#include <prometheus/text_serializer.h>

#include "services/core/strings.h"

namespace herald::api {

absl::StatusOr<std::unique_ptr<AdminHttpServer>> AdminHttpServer::Start(
    const std::string& host, int port, std::shared_ptr<prometheus::Registry> registry,
    std::vector<PostRoute> routes) {
  std::unique_ptr<AdminHttpServer> admin(new AdminHttpServer());
  admin->registry_ = std::move(registry);
  admin->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *admin->server_;
  AdminHttpServer* self = admin.get();

  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server.Get("/readyz", [self](const httplib::Request&, httplib::Response& res) {
    if (self->ready_.load()) {
      res.set_content("ready\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("not ready\n", "text/plain");
    }
  });
  server.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    prometheus::TextSerializer serializer;
    res.set_content(serializer.Serialize(self->registry_->Collect()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });

  for (PostRoute& route : routes) {
    server.Post(route.path, [handle = std::move(route.handle)](const httplib::Request& req,
                                                               httplib::Response& res) {
      tracking::ReceiptRequest request;
      request.body = req.body;
      for (const auto& [name, value] : req.headers) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers[lower] = value;
      }
      tracking::ReceiptReply reply = handle(request);
      res.status = reply.status;
      res.set_content(reply.body, "text/plain");
    });
  }

  if (port == 0) {
    admin->port_ = server.bind_to_any_port(host);
  } else {
    admin->port_ = server.bind_to_port(host, port) ? port : -1;
  }
  if (admin->port_ <= 0) {
    return absl::UnavailableError(core::StrCat("http: cannot listen on ", host, ":", port,
                                               " (in use, or not an address of this machine)"));
  }
  admin->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return admin;
}

AdminHttpServer::~AdminHttpServer() { Stop(); }

void AdminHttpServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace herald::api
