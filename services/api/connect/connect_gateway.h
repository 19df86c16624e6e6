#pragma once

#include <grpcpp/channel.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace google::protobuf {
class MethodDescriptor;
}

namespace herald::api::connect {

/// An HTTP request for an RPC: POST /herald.v1.Service/Method.
struct HttpCall {
  std::string path;
  /// Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;
  /// The names of a client certificate that verified (mTLS); empty without one.
  std::vector<std::string> certificate_identities;
};

/// A complete answer.
struct HttpAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
};

/// The body of a server-streaming answer (HTTP status 200), produced as the RPC's
/// messages arrive.
class HttpStream {
 public:
  enum class Next { kData, kIdle, kEnd };
  virtual ~HttpStream() = default;
  virtual std::string_view content_type() const = 0;
  /// The RPC's leading metadata, sent as HTTP headers before the body.
  virtual std::vector<std::pair<std::string, std::string>> headers() const = 0;
  /// Waits at most `wait` for the next part of the body: kData with it appended to
  /// `out`, kIdle when none came (the caller checks its client is still there), kEnd
  /// when the body is complete.
  virtual Next Read(std::string& out, std::chrono::milliseconds wait) = 0;
  /// The client went away: ends the RPC. Read then soon returns kEnd.
  virtual void Cancel() = 0;
};

/// Serves every method of the given gRPC services over HTTP/1.1 in the Connect protocol
/// (connectrpc.com/docs/protocol): unary calls as POST with a JSON or binary protobuf
/// body, server streams as enveloped messages. Each call is made to heraldd's own gRPC
/// server through an in-process channel, so it passes the same authentication, roles,
/// validation, audit trail and metrics as a gRPC call, and fails with the same codes
/// and messages. Routes come from the services' descriptors, never one per method.
class ConnectGateway {
 public:
  /// `services`: full names ("herald.v1.ProfileService") of services linked in.
  ConnectGateway(const std::vector<std::string>& services, prometheus::Registry& registry);
  ConnectGateway(const ConnectGateway&) = delete;
  ConnectGateway& operator=(const ConnectGateway&) = delete;

  /// Calls go to this channel from now on; until then they fail UNAVAILABLE.
  void Attach(std::shared_ptr<grpc::Channel> channel);

  /// The secret the gateway sends with each call so that the server believes the client
  /// certificate names it forwards (a gRPC client cannot know it).
  const std::string& key() const { return key_; }
  static constexpr std::string_view kKeyHeader = "x-herald-gateway";
  static constexpr std::string_view kCertificateHeader = "x-herald-client-certificate";

  /// Whether `path` names a method served here.
  bool Serves(std::string_view path) const;

  /// Answers the call: at once for a unary method or any error, as a stream for a
  /// server-streaming one. Blocks until a unary call is done.
  std::variant<HttpAnswer, std::unique_ptr<HttpStream>> Handle(const HttpCall& call);

  /// The longest a call may take when the client sets no Connect-Timeout-Ms (unary), or
  /// no limit at all (streams end when the client leaves or heraldd stops).
  static constexpr std::chrono::seconds kDefaultTimeout{60};
  /// Streams open at once; each holds one of the HTTP listener's threads.
  static constexpr int kMaxStreams = 32;

 private:
  std::shared_ptr<grpc::Channel> channel() const;
  void Count(std::string_view method, std::string_view code);

  std::map<std::string, const google::protobuf::MethodDescriptor*, std::less<>> methods_;
  std::string key_;
  prometheus::Family<prometheus::Counter>& requests_;
  mutable std::mutex mutex_;
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<std::atomic<int>> open_streams_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace herald::api::connect
