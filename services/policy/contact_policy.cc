#include "services/policy/contact_policy.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_join.h"
#include "services/core/strings.h"
#include "services/policy/quiet_hours.h"

namespace herald::policy {
namespace {

using core::Category;
using core::Channel;
using core::DecisionOutcome;
using core::DecisionReason;

std::string ClockTime(int minute) {
  const int h = minute / 60;
  const int m = minute % 60;
  return core::StrCat(h < 10 ? "0" : "", h, ":", m < 10 ? "0" : "", m);
}

bool Active(const core::Suppression& s, core::Time now) {
  return !s.expire_time || *s.expire_time > now;
}

std::string Describe(const core::Suppression& s) {
  std::string text = core::StrCat(core::Name(s.reason), " since ", core::FormatTime(s.create_time));
  if (s.expire_time) core::StrAppend(text, " until ", core::FormatTime(*s.expire_time));
  if (!s.detail.empty()) core::StrAppend(text, " (", s.detail, ")");
  return text;
}

bool HasContent(const core::Template& tmpl, Channel channel) {
  return std::any_of(tmpl.contents.begin(), tmpl.contents.end(),
                     [&](const core::LocalizedContent& c) {
                       return channel == Channel::kEmail ? c.email.has_value() : c.sms.has_value();
                     });
}

// Where a channel stopped, earliest first: can it reach the customer at all (address,
// content), may it (consent), is it blocked (suppression); then "usable". When no
// channel is usable, the one that got furthest names the reason: a refusal on the
// only channel with an address is NO_CONSENT, not NO_CONTACT_ROUTE.
enum Stage { kContact = 0, kContent, kConsent, kChannelSuppression, kUsable };
constexpr std::array<std::string_view, 4> kStageRule = {"contact_data", "template_content",
                                                        "consent", "suppression"};
constexpr std::array<DecisionReason, 4> kStageReason = {
    DecisionReason::kNoContactRoute, DecisionReason::kNoContactRoute, DecisionReason::kNoConsent,
    DecisionReason::kChannelSuppressed};

struct ChannelCheck {
  Channel channel;
  Stage stopped = kUsable;         // the first check it failed
  bool usable_but_consent = true;  // every check but consent passed
  std::string detail;
};

class Evaluation {
 public:
  Evaluation(const PolicyConfig& config, const PolicyInput& in) : config_(config), in_(in) {
    result_.decision.decide_time = in.now;
  }

  const std::vector<core::Notification>& History() const {
    static const std::vector<core::Notification> kNone;
    return in_.history != nullptr ? *in_.history : kNone;
  }

  PolicyResult Run() {
    if (!CheckErased() || !CheckTemplate() || !CheckDuplicate() || !CheckCategorySuppression() ||
        !CheckComplaint() || !CheckChannels()) {
      return std::move(result_);
    }
    Timing();
    CheckPauses();
    return std::move(result_);
  }

 private:
  core::Decision& d() { return result_.decision; }

  void Record(std::string_view rule, bool passed, std::string detail) {
    d().evaluations.push_back({std::string(rule), passed, std::move(detail)});
  }

  bool Suppress(DecisionReason reason, std::string rule, std::string detail) {
    d().outcome = DecisionOutcome::kSuppress;
    d().reason = reason;
    d().rule = std::move(rule);
    d().detail = std::move(detail);
    return false;
  }

  // An erased customer is not contacted, whatever the event carries: their data is
  // gone, and only new contact data with consent from the profiles topic brings them back.
  bool CheckErased() {
    if (in_.profile == nullptr) return true;
    for (const core::Suppression& s : in_.profile->suppressions) {
      if (s.reason != core::SuppressionReason::kErased) continue;
      std::string detail = core::StrCat(
          "the customer's data was erased on request at ", core::FormatTime(s.create_time),
          "; contact needs new contact data and consent from the profiles topic");
      Record("erasure", false, detail);
      return Suppress(DecisionReason::kErased, "erasure", std::move(detail));
    }
    return true;
  }

