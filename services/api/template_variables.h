#pragma once

#include <string>
#include <vector>

#include "services/core/template.h"

namespace herald::api {

/// Warnings for the variables of a template that no event or profile field can
/// supply (see BuildTemplateData for what templates see), each with the part, line,
/// column and, when one is close, the name probably meant. Sections are followed
/// ({{#order.items}}{{name}}{{/order.items}} is an item's name); partials are not.
std::vector<std::string> UnknownVariables(const core::Template& tmpl);

}  // namespace herald::api
