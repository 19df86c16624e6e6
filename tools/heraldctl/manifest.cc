#include "tools/heraldctl/manifest.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

namespace herald::heraldctl {
namespace {

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<v1::Template> ReadTemplateManifest(const std::filesystem::path& manifest) {
  const std::string where = manifest.string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(where);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(where + ": " + e.what());
  }
  auto text = [&](const YAML::Node& node, const std::string& key) -> std::string {
    return node[key] && node[key].IsScalar() ? node[key].Scalar() : "";
  };
  // A body: a file next to the manifest.
  auto file = [&](const YAML::Node& node, const std::string& key,
                  std::string& out) -> absl::Status {
    const std::string name = text(node, key);
    if (name.empty()) return absl::OkStatus();
    std::optional<std::string> body = ReadFile((manifest.parent_path() / name).string());
    if (!body) {
      return absl::InvalidArgumentError(where + ": " + key + ": cannot open " +
                                        (manifest.parent_path() / name).string());
    }
    out = *std::move(body);
    return absl::OkStatus();
  };
  v1::Template t;
  t.set_name(text(root, "name"));
  t.set_description(text(root, "description"));
  v1::Category category;
  if (!v1::Category_Parse("CATEGORY_" + text(root, "category"), &category)) {
    return absl::InvalidArgumentError(where + ": category: \"" + text(root, "category") +
                                      "\" is not a category (e.g. ORDER_UPDATE)");
  }
  t.set_category(category);
  if (root["event_types"]) {
    for (const auto& type : root["event_types"]) t.add_event_types(type.as<std::string>(""));
  }
  if (!text(root, "priority").empty()) {
    v1::Priority priority;
    if (!v1::Priority_Parse("PRIORITY_" + text(root, "priority"), &priority)) {
      return absl::InvalidArgumentError(where + ": priority: \"" + text(root, "priority") +
                                        "\" is not a priority (LOW, NORMAL, HIGH, URGENT)");
    }
    t.set_priority(priority);
  }
  t.set_default_locale(text(root, "default_locale"));
  if (!text(root, "max_sms_segments").empty()) {
    const std::string value = text(root, "max_sms_segments");
    int segments = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), segments);
    if (error != std::errc() || end != value.data() + value.size()) {
      return absl::InvalidArgumentError(where + ": max_sms_segments: \"" + value +
                                        "\" is not a whole number");
    }
    t.set_max_sms_segments(segments);
  }
  if (root["contents"] && root["contents"].IsMap()) {
    for (const auto& entry : root["contents"]) {
      v1::LocalizedContent* c = t.add_contents();
      c->set_locale(entry.first.as<std::string>(""));
      const YAML::Node& content = entry.second;
      if (content["email"]) {
        v1::EmailContent* email = c->mutable_email();
        email->set_subject(text(content["email"], "subject"));
        std::string body;
        absl::Status status = file(content["email"], "text", body);
        if (!status.ok()) return status;
        email->set_text_body(body);
        body.clear();
        status = file(content["email"], "html", body);
        if (!status.ok()) return status;
        email->set_html_body(body);
      }
      if (content["sms"]) {
        std::string body;
        absl::Status status = file(content, "sms", body);
        if (!status.ok()) return status;
        c->mutable_sms()->set_text(body);
      }
    }
  }
  return t;
}

}  // namespace herald::heraldctl
