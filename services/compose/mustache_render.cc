// Runs a compiled template's program over a context stack, appending to one string.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "services/compose/compiled_template.h"
#include "services/core/strings.h"

namespace herald::compose {
namespace {

using Op = MustacheProgram::Op;

class Renderer {
 public:
  Renderer(Context context, const Partials& partials, Escape escape, std::string& out)
      : partials_(partials), escape_(escape), out_(out), start_(out.size()) {
    stack_.assign(context.begin(), context.end());
  }

  absl::Status Render(const CompiledTemplate& tmpl) {
    const MustacheProgram& program = tmpl.program();
    Run<false>(program, 0, program.ops.size(), {});
    return status_;
  }

 private:
  // Runs ops [begin, end); false once rendering has failed. With kIndented, the lines
  // of the source are indented (a partial alone on its line).
  template <bool kIndented>
  bool Run(const MustacheProgram& program, size_t begin, size_t end, std::string_view indent) {
    for (size_t pc = begin; pc < end; ++pc) {
      ++steps_;
      const Op& op = program.ops[pc];
      if constexpr (kIndented) {
        if (op.line_start) out_ += indent;
      }
      switch (op.kind) {
        case Op::Kind::kText:
          if constexpr (kIndented) {
            WriteIndented(program.View({op.a, op.b}), indent);
          } else {
            out_.append(program.text, op.a, op.b);
          }
          break;
        case Op::Kind::kEscaped:
        case Op::Kind::kUnescaped:
          if (const Value* value = Lookup(program, program.names[op.a])) {
            if (op.kind == Op::Kind::kEscaped && escape_ == Escape::kHtml &&
                value->kind() == Value::Kind::kString) {
              AppendEscapedHtml(value->as_string(), out_);
            } else {
              value->AppendText(out_);
            }
          }
          break;
        case Op::Kind::kSection: {
          const Value* value = Lookup(program, program.names[op.a]);
          if (value != nullptr && value->truthy()) {
            if (!Section<kIndented>(program, pc, *value, indent)) return false;
          }
          pc = op.b - 1;
          break;
        }
        case Op::Kind::kInverted: {
          // The body follows, and runs in place when the value is falsy.
          const Value* value = Lookup(program, program.names[op.a]);
          if (value != nullptr && value->truthy()) pc = op.b - 1;
          break;
        }
        case Op::Kind::kPartial:
          if (!Partial<kIndented>(program, program.partials[op.a], indent)) return false;
          break;
        case Op::Kind::kIndent:
          if constexpr (kIndented) out_ += indent;
          break;
      }
    }
    return true;
  }

  template <bool kIndented>
  bool Section(const MustacheProgram& program, size_t pc, const Value& value,
               std::string_view indent) {
    const Op& op = program.ops[pc];
    if (sections_ >= kMaxSectionDepth) {
      return Fail(core::StrCat("section \"", program.View(program.names[op.a].full),
                               "\" nested more than ", kMaxSectionDepth, " deep"));
    }
    ++sections_;
    // A list renders the body once per item, anything else once on top of the stack.
    std::span<const Value> items = value.items();
    if (value.kind() != Value::Kind::kList) items = std::span<const Value>(&value, 1);
    for (const Value& item : items) {
      if (!Step()) return false;
      stack_.push_back(&item);
      const bool ok = Run<kIndented>(program, pc + 1, op.b, indent);
      stack_.pop_back();
      if (!ok) return false;
    }
    --sections_;
    return true;
  }

  template <bool kIndented>
  bool Partial(const MustacheProgram& program, const MustacheProgram::Partial& partial,
               std::string_view indent) {
    const std::string_view name = program.View(partial.name);
    const CompiledTemplate* found = partials_.Find(name);
    if (found == nullptr) return true;  // the spec: a partial nobody gave renders as nothing
    if (chain_.size() >= static_cast<size_t>(kMaxPartialDepth)) {
      return Fail(core::StrCat("partial \"", name, "\" nested more than ", kMaxPartialDepth,
                               " deep (", Chain(name), ")"));
    }
    if (!Step()) return false;
    const MustacheProgram& included = found->program();
    chain_.push_back(name);
    bool ok;
    const std::string_view own = program.View(partial.indent);
    if (!partial.standalone || (own.empty() && (!kIndented || indent.empty()))) {
      // Inline, or alone on its line without indentation.
      ok = Run<false>(included, 0, included.ops.size(), {});
    } else if (!kIndented || indent.empty()) {
      ok = Run<true>(included, 0, included.ops.size(), own);
    } else if (own.empty()) {
      ok = Run<true>(included, 0, included.ops.size(), indent);
    } else {
      // Indented inside an indented partial: both indentations.
      const std::string both = core::StrCat(indent, own);
      ok = Run<true>(included, 0, included.ops.size(), both);
    }
    chain_.pop_back();
    return ok;
  }

