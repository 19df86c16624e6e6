#include "services/api/connect/connect_gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>
#include <openssl/rand.h>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <future>

#include "services/api/connect/connect_codec.h"
#include "services/core/strings.h"

namespace herald::api::connect {
namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

// Messages a stream holds for a client that reads slowly before it stops reading from
// the server; the server's own stream then waits.
constexpr size_t kStreamBuffer = 16;

std::string_view Header(const HttpCall& call, const std::string& name) {
  auto it = call.headers.find(name);
  return it == call.headers.end() ? std::string_view() : std::string_view(it->second);
}

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

absl::Status ToAbsl(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

bool PrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The response message, re-encoded for the client.
absl::StatusOr<std::string> Reencode(const MethodDescriptor& method, Codec codec,
                                     const grpc::ByteBuffer& buffer) {
  std::string bytes = FromBuffer(buffer);
  if (codec == Codec::kProto) return bytes;
  std::unique_ptr<Message> response = NewMessage(method.output_type());
  if (!response->ParseFromString(bytes)) {
    return absl::InternalError(
        core::StrCat("the server's answer is not a ", method.output_type()->full_name()));
  }
  return Encode(codec, *response);
}

// One server-streaming call: gRPC's reactor on one side, the HTTP body on the other.
class GatewayStream final : public HttpStream,
                            public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  GatewayStream(const MethodDescriptor& method, ContentType type,
                std::shared_ptr<std::atomic<int>> open,
                std::function<void(absl::StatusCode)> on_done)
      : method_(method), type_(type), open_(std::move(open)), on_done_(std::move(on_done)) {}

  ~GatewayStream() override {
    context_.TryCancel();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return done_; });
    open_->fetch_sub(1);
  }

  grpc::ClientContext& context() { return context_; }

  void Start(grpc::GenericStub& stub, const std::string& path, const std::string& request) {
    request_ = ToBuffer(request);
    stub.PrepareBidiStreamingCall(&context_, path, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    reading_ = true;
    StartRead(&incoming_);
    StartCall();
  }

  std::string_view content_type() const override { return Name(type_); }

  // Blocks until the server has sent its leading metadata, or ended the call.
  std::vector<std::pair<std::string, std::string>> headers() const override {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return metadata_ || done_; });
    std::vector<std::pair<std::string, std::string>> out;
    if (!metadata_) return out;
    for (const auto& [key, value] : context_.GetServerInitialMetadata()) {
      const std::string_view name(key.data(), key.size());
      if (name.starts_with("grpc-") || name.ends_with("-bin")) continue;
      out.emplace_back(name, std::string(value.data(), value.size()));
    }
    return out;
  }

  void OnReadInitialMetadataDone(bool ok) override {
    {
      std::lock_guard lock(mutex_);
      metadata_ = ok;
    }
    changed_.notify_all();
  }

  Next Read(std::string& out, std::chrono::milliseconds wait) override {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, wait, [this] { return !ready_.empty() || (done_ && !ended_); });
    if (!ready_.empty()) {
      out.append(ready_.front());
      ready_.pop_front();
      const bool resume = !reading_ && !done_;
      if (resume) reading_ = true;
      lock.unlock();
      if (resume) StartRead(&incoming_);
      return Next::kData;
    }
    if (done_ && !ended_) {
      ended_ = true;
      out.append(Envelope(EndStreamJson(status_), /*end_of_stream=*/true));
      return Next::kData;
    }
    return ended_ ? Next::kEnd : Next::kIdle;
  }

  void Cancel() override { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone says how
    absl::StatusOr<std::string> message = Reencode(method_, type_.codec, incoming_);
    bool more = false;
    {
      std::lock_guard lock(mutex_);
      if (!message.ok()) {
        failure_ = message.status();
      } else {
        ready_.push_back(Envelope(*message));
        more = ready_.size() < kStreamBuffer;
      }
      reading_ = more;
    }
    changed_.notify_all();
    if (!message.ok()) {
      context_.TryCancel();
    } else if (more) {
      StartRead(&incoming_);
    }
  }

  void OnDone(const grpc::Status& status) override {
    absl::StatusCode code;
    {
      std::lock_guard lock(mutex_);
      status_ = failure_.ok() ? ToAbsl(status) : failure_;
      code = status_.code();
      done_ = true;
    }
    on_done_(code);
    changed_.notify_all();
  }

 private:
  const MethodDescriptor& method_;
  const ContentType type_;
  std::shared_ptr<std::atomic<int>> open_;
  std::function<void(absl::StatusCode)> on_done_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer incoming_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool metadata_ = false;
  std::deque<std::string> ready_;
  bool reading_ = false;
  bool done_ = false;
  bool ended_ = false;
  absl::Status status_;
  absl::Status failure_;
};

}  // namespace

