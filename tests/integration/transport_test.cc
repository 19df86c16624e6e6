// heraldd's listeners over real TLS, with certificates the test makes: gRPC with and
// without client certificates, the HTTP listeners' certificates replaced on SIGHUP
// while connections stay open, /metrics behind a credential, the minimum TLS version,
// the body limit, and the refusal to serve plain TCP off loopback.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "herald/v1/template_service.grpc.pb.h"
#include "tests/integration/heraldd_process.h"
#include "tests/support/bearer_channel.h"
#include "tests/support/built_binary.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;

constexpr std::chrono::seconds kLimit{30};  // a bound for a broken build, not a timing

// A TCP connection to 127.0.0.1:port, closed when it goes.
class Socket {
 public:
  explicit Socket(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{.tv_sec = kLimit.count(), .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Socket() { close(fd_); }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // What arrives until it holds `needle`, the peer closes, or the bound passes.
  std::string ReceiveUntil(const std::string& needle) {
    std::string out;
    char buffer[4096];
    ssize_t n = 0;
    while (out.find(needle) == std::string::npos && (n = recv(fd_, buffer, sizeof buffer, 0)) > 0) {
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// One TLS connection held open by the test, to send requests on it over time.
class TlsConnection {
 public:
  TlsConnection(int port, const std::string& ca_file) : socket_(port) {
    context_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(context_, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(context_);
    SSL_set_fd(ssl_, socket_.fd());
    SSL_set1_host(ssl_, "localhost");
    ok_ = socket_.connected() && SSL_connect(ssl_) == 1;
  }
  ~TlsConnection() {
    SSL_free(ssl_);
    SSL_CTX_free(context_);
  }
  bool ok() const { return ok_; }
  // The CN of the certificate the server showed on this connection.
  std::string PeerName() const {
    X509* cert = SSL_get0_peer_certificate(ssl_);
    if (cert == nullptr) return "";
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
    return name;
  }
  // Sends one keep-alive request, reads its whole response (by its Content-Length) and
  // returns the status line.
  std::string Request(const std::string& request) {
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) return "";
    std::string response;
    char buffer[4096];
    size_t end = std::string::npos;
    size_t length = 0;
    while (end == std::string::npos || response.size() < end + 4 + length) {
      const int n = SSL_read(ssl_, buffer, sizeof buffer);
      if (n <= 0) return "";
      response.append(buffer, static_cast<size_t>(n));
      end = response.find("\r\n\r\n");
      const size_t at = response.find("Content-Length: ");
      if (at != std::string::npos) length = std::stoul(response.substr(at + 16));
    }
    return response.substr(0, response.find("\r\n"));
  }

 private:
  Socket socket_;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
};

// The CN a new TLS connection to the port is shown.
std::string ServerName(int port, const std::string& ca) {
  TlsConnection connection(port, ca);
  return connection.ok() ? connection.PeerName() : "";
}

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.MakeServer("herald-a");
    pki_.MakeServer("herald-b");
    pki_.MakeClient("ops-client");
    pki_.MakeClient("stranger", /*from_other_ca=*/true);
    pki_.MakeClient("unmapped");
    Install("herald-a");
  }

  // Puts a server certificate where heraldd's config points (server.pem, server.key).
  void Install(const std::string& name) {
    for (const char* ext : {".pem", ".key"}) {
      std::filesystem::copy_file(pki_.Path(name + ext), dir_.File(std::string("server") + ext),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }

  std::string Tls(const std::string& extra = "") const {
    return "{cert_file: " + dir_.File("server.pem") + ", key_file: " + dir_.File("server.key") +
           extra + "}";
  }

  void Start(const std::string& server_yaml, const std::string& auth_yaml = "") {
    heraldd_ = std::make_unique<HeralddProcess>(
        dir_.path().string(), dir_.File("herald.db"),
        "server:\n" + server_yaml + "auth:\n  admin_token_file: " + dir_.File("admin.token") +
            "\n" + auth_yaml);
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
  }

  void TearDown() override {
    if (heraldd_ != nullptr) {
      EXPECT_EQ(heraldd_->Stop(), 0);
    }
  }

  // A channel trusting the test CA, with a client certificate when `client` is named.
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& client = "") {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = pki_.Read("ca.pem");
    if (!client.empty()) {
      options.pem_cert_chain = pki_.Read(client + ".pem");
      options.pem_private_key = pki_.Read(client + ".key");
    }
    return BearerChannel("127.0.0.1:" + std::to_string(heraldd_->grpc_port()),
                         heraldd_->admin_token(), grpc::SslCredentials(options));
  }

  static grpc::Status ListTemplates(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = v1::TemplateService::NewStub(channel);
    v1::ListTemplatesResponse response;
    return stub->ListTemplates(Context().get(), v1::ListTemplatesRequest(), &response);
  }

  TempDir dir_;
  TestPki pki_{dir_.path().string()};
  std::unique_ptr<HeralddProcess> heraldd_;
};

TEST_F(TransportTest, GrpcOverTlsServesAClientThatTrustsItsCaAndNoPlaintextClient) {
  Start("  grpc: {listen: 127.0.0.1:0, tls: " + Tls() +
        "}\n  http_listen: 127.0.0.1:0\n  public: {listen: 127.0.0.1:0}\n");
  EXPECT_THAT(heraldd_->process().Stderr(), HasSubstr("protocol=grpc"));
  EXPECT_THAT(heraldd_->process().Stderr(), HasSubstr("tls=on mtls=off"));
  grpc::Status over_tls = ListTemplates(TlsChannel());
  EXPECT_TRUE(over_tls.ok()) << over_tls.error_message();
  grpc::Status plain = ListTemplates(heraldd_->Channel());
  EXPECT_EQ(plain.error_code(), grpc::StatusCode::UNAVAILABLE) << plain.error_message();

  // A client that does not trust the test CA does not get in either.
  grpc::SslCredentialsOptions other;
  other.pem_root_certs = pki_.Read("other-ca.pem");
  grpc::Status untrusted =
      ListTemplates(BearerChannel("127.0.0.1:" + std::to_string(heraldd_->grpc_port()),
                                  heraldd_->admin_token(), grpc::SslCredentials(other)));
  EXPECT_EQ(untrusted.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportTest, MutualTlsRefusesAClientWithoutACertificateOrWithOneFromAnotherCa) {
  Start("  grpc: {listen: 127.0.0.1:0, tls: " + Tls(", client_ca_file: " + pki_.ca()) +
        "}\n  http_listen: 127.0.0.1:0\n  public: {listen: 127.0.0.1:0}\n");
  EXPECT_THAT(heraldd_->process().Stderr(), HasSubstr("tls=on mtls=required"));
  grpc::Status known = ListTemplates(TlsChannel("ops-client"));
  EXPECT_TRUE(known.ok()) << known.error_message();
  EXPECT_EQ(ListTemplates(TlsChannel()).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ListTemplates(TlsChannel("stranger")).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportTest, HeraldctlSpeaksTlsWithACaFileAndMutualTlsWithACertificate) {
  Start("  grpc: {listen: 127.0.0.1:0, tls: " + Tls(", client_ca_file: " + pki_.ca()) +
        "}\n  http_listen: 127.0.0.1:0\n  public: {listen: 127.0.0.1:0}\n");
  const std::vector<std::string> ctl = {BuiltBinary(HERALDCTL_PATH), "--address",
                                        heraldd_->grpc_target(), "--token",
                                        heraldd_->admin_token()};
  auto run = [&ctl](std::vector<std::string> args) {
    args.insert(args.begin(), ctl.begin(), ctl.end());
    return RunToExit(std::move(args));
  };
  RunResult mutual = run({"--ca-file", pki_.ca(), "--cert-file", pki_.Path("ops-client.pem"),
                          "--key-file", pki_.Path("ops-client.key"), "template", "list"});
  EXPECT_EQ(mutual.exit_code, 0) << mutual.err;
  RunResult no_certificate = run({"--ca-file", pki_.ca(), "template", "list"});
  EXPECT_EQ(no_certificate.exit_code, 3) << no_certificate.err;
  RunResult plain = run({"template", "list"});
  EXPECT_EQ(plain.exit_code, 3) << plain.err;
}

TEST_F(TransportTest, AClientCertificateGivenARoleCallsWithoutAToken) {
  Start("  grpc: {listen: 127.0.0.1:0, tls: " + Tls(", client_ca_file: " + pki_.ca()) +
            "}\n  http_listen: 127.0.0.1:0\n  public: {listen: 127.0.0.1:0}\n",
        "  certificates: {ops-client: viewer}\n");
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = pki_.Read("ca.pem");
  options.pem_cert_chain = pki_.Read("ops-client.pem");
  options.pem_private_key = pki_.Read("ops-client.key");
  auto viewer = BearerChannel("127.0.0.1:" + std::to_string(heraldd_->grpc_port()), "",
                              grpc::SslCredentials(options));
  grpc::Status read = ListTemplates(viewer);
  EXPECT_TRUE(read.ok()) << read.error_message();
  auto stub = v1::TemplateService::NewStub(viewer);
  v1::DeleteTemplateRequest remove;
  remove.set_name("order-shipped");
  v1::DeleteTemplateResponse removed;
  grpc::Status denied = stub->DeleteTemplate(Context().get(), remove, &removed);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(denied.error_message(), HasSubstr("cert:ops-client has viewer"));

  // A certificate from the CA without a role of its own needs a token.
  options.pem_cert_chain = pki_.Read("unmapped.pem");
  options.pem_private_key = pki_.Read("unmapped.key");
  grpc::Status unmapped = ListTemplates(BearerChannel(
      "127.0.0.1:" + std::to_string(heraldd_->grpc_port()), "", grpc::SslCredentials(options)));
  EXPECT_EQ(unmapped.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(unmapped.error_message(),
              HasSubstr("client certificate unmapped is not given a role (auth.certificates)"));
}

TEST_F(TransportTest, NothingOlderThanTls12IsSpoken) {
  Start("  grpc: {listen: 127.0.0.1:0, tls: " + Tls() +
        "}\n  http_listen: 127.0.0.1:0\n  public: {listen: 127.0.0.1:0, tls: " + Tls() + "}\n");
  for (int port : {heraldd_->grpc_port(), heraldd_->public_port()}) {
    const std::string address = "127.0.0.1:" + std::to_string(port);
    // SECLEVEL=0: this client would speak TLS 1.1, so a refusal is the server's.
    RunResult old = RunToExit({"/usr/bin/openssl", "s_client", "-connect", address, "-tls1_1",
                               "-cipher", "DEFAULT:@SECLEVEL=0", "-CAfile", pki_.ca()});
    EXPECT_NE(old.exit_code, 0) << address << " spoke TLS 1.1:\n" << old.out;
    EXPECT_THAT(old.out, HasSubstr("no peer certificate available")) << address;
    RunResult current = RunToExit({"/usr/bin/openssl", "s_client", "-connect", address, "-tls1_2",
                                   "-CAfile", pki_.ca(), "-verify_return_error"});
    // (The exit code says little: gRPC may close the connection the moment the
    // handshake is done and no HTTP/2 follows.)
    EXPECT_THAT(current.out, HasSubstr("New, TLSv1.2, Cipher is ECDHE-ECDSA")) << address;
    EXPECT_THAT(current.out, HasSubstr("Verification: OK")) << address;
  }
}

TEST_F(TransportTest, SighupGivesTheHttpListenersANewCertificateWithoutDroppingConnections) {
  Start(
      "  grpc_listen: 127.0.0.1:0\n  http_listen: 127.0.0.1:0\n  public: {listen: "
      "127.0.0.1:0, tls: " +
      Tls() + "}\n");
  const int port = heraldd_->public_port();
  TlsConnection held(port, pki_.ca());
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held.PeerName(), "herald-a");
  const std::string request =
      "POST /receipts/sms HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}";
  EXPECT_EQ(held.Request(request), "HTTP/1.1 401 Unauthorized") << "unsigned";

  Install("herald-b");
  heraldd_->process().Signal(SIGHUP);
  ASSERT_TRUE(heraldd_->process().WaitForLine("certificate reloaded", kLimit))
      << heraldd_->process().Stderr();
  EXPECT_EQ(ServerName(port, pki_.ca()), "herald-b");
  EXPECT_EQ(held.Request(request), "HTTP/1.1 401 Unauthorized") << "the open connection goes on";
  EXPECT_EQ(held.PeerName(), "herald-a");

  // A key that is not the certificate's: refused, and the certificate in use stays.
  std::filesystem::copy_file(pki_.Path("herald-a.key"), dir_.File("server.key"),
                             std::filesystem::copy_options::overwrite_existing);
  heraldd_->process().Signal(SIGHUP);
  std::optional<std::string> refused =
      heraldd_->process().WaitForLine("certificate not reloaded", kLimit);
  ASSERT_TRUE(refused);
  EXPECT_THAT(*refused, HasSubstr("is not the key of the certificate in"));
  EXPECT_EQ(ServerName(port, pki_.ca()), "herald-b");
}

TEST_F(TransportTest, GrpcTakesANewCertificateWhenItsFilesChangeAndOpenChannelsGoOn) {
  Start("  grpc: {listen: 127.0.0.1:0, tls: " + Tls() +
        "}\n  http_listen: 127.0.0.1:0\n  public: {listen: 127.0.0.1:0}\n");
  auto channel = TlsChannel();
  ASSERT_TRUE(ListTemplates(channel).ok());
  EXPECT_EQ(ServerName(heraldd_->grpc_port(), pki_.ca()), "herald-a");
  Install("herald-b");
  EXPECT_TRUE(
      WaitFor([&] { return ServerName(heraldd_->grpc_port(), pki_.ca()) == "herald-b"; }, kLimit));
  grpc::Status after = ListTemplates(channel);
  EXPECT_TRUE(after.ok()) << after.error_message();
}

TEST_F(TransportTest, MetricsOverTlsAnswerOnlyAClientCertificateOrABearerToken) {
  Start("  grpc_listen: 127.0.0.1:0\n  http: {listen: 127.0.0.1:0, tls: " +
        Tls(", client_ca_file: " + pki_.ca() + ", require_client_cert: false") +
        "}\n  public: {listen: 127.0.0.1:0}\n");
  httplib::SSLClient anonymous("127.0.0.1", heraldd_->http_port());
  anonymous.set_ca_cert_path(pki_.ca().c_str());
  anonymous.enable_server_certificate_verification(true);
  anonymous.set_connection_timeout(kLimit);
  auto healthz = anonymous.Get("/healthz");
  ASSERT_TRUE(healthz) << "probes need no credential";
  EXPECT_EQ(healthz->status, 200);
  auto refused = anonymous.Get("/metrics");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_THAT(refused->body, HasSubstr("no credentials"));

  auto with_token =
      anonymous.Get("/metrics", {{"Authorization", "Bearer " + heraldd_->admin_token()}});
  ASSERT_TRUE(with_token);
  EXPECT_EQ(with_token->status, 200);
  EXPECT_THAT(with_token->body, HasSubstr("herald_build_info"));

  httplib::SSLClient with_cert("127.0.0.1", heraldd_->http_port(), pki_.Path("ops-client.pem"),
                               pki_.Path("ops-client.key"));
  with_cert.set_ca_cert_path(pki_.ca().c_str());
  with_cert.enable_server_certificate_verification(true);
  auto scraped = with_cert.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->status, 200);
  EXPECT_THAT(scraped->body, HasSubstr("herald_auth_refused_total{method=\"Metrics.Scrape\""));
}

TEST_F(TransportTest, AClientCertificateGivenARoleCallsTheJsonApiWithoutAToken) {
  Start("  grpc_listen: 127.0.0.1:0\n  http: {listen: 127.0.0.1:0, tls: " +
            Tls(", client_ca_file: " + pki_.ca() + ", require_client_cert: false") +
            "}\n  public: {listen: 127.0.0.1:0}\n",
        "  certificates: {ops-client: viewer}\n");
  httplib::SSLClient viewer("127.0.0.1", heraldd_->http_port(), pki_.Path("ops-client.pem"),
                            pki_.Path("ops-client.key"));
  viewer.set_ca_cert_path(pki_.ca().c_str());
  viewer.enable_server_certificate_verification(true);
  auto listed = viewer.Post("/herald.v1.TemplateService/ListTemplates", "{}", "application/json");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200) << listed->body;
  auto removed = viewer.Post("/herald.v1.TemplateService/DeleteTemplate",
                             R"({"name": "order-shipped"})", "application/json");
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 403);
  EXPECT_THAT(removed->body, HasSubstr("cert:ops-client has viewer"));

  httplib::SSLClient anonymous("127.0.0.1", heraldd_->http_port());
  anonymous.set_ca_cert_path(pki_.ca().c_str());
  anonymous.enable_server_certificate_verification(true);
  auto refused =
      anonymous.Post("/herald.v1.TemplateService/ListTemplates", "{}", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
}

TEST_F(TransportTest, AnOversizedBodyIsRefusedBeforeItIsRead) {
  Start(
      "  grpc_listen: 127.0.0.1:0\n  http_listen: 127.0.0.1:0\n"
      "  public: {listen: 127.0.0.1:0}\n  max_body_bytes: 65536\n");
  {
    // 100 MB announced, 1 KB sent: the answer comes without the rest.
    Socket socket(heraldd_->public_port());
    ASSERT_TRUE(socket.connected());
    ASSERT_TRUE(
        socket.Send("POST /receipts/sms HTTP/1.1\r\nHost: localhost\r\n"
                    "Content-Length: 104857600\r\n\r\n" +
                    std::string(1024, 'x')));
    const std::string response = socket.ReceiveUntil("accepted\n");
    EXPECT_THAT(response, HasSubstr("HTTP/1.1 413"));
    EXPECT_THAT(response, HasSubstr("the body is 104857600 bytes; at most 65536 are accepted"));
  }
  {
    Socket socket(heraldd_->public_port());
    ASSERT_TRUE(
        socket.Send("POST /receipts/sms HTTP/1.1\r\nHost: localhost\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n400\r\n" +
                    std::string(1024, 'x')));
    EXPECT_THAT(socket.ReceiveUntil("refused)\n"), HasSubstr("HTTP/1.1 411"));
  }
}

TEST_F(TransportTest, PlainTcpOffLoopbackIsRefusedAtStartUnlessMarkedInsecure) {
  const std::string config = dir_.File("open.yaml");
  std::ofstream(config) << "server:\n  grpc_listen: 0.0.0.0:50051\n";
  RunResult refused = RunToExit({BuiltBinary(HERALDD_PATH), "--config", config});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("server.grpc: 0.0.0.0:50051 is not a loopback address and "
                                     "has no TLS"));
  // Marked insecure, it is accepted and warned about (here the address is not this
  // machine's, so the start ends there: no test listens off loopback).
  std::ofstream(config) << "server:\n  grpc: {listen: 192.0.2.1:50051, insecure: true}\n"
                        << "  http_listen: 127.0.0.1:0\n  public: {listen: 127.0.0.1:0}\n"
                        << "store: {sqlite: {path: " << dir_.File("x.db") << "}}\n"
                        << "auth: {admin_token_file: \"\"}\n";
  RunResult warned = RunToExit({BuiltBinary(HERALDD_PATH), "--config", config});
  EXPECT_THAT(warned.err, HasSubstr("plain TCP off loopback (insecure: true)"));
  EXPECT_THAT(warned.err, HasSubstr("listener=grpc address=192.0.2.1:50051"));
}

}  // namespace
}  // namespace herald::testing