  bool CheckTemplate() {
    const core::Notification& n = *in_.notification;
    if (in_.tmpl == nullptr) {
      std::string detail =
          n.template_name.empty()
              ? core::StrCat("no template was triggered by event type ", n.event_type,
                             " when the event was recorded at ", core::FormatTime(n.create_time))
              : core::StrCat("template ", n.template_name, " no longer exists");
      Record("template", false, detail);
      return Suppress(DecisionReason::kNoTemplate, "template", std::move(detail));
    }
    const core::Template& t = *in_.tmpl;
    category_ = t.category;
    Record("template", true,
           core::StrCat(t.name, " v", t.version, ": ", core::Name(t.category), ", priority ",
                        core::Name(t.priority)));
    return true;
  }

  bool CheckDuplicate() {
    const core::Notification& n = *in_.notification;
    const std::string& subject = in_.event->subject;
    const auto& repeatable = config_.repeatable_event_types;
    if (config_.duplicate_window.count() <= 0 || subject.empty() ||
        std::find(repeatable.begin(), repeatable.end(), n.event_type) != repeatable.end()) {
      return true;
    }
    const std::string what = core::StrCat(n.event_type, " for ", subject);
    const core::Time since = in_.now - config_.duplicate_window;
    const core::Notification* earlier = nullptr;
    // Only what was let through: a deferred one may still be suppressed at release.
    for (const core::Notification& h : History()) {
      if (h.notification_id == n.notification_id || h.template_name != in_.tmpl->name ||
          h.event_type != n.event_type || h.subject != subject || !CountsAsSent(h.state) ||
          !h.send_time || *h.send_time <= since) {
        continue;
      }
      if (earlier == nullptr || *h.send_time < *earlier->send_time) earlier = &h;
    }
    const std::string rule =
        core::StrCat("duplicate within ", FormatWindow(config_.duplicate_window));
    if (earlier == nullptr) {
      Record("duplicate", true,
             core::StrCat("no earlier ", what, " within ", FormatWindow(config_.duplicate_window)));
      return true;
    }
    std::string detail =
        core::StrCat(what, " already let through at ", core::FormatTime(*earlier->send_time),
                     " as ", earlier->notification_id, " (", core::Name(earlier->state), ")");
    Record("duplicate", false, detail);
    return Suppress(DecisionReason::kDuplicate, rule, std::move(detail));
  }

  bool CheckCategorySuppression() {
    if (in_.profile == nullptr) return true;
    for (const core::Suppression& s : in_.profile->suppressions) {
      if (s.channel || (s.category && *s.category != category_) || !Active(s, in_.now)) continue;
      const std::string scope = s.category ? core::StrCat(core::Name(*s.category), " suppressed")
                                           : "all contact suppressed";
      if (category_ == Category::kSecurity && (s.reason == core::SuppressionReason::kUnsubscribe ||
                                               s.reason == core::SuppressionReason::kComplaint)) {
        Record("suppression", true,
               core::StrCat(scope, ": ", Describe(s),
                            "; ignored: SECURITY cannot be refused as a whole"));
        continue;
      }
      std::string detail = core::StrCat(scope, ": ", Describe(s));
      Record("suppression", false, detail);
      return Suppress(DecisionReason::kCategorySuppressed, "suppression", std::move(detail));
    }
    Record("suppression", true,
           core::StrCat("no suppression of ", core::Name(category_), " or of all contact"));
    return true;
  }

  bool CheckComplaint() {
    const auto& held = config_.complaint_categories;
    if (config_.complaint_cooldown.count() <= 0 ||
        std::find(held.begin(), held.end(), category_) == held.end()) {
      return true;
    }
    const std::string rule =
        core::StrCat("complaint cooldown ", FormatWindow(config_.complaint_cooldown));
    const Complaint* latest = nullptr;
    // A complaint stamped a little ahead of this clock (allowed skew) counts from now.
    auto start = [&](const Complaint& c) { return std::min(c.occur_time, in_.now); };
    for (const Complaint& c : in_.complaints) {
      if (start(c) + config_.complaint_cooldown <= in_.now) continue;
      if (latest == nullptr || c.occur_time > latest->occur_time) latest = &c;
    }
    if (latest == nullptr) {
      Record("complaint_cooldown", true,
             core::StrCat("no complaint within ", FormatWindow(config_.complaint_cooldown)));
      return true;
    }
    std::string detail =
        core::StrCat("complaint at ", core::FormatTime(latest->occur_time), " (event ",
                     latest->event_id, "): ", core::Name(category_), " held back until ",
                     core::FormatTime(start(*latest) + config_.complaint_cooldown));
    Record("complaint_cooldown", false, detail);
    return Suppress(DecisionReason::kComplaintCooldown, rule, std::move(detail));
  }

