#include "services/api/preference_centre.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_split.h"
#include "services/api/preference_page.h"
#include "services/core/form.h"
#include "services/core/masking.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

using core::Category;
using core::Channel;

constexpr std::string_view kSource = "preference-centre";
constexpr Category kRows[] = {Category::kOrderUpdate, Category::kServiceUpdate, Category::kReminder,
                              Category::kSecurity,    Category::kInformational, Category::kSurvey};
constexpr Channel kChannels[] = {Channel::kEmail, Channel::kSms};

// Personal, and carrying its key in the address: never cached, framed or referred on;
// no script at all.
std::vector<std::pair<std::string, std::string>> PageHeaders() {
  return {{"Content-Security-Policy",
           "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
           "frame-ancestors 'none'; base-uri 'none'"},
          {"Cache-Control", "no-store"},
          {"Referrer-Policy", "no-referrer"},
          {"X-Content-Type-Options", "nosniff"}};
}

tracking::ReceiptReply Html(int status, std::string body) {
  return {.status = status,
          .body = std::move(body),
          .content_type = "text/html; charset=utf-8",
          .headers = PageHeaders()};
}

std::string_view TokenOf(const tracking::ReceiptRequest& request) {
  const std::string_view path = request.path;
  return path.substr(std::min(path.size(), path.rfind('/') + 1));
}

std::string Param(const std::map<std::string, std::string>& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

// The language asked for (?lang= or the form's), then the customer's, then the browser's.
PageLanguage LanguageFor(const tracking::ReceiptRequest& request, std::string_view asked,
                         const core::Profile* profile) {
  if (asked == "nl" || asked == "en") return LanguageOf(asked);
  if (profile != nullptr && !profile->locale.empty()) return LanguageOf(profile->locale);
  auto it = request.headers.find("accept-language");
  return LanguageOf(it == request.headers.end() ? "" : it->second);
}

std::optional<std::pair<Category, Channel>> ParseChoice(std::string_view name) {
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::optional<Category> category = core::ParseCategory(name.substr(0, dot));
  std::optional<Channel> channel = core::ParseChannel(name.substr(dot + 1));
  if (!category || !channel) return std::nullopt;
  return std::pair(*category, *channel);
}

const core::Consent* Recorded(const core::Profile* profile, Category category, Channel channel) {
  if (profile == nullptr) return nullptr;
  for (const core::Consent& c : profile->consents) {
    if (c.category == category && c.channel == channel) return &c;
  }
  return nullptr;
}

}  // namespace

PreferenceCentre::PreferenceCentre(store::ProfileStore& profiles, const core::Clock& clock,
                                   const core::PreferenceTokens& tokens, Options options,
                                   prometheus::Registry& registry)
    : profiles_(profiles),
      clock_(clock),
      tokens_(tokens),
      options_(std::move(options)),
      requests_(prometheus::BuildCounter()
                    .Name("herald_preference_centre_requests_total")
                    .Help("Preference-centre pages shown and saved, by method and result")
                    .Register(registry)),
      changes_(prometheus::BuildCounter()
                   .Name("herald_preference_changes_total")
                   .Help("Choices customers changed in the preference centre, by category, "
                         "channel and the new state")
                   .Register(registry)) {}

void PreferenceCentre::Count(std::string_view method, std::string_view result) {
  requests_.Add({{"method", std::string(method)}, {"result", std::string(result)}}).Increment();
}

bool PreferenceCentre::ByDefault(Category category) const {
  auto it = options_.consent_by_default.find(category);
  return it == options_.consent_by_default.end() || it->second;
}

std::variant<core::PreferenceClaim, tracking::ReceiptReply> PreferenceCentre::ClaimOf(
    const tracking::ReceiptRequest& request, std::string_view method) {
  absl::StatusOr<core::PreferenceClaim> claim = tokens_.Read(TokenOf(request), clock_.Now());
  if (claim.ok()) return *std::move(claim);
  const PageLanguage l = LanguageFor(request, Param(request.query, "lang"), nullptr);
  const bool nl = l == PageLanguage::kDutch;
  if (absl::IsDeadlineExceeded(claim.status())) {
    Count(method, "expired");
    return Html(410,
                RenderLinkProblemPage(l, nl ? "Deze link is verlopen." : "This link has expired."));
  }
  Count(method, "refused");
  return Html(absl::IsPermissionDenied(claim.status()) ? 403 : 400,
              RenderLinkProblemPage(l, nl ? "Deze link is niet geldig: hij is onvolledig of "
                                            "gewijzigd."
                                          : "This link is not valid: it is incomplete or was "
                                            "changed."));
}

