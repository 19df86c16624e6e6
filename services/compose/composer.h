#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "herald/v1/event.pb.h"
#include "services/compose/template_cache.h"
#include "services/compose/template_data.h"
#include "services/dispatch/renderer.h"
#include "services/store/store.h"
#include "services/store/template_catalog.h"

namespace herald::compose {

/// Renders a notification for the channel it is about to be handed off on, from the
/// template version it was decided with, the current snippets and the customer's
/// profile. Templates and snippets are compiled once (TemplateCache). Events come from
/// intake as it decoded them (Accepted); only those it no longer holds are read back
/// from the store and decoded again. An event's data is built once per locale and zone
/// it is read in, for every customer it reaches. A notification handed to the
/// dispatcher straight from its decision carries a hint (Hint) that holds its event:
/// rendering it reads only the profile.
class Composer final : public dispatch::Renderer {
 public:
  /// Decodes a recorded event (for those intake did not hand over, e.g. after a
  /// restart).
  using EventReader = std::function<absl::StatusOr<v1::Event>(const store::EventRecord&)>;

  struct Options {
    /// SMS parts allowed for templates that set no maximum.
    int default_max_sms_segments = 3;
    /// For customers without a profile (dates and times).
    std::string default_time_zone = "UTC";
    /// Decoded events kept, newest first.
    size_t events_kept = 4096;
    /// The customer's preference-centre link at the time of rendering (a signed,
    /// expiring one), as preferences_url; unset: none.
    std::function<std::string(std::string_view customer_id, core::Time now)> preferences_url = {};
  };

  Composer(store::EventStore& events, store::ProfileStore& profiles,
           store::TemplateCatalog& templates, EventReader read_event, Options options);

  /// An event intake just recorded, as it decoded it.
  void Accepted(int64_t event_seq, std::shared_ptr<const v1::Event> message);

  /// The event a notification of an event just Accepted is rendered from, held for
  /// it; null when the event is no longer held.
  std::shared_ptr<const dispatch::RenderHint> Hint(int64_t event_seq);

  std::vector<absl::StatusOr<core::RenderedMessage>> Render(
      const std::vector<dispatch::RenderInput>& inputs, core::Time now) override;

 private:
  /// A decoded event with the data built of it so far.
  struct Kept {
    explicit Kept(std::shared_ptr<const v1::Event> m) : message(std::move(m)), data(*message) {}
    std::shared_ptr<const v1::Event> message;
    std::mutex mu;  // for `data`: lanes render at once
    EventDataCache data;
  };

  struct Decided;

  /// The events of these numbers: held, or read back.
  std::unordered_map<int64_t, absl::StatusOr<std::shared_ptr<Kept>>> Events(
      const std::vector<int64_t>& seqs);
  std::shared_ptr<Kept> Keep(int64_t seq, std::shared_ptr<const v1::Event> message);

  store::EventStore& events_;
  store::ProfileStore& profiles_;
  store::TemplateCatalog& templates_;
  const EventReader read_event_;
  const Options options_;

  TemplateCache compiled_;
  std::mutex mu_;
  std::unordered_map<int64_t, std::shared_ptr<Kept>> kept_;
  std::deque<int64_t> kept_order_;
};

}  // namespace herald::compose
