#include "connectors/connector.h"

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

}  // namespace herald::connectors