tracking::ReceiptReply PreferenceCentre::Get(const tracking::ReceiptRequest& request) {
  auto claim_or_reply = ClaimOf(request, "GET");
  if (auto* reply = std::get_if<tracking::ReceiptReply>(&claim_or_reply)) return *reply;
  const core::PreferenceClaim& claim = std::get<core::PreferenceClaim>(claim_or_reply);
  absl::StatusOr<core::Profile> stored = profiles_.GetProfile(claim.customer_id);
  if (!stored.ok() && !absl::IsNotFound(stored.status())) {
    Count("GET", "error");
    spdlog::error("msg=\"preference page not shown\" customer={} error=\"{}\"", claim.customer_id,
                  stored.status().ToString());
    return Html(503,
                RenderLinkProblemPage(LanguageFor(request, Param(request.query, "lang"), nullptr),
                                      "Please try again in a minute."));
  }
  const core::Profile* profile = stored.ok() ? &*stored : nullptr;

  PreferencePage page;
  page.language = LanguageFor(request, Param(request.query, "lang"), profile);
  if (profile != nullptr) {
    page.display_name = profile->display_name;
    if (!profile->email.empty()) page.email = core::MaskEmail(profile->email);
    if (!profile->phone.empty()) page.phone = core::MaskPhone(profile->phone);
  }
  for (Category category : kRows) {
    PreferenceRow row{.category = category,
                      .locked = category == Category::kSecurity,
                      .opt_in = !ByDefault(category)};
    for (Channel channel : kChannels) {
      const core::Consent* consent = Recorded(profile, category, channel);
      PreferenceRow::Cell cell{.channel = channel};
      if (row.locked) {
        cell.on = true;
      } else if (consent != nullptr) {
        cell.on = consent->state == core::ConsentState::kGranted;
        cell.chosen = consent->update_time;
      } else {
        cell.on = !row.opt_in;
      }
      row.cells.push_back(cell);
    }
    page.rows.push_back(std::move(row));
  }
  if (auto choice = ParseChoice(Param(request.query, "unsubscribe"));
      choice && choice->first != Category::kSecurity) {
    page.unsubscribe = choice;
  }
  page.saved = Param(request.query, "saved") == "1";
  page.expire_time = claim.expire_time;
  Count("GET", "shown");
  return Html(200, RenderPreferencePage(page));
}

tracking::ReceiptReply PreferenceCentre::Post(const tracking::ReceiptRequest& request) {
  auto claim_or_reply = ClaimOf(request, "POST");
  if (auto* reply = std::get_if<tracking::ReceiptReply>(&claim_or_reply)) return *reply;
  const core::PreferenceClaim& claim = std::get<core::PreferenceClaim>(claim_or_reply);
  const std::map<std::string, std::string> form = core::ParseForm(request.body);
  const std::string lang = Param(form, "lang");
  auto refuse = [&](std::string message) {
    Count("POST", "refused");
    return tracking::ReceiptReply{
        .status = 400, .body = core::StrCat("not saved: ", message, "\n"), .headers = {}};
  };
  // The choices the page showed: each one absent from the form is switched off.
  std::vector<std::pair<Category, Channel>> shown;
  for (absl::string_view piece : absl::StrSplit(Param(form, "shown"), ',', absl::SkipEmpty())) {
    const std::string name(piece);
    std::optional<std::pair<Category, Channel>> choice = ParseChoice(name);
    if (!choice) {
      return refuse(core::StrCat("shown: \"", name, "\" is not CATEGORY.CHANNEL"));
    }
    if (choice->first == Category::kSecurity) {
      return refuse("shown: SECURITY cannot be switched off; it warns about the account itself");
    }
    shown.push_back(*choice);
  }
  if (shown.empty()) return refuse("the form names no choices (shown)");

  const core::Time now = clock_.Now();
  std::vector<core::Consent> changed;
  absl::StatusOr<core::Profile> stored = profiles_.MutateProfile(
      claim.customer_id, [&](const core::Profile* current) -> absl::StatusOr<core::Profile> {
        changed.clear();
        core::Profile profile;
        if (current != nullptr) {
          profile = *current;
        } else {
          // Contact data from events only: the choices are kept all the same.
          profile.customer_id = claim.customer_id;
          profile.create_time = now;
        }
        for (const auto& choice : shown) {
          const Category category = choice.first;
          const Channel channel = choice.second;
          const bool wanted = form.contains(ChoiceName(category, channel));
          const core::Consent* consent = Recorded(&profile, category, channel);
          const bool on = consent != nullptr ? consent->state == core::ConsentState::kGranted
                                             : ByDefault(category);
          // An unchanged choice keeps its proof: when and where it was made.
          if (wanted == on) continue;
          std::erase_if(profile.consents, [&](const core::Consent& c) {
            return c.category == category && c.channel == channel;
          });
          changed.push_back(
              {.category = category,
               .channel = channel,
               .state = wanted ? core::ConsentState::kGranted : core::ConsentState::kDenied,
               .source = std::string(kSource),
               .update_time = now});
          profile.consents.push_back(changed.back());
        }
        if (!changed.empty()) profile.update_time = now;
        return profile;
      });
  if (!stored.ok()) {
    Count("POST", "error");
    spdlog::error("msg=\"preferences not saved\" customer={} error=\"{}\"", claim.customer_id,
                  stored.status().ToString());
    return {
        .status = 503,
        .body = core::StrCat("not saved now (", stored.status().message(), "); please try again\n"),
        .headers = {}};
  }
  std::string summary;
  for (const core::Consent& c : changed) {
    changes_
        .Add({{"category", std::string(core::Name(c.category))},
              {"channel", std::string(core::Name(c.channel))},
              {"state", std::string(core::Name(c.state))}})
        .Increment();
    core::StrAppend(summary, summary.empty() ? "" : ",", ChoiceName(c.category, c.channel), "=",
                    core::Name(c.state));
  }
  Count("POST", changed.empty() ? "unchanged" : "saved");
  if (!changed.empty()) {
    spdlog::info("msg=\"preferences changed\" customer={} source={} changes={}", claim.customer_id,
                 kSource, summary);
  }
  // Back to the page (relative to /preferences/{token}): a reload shows, not posts.
  std::string location = core::StrCat(TokenOf(request), "?saved=1");
  if (lang == "nl" || lang == "en") core::StrAppend(location, "&lang=", lang);
  return {.status = 303,
          .body = "saved\n",
          .headers = {{"Location", std::move(location)}, {"Cache-Control", "no-store"}}};
}

}  // namespace herald::api
