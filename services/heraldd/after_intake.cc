#include "services/heraldd/after_intake.h"

#include <utility>
#include <vector>

namespace herald::heraldd {

void HandOnRecorded(ingest::Recorded recorded, compose::Composer& composer,
                    dispatch::Dispatcher* dispatcher, policy::Releaser* releaser) {
  for (const ingest::AcceptedEvent& e : recorded.events) composer.Accepted(e.seq, e.message);
  if (dispatcher != nullptr && !recorded.queued_notifications.empty()) {
    std::vector<dispatch::Queued> queued;
    queued.reserve(recorded.queued_notifications.size());
    for (ingest::QueuedNotification& q : recorded.queued_notifications) {
      std::shared_ptr<const dispatch::RenderHint> hint =
          composer.Hint(q.notification.event_seq, std::move(q.profile));
      queued.push_back({std::move(q.notification), std::move(hint)});
    }
    dispatcher->Offer(std::move(queued));
  }
  if (releaser != nullptr && recorded.deferred) releaser->Wake();
}

}  // namespace herald::heraldd
