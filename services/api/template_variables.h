#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/template.h"

namespace herald::api {

/// Warnings for the variables of a template that no event or profile field can
/// supply (see BuildTemplateData for what templates see), each with the part, line,
/// column and, when one is close, the name probably meant. Sections are followed
/// ({{#order.items}}{{name}}{{/order.items}} is an item's name); partials are not.
std::vector<std::string> UnknownVariables(const core::Template& tmpl);

/// Warnings for the partials a template includes ({{> name}}) that are not among the
/// stored `snippets`, with the part, line and column.
std::vector<std::string> MissingPartials(const core::Template& tmpl,
                                         const std::set<std::string>& snippets);

/// The snippets a template includes, directly or through other snippets (names of
/// missing ones included).
std::set<std::string> IncludedSnippets(const core::Template& tmpl,
                                       const std::map<std::string, std::string>& snippets);

}  // namespace herald::api