  ChannelCheck CheckChannel(Channel channel) {
    ChannelCheck check{channel, kUsable, true, ""};
    std::vector<std::string> notes;
    auto fail = [&](Stage stage, std::string note) {
      check.stopped = std::min(check.stopped, stage);
      if (stage != kConsent) check.usable_but_consent = false;
      notes.push_back(std::move(note));
    };
    const core::Profile* p = in_.profile;
    const std::string_view cat = core::Name(category_);

    // Consent: the customer's recorded answer, or the category's default.
    const core::Consent* consent = nullptr;
    if (p != nullptr) {
      for (const core::Consent& c : p->consents) {
        if (c.category == category_ && c.channel == channel) consent = &c;
      }
    }
    if (consent != nullptr) {
      std::string note = core::StrCat(cat, " consent ", core::Name(consent->state), " by ",
                                      consent->source.empty() ? "unknown" : consent->source, " at ",
                                      core::FormatTime(consent->update_time));
      if (consent->state == core::ConsentState::kGranted) {
        notes.push_back(std::move(note));
      } else {
        fail(kConsent, std::move(note));
      }
    } else if (config_.For(category_).consent_by_default) {
      notes.push_back(core::StrCat("no ", cat, " consent recorded; ", cat, " is opt-out"));
    } else {
      fail(kConsent, core::StrCat("no ", cat, " consent recorded; ", cat, " is opt-in"));
    }

    if (p != nullptr) {
      for (const core::Suppression& s : p->suppressions) {
        if (s.channel != channel || (s.category && *s.category != category_) ||
            !Active(s, in_.now)) {
          continue;
        }
        fail(kChannelSuppression, core::StrCat("suppressed: ", Describe(s)));
        break;
      }
    }

    const core::ContactOverrides& o = in_.event->overrides;
    const bool email = channel == Channel::kEmail;
    const std::string& from_event = email ? o.email : o.phone;
    const std::string from_profile = p == nullptr ? "" : (email ? p->email : p->phone);
    if (!from_event.empty()) {
      notes.push_back(email ? "email address from the event" : "phone number from the event");
    } else if (from_profile.empty()) {
      fail(kContact, email ? "no email address" : "no phone number");
    }

    if (!HasContent(*in_.tmpl, channel)) {
      fail(kContent, core::StrCat("template ", in_.tmpl->name, " has no ", email ? "email" : "SMS",
                                  " content"));
    }
    check.detail = core::StrCat(core::Name(channel), ": ", absl::StrJoin(notes, "; "));
    return check;
  }

  bool CheckChannels() {
    const std::vector<Channel>& order =
        in_.profile != nullptr && !in_.profile->preferred_channels.empty()
            ? in_.profile->preferred_channels
            : config_.default_channels;
    std::vector<ChannelCheck> checks;
    for (Channel c : order) {
      checks.push_back(CheckChannel(c));
      Record("channel", checks.back().stopped == kUsable, checks.back().detail);
      if (checks.back().stopped == kUsable) result_.channels.push_back(c);
    }
    if (!result_.channels.empty()) return true;

    if (category_ == Category::kSecurity) {
      for (const ChannelCheck& c : checks) {
        if (c.usable_but_consent) {
          result_.channels.push_back(c.channel);
          break;
        }
      }
      if (!result_.channels.empty()) {
        Record("consent", true,
               core::StrCat("SECURITY cannot be refused as a whole: refused on every reachable "
                            "channel, so sending on the first of them, ",
                            core::Name(result_.channels.front())));
        return true;
      }
    }
    // The channel that got furthest names the reason; the detail covers them all.
    const ChannelCheck* best = nullptr;
    std::vector<std::string> details;
    for (const ChannelCheck& c : checks) {
      if (best == nullptr || c.stopped > best->stopped) best = &c;
      details.push_back(c.detail);
    }
    if (best == nullptr) {
      return Suppress(DecisionReason::kNoContactRoute, "channel", "no channel to consider");
    }
    return Suppress(kStageReason[best->stopped], std::string(kStageRule[best->stopped]),
                    absl::StrJoin(details, " | "));
  }