ConnectGateway::ConnectGateway(const std::vector<std::string>& services,
                               prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("herald_connect_requests_total")
                    .Help("JSON/HTTP (Connect) API calls answered, by method and Connect code; "
                          "those that reached a method are also in herald_grpc_requests_total")
                    .Register(registry)) {
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      if (method->client_streaming()) continue;  // not over HTTP/1.1
      methods_.emplace(core::StrCat("/", service->full_name(), "/", method->name()), method);
    }
  }
  unsigned char secret[32];
  if (RAND_bytes(secret, sizeof(secret)) != 1) std::abort();  // no randomness: nothing is safe
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char byte : secret) {
    key_.push_back(kHex[byte >> 4]);
    key_.push_back(kHex[byte & 0xf]);
  }
}

void ConnectGateway::Attach(std::shared_ptr<grpc::Channel> channel) {
  std::lock_guard lock(mutex_);
  channel_ = std::move(channel);
}

std::shared_ptr<grpc::Channel> ConnectGateway::channel() const {
  std::lock_guard lock(mutex_);
  return channel_;
}

bool ConnectGateway::Serves(std::string_view path) const { return methods_.contains(path); }

void ConnectGateway::Count(std::string_view method, std::string_view code) {
  requests_.Add({{"method", std::string(method)}, {"code", std::string(code)}}).Increment();
}

