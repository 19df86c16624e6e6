// Golden renders: every example template in deploy/templates, as the pipeline renders
// it (compose::ComposeMessages with the shared snippets and a real event), for a Dutch
// and an English customer, and for a German one whose language no template has (the
// default locale's content). Each file under tests/fixtures/golden holds every
// channel's output for one template and customer.
//
// After a deliberate change to a template, snippet or formatting, rewrite them with
//   HERALD_UPDATE_GOLDEN=1 build/dev/tests/unit/golden_test
// and review the diff.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "services/api/template_mapping.h"
#include "services/compose/compose.h"
#include "services/core/strings.h"
#include "tools/heraldctl/manifest.h"

namespace herald::compose {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Customer {
  std::string id;
  std::string name;
  std::string locale;
  std::string time_zone;
};

// Every part of every channel, in a form that reads well in a diff.
std::string Describe(const std::vector<ChannelMessage>& messages) {
  std::string out;
  for (const ChannelMessage& m : messages) {
    if (!m.message.ok()) {
      core::StrAppend(out, "=== ", core::Name(m.channel),
                      ": not rendered: ", m.message.status().ToString(), "\n");
      continue;
    }
    const core::RenderedMessage& r = *m.message;
    if (m.channel == core::Channel::kEmail) {
      core::StrAppend(out, "=== EMAIL in ", r.locale, "\n--- subject\n", r.subject,
                      "\n--- text_body\n", r.text_body, "\n--- html_body\n", r.html_body, "\n");
    } else {
      core::StrAppend(out, "=== SMS in ", r.locale, ": ", r.sms_encoding, ", ", r.sms_units,
                      " units, ", r.sms_segments, r.sms_segments == 1 ? " segment" : " segments",
                      "\n", r.sms_text, "\n");
    }
  }
  return out;
}

TEST(GoldenRender, EveryExampleTemplateForEveryLanguage) {
  const fs::path templates = DEPLOY_TEMPLATES_DIR;
  const fs::path golden = GOLDEN_DIR;
  const bool update = std::getenv("HERALD_UPDATE_GOLDEN") != nullptr;

  std::map<std::string, std::string> snippets;
  for (const auto& entry : fs::directory_iterator(templates / "snippets")) {
    snippets[entry.path().stem().string()] = Read(entry.path());
  }
  ASSERT_FALSE(snippets.empty());

  google::protobuf::Struct events;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(Read(golden / "events.json"), &events).ok());

  const std::vector<Customer> customers = {
      {"anna", "Anna de Vries", "nl-NL", "Europe/Amsterdam"},
      {"james", "James O'Brien", "en-GB", "Europe/London"},
      {"lena", "Lena Müller", "de-DE", "Europe/Berlin"},
  };
  int files = 0;
  for (const auto& entry : fs::directory_iterator(templates)) {
    const fs::path manifest = entry.path() / "template.yaml";
    if (!fs::exists(manifest)) continue;
    absl::StatusOr<v1::Template> proto = heraldctl::ReadTemplateManifest(manifest);
    ASSERT_TRUE(proto.ok()) << proto.status();
    absl::StatusOr<core::Template> tmpl = api::TemplateFromProto(*proto, "template", {});
    ASSERT_TRUE(tmpl.ok()) << tmpl.status();
    tmpl->version = 1;

    ASSERT_TRUE(events.fields().contains(tmpl->name)) << "no event for " << tmpl->name;
    std::string event_json;
    ASSERT_TRUE(
        google::protobuf::util::MessageToJsonString(events.fields().at(tmpl->name), &event_json)
            .ok());
    for (const Customer& c : customers) {
      v1::Event event;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(event_json, &event).ok())
          << tmpl->name;
      event.set_customer_id(c.id);
      core::Profile profile;
      profile.customer_id = c.id;
      profile.display_name = c.name;
      profile.locale = c.locale;
      profile.time_zone = c.time_zone;
      const ComposeRequest request{.tmpl = &*tmpl,
                                   .event = &event,
                                   .profile = &profile,
                                   .customer_id = c.id,
                                   .locale = c.locale,
                                   .time_zone = c.time_zone,
                                   .snippets = &snippets,
                                   .default_max_sms_segments = 3,
                                   .now = {}};
      const std::string rendered =
          Describe(ComposeMessages(request, {core::Channel::kEmail, core::Channel::kSms}));
      const fs::path file = golden / core::StrCat(tmpl->name, ".", c.locale, ".txt");
      ++files;
      if (update) {
        std::ofstream(file, std::ios::binary) << rendered;
        continue;
      }
      ASSERT_TRUE(fs::exists(file)) << file << " is missing; HERALD_UPDATE_GOLDEN=1 writes it";
      EXPECT_EQ(rendered, Read(file))
          << file << " differs; after a deliberate change, HERALD_UPDATE_GOLDEN=1 rewrites it";
    }
  }
  EXPECT_EQ(files, 7 * 3);
}

}  // namespace
}  // namespace herald::compose