  // Only what would go now is held for a pause: a deferral meets it when it is due,
  // and a suppression sends nothing anyway.
  void CheckPauses() {
    if (in_.pauses == nullptr || in_.pauses->empty() || d().outcome != DecisionOutcome::kSend) {
      return;
    }
    const core::Pause* pause = core::FindPause(
        *in_.pauses, in_.notification->template_name, category_,
        result_.channels.empty() ? std::nullopt : std::optional(result_.channels.front()));
    if (pause == nullptr) return;
    core::Decision paused = core::PausedDecision(*pause, in_.now);
    for (core::RuleEvaluation& e : paused.evaluations) d().evaluations.push_back(std::move(e));
    paused.evaluations = std::move(d().evaluations);
    d() = std::move(paused);
  }

  void SendNow() {
    d().outcome = DecisionOutcome::kSend;
    d().reason = DecisionReason::kAllowed;
    d().rule = "every rule passed";
    std::vector<std::string> names;
    for (Channel c : result_.channels) names.emplace_back(core::Name(c));
    d().detail = core::StrCat("send on ", absl::StrJoin(names, ", then "));
  }

  // Caps and quiet hours: send now, or the first moment both allow.
  void Timing() {
    const CapRules caps = config_.Caps();
    std::vector<SentMessage> sent;
    for (const core::Notification& h : History()) {
      if (h.notification_id == in_.notification->notification_id || !CountsAsSent(h.state) ||
          !h.send_time || !h.category || *h.category == Category::kSecurity) {
        continue;
      }
      sent.push_back({*h.category, *h.send_time});
    }
    const CapVerdict cap = CheckFrequencyCaps(caps, category_, sent, in_.now);
    if (category_ == Category::kSecurity) {
      Record("frequency_cap", true, "SECURITY is never capped");
    } else if (cap.allowed) {
      Record("frequency_cap", true,
             core::StrCat("no cap reached (", CapsText(caps, category_), ")"));
    } else {
      Record("frequency_cap", false, cap.detail);
      if (cap.action == OverCap::kDrop) {
        Suppress(DecisionReason::kFrequencyCap, cap.rule,
                 core::StrCat(cap.detail, "; ", core::Name(category_), " over its cap is dropped"));
        return;
      }
    }

    const bool quiet_applies =
        category_ != Category::kSecurity && in_.tmpl->priority != core::Priority::kUrgent;
    const core::QuietHours hours = in_.profile != nullptr && in_.profile->quiet_hours
                                       ? *in_.profile->quiet_hours
                                       : config_.default_quiet_hours;
    const std::string zone = in_.profile != nullptr && !in_.profile->time_zone.empty()
                                 ? in_.profile->time_zone
                                 : config_.default_time_zone;
    const std::string quiet_rule = core::StrCat("quiet hours ", ClockTime(hours.start_minute), "-",
                                                ClockTime(hours.end_minute), " ", zone);
    auto quiet_until = [&](core::Time at) -> std::optional<core::Time> {
      if (!quiet_applies) return std::nullopt;
      auto until = QuietHoursCalendar::QuietUntil(hours, zone, at);
      return until.ok() ? *until : std::nullopt;
    };
    absl::StatusOr<std::optional<core::Time>> quiet_at_now = std::nullopt;
    if (quiet_applies) quiet_at_now = QuietHoursCalendar::QuietUntil(hours, zone, in_.now);
    const std::optional<core::Time> quiet_now =
        quiet_at_now.ok() ? *quiet_at_now : std::optional<core::Time>();
    if (!quiet_applies) {
      Record("quiet_hours", true,
             category_ == Category::kSecurity ? "SECURITY ignores quiet hours"
                                              : "URGENT messages ignore quiet hours");
    } else if (!quiet_at_now.ok()) {
      Record("quiet_hours", true,
             core::StrCat(quiet_rule,
                          ": not applied: ", core::ToStd(quiet_at_now.status().message())));
    } else if (hours.start_minute == hours.end_minute) {
      Record("quiet_hours", true,
             in_.profile != nullptr && in_.profile->quiet_hours
                 ? "no quiet hours: the customer's window is empty"
                 : "no quiet hours (policy.quiet_hours is off)");
    } else if (quiet_now) {
      Record("quiet_hours", false,
             core::StrCat(quiet_rule, ": quiet now; ends at ", core::FormatTime(*quiet_now)));
    } else {
      Record("quiet_hours", true, core::StrCat(quiet_rule, ": not quiet now"));
    }

    if (cap.allowed && !quiet_now) {
      SendNow();
      return;
    }
    // The first moment every cap and the quiet window allow; each may push the other.
    core::Time at = in_.now;
    for (int round = 0; round < 8; ++round) {
      const core::Time before = at;
      const CapVerdict later = CheckFrequencyCaps(caps, category_, sent, at);
      if (!later.allowed && later.defer_until) at = std::max(at, *later.defer_until);
      if (auto q = quiet_until(at)) at = *q;
      if (at == before) break;
    }
    if (at <= in_.now) {  // nothing holds it back after all (e.g. a repeated DST hour)
      SendNow();
      return;
    }
    d().outcome = DecisionOutcome::kDefer;
    d().defer_until = at;
    result_.channels.clear();
    if (!cap.allowed) {
      d().reason = DecisionReason::kFrequencyCap;
      d().rule = cap.rule;
      d().detail = cap.detail;
    } else {
      d().reason = DecisionReason::kQuietHours;
      d().rule = quiet_rule;
      d().detail = core::StrCat("quiet hours in ", zone, " until ", core::FormatTime(*quiet_now));
    }
    core::StrAppend(d().detail, "; deferred until ", core::FormatTime(at));
  }