std::variant<HttpAnswer, std::unique_ptr<HttpStream>> ConnectGateway::Handle(const HttpCall& call) {
  auto found = methods_.find(call.path);
  const std::string method_name =
      found == methods_.end()
          ? std::string("unknown")
          : core::StrCat(found->second->service()->name(), ".", found->second->name());
  auto fail = [&](const absl::Status& status, int http_status = 0) {
    Count(method_name, CodeName(status.code()));
    return HttpAnswer{.status = http_status != 0 ? http_status : HttpStatusOf(status.code()),
                      .content_type = "application/json",
                      .body = ErrorJson(status)};
  };
  if (found == methods_.end()) {
    return fail(
        absl::UnimplementedError(core::StrCat(
            call.path, " is not a method here; methods are POST /herald.v1.<Service>/<Method>")),
        404);
  }
  const MethodDescriptor& method = *found->second;
  const bool streaming = method.server_streaming();

  const std::string_view declared = Header(call, "content-type");
  const std::optional<ContentType> type = ParseContentType(declared);
  if (!type.has_value() || type->streaming != streaming) {
    return fail(
        absl::InvalidArgumentError(core::StrCat(
            "Content-Type \"", declared, "\" is not accepted by ", method.full_name(), "; send ",
            streaming ? "application/connect+json or application/connect+proto (a "
                        "server stream)"
                      : "application/json or application/proto")),
        415);
  }
  const std::string_view version = Header(call, "connect-protocol-version");
  if (!version.empty() && version != "1") {
    return fail(absl::InvalidArgumentError(
        core::StrCat("Connect-Protocol-Version \"", version, "\" is not supported; 1 is")));
  }
  for (const std::string& name :
       {std::string("content-encoding"), std::string("connect-content-encoding")}) {
    const std::string_view encoding = Header(call, name);
    if (!encoding.empty() && encoding != "identity") {
      return fail(absl::UnimplementedError(
          core::StrCat(name, " \"", encoding, "\" is not supported; send the body uncompressed")));
    }
  }
  std::optional<std::chrono::milliseconds> timeout;
  if (const std::string_view given = Header(call, "connect-timeout-ms"); !given.empty()) {
    int64_t ms = 0;
    auto [end, error] = std::from_chars(given.data(), given.data() + given.size(), ms);
    if (error != std::errc() || end != given.data() + given.size() || ms <= 0 ||
        given.size() > 10) {
      return fail(absl::InvalidArgumentError(
          core::StrCat("Connect-Timeout-Ms \"", given,
                       "\" is not a positive whole number of at most 10 digits")));
    }
    timeout = std::chrono::milliseconds(ms);
  }
  const std::string_view authorization = Header(call, "authorization");
  if (!PrintableAscii(authorization)) {
    return fail(absl::UnauthenticatedError(
        "the Authorization header holds characters that are not printable ASCII"));
  }

  std::string_view payload = call.body;
  if (streaming) {
    auto single = SingleEnveloped(call.body);
    if (!single.ok()) return fail(single.status());
    payload = *single;
  }
  std::unique_ptr<Message> request = NewMessage(method.input_type());
  if (absl::Status decoded = Decode(type->codec, payload, *request); !decoded.ok()) {
    return fail(decoded);
  }
  std::string request_bytes;
  request->SerializeToString(&request_bytes);

  std::shared_ptr<grpc::Channel> target = channel();
  if (target == nullptr) {
    return fail(absl::UnavailableError("heraldd is starting; try again in a moment"));
  }
  auto prepare = [&](grpc::ClientContext& context) {
    if (!authorization.empty()) context.AddMetadata("authorization", std::string(authorization));
    // A W3C trace follows the call (EventService keeps it with the event).
    if (const std::string_view traceparent = Header(call, "traceparent");
        !traceparent.empty() && PrintableAscii(traceparent)) {
      context.AddMetadata("traceparent", std::string(traceparent));
    }
    if (!call.certificate_identities.empty()) {
      context.AddMetadata(std::string(kKeyHeader), key_);
      for (const std::string& identity : call.certificate_identities) {
        if (PrintableAscii(identity))
          context.AddMetadata(std::string(kCertificateHeader), identity);
      }
    }
    if (timeout.has_value() || !streaming) {
      context.set_deadline(std::chrono::system_clock::now() + timeout.value_or(kDefaultTimeout));
    }
  };
  grpc::GenericStub stub(target);

  if (streaming) {
    if (open_streams_->fetch_add(1) >= kMaxStreams) {
      open_streams_->fetch_sub(1);
      return fail(absl::ResourceExhaustedError(core::StrCat(
          kMaxStreams, " streams are open over HTTP, the most there may be; close one")));
    }
    auto stream = std::make_unique<GatewayStream>(
        method, *type, open_streams_,
        [this, method_name](absl::StatusCode code) { Count(method_name, CodeName(code)); });
    prepare(stream->context());
    stream->Start(stub, call.path, request_bytes);
    return stream;
  }

  grpc::ClientContext context;
  prepare(context);
  const grpc::ByteBuffer in = ToBuffer(request_bytes);
  grpc::ByteBuffer out;
  std::promise<grpc::Status> finished;
  stub.UnaryCall(&context, call.path, grpc::StubOptions(), &in, &out,
                 [&finished](grpc::Status status) { finished.set_value(std::move(status)); });
  const grpc::Status status = finished.get_future().get();
  if (!status.ok()) return fail(ToAbsl(status));
  absl::StatusOr<std::string> body = Reencode(method, type->codec, out);
  if (!body.ok()) return fail(body.status());
  Count(method_name, "ok");
  return HttpAnswer{
      .status = 200, .content_type = std::string(Name(*type)), .body = *std::move(body)};
}

}  // namespace herald::api::connect
