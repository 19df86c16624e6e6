#include "connectors/connector.h"

#include <future>
#include <memory>

namespace herald::connectors {

std::string_view Name(SendOutcome outcome) {
  switch (outcome) {
    case SendOutcome::kAccepted:
      return "ACCEPTED";
    case SendOutcome::kRetryable:
      return "RETRYABLE";
    case SendOutcome::kPermanent:
      return "PERMANENT";
  }
  return "RETRYABLE";
}

SendResult SendAndWait(Connector& connector, Delivery delivery) {
  auto answer = std::make_shared<std::promise<SendResult>>();
  std::future<SendResult> result = answer->get_future();
  connector.Send(std::move(delivery), [answer](SendResult r) { answer->set_value(std::move(r)); });
  return result.get();
}

}  // namespace herald::connectors
