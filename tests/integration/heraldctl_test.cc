// heraldctl as an operator uses it, against a running heraldd process.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "herald/v1/event_service.grpc.pb.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/smtp_sink.h"
#include "tests/support/built_binary.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace herald::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class HeraldctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // No quiet hours: what is let through does not depend on the time of day.
    heraldd_ = std::make_unique<HeralddProcess>(dir_.path().string(), dir_.File("herald.db"),
                                                "policy:\n  quiet_hours: \"off\"\n");
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
  }

  void TearDown() override { EXPECT_EQ(heraldd_->Stop(), 0); }

  // As the admin, with the token file heraldd made.
  RunResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {BuiltBinary(HERALDCTL_PATH), "--address", heraldd_->grpc_target(),
                               "--token-file", dir_.File("admin.token")});
    return RunToExit(std::move(args));
  }

  // With HERALD_TOKEN set to `token` (unset when empty).
  RunResult CtlWith(const std::string& token, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env", "-u", "HERALD_TOKEN", "-u",
                                     "HERALD_TOKEN_FILE"};
    if (!token.empty()) argv.push_back("HERALD_TOKEN=" + token);
    argv.insert(argv.end(), {BuiltBinary(HERALDCTL_PATH), "--address", heraldd_->grpc_target()});
    argv.insert(argv.end(), args.begin(), args.end());
    return RunToExit(std::move(argv));
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.File(name)) << text;
    return dir_.File(name);
  }

  TempDir dir_;
  std::unique_ptr<HeralddProcess> heraldd_;
};

TEST_F(HeraldctlTest, HealthAndServices) {
  RunResult health = Ctl({"health"});
  EXPECT_EQ(health.exit_code, 0) << health.err;
  EXPECT_EQ(health.out, "SERVING\n");
  RunResult services = Ctl({"services"});
  EXPECT_EQ(services.exit_code, 0) << services.err;
  EXPECT_THAT(services.out, HasSubstr("herald.v1.ProfileService\n"));
  EXPECT_THAT(services.out, HasSubstr("herald.v1.NotificationService\n"));
}

