#include "tests/support/test_pki.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "tests/support/subprocess.h"

namespace herald::testing {

TestPki::TestPki(std::string dir) : dir_(std::move(dir)) {
  for (const char* ca : {"ca", "other-ca"}) {
    Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", Path(std::string(ca) + ".key"), "-out", Path(std::string(ca) + ".pem"),
             "-days", "2", "-subj", std::string("/CN=Herald test ") + ca, "-addext",
             "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"});
  }
}

void TestPki::MakeServer(const std::string& name) {
  Sign(name, "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost");
}

void TestPki::MakeClient(const std::string& name, bool from_other_ca) {
  Sign(name, from_other_ca ? "other-ca" : "ca", "extendedKeyUsage=clientAuth");
}

std::string TestPki::Read(const std::string& file) const {
  std::ifstream in(Path(file));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void TestPki::Sign(const std::string& name, const std::string& ca, const std::string& extension) {
  Openssl({"req",
           "-x509",
           "-newkey",
           "ec",
           "-pkeyopt",
           "ec_paramgen_curve:P-256",
           "-nodes",
           "-keyout",
           Path(name + ".key"),
           "-out",
           Path(name + ".pem"),
           "-days",
           "2",
           "-subj",
           "/CN=" + name,
           "-CA",
           Path(ca + ".pem"),
           "-CAkey",
           Path(ca + ".key"),
           "-addext",
           extension,
           "-addext",
           "basicConstraints=critical,CA:FALSE"});
}

void TestPki::Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  RunResult result = RunToExit(args);
  ASSERT_EQ(result.exit_code, 0) << "openssl failed: " << result.err;
}

}  // namespace herald::testing
