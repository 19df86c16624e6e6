#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"
#include "services/core/kinds.h"

namespace herald::api {

/// The languages the preference centre speaks.
enum class PageLanguage { kDutch, kEnglish };

/// "nl" for Dutch locales (nl, nl-BE, ...), English for every other.
PageLanguage LanguageOf(std::string_view locale);
std::string_view Code(PageLanguage language);

/// One category of contact as the customer sees it on their page.
struct PreferenceRow {
  core::Category category = core::Category::kOrderUpdate;
  /// SECURITY: shown as on, not switchable.
  bool locked = false;
  /// Off unless the customer switched it on (opt-in).
  bool opt_in = false;
  struct Cell {
    core::Channel channel = core::Channel::kEmail;
    bool on = false;
    /// When the customer's own choice was recorded; unset: the category's default.
    std::optional<core::Time> chosen = {};
  };
  std::vector<Cell> cells = {};
};

/// Everything the page shows.
struct PreferencePage {
  PageLanguage language = PageLanguage::kEnglish;
  std::string display_name = {};
  /// Masked ("a***@example.nl"); empty: none on file.
  std::string email = {};
  std::string phone = {};
  std::vector<PreferenceRow> rows = {};
  /// Came from an unsubscribe link for this category and channel: the page offers it
  /// first.
  std::optional<std::pair<core::Category, core::Channel>> unsubscribe = {};
  /// Just saved.
  bool saved = false;
  core::Time expire_time = {};
};

/// The page, a complete HTML document without scripts: a form that posts every
/// switchable choice back to the page's own address.
std::string RenderPreferencePage(const PreferencePage& page);

/// The page for a link that does not open one (expired, changed, broken), saying what
/// happened and what to do.
std::string RenderLinkProblemPage(PageLanguage language, std::string_view problem);

/// "SURVEY.EMAIL": a choice's name in the form.
std::string ChoiceName(core::Category category, core::Channel channel);

}  // namespace herald::api