TEST_F(HeraldctlTest, AnAdminCreatesKeysPerRoleAndRevokesThem) {
  RunResult nobody = CtlWith("", {"profile", "list"});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_THAT(nobody.err, HasSubstr("UNAUTHENTICATED: no credentials"));

  RunResult created = Ctl({"key", "create", "--name", "dashboards", "--role", "viewer"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("\"role\": \"ROLE_VIEWER\""));
  EXPECT_THAT(created.out, HasSubstr("\"created_by\": \"api-key:"));
  const size_t at = created.out.find("\"token\": \"") + 10;
  const std::string token = created.out.substr(at, created.out.find('"', at) - at);
  ASSERT_EQ(token.rfind("hk_", 0), 0u) << created.out;
  const std::string id = token.substr(3, 16);

  // A viewer reads, and may not write; the refusal says which roles may.
  RunResult read = CtlWith(token, {"template", "list"});
  EXPECT_EQ(read.exit_code, 0) << read.err;
  RunResult write = CtlWith(token, {"template", "delete", "order_shipped"});
  EXPECT_EQ(write.exit_code, 1);
  EXPECT_THAT(write.err, HasSubstr("PERMISSION_DENIED: TemplateService.DeleteTemplate needs one "
                                   "of the roles editor,admin; api-key:" +
                                   id + " (dashboards) has viewer"));
  RunResult keys_as_viewer = CtlWith(token, {"key", "list"});
  EXPECT_THAT(keys_as_viewer.err, HasSubstr("PERMISSION_DENIED"));

  RunResult listed = Ctl({"key", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("\"name\": \"dashboards\""));
  EXPECT_THAT(listed.out, HasSubstr("\"name\": \"admin token file\""));
  EXPECT_EQ(listed.out.find("secret"), std::string::npos) << "no secret or hash is listed";

  RunResult revoked = Ctl({"key", "revoke", id});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_THAT(revoked.out, HasSubstr("\"revoke_time\""));
  RunResult after = CtlWith(token, {"template", "list"});
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_THAT(after.err, HasSubstr("UNAUTHENTICATED: API key " + id + " (dashboards) was revoked"));

  // A token of the right shape whose secret is wrong is refused without saying more.
  std::string forged = token;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  RunResult wrong = CtlWith(forged, {"template", "list"});
  EXPECT_THAT(wrong.err, HasSubstr("UNAUTHENTICATED: API key " + id +
                                   " is not known here, or its secret does not match"));
  EXPECT_GE(heraldd_->Metric("herald_auth_refused_total", "reason=\"revoked\""), 1);
  EXPECT_GE(heraldd_->Metric("herald_auth_refused_total", "reason=\"forbidden\""), 2);
}

TEST_F(HeraldctlTest, EveryChangeIsAuditedAndVerifyFindsARecordEditedInTheDatabase) {
  const std::string anna =
      Write("anna.json", R"({"customer_id": "anna", "email": "anna@example.nl"})");
  ASSERT_EQ(Ctl({"profile", "create", "--file", anna}).exit_code, 0);
  ASSERT_EQ(Ctl({"profile", "update", "--file",
                 Write("a2.json", R"({"customer_id": "anna", "email": "anna@example.be"})"),
                 "--mask", "email"})
                .exit_code,
            0);
  RunResult key = Ctl({"key", "create", "--name", "ci", "--role", "editor", "--token-only"});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  const std::string key_id = key.out.substr(3, 16);
  ASSERT_EQ(Ctl({"key", "revoke", key_id}).exit_code, 0);
  ASSERT_EQ(Ctl({"profile", "delete", "anna"}).exit_code, 0);
  ASSERT_NE(Ctl({"profile", "delete", "anna"}).exit_code, 0) << "a refused change is not audited";

  RunResult listed = Ctl({"audit", "list", "--resource", "profiles/anna"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("\"method\": \"ProfileService.CreateProfile\""));
  EXPECT_THAT(listed.out, HasSubstr("\"method\": \"ProfileService.UpdateProfile\""));
  EXPECT_THAT(listed.out, HasSubstr("\"method\": \"ProfileService.DeleteProfile\""));
  EXPECT_THAT(listed.out, HasSubstr("\"principal\": \"api-key:"));
  RunResult keys = Ctl({"audit", "list", "--resource", "api-keys/" + key_id});
  EXPECT_THAT(keys.out, HasSubstr("KeyService.CreateApiKey"));
  EXPECT_THAT(keys.out, HasSubstr("KeyService.RevokeApiKey"));
  RunResult verified = Ctl({"audit", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("audit trail intact: 5 records"));

  // The table refuses changes; someone who removes that guard is still found out.
  ASSERT_EQ(heraldd_->Stop(), 0);
  const std::string db = dir_.File("herald.db");
  RunResult guarded = RunToExit(
      {"/usr/bin/sqlite3", db, "UPDATE audit_records SET principal = 'x' WHERE sequence = 2"});
  EXPECT_NE(guarded.exit_code, 0);
  EXPECT_THAT(guarded.err, HasSubstr("audit records are append-only"));
  RunResult edited = RunToExit({"/usr/bin/sqlite3", db,
                                "DROP TRIGGER audit_records_no_update; UPDATE audit_records SET "
                                "principal = 'api-key:someone-else' WHERE sequence = 2"});
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  heraldd_ = std::make_unique<HeralddProcess>(dir_.path().string(), db,
                                              "policy:\n  quiet_hours: \"off\"\n");
  ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
  RunResult broken = Ctl({"audit", "verify"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.err, HasSubstr("audit record 2 does not hold"));
}

TEST_F(HeraldctlTest, OperatorActionsSayWhatTheyDidAndWhatIsWrong) {
  RunResult dry = Ctl({"notification", "bulk", "retry", "--template", "order-shipped", "--limit",
                       "10", "--reason", "after the outage", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(dry.out, "0 would be changed (retry)\n");
  RunResult missing = Ctl({"notification", "cancel", "n-nope", "--reason", "wrong template"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND: notification \"n-nope\" not found"));
  RunResult undecided = Ctl({"notification", "resolve", "n-nope", "--reason", "checked"});
  EXPECT_NE(undecided.exit_code, 0);
  EXPECT_THAT(undecided.err, HasSubstr("say --sent or --not-sent"));
  RunResult wrong =
      Ctl({"notification", "bulk", "retry", "--state", "SENT", "--limit", "1", "--reason", "x"});
  EXPECT_THAT(wrong.err, HasSubstr("filter.states: SENT: only FAILED or UNKNOWN can be retried"));
  RunResult unreasoned = Ctl({"notification", "retry", "n-nope"});
  EXPECT_THAT(unreasoned.err, HasSubstr("--reason is required"));
}

TEST_F(HeraldctlTest, KillSwitchesSayWhatTheyPausedAndWhatIsWrong) {
  RunResult none = Ctl({"pauses"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "nothing is paused\n");
  RunResult paused = Ctl({"pause", "category", "SURVEY", "--reason", "survey tool is down"});
  EXPECT_EQ(paused.exit_code, 0) << paused.err;
  EXPECT_EQ(paused.out, "paused category SURVEY; held at once (were QUEUED): 0\n");
  RunResult all = Ctl({"pause", "all", "--reason", "incident 42"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  RunResult listed = Ctl({"pauses"});
  EXPECT_THAT(listed.out, MatchesRegex("category SURVEY paused by api-key:[^ ]+ at [0-9TZ:.-]+: "
                                       "survey tool is down\nall sending paused by .*: incident "
                                       "42\n"));
  RunResult resumed = Ctl({"resume", "all", "--reason", "incident over"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_THAT(resumed.out, MatchesRegex("resumed all sending \\(paused by api-key:[^ ]+ at "
                                        "[0-9TZ:.-]+\\); released to be decided again: 0\n"));
  RunResult again = Ctl({"resume", "all", "--reason", "twice"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("NOT_FOUND: all sending is not paused"));
  EXPECT_THAT(Ctl({"pause", "channel", "FAX", "--reason", "x"}).err,
              HasSubstr("channel FAX: EMAIL or SMS"));
  EXPECT_THAT(Ctl({"pause", "template", "--reason", "x"}).err, HasSubstr("template: say which"));
  EXPECT_THAT(Ctl({"pause", "everything", "--reason", "x"}).err,
              HasSubstr("everything: not a scope (all, template, category, channel)"));
  EXPECT_THAT(Ctl({"pause", "template", "nope", "--reason", "x"}).err,
              HasSubstr("scope.template_name: no template is named \"nope\""));
  EXPECT_THAT(Ctl({"pause", "all"}).err, HasSubstr("--reason is required"));
}

TEST_F(HeraldctlTest, ConfigReloadSaysWhichVersionIsInForce) {
  RunResult reloaded = Ctl({"config", "reload"});
  EXPECT_EQ(reloaded.exit_code, 0) << reloaded.err;
  EXPECT_THAT(reloaded.out, MatchesRegex("config [0-9a-f]{12} in force; nothing changed\n"));
}

TEST_F(HeraldctlTest, ProfileLifecycleFromJsonFiles) {
  const std::string anna = Write("anna.json", R"({
    "customer_id": "anna",
    "display_name": "Anna de Vries",
    "email": "anna@example.nl",
    "phone": "+31 6 12345678",
    "locale": "nl",
    "time_zone": "Europe/Amsterdam",
    "preferred_channels": ["CHANNEL_SMS", "CHANNEL_EMAIL"],
    "consents": [{"category": "CATEGORY_SURVEY", "channel": "CHANNEL_EMAIL",
                  "state": "CONSENT_STATE_GRANTED", "source": "web"}]
  })");
  RunResult created = Ctl({"profile", "create", "--file", anna});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("\"phone\": \"+31612345678\""));

  const std::string patch =
      Write("patch.json", R"({"customer_id": "anna", "email": "anna@example.be"})");
  RunResult updated = Ctl({"profile", "update", "--file", patch, "--mask", "email"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  RunResult got = Ctl({"profile", "get", "anna"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_THAT(got.out, HasSubstr("\"email\": \"anna@example.be\""));
  EXPECT_THAT(got.out, HasSubstr("\"source\": \"web\""));

  RunResult deleted = Ctl({"profile", "delete", "anna"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  RunResult gone = Ctl({"profile", "get", "anna"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.err, HasSubstr("NOT_FOUND: profile \"anna\" not found"));
}

TEST_F(HeraldctlTest, ThePrivacyDeskExportsAndErasesACustomer) {
  RunResult key =
      Ctl({"key", "create", "--name", "privacy-desk", "--role", "privacy", "--token-only"});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  const std::string token = key.out.substr(0, key.out.find('\n'));
  RunResult nothing = CtlWith(token, {"privacy", "export", "nobody"});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_THAT(nothing.err, HasSubstr("NOT_FOUND: Herald holds nothing about customer \"nobody\""));

  const std::string anna = Write("anna.json", R"({
    "customer_id": "anna", "display_name": "Anna de Vries", "email": "anna@example.nl",
    "locale": "nl", "preferred_channels": ["CHANNEL_EMAIL"]})");
  ASSERT_EQ(Ctl({"profile", "create", "--file", anna}).exit_code, 0);
  RunResult exported = CtlWith(token, {"privacy", "export", "anna"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("\"email\": \"anna@example.nl\""));
  EXPECT_THAT(exported.out, HasSubstr("\"export_time\""));

  RunResult erased = CtlWith(token, {"privacy", "erase", "anna"});
  ASSERT_EQ(erased.exit_code, 0) << erased.err;
  EXPECT_THAT(erased.out, HasSubstr("\"erase_time\""));
  RunResult again = CtlWith(token, {"privacy", "export", "anna"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.find("anna@example.nl"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("Vries"), std::string::npos) << again.out;
  EXPECT_THAT(again.out, HasSubstr("SUPPRESSION_REASON_ERASED"));

  // Both are in the audit trail, under the one who asked.
  RunResult audit = Ctl({"audit", "list", "--resource", "profiles/anna"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("PrivacyService.ExportCustomer"));
  EXPECT_THAT(audit.out, HasSubstr("PrivacyService.EraseCustomer"));
}

TEST_F(HeraldctlTest, ProblemsAreReportedWithTheirCause) {
  const std::string bad =
      Write("bad.json", R"({"customer_id": "bob", "time_zone": "Europe/Amsterdm"})");
  RunResult invalid = Ctl({"profile", "create", "--file", bad});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.err, HasSubstr("INVALID_ARGUMENT: profile.time_zone"));

  const std::string typo = Write("typo.json", R"({"customer_id": "bob", "emial": "x"})");
  RunResult not_json = Ctl({"profile", "create", "--file", typo});
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_THAT(not_json.err, HasSubstr("emial"));
  const std::string event =
      Write("event.json",
            R"({"event_id": "e-1", "event_type": "order.shipped", "occur_time": "yesterday"})");
  RunResult bad_time = Ctl({"event", "publish", "--file", event});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_THAT(bad_time.err, HasSubstr("occur_time"));
  RunResult usage = Ctl({"deliveries", "get", "n-1", "--part", "pdf"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.err, HasSubstr("--part: pdf not in {subject,text,html,sms}"));
  EXPECT_EQ(Ctl({}).exit_code, 2);  // no command

  RunResult unreachable = RunToExit(
      {BuiltBinary(HERALDCTL_PATH), "--address", "127.0.0.1:1", "--timeout", "2", "health"});
  EXPECT_EQ(unreachable.exit_code, 3);
  EXPECT_THAT(unreachable.err, HasSubstr("UNAVAILABLE"));
}

TEST_F(HeraldctlTest, TemplateRenderWritesExactlyTheRenderedBytes) {
  const std::string tmpl =
      Write("shipped.mustache",
            "Hallo {{profile.display_name}},\nJe bestelling {{order.order_id}} "
            "is onderweg.\n{{>footer}}");
  const std::string footer = Write("footer.mustache", "-- {{brand}}");
  const std::string data = Write("data.json", R"({"profile": {"display_name": "Anna & Co"},
                                                  "order": {"order_id": 1001}, "brand": "Herald"})");
  RunResult text = Ctl({"template", "render", "--file", tmpl, "--data", data, "--partial",
                        "footer=" + footer, "--escape", "none"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "Hallo Anna & Co,\nJe bestelling 1001 is onderweg.\n-- Herald");
  EXPECT_EQ(text.err, "");
  RunResult html =
      Ctl({"template", "render", "--file", tmpl, "--data", data, "--partial", "footer=" + footer});
  EXPECT_EQ(html.out, "Hallo Anna &amp; Co,\nJe bestelling 1001 is onderweg.\n-- Herald");
  // A directory of snippets; without the footer the spec renders nothing, with a warning.
  std::filesystem::create_directories(dir_.File("snippets"));
  Write("snippets/footer.mustache", "-- {{brand}} team");
  RunResult snippets = Ctl({"template", "render", "--file", tmpl, "--data", data, "--snippets",
                            dir_.File("snippets"), "--escape", "none"});
  EXPECT_EQ(snippets.out, "Hallo Anna & Co,\nJe bestelling 1001 is onderweg.\n-- Herald team");
  RunResult missing = Ctl({"template", "render", "--file", tmpl, "--data", data});
  EXPECT_EQ(missing.exit_code, 0);
  EXPECT_EQ(missing.out, "Hallo Anna &amp; Co,\nJe bestelling 1001 is onderweg.\n");
  EXPECT_THAT(missing.err, HasSubstr("shipped.mustache: partial \"footer\" (line 3, column 1) was "
                                     "not given (--partial, --snippets) and renders as nothing"));
  Write("snippets/loop.mustache", "{{> footer}}");
  Write("snippets/footer.mustache", "{{> loop}}");
  RunResult loop = Ctl(
      {"template", "render", "--file", tmpl, "--data", data, "--snippets", dir_.File("snippets")});
  // Recursion is Mustache: a warning, and a refusal only because this data never ends it.
  EXPECT_EQ(loop.exit_code, 2);
  EXPECT_THAT(loop.err, HasSubstr("warning: partials include each other in a circle: footer -> "
                                  "loop -> footer; a message renders only while its data ends "
                                  "the recursion"));
  EXPECT_THAT(loop.err, HasSubstr("partial \"footer\" nested more than 64 deep (footer -> loop "
                                  "-> footer -> ...)"));

  const std::string broken = Write("broken.mustache", "Hallo\n  {{#items}}\n");
  RunResult error = Ctl({"template", "render", "--file", broken, "--data", data});
  EXPECT_EQ(error.exit_code, 2);
  EXPECT_EQ(error.out, "");
  EXPECT_THAT(error.err, HasSubstr("broken.mustache:2:3: section \"items\" opened here is never "
                                   "closed"));
  RunResult bad_json = Ctl({"template", "render", "--file", tmpl, "--data", tmpl});
  EXPECT_EQ(bad_json.exit_code, 2);
  EXPECT_THAT(bad_json.err, HasSubstr("not valid JSON"));

  // The same through a running heraldd, for a stored template.
  ASSERT_EQ(Ctl({"template", "create", "--file", Write("shipped.json", R"({"name": "order-shipped",
                   "category": "CATEGORY_ORDER_UPDATE", "event_types": ["order.shipped"],
                   "default_locale": "en", "contents": [{"locale": "nl",
                   "sms": {"text": "Bestelling {{order.order_id}} is onderweg"}},
                   {"locale": "en", "sms": {"text": "Order {{order.order_id}} shipped"}}]})")})
                .exit_code,
            0);
  RunResult preview =
      Ctl({"template", "preview", "order-shipped", "--data", data, "--locale", "nl-BE"});
  EXPECT_EQ(preview.exit_code, 0) << preview.err;
  EXPECT_THAT(preview.out, HasSubstr("\"text\": \"Bestelling 1001 is onderweg\""));
  EXPECT_THAT(preview.out, HasSubstr("\"encoding\": \"SMS_ENCODING_GSM_7\""));
  EXPECT_THAT(preview.out, HasSubstr("\"segments\": 1"));
}

TEST_F(HeraldctlTest, TheExampleTemplatesApplyCleanlyAndOnlyOnce) {
  RunResult first = Ctl({"template", "apply", DEPLOY_TEMPLATES_DIR});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.err, "");  // no warnings: every variable is one Herald supplies
  EXPECT_THAT(first.out, HasSubstr("order-shipped: created, version 1 (active 1)\n"));
  EXPECT_THAT(first.out, HasSubstr("suspicious-login: created, version 1 (active 1)\n"));
  // The shared footers first, then the templates that include them.
  EXPECT_THAT(first.out, ::testing::StartsWith(
                             "snippet footer-en-html: created\nsnippet footer-en: created\n"));
  EXPECT_EQ(std::count(first.out.begin(), first.out.end(), '\n'), 4 + 7);
  RunResult again = Ctl({"template", "apply", DEPLOY_TEMPLATES_DIR});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("order-shipped: unchanged, version 1 (active 1)\n"));
  EXPECT_THAT(again.out, HasSubstr("snippet footer-nl: unchanged\n"));
  RunResult footer = Ctl({"snippet", "get", "footer-nl"});
  EXPECT_EQ(footer.out,
            ReadFile(std::string(DEPLOY_TEMPLATES_DIR) + "/snippets/footer-nl.mustache"));
  RunResult in_use = Ctl({"snippet", "delete", "footer-nl"});
  EXPECT_EQ(in_use.exit_code, 1);
  EXPECT_THAT(in_use.err, HasSubstr("FAILED_PRECONDITION: snippet \"footer-nl\" is included by "
                                    "the active version of appointment-reminder, order-delayed"));

  // Previews in both languages.
  const std::string data = Write("outage.json", R"({"customer": {"name": "Anna"},
      "service": {"outage": {"service_name": "Internet", "area": "Utrecht"}}})");
  RunResult nl =
      Ctl({"template", "preview", "outage-started", "--data", data, "--locale", "nl-NL"});
  ASSERT_EQ(nl.exit_code, 0) << nl.err;
  EXPECT_THAT(nl.out, HasSubstr("\"subject\": \"Storing: Internet in Utrecht\""));
  EXPECT_THAT(nl.out, HasSubstr("Je krijgt dit bericht omdat je klant bent bij Herald Bank."));
  RunResult sms = Ctl(
      {"template", "preview", "outage-started", "--data", data, "--locale", "nl", "--part", "sms"});
  EXPECT_EQ(sms.out, "Storing in Internet. We werken eraan. We melden het als het weer werkt.");
  RunResult en =
      Ctl({"template", "preview", "outage-started", "--data", data, "--locale", "en-GB"});
  EXPECT_THAT(en.out, HasSubstr("\"subject\": \"Outage: Internet in Utrecht\""));

  // A manifest with a mistake is named, and the others still go.
  std::filesystem::create_directories(dir_.File("mine/broken"));
  Write("mine/broken/template.yaml", "name: broken\ncategory: NEWSLETTER\n");
  RunResult broken = Ctl({"template", "apply", dir_.File("mine")});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr("template.yaml: category: \"NEWSLETTER\" is not a category"));
}

TEST_F(HeraldctlTest, DeliveriesAndExplainShowWhatTheCustomerWasToldAndWhy) {
  ASSERT_EQ(Ctl({"profile", "create", "--file",
                 Write("anna.json", R"({"customer_id": "anna", "email": "anna@example.nl",
                                        "time_zone": "Europe/Amsterdam"})")})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"template", "create", "--file", Write("shipped.json", R"({"name": "order-shipped",
                   "category": "CATEGORY_ORDER_UPDATE", "event_types": ["order.shipped"],
                   "default_locale": "en", "contents": [{"locale": "en",
                   "email": {"subject": "Shipped", "text_body": "On its way"}}]})")})
                .exit_code,
            0);
  auto events = v1::EventService::NewStub(heraldd_->Channel());
  v1::PublishEventRequest request;
  v1::Event* e = request.mutable_event();
  e->set_event_id("ord-7-shipped");
  e->set_event_type("order.shipped");
  *e->mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  e->set_customer_id("anna");
  e->mutable_order()->set_order_id("7");
  v1::PublishEventResponse response;
  ASSERT_TRUE(events->PublishEvent(Context().get(), request, &response).ok());
  events.reset();

  // Decided at once (no quiet hours here) and rendered.
  RunResult list;
  for (int i = 0; i < 300; ++i) {
    list = Ctl({"deliveries", "list", "--customer", "anna"});
    if (list.out.find("\"decision\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("\"template_name\": \"order-shipped\""));
  EXPECT_THAT(list.out, HasSubstr("\"decision\""));

  RunResult why = Ctl({"explain", "--customer", "anna", "--event", "ord-7-shipped"});
  ASSERT_EQ(why.exit_code, 0) << why.err;
  EXPECT_THAT(why.out, HasSubstr("Template order-shipped (ORDER_UPDATE) for customer anna, event "
                                 "ord-7-shipped (order.shipped): "));
  EXPECT_THAT(why.out, HasSubstr("  pass  channel: EMAIL: no ORDER_UPDATE consent recorded"));
  EXPECT_THAT(why.out, HasSubstr("quiet_hours: no quiet hours (policy.quiet_hours is off)"));

  // The notification itself: QUEUED, and nothing rendered until its hand-off (this
  // heraldd has no email connector).
  const size_t at = list.out.find("\"notification_id\": \"");
  ASSERT_NE(at, std::string::npos);
  const size_t from = at + std::string_view("\"notification_id\": \"").size();
  const std::string id = list.out.substr(from, list.out.find('"', from) - from);
  RunResult got = Ctl({"deliveries", "get", id});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_THAT(got.out, HasSubstr("\"notification_id\": \"" + id + "\""));
  EXPECT_THAT(got.out, HasSubstr("NOTIFICATION_STATE_QUEUED"));
  RunResult waiting = Ctl({"deliveries", "get", id, "--part", "subject"});
  EXPECT_EQ(waiting.exit_code, 1);
  EXPECT_THAT(waiting.err, HasSubstr("no email was rendered for it (it is QUEUED): a message is "
                                     "rendered when it is handed off on that channel"));
  EXPECT_EQ(Ctl({"deliveries", "get", "n-0"}).exit_code, 1);

  // With an SMTP server, it goes: what it said, and the hand-off after the decision.
  SmtpSink smtp(dir_.File("mail"));
  ASSERT_TRUE(smtp.ready()) << smtp.Stderr();
  ASSERT_EQ(heraldd_->Stop(), 0);
  heraldd_ = std::make_unique<HeralddProcess>(
      dir_.path().string(), dir_.File("herald.db"),
      "policy:\n  quiet_hours: \"off\"\nemail:\n  url: " + smtp.url() +
          "\n  starttls: \"off\"\n  from_address: noreply@herald.example\n");
  ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
  ASSERT_EQ(smtp.WaitForMessages(1).size(), 1u);
  RunResult subject;
  for (int i = 0; i < 300; ++i) {
    subject = Ctl({"deliveries", "get", id, "--part", "subject"});
    if (subject.exit_code == 0 &&
        Ctl({"deliveries", "get", id}).out.find("STATE_SENT") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(subject.out, "Shipped");
  EXPECT_EQ(Ctl({"deliveries", "get", id, "--part", "text"}).out, "On its way");
  RunResult no_html = Ctl({"deliveries", "get", id, "--part", "html"});
  EXPECT_EQ(no_html.exit_code, 1);
  EXPECT_THAT(no_html.err, HasSubstr("the email has no HTML body"));
  RunResult sent = Ctl({"explain", id});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_THAT(sent.out, HasSubstr(id + " after the decision\n"));
  EXPECT_THAT(sent.out, HasSubstr("  SENDING: attempt 1 on EMAIL: en, \"Shipped\"\n"));
  EXPECT_THAT(sent.out, HasSubstr("  SENT: accepted on EMAIL"));

  // A viewer reads the same notification and profile with the contact data masked and
  // without the message bodies.
  RunResult viewer_key =
      Ctl({"key", "create", "--name", "wallboard", "--role", "viewer", "--token-only"});
  ASSERT_EQ(viewer_key.exit_code, 0) << viewer_key.err;
  const std::string viewer = viewer_key.out.substr(0, viewer_key.out.find('\n'));
  RunResult as_viewer = CtlWith(viewer, {"deliveries", "get", id});
  ASSERT_EQ(as_viewer.exit_code, 0) << as_viewer.err;
  EXPECT_THAT(as_viewer.out, HasSubstr("\"state\": \"NOTIFICATION_STATE_SENT\""));
  EXPECT_EQ(as_viewer.out.find("On its way"), std::string::npos) << as_viewer.out;
  RunResult profile_as_viewer = CtlWith(viewer, {"profile", "get", "anna"});
  ASSERT_EQ(profile_as_viewer.exit_code, 0) << profile_as_viewer.err;
  EXPECT_THAT(profile_as_viewer.out, HasSubstr("\"email\": \"a***@example.nl\""));
  EXPECT_THAT(Ctl({"profile", "get", "anna"}).out, HasSubstr("\"email\": \"anna@example.nl\""));
  // heraldd's log never shows an address whole (its own sender's neither).
  EXPECT_EQ(heraldd_->process().Stderr().find("anna@example.nl"), std::string::npos);
  EXPECT_THAT(heraldd_->process().Stderr(), HasSubstr("from=n***@herald.example"));

  RunResult unknown = Ctl({"explain", "--customer", "anna", "--event", "never"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("NOT_FOUND: no event \"never\" was recorded"));
  RunResult bad_state = Ctl({"deliveries", "list", "--state", "LOST"});
  EXPECT_EQ(bad_state.exit_code, 2);
  EXPECT_THAT(bad_state.err, HasSubstr("--state LOST: not a state"));
}

}  // namespace
}  // namespace herald::testing