  // The caps that apply to a category: its own and the global one.
  static std::string CapsText(const CapRules& caps, Category category) {
    std::vector<std::string> parts;
    const auto it = caps.categories.find(category);
    if (it != caps.categories.end() && it->second.cap && it->second.cap->max_count > 0) {
      parts.push_back(core::StrCat(core::Name(category), " ", it->second.cap->max_count, "/",
                                   FormatWindow(it->second.cap->window)));
    }
    if (caps.global && caps.global->max_count > 0) {
      parts.push_back(
          core::StrCat("global ", caps.global->max_count, "/", FormatWindow(caps.global->window)));
    }
    return parts.empty() ? "no caps configured" : absl::StrJoin(parts, ", ");
  }

  const PolicyConfig& config_;
  const PolicyInput& in_;
  PolicyResult result_;
  Category category_ = Category::kInformational;
};

}  // namespace

PolicyConfig PolicyConfig::Defaults() {
  using std::chrono::hours;
  const auto days = [](int n) {
    return std::chrono::duration_cast<std::chrono::seconds>(hours(24 * n));
  };
  PolicyConfig c;
  c.categories[Category::kOrderUpdate] = {true, std::nullopt, OverCap::kDefer};
  c.categories[Category::kServiceUpdate] = {true, std::nullopt, OverCap::kDefer};
  c.categories[Category::kReminder] = {true, Cap{3, days(1)}, OverCap::kDefer};
  c.categories[Category::kSurvey] = {false, Cap{1, days(30)}, OverCap::kDrop};
  c.categories[Category::kInformational] = {false, Cap{2, days(7)}, OverCap::kDefer};
  c.categories[Category::kSecurity] = {true, std::nullopt, OverCap::kDefer};
  c.global_cap = Cap{5, days(1)};
  return c;
}

const CategoryPolicy& PolicyConfig::For(core::Category category) const {
  static const CategoryPolicy kOptOut;
  const auto it = categories.find(category);
  return it == categories.end() ? kOptOut : it->second;
}

CapRules PolicyConfig::Caps() const {
  CapRules rules;
  for (const auto& [category, p] : categories) rules.categories[category] = {p.cap, p.over_cap};
  rules.global = global_cap;
  return rules;
}

bool CountsAsSent(core::NotificationState state) {
  using S = core::NotificationState;
  return state == S::kQueued || state == S::kSending || state == S::kSent ||
         state == S::kDelivered || state == S::kUnknown;
}

PolicyResult Decide(const PolicyConfig& config, const PolicyInput& input) {
  return Evaluation(config, input).Run();
}

}  // namespace herald::policy
