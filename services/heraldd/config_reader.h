#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"
#include "services/core/strings.h"
#include "services/heraldd/config.h"

// How heraldd's config is read: typed values from YAML mappings, every problem reported
// with where it is, unknown keys refused. Used by config.cc and its section readers.
namespace herald::heraldd::config_internal {

template <typename T>
bool ParseInt(std::string_view text, T& out) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, out);
  return error == std::errc() && ptr == end && !text.empty();
}

inline absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", text, "\" is not host:port (e.g. 127.0.0.1:50051)"));
  }
  int port = 0;
  if (!ParseInt(text.substr(colon + 1), port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", text, "\": the port must be a number from 0 to 65535"));
  }
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return ListenAddress{host, port};
}

// Reads one YAML mapping into typed fields, remembering which keys it knows, so that
// Finish() can report the keys nobody asked for. Problems are collected, not thrown.
class MapReader {
 public:
  MapReader(YAML::Node node, std::string path, std::string_view source,
            std::vector<std::string>& errors)
      : node_(std::move(node)), path_(std::move(path)), source_(source), errors_(errors) {
    if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
      Error(node_, path_.empty() ? "the config" : path_, "must be a mapping of keys to values");
      node_ = YAML::Node();
    }
  }

  // Whether the key is given at all (and counts it as known).
  bool Has(const std::string& key) {
    YAML::Node value = Lookup(key);
    return value.IsDefined() && !value.IsNull();
  }

  MapReader Section(const std::string& key) {
    return MapReader(Lookup(key), Path(key), source_, errors_);
  }

  void Get(const std::string& key, std::string& out) {
    Scalar(key, [&](const std::string& text) -> absl::Status {
      out = text;
      return absl::OkStatus();
    });
  }

  void Get(const std::string& key, int& out, int min, int max) {
    Scalar(key, [&](const std::string& text) -> absl::Status {
      int value = 0;
      if (!ParseInt(std::string_view(text), value) || value < min || value > max) {
        return absl::InvalidArgumentError(
            core::StrCat("\"", text, "\" must be a whole number from ", min, " to ", max));
      }
      out = value;
      return absl::OkStatus();
    });
  }

  void Get(const std::string& key, std::chrono::milliseconds& out) {
    Scalar(key, [&](const std::string& text) -> absl::Status {
      absl::StatusOr<std::chrono::milliseconds> d = ParseDuration(text);
      if (!d.ok()) return d.status();
      out = *d;
      return absl::OkStatus();
    });
  }

  void Get(const std::string& key, ListenAddress& out) {
    Scalar(key, [&](const std::string& text) -> absl::Status {
      absl::StatusOr<ListenAddress> address = ParseListenAddress(text);
      if (!address.ok()) return address.status();
      out = *address;
      return absl::OkStatus();
    });
  }

  // A secret: given inline, or as {file: PATH} (its first line; a mounted secret) or
  // {env: NAME} (an environment variable), read now. Where it came from is never logged.
  void GetSecret(const std::string& key, std::string& out) {
    YAML::Node value = Lookup(key);
    if (!value.IsDefined() || value.IsNull()) return;
    if (value.IsScalar()) {
      out = value.Scalar();
      return;
    }
    MapReader source(value, Path(key), source_, errors_);
    std::string file;
    std::string env;
    source.Get("file", file);
    source.Get("env", env);
    source.Finish();
    if (file.empty() == env.empty()) {
      Error(value, Path(key), "give the secret itself, or {file: PATH}, or {env: NAME}");
      return;
    }
    if (!file.empty()) {
      std::ifstream in(file);
      std::string line;
      if (!in || !std::getline(in, line)) {
        Error(value, Path(key) + ".file", core::StrCat("cannot read a secret from ", file));
        return;
      }
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      out = line;
      return;
    }
    const char* set = std::getenv(env.c_str());
    if (set == nullptr || *set == '\0') {
      Error(value, Path(key) + ".env",
            core::StrCat("the environment variable ", env, " is not set"));
      return;
    }
    out = set;
  }

  void Get(const std::string& key, bool& out) {
    GetChoice<bool>(key, out, {{"true", true}, {"false", false}});
  }

  // A list of words, e.g. [herald.orders, herald.service].
  void Get(const std::string& key, std::vector<std::string>& out) {
    YAML::Node value = Lookup(key);
    if (!value.IsDefined() || value.IsNull()) return;
    if (!value.IsSequence()) {
      Error(value, Path(key), "must be a list, e.g. [a, b]");
      return;
    }
    std::vector<std::string> items;
    for (size_t i = 0; i < value.size(); ++i) {
      if (!value[i].IsScalar() || value[i].Scalar().empty()) {
        Error(value[i], core::StrCat(Path(key), "[", static_cast<int>(i), "]"),
              "must be a non-empty word");
        return;
      }
      items.push_back(value[i].Scalar());
    }
    out = std::move(items);
  }

  // A mapping of names to words, passed on as it is (e.g. librdkafka properties).
  void Get(const std::string& key, std::map<std::string, std::string>& out) {
    YAML::Node value = Lookup(key);
    if (!value.IsDefined() || value.IsNull()) return;
    if (!value.IsMap()) {
      Error(value, Path(key), "must be a mapping of names to values");
      return;
    }
    for (const auto& entry : value) {
      const std::string name = entry.first.as<std::string>("");
      if (!entry.second.IsScalar()) {
        Error(entry.second, core::StrCat(Path(key), ".", name), "must be a single value");
        continue;
      }
      out[name] = entry.second.Scalar();
    }
  }

  // A parsed scalar: parse(text) returns the value or an error saying what is wrong.
  template <typename T, typename Parse>
  void GetParsed(const std::string& key, T& out, Parse&& parse) {
    Scalar(key, [&](const std::string& text) -> absl::Status {
      absl::StatusOr<T> value = parse(text);
      if (!value.ok()) return value.status();
      out = *std::move(value);
      return absl::OkStatus();
    });
  }

  // A list of words, each parsed.
  template <typename T, typename Parse>
  void GetList(const std::string& key, std::vector<T>& out, Parse&& parse) {
    std::vector<std::string> words;
    bool given = false;
    YAML::Node value = node_.IsMap() ? node_[key] : YAML::Node();
    if (value.IsDefined() && !value.IsNull()) given = true;
    Get(key, words);
    if (!given) return;
    std::vector<T> items;
    for (size_t i = 0; i < words.size(); ++i) {
      absl::StatusOr<T> item = parse(words[i]);
      if (!item.ok()) {
        Error(value[i], core::StrCat(Path(key), "[", static_cast<int>(i), "]"),
              core::ToStd(item.status().message()));
        return;
      }
      items.push_back(*std::move(item));
    }
    out = std::move(items);
  }

  // The keys of a mapping whose keys are data (e.g. category names), each with its
  // own reader.
  std::vector<std::pair<std::string, MapReader>> Entries(const std::string& key) {
    std::vector<std::pair<std::string, MapReader>> out;
    YAML::Node value = Lookup(key);
    if (!value.IsDefined() || value.IsNull()) return out;
    if (!value.IsMap()) {
      Error(value, Path(key), "must be a mapping");
      return out;
    }
    for (const auto& entry : value) {
      const std::string name = entry.first.as<std::string>("");
      out.emplace_back(
          name, MapReader(entry.second, core::StrCat(Path(key), ".", name), source_, errors_));
    }
    return out;
  }

  // Reports a problem with a key of this mapping.
  void KeyError(const std::string& key, std::string_view problem) {
    YAML::Node value = node_.IsMap() ? node_[key] : YAML::Node();
    Error(value.IsDefined() ? value : node_, Path(key), problem);
  }

  // A value from a fixed set of words.
  template <typename T>
  void GetChoice(const std::string& key, T& out,
                 const std::vector<std::pair<std::string, T>>& choices) {
    Scalar(key, [&](const std::string& text) -> absl::Status {
      std::vector<std::string> names;
      for (const auto& [name, value] : choices) {
        if (name == text) {
          out = value;
          return absl::OkStatus();
        }
        names.push_back(name);
      }
      return absl::InvalidArgumentError(
          core::StrCat("\"", text, "\" is not one of: ", absl::StrJoin(names, ", ")));
    });
  }

  // Reports every key of the mapping that no Get or Section asked for.
  void Finish() {
    if (!node_.IsMap()) return;
    for (const auto& entry : node_) {
      const std::string key = entry.first.as<std::string>("");
      if (known_.contains(key)) continue;
      std::string hint;
      size_t best = 3;
      for (const std::string& k : known_) {
        size_t d = core::EditDistance(key, k);
        if (d < best) {
          best = d;
          hint = core::StrCat(" (did you mean \"", k, "\"?)");
        }
      }
      Error(entry.first, Path(key),
            core::StrCat("unknown key", hint, "; known keys here: ", absl::StrJoin(known_, ", ")));
    }
  }

 private:
  std::string Path(const std::string& key) const {
    return path_.empty() ? key : core::StrCat(path_, ".", key);
  }

  YAML::Node Lookup(const std::string& key) {
    known_.insert(key);
    if (!node_.IsMap()) return YAML::Node();
    return node_[key];
  }

  template <typename F>
  void Scalar(const std::string& key, F&& parse) {
    YAML::Node value = Lookup(key);
    if (!value.IsDefined() || value.IsNull()) return;  // absent: keep the default
    if (!value.IsScalar()) {
      Error(value, Path(key), "must be a single value, not a list or mapping");
      return;
    }
    absl::Status status = parse(value.Scalar());
    if (!status.ok()) Error(value, Path(key), core::ToStd(status.message()));
  }

  void Error(const YAML::Node& at, const std::string& path, std::string_view problem) {
    const YAML::Mark mark = at.Mark();
    std::string where(source_);
    if (mark.line >= 0) core::StrAppend(where, ":", mark.line + 1, ":", mark.column + 1);
    errors_.push_back(core::StrCat(where, ": ", path, ": ", problem));
  }

  YAML::Node node_;
  std::string path_;
  std::string_view source_;
  std::vector<std::string>& errors_;
  std::set<std::string> known_;
};

// Section readers (config_server.cc): each reads its keys and finishes the section.
void ReadServer(MapReader& section, Config::Server& out, std::string_view source,
                std::vector<std::string>& errors);
void ReadAuth(MapReader& section, Config::Auth& out);

}  // namespace herald::heraldd::config_internal
