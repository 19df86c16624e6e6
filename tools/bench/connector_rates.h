#pragma once
// The connectors on their own, against what their transport allows.

#include <string>

namespace herald::bench {

/// SMS/s through the SMS connector (libcurl multi, kept-alive connections) into a local
/// provider: `count` sends from as many threads as the connector takes at once.
double SmsConnectorRate(int count, int in_flight);
/// Emails/s through the email connector (a pool of kept connections, MIME built per
/// mail) into `url`, from as many threads as the pool has connections.
double EmailConnectorRate(const std::string& url, int count, int pool);
/// The same mails from a bare libcurl loop: one kept connection per thread, the message
/// built once beforehand. What the connector is compared with.
double BareCurlEmailRate(const std::string& url, int count, int threads);

}  // namespace herald::bench
