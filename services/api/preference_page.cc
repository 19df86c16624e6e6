#include "services/api/preference_page.h"

#include "services/compose/mustache.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

using core::Category;
using core::Channel;

struct Text {
  const char* nl;
  const char* en;
  const char* In(PageLanguage l) const { return l == PageLanguage::kDutch ? nl : en; }
};

struct CategoryText {
  Category category;
  Text name;
  Text about;
};

// Every category, in the order a customer reads them: what they asked for first.
constexpr CategoryText kCategories[] = {
    {Category::kOrderUpdate,
     {"Bestellingen", "Orders"},
     {"Bevestiging, verzending en vertraging van je bestellingen.",
      "Confirmation, shipping and delays of your orders."}},
    {Category::kServiceUpdate,
     {"Service", "Service"},
     {"Storingen, afspraken en de afhandeling van je vragen en klachten.",
      "Outages, appointments and how your questions and complaints are handled."}},
    {Category::kReminder,
     {"Herinneringen", "Reminders"},
     {"Een herinnering voor een afspraak of iets wat nog openstaat.",
      "A reminder of an appointment or of something still open."}},
    {Category::kSecurity,
     {"Beveiliging", "Security"},
     {"Een verdachte inlog, een geblokkeerde kaart. Deze berichten kun je niet uitzetten: ze "
      "beschermen je rekening, en we moeten je altijd kunnen waarschuwen.",
      "A suspicious sign-in, a blocked card. You cannot switch these off: they protect your "
      "account, and we must always be able to warn you."}},
    {Category::kInformational,
     {"Nieuws en tips", "News and tips"},
     {"Nieuws over onze diensten en tips om er meer uit te halen.",
      "News about our services and tips to get more out of them."}},
    {Category::kSurvey,
     {"Enquêtes", "Surveys"},
     {"Een korte vraag wat je van ons vond, bijvoorbeeld na een afgehandelde klacht.",
      "A short question about how we did, for example after a complaint was resolved."}},
};

const CategoryText& TextOf(Category category) {
  for (const CategoryText& t : kCategories) {
    if (t.category == category) return t;
  }
  return kCategories[0];
}

const Text& ChannelName(Channel channel) {
  static const Text kEmail{"E-mail", "Email"};
  static const Text kSms{"Sms", "Text message (SMS)"};
  return channel == Channel::kEmail ? kEmail : kSms;
}

std::string Escape(std::string_view text) { return compose::EscapeHtml(text); }

// "2026-12-07": the date part of RFC 3339, the same in both languages.
std::string Date(core::Time t) { return core::FormatTime(t).substr(0, 10); }

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}"
    "main{max-width:40rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.5rem}h2{font-size:1.1rem;margin:0 0 .25rem}"
    "section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1rem;"
    "margin:0 0 .75rem}"
    "p{margin:.25rem 0}.about{color:#57606a}fieldset{border:0;padding:0;margin:0}"
    "label{display:inline-flex;align-items:center;gap:.4rem;margin:.5rem 1.5rem 0 0;"
    "min-height:44px}"
    "input[type=checkbox]{width:1.25rem;height:1.25rem}"
    ".notice{border-color:#1a7f37;background:#dafbe1}"
    ".ask{border-color:#9a6700;background:#fff8c5}"
    "button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #1f6feb;"
    "background:#1f6feb;color:#fff;cursor:pointer}"
    ".lang{float:right}small{color:#57606a}";

std::string Head(PageLanguage l, std::string_view title) {
  return core::StrCat("<!doctype html><html lang=\"", Code(l),
                      "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                      "content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" "
                      "content=\"noindex\"><title>",
                      title, "</title><style>", kStyle, "</style></head><body><main>");
}

constexpr std::string_view kFoot = "</main></body></html>\n";

}  // namespace

PageLanguage LanguageOf(std::string_view locale) {
  const bool dutch = locale.size() >= 2 && (locale[0] == 'n' || locale[0] == 'N') &&
                     (locale[1] == 'l' || locale[1] == 'L') &&
                     (locale.size() == 2 || locale[2] == '-' || locale[2] == '_');
  return dutch ? PageLanguage::kDutch : PageLanguage::kEnglish;
}

std::string_view Code(PageLanguage language) {
  return language == PageLanguage::kDutch ? "nl" : "en";
}

std::string ChoiceName(Category category, Channel channel) {
  return core::StrCat(core::Name(category), ".", core::Name(channel));
}

