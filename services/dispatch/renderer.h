#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/notification.h"

namespace herald::dispatch {

/// What the dispatcher asks of rendering: each notification's message on the channel it
/// is about to be handed off on, rendered then and only for that channel.
class Renderer {
 public:
  virtual ~Renderer() = default;
  /// For each notification (QUEUED, its channel set), its message, or why it cannot be
  /// rendered (it then moves on to its next channel, or fails).
  virtual std::vector<absl::StatusOr<core::RenderedMessage>> Render(
      const std::vector<const core::Notification*>& notifications, core::Time now) = 0;
};

}  // namespace herald::dispatch