  // Writes text, indenting each line that starts in it.
  void WriteIndented(std::string_view text, std::string_view indent) {
    while (!text.empty()) {
      const size_t eol = text.find('\n');
      if (eol == std::string_view::npos || eol + 1 == text.size()) {
        out_ += text;
        return;
      }
      out_.append(text.data(), eol + 1);
      out_ += indent;
      text.remove_prefix(eol + 1);
    }
  }

  // The spec's lookup: the first segment of a name is looked for from the top of the
  // stack down; the rest only inside what it found. Null: not found.
  const Value* Lookup(const MustacheProgram& program, const MustacheProgram::Name& name) {
    if (name.segment_count == 0) return stack_.empty() ? nullptr : stack_.back();  // "."
    const MustacheProgram::Span* segment = &program.segments[name.first_segment];
    const std::string_view first = program.View(*segment);
    const Value* found = nullptr;
    for (auto it = stack_.rbegin(); it != stack_.rend() && found == nullptr; ++it) {
      ++steps_;  // deep stacks make every lookup longer
      found = (*it)->Find(first);
    }
    for (uint32_t i = 1; i < name.segment_count && found != nullptr; ++i) {
      found = found->Find(program.View(segment[i]));
    }
    return found;
  }

  // Before a section body or partial: the bounds on work and size. (Between two, the
  // work is bounded by the size of the source and the depth of the stack.)
  bool Step() {
    if (steps_ > kMaxRenderSteps) {
      return Fail(core::StrCat("rendering takes more than ", kMaxRenderSteps,
                               " steps (lists in lists multiply them)"));
    }
    if (out_.size() - start_ > kMaxRenderedBytes) {
      return Fail(core::StrCat("rendering writes more than ", kMaxRenderedBytes, " bytes"));
    }
    return true;
  }

  bool Fail(std::string message) {
    status_ = absl::InvalidArgumentError(std::move(message));
    return false;
  }

  // The partials being rendered and the next, up to its first repetition: "a -> b -> a
  // -> ...".
  std::string Chain(std::string_view next) const {
    std::vector<std::string_view> names(chain_.begin(), chain_.end());
    names.push_back(next);
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      core::StrAppend(out, i == 0 ? "" : " -> ", names[i]);
      if (i >= 8 || std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i) {
        break;
      }
    }
    return out + " -> ...";
  }

  const Partials& partials_;
  const Escape escape_;
  std::string& out_;
  const size_t start_;
  // Inline: most renders never allocate for them.
  absl::InlinedVector<const Value*, 16> stack_;
  absl::InlinedVector<std::string_view, 8> chain_;  // names of the partials being rendered
  int sections_ = 0;
  int64_t steps_ = 0;  // operations run and context levels searched
  absl::Status status_;
};

}  // namespace

void Partials::Add(std::string name, std::shared_ptr<const CompiledTemplate> partial) {
  auto it =
      std::lower_bound(by_name_.begin(), by_name_.end(), name,
                       [](const auto& entry, const std::string& n) { return entry.first < n; });
  if (it != by_name_.end() && it->first == name) {
    it->second = std::move(partial);
  } else {
    by_name_.emplace(it, std::move(name), std::move(partial));
  }
}

const CompiledTemplate* Partials::Find(std::string_view name) const {
  auto it = std::lower_bound(
      by_name_.begin(), by_name_.end(), name,
      [](const auto& entry, std::string_view n) { return std::string_view(entry.first) < n; });
  if (it == by_name_.end() || it->first != name) return nullptr;
  return it->second.get();
}

absl::Status Render(const CompiledTemplate& tmpl, Context context, const Partials& partials,
                    Escape escape, std::string& out) {
  return Renderer(context, partials, escape, out).Render(tmpl);
}

}  // namespace herald::compose