std::string RenderPreferencePage(const PreferencePage& page) {
  const PageLanguage l = page.language;
  const bool nl = l == PageLanguage::kDutch;
  std::string out = Head(l, nl ? "Jouw berichtvoorkeuren" : "Your message preferences");
  // The other language keeps this page (a relative link to the same address).
  core::StrAppend(out, "<nav class=\"lang\"><a href=\"?lang=", nl ? "en" : "nl", "\" hreflang=\"",
                  nl ? "en" : "nl", "\">", nl ? "English" : "Nederlands", "</a></nav>");
  core::StrAppend(out, "<h1>", nl ? "Jouw berichtvoorkeuren" : "Your message preferences", "</h1>");
  if (!page.display_name.empty()) {
    core::StrAppend(out, "<p>", nl ? "Voor " : "For ", Escape(page.display_name), "</p>");
  }
  core::StrAppend(out, "<p class=\"about\">",
                  nl ? "Kies per soort bericht hoe we je mogen bereiken. Een wijziging geldt "
                       "vanaf het volgende bericht."
                     : "Choose how we may reach you for each kind of message. A change applies "
                       "from the next message on.",
                  "</p>");
  if (page.saved) {
    core::StrAppend(out, "<section class=\"notice\" role=\"status\"><p>",
                    nl ? "Je keuzes zijn opgeslagen." : "Your choices are saved.",
                    "</p></section>");
  }
  if (page.unsubscribe) {
    const auto [category, channel] = *page.unsubscribe;
    const CategoryText& t = TextOf(category);
    core::StrAppend(out, "<section class=\"ask\"><form method=\"post\">",
                    "<input type=\"hidden\" name=\"lang\" value=\"", Code(l), "\">",
                    "<input type=\"hidden\" name=\"shown\" value=\"", ChoiceName(category, channel),
                    "\"><p>", nl ? "Wil je geen berichten meer over " : "Stop messages about ",
                    "<strong>", t.name.In(l), "</strong>", nl ? " per " : " by ",
                    ChannelName(channel).In(l), "?</p><p><button type=\"submit\">",
                    nl ? "Afmelden" : "Unsubscribe", "</button></p></form></section>");
  }
  core::StrAppend(out, "<form method=\"post\"><input type=\"hidden\" name=\"lang\" value=\"",
                  Code(l), "\">");
  std::string shown;
  for (const PreferenceRow& row : page.rows) {
    const CategoryText& t = TextOf(row.category);
    core::StrAppend(out, "<section><fieldset><legend><h2>", t.name.In(l),
                    "</h2></legend><p class=\"about\">", t.about.In(l), "</p>");
    if (row.opt_in) {
      core::StrAppend(out, "<p><small>",
                      nl ? "Staat uit tot je het zelf aanzet." : "Off until you switch it on.",
                      "</small></p>");
    }
    std::optional<core::Time> chosen;
    for (const PreferenceRow::Cell& cell : row.cells) {
      const std::string name = ChoiceName(row.category, cell.channel);
      if (!row.locked) {
        if (!shown.empty()) shown += ',';
        shown += name;
      }
      if (cell.chosen && (!chosen || *cell.chosen > *chosen)) chosen = cell.chosen;
      const std::string_view address = cell.channel == Channel::kEmail ? page.email : page.phone;
      core::StrAppend(out, "<label><input type=\"checkbox\" name=\"", name, "\" id=\"", name, "\"",
                      cell.on ? " checked" : "", row.locked ? " disabled" : "", "> ",
                      ChannelName(cell.channel).In(l));
      if (!address.empty()) core::StrAppend(out, " <small>(", Escape(address), ")</small>");
      core::StrAppend(out, "</label>");
    }
    if (row.locked) {
      core::StrAppend(out, "<p><small>", nl ? "Altijd aan." : "Always on.", "</small></p>");
    } else if (chosen) {
      core::StrAppend(out, "<p><small>", nl ? "Jouw keuze van " : "Your choice of ", Date(*chosen),
                      "</small></p>");
    }
    core::StrAppend(out, "</fieldset></section>");
  }
  core::StrAppend(
      out, "<input type=\"hidden\" name=\"shown\" value=\"", shown, "\">",
      "<p><button type=\"submit\">", nl ? "Opslaan" : "Save", "</button></p></form>", "<p><small>",
      nl ? "Deze link is persoonlijk en werkt tot " : "This link is personal and works until ",
      Date(page.expire_time), ".</small></p>", kFoot);
  return out;
}

std::string RenderLinkProblemPage(PageLanguage language, std::string_view problem) {
  const bool nl = language == PageLanguage::kDutch;
  return core::StrCat(
      Head(language, nl ? "Link werkt niet" : "Link does not work"), "<h1>",
      nl ? "Deze link werkt niet (meer)" : "This link does not work", "</h1><section><p>",
      Escape(problem), "</p><p>",
      nl ? "Elk bericht dat we je sturen heeft een nieuwe link naar je voorkeuren. Gebruik de "
           "link uit je laatste bericht, of neem contact op met onze klantenservice."
         : "Every message we send you has a fresh link to your preferences. Use the link in "
           "your latest message, or contact customer service.",
      "</p></section>", kFoot);
}

}  // namespace herald::api
