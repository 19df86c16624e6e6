#include "services/api/template_variables.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_split.h"
#include "herald/v1/event.pb.h"
#include "services/compose/mustache.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

// Calls `f(name, source)` for every Mustache part of the template, e.g.
// ("contents[nl].email.subject", "...").
template <typename F>
void ForEachPart(const core::Template& tmpl, F&& f) {
  for (const core::LocalizedContent& c : tmpl.contents) {
    const std::string at = core::StrCat("contents[", c.locale, "].");
    if (c.email) {
      f(at + "email.subject", c.email->subject);
      f(at + "email.text_body", c.email->text_body);
      f(at + "email.html_body", c.email->html_body);
    }
    if (c.sms) f(at + "sms.text", c.sms->text);
  }
}

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// What a name can lead to in the template data.
struct Shape {
  std::map<std::string, Shape> fields;
  bool any = false;  // every name is there (attributes)
};

Shape Leaves(std::initializer_list<const char*> names) {
  Shape s;
  for (const char* name : names) s.fields[name];
  return s;
}

Shape FromDescriptor(const Descriptor* d) {
  if (d->full_name() == "google.protobuf.Timestamp") return Leaves({"iso", "date", "time"});
  if (d->full_name() == "herald.v1.Money") return Leaves({"amount", "currency", "value"});
  Shape s;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    s.fields[f->name()] =
        f->message_type() != nullptr ? FromDescriptor(f->message_type()) : Shape{};
  }
  return s;
}

const Shape& Root() {
  static const Shape* const kRoot = [] {
    auto* root = new Shape;
    root->fields["customer"] = Leaves({"id", "name", "email", "phone", "locale", "time_zone"});
    Shape event = Leaves({"id", "type", "source"});
    event.fields["occur_time"] = Leaves({"iso", "date", "time"});
    root->fields["event"] = event;
    root->fields["order"] = FromDescriptor(v1::OrderEvent::descriptor());
    root->fields["service"] = FromDescriptor(v1::ServiceEvent::descriptor());
    root->fields["fraud"] = FromDescriptor(v1::FraudEvent::descriptor());
    root->fields["attributes"].any = true;
    root->fields["preferences_url"];
    return root;
  }();
  return *kRoot;
}

// Resolves a dotted name against the open contexts, innermost first. On failure,
// `hint` is the closest name at the level that failed.
const Shape* Resolve(const std::vector<const Shape*>& contexts, const std::string& name,
                     std::string& hint) {
  if (name == ".") return contexts.back();
  const std::vector<std::string> parts = absl::StrSplit(name, '.');
  const Shape* at = nullptr;
  for (auto it = contexts.rbegin(); it != contexts.rend() && at == nullptr; ++it) {
    if ((*it)->any) return *it;  // attributes, or a section nothing is known of
    auto found = (*it)->fields.find(parts[0]);
    if (found != (*it)->fields.end()) at = &found->second;
  }
  const Shape* level = contexts.front();
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      if (at->any) return at;
      auto found = at->fields.find(parts[i]);
      level = at;
      at = found == at->fields.end() ? nullptr : &found->second;
    }
    if (at == nullptr) {
      size_t best = 3;
      for (const auto& [candidate, shape] : level->fields) {
        const size_t d = core::EditDistance(parts[i], candidate);
        if (d < best) {
          best = d;
          hint = prefix + candidate;
        }
      }
      return nullptr;
    }
    prefix += parts[i] + ".";
  }
  return at;
}

void Check(std::string_view part, const std::string& source, std::vector<std::string>& out) {
  absl::StatusOr<std::vector<compose::MustacheTag>> tags = compose::ParseMustacheTags(source);
  if (!tags.ok()) return;  // syntax errors are refused elsewhere
  static const Shape kUnknown{{}, true};
  std::vector<const Shape*> contexts = {&Root()};
  for (const compose::MustacheTag& tag : *tags) {
    using Kind = compose::MustacheTag::Kind;
    if (tag.kind == Kind::kPartial) continue;
    if (tag.kind == Kind::kClose) {
      if (contexts.size() > 1) contexts.pop_back();
      continue;
    }
    std::string hint;
    const Shape* shape = Resolve(contexts, tag.name, hint);
    if (shape == nullptr) {
      out.push_back(core::StrCat(part, " line ", tag.line, ", column ", tag.column, ": {{",
                                 tag.name, "}}: no event or profile field supplies it",
                                 hint.empty() ? "" : core::StrCat(" (did you mean ", hint, "?)")));
    }
    if (tag.kind == Kind::kSection) {
      contexts.push_back(shape != nullptr ? shape : &kUnknown);
    } else if (tag.kind == Kind::kInverted) {
      contexts.push_back(contexts.back());  // the context does not change inside
    }
  }
}

}  // namespace

std::vector<std::string> UnknownVariables(const core::Template& tmpl) {
  std::vector<std::string> out;
  ForEachPart(
      tmpl, [&](const std::string& part, const std::string& source) { Check(part, source, out); });
  return out;
}

std::vector<std::string> MissingPartials(const core::Template& tmpl,
                                         const std::set<std::string>& snippets) {
  std::vector<std::string> out;
  auto check = [&](const std::string& part, const std::string& source) {
    absl::StatusOr<std::vector<compose::MustacheTag>> tags = compose::ParseMustacheTags(source);
    if (!tags.ok()) return;  // syntax errors are refused before this
    for (const compose::MustacheTag& tag : *tags) {
      if (tag.kind != compose::MustacheTag::Kind::kPartial || snippets.contains(tag.name)) {
        continue;
      }
      out.push_back(core::StrCat(part, " line ", tag.line, ", column ", tag.column, ": {{> ",
                                 tag.name, "}}: there is no snippet \"", tag.name,
                                 "\"; messages using it fail until one is created"));
    }
  };
  ForEachPart(tmpl, check);
  return out;
}

std::set<std::string> IncludedSnippets(const core::Template& tmpl,
                                       const std::map<std::string, std::string>& snippets) {
  std::set<std::string> out;
  std::vector<std::string_view> pending;
  ForEachPart(tmpl,
              [&](const std::string&, const std::string& source) { pending.push_back(source); });
  while (!pending.empty()) {
    const std::string_view source = pending.back();
    pending.pop_back();
    absl::StatusOr<std::vector<compose::MustacheTag>> tags = compose::ParseMustacheTags(source);
    if (!tags.ok()) continue;
    for (const compose::MustacheTag& tag : *tags) {
      if (tag.kind != compose::MustacheTag::Kind::kPartial || !out.insert(tag.name).second) {
        continue;
      }
      auto found = snippets.find(tag.name);
      if (found != snippets.end()) pending.push_back(found->second);
    }
  }
  return out;
}

}  // namespace herald::api
