#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/core/clock.h"
#include "services/core/kinds.h"

namespace herald::core {

/// Mustache sources of an email.
struct EmailContent {
  std::string subject;
  std::string text_body;
  std::string html_body;

  bool operator==(const EmailContent&) const = default;
};

/// Mustache source of an SMS.
struct SmsContent {
  std::string text;

  bool operator==(const SmsContent&) const = default;
};

/// A template's content in one locale.
struct LocalizedContent {
  std::string locale;
  std::optional<EmailContent> email;
  std::optional<SmsContent> sms;

  bool operator==(const LocalizedContent&) const = default;
};

/// One immutable version of a message template.
struct Template {
  std::string name;
  std::string description;
  Category category = Category::kInformational;
  std::vector<std::string> event_types;
  Priority priority = Priority::kNormal;
  std::string default_locale;
  std::vector<LocalizedContent> contents;
  int max_sms_segments = 0;  // 0: the server's default
  int64_t version = 0;
  /// The version events use: the latest, unless an older one was activated.
  int64_t active_version = 0;
  Time create_time;  // of the template (version 1)
  Time update_time;  // of this version

  bool operator==(const Template&) const = default;
};

/// A shared piece of Mustache (a brand footer, a signature) that templates include as
/// a partial, {{> name}}. A change applies to every template that includes it from
/// the next message on.
struct Snippet {
  std::string name;
  std::string description;
  std::string text;
  Time create_time;
  Time update_time;

  bool operator==(const Snippet&) const = default;
};

}  // namespace herald::core
