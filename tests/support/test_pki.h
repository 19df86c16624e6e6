#pragma once

#include <string>
#include <vector>

namespace herald::testing {

/// Certificates made for one test by the openssl tool, in a directory of the test's:
/// a CA, server certificates for 127.0.0.1 and localhost, and client certificates from
/// that CA and from another one. ECDSA P-256, valid for two days.
class TestPki {
 public:
  /// Makes the CAs ("ca", "other-ca") in `dir`. Fails the test if openssl fails.
  explicit TestPki(std::string dir);

  /// `name`.pem and `name`.key: a server certificate (CN=`name`) from the CA.
  void MakeServer(const std::string& name);
  /// `name`.pem and `name`.key: a client certificate (CN=`name`) from the CA, or from
  /// the other CA.
  void MakeClient(const std::string& name, bool from_other_ca = false);

  std::string Path(const std::string& file) const { return dir_ + "/" + file; }
  std::string ca() const { return Path("ca.pem"); }
  /// A file's contents.
  std::string Read(const std::string& file) const;

 private:
  void Openssl(std::vector<std::string> args);
  void Sign(const std::string& name, const std::string& ca, const std::string& extensions);

  std::string dir_;
};

}  // namespace herald::testing
