#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/notification.h"

namespace herald::dispatch {

/// What the stage that queued a notification had at hand for rendering it (the event
/// as it was decoded), so that rendering it soon after need not read it back. Made by
/// the renderer, opaque to the dispatcher.
class RenderHint {
 public:
  virtual ~RenderHint() = default;
};

/// A notification its decision queued just now (recorded QUEUED, due at once), handed
/// to the dispatcher in memory rather than listed from the store.
struct Queued {
  core::Notification notification;
  /// Null: rendering reads what it needs.
  std::shared_ptr<const RenderHint> hint;
};

/// One notification to render, with its hint when it came with one.
struct RenderInput {
  const core::Notification* notification = nullptr;
  const RenderHint* hint = nullptr;
};

/// What the dispatcher asks of rendering: each notification's message on the channel it
/// is about to be handed off on, rendered then and only for that channel.
class Renderer {
 public:
  virtual ~Renderer() = default;
  /// For each notification (QUEUED, its channel set), its message, or why it cannot be
  /// rendered (it then moves on to its next channel, or fails), unless the reason is
  /// one that passes (RenderLater).
  virtual std::vector<absl::StatusOr<core::RenderedMessage>> Render(
      const std::vector<RenderInput>& inputs, core::Time now) = 0;
};

/// Whether a render failure is not the notification's but of what rendering reads (the
/// store unavailable, a transaction aborted, a deadline, a full disk): it stays QUEUED
/// and is rendered again later.
inline bool RenderLater(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsAborted(status) ||
         absl::IsDeadlineExceeded(status) || absl::IsResourceExhausted(status) ||
         absl::IsCancelled(status);
}

}  // namespace herald::dispatch
