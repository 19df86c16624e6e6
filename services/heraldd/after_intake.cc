#include "services/heraldd/after_intake.h"

#include <map>
#include <utility>
#include <vector>

namespace herald::heraldd {

void HandOnRecorded(ingest::Recorded recorded, compose::Composer& composer,
                    dispatch::Dispatcher* dispatcher, policy::Releaser* releaser) {
  for (const ingest::AcceptedEvent& e : recorded.events) composer.Accepted(e.seq, e.message);
  if (dispatcher != nullptr && !recorded.queued_notifications.empty()) {
    // Only what the lanes have room for: the rest (an audience, a backlog) they list.
    std::map<core::Channel, size_t> room;
    std::vector<dispatch::Queued> queued;
    for (core::Notification& n : recorded.queued_notifications) {
      const core::Channel channel = *n.channel;
      auto [it, added] = room.try_emplace(channel, 0);
      if (added) it->second = dispatcher->OfferRoom(channel);
      if (it->second == 0) continue;
      --it->second;
      std::shared_ptr<const dispatch::RenderHint> hint = composer.Hint(n.event_seq);
      queued.push_back({std::move(n), std::move(hint)});
    }
    dispatcher->Offer(std::move(queued));
  }
  if (releaser != nullptr && recorded.deferred) releaser->Wake();
}

}  // namespace herald::heraldd
