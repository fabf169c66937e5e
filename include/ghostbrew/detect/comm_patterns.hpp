// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The process names that decide a class by themselves (detect/comm_patterns.def, the table the BPF
// scheduler matches comms against too), as C++ data, and how a name matches a row.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/detect/workload_class.hpp"

namespace ghostbrew::detect {

/// How a row's text matches a name (see comm_patterns.def).
enum class CommMatch {
  exact,   ///< the whole name, case-sensitive
  prefix,  ///< the name starts with the text, case-sensitive
  suffix,  ///< the name ends with the text, in lower case, and is longer than it
};

/// One row of comm_patterns.def.
struct CommPattern {
  CommMatch match;
  std::string_view text;
  WorkloadClass cls;
  bool games_below;  ///< what such a process starts is a game (the gaming-ancestor rule)

  /// True when `name` matches this row.
  [[nodiscard]] constexpr bool matches(std::string_view name) const {
    switch (match) {
      case CommMatch::exact:
        return name == text;
      case CommMatch::prefix:
        return name.starts_with(text);
      case CommMatch::suffix:
        break;
    }
    if (name.size() <= text.size()) return false;  // ".exe" alone is no binary
    const auto tail = name.substr(name.size() - text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = tail[i] >= 'A' && tail[i] <= 'Z' ? static_cast<char>(tail[i] - 'A' + 'a') : tail[i];
      if (c != text[i]) return false;
    }
    return true;
  }

  /// How a rule names the match: the name itself, or "*<suffix>" ("*.exe") for a suffix row.
  [[nodiscard]] std::string describe(std::string_view name) const {
    if (match != CommMatch::suffix) return std::string(name);
    std::string out = "*";  // not "*" + std::string(text): GCC 12 at -O3 warns a false -Wrestrict
    out += text;
    return out;
  }

  friend constexpr bool operator==(const CommPattern&, const CommPattern&) = default;
};

/// Every row of comm_patterns.def, in order.
inline constexpr CommPattern kCommPatterns[] = {
#define GB_COMM_PATTERN(match, lit, cls, games_below) \
  {CommMatch::match, lit, static_cast<WorkloadClass>(GB_CLASS_##cls), (games_below) != 0},
#include "ghostbrew/detect/comm_patterns.def"
#undef GB_COMM_PATTERN
};

namespace detail {
constexpr bool comm_patterns_fit_bpf() {
  for (const auto& p : kCommPatterns) {
    if (p.text.empty() || p.text.size() >= GB_COMM_LEN) return false;  // comm holds 15 bytes
    if (p.match == CommMatch::suffix) {
      if (p.text.size() != 4) return false;  // BPF compares the last four bytes
      for (char c : p.text)
        if (c >= 'A' && c <= 'Z') return false;  // ... lower-cased
    }
  }
  return true;
}
static_assert(comm_patterns_fit_bpf(),
              "comm_patterns.def: texts of 1..15 bytes, suffixes 4 lower-case bytes");
}  // namespace detail

/// The first row of `patterns` that `name` matches, if any.
[[nodiscard]] constexpr std::optional<CommPattern> match_comm(std::string_view name,
                                                              std::span<const CommPattern> patterns) {
  for (const auto& p : patterns)
    if (!name.empty() && p.matches(name)) return p;
  return std::nullopt;
}

/// A name pattern from configuration (beside the compiled-in table): owns its text. Written
/// "name" (exact), "name*" (prefix) or "*.ext" (suffix, compared in lower case).
struct NamePattern {
  CommMatch match = CommMatch::exact;
  std::string text;
  WorkloadClass cls = WorkloadClass::Default;
  bool games_below = false;

  /// This pattern as a table row (valid while this NamePattern lives).
  [[nodiscard]] CommPattern row() const { return {match, text, cls, games_below}; }
  /// How it was written: "name", "name*" or "*suffix".
  [[nodiscard]] std::string written() const {
    switch (match) {
      case CommMatch::prefix:
        return text + "*";
      case CommMatch::suffix:
        return "*" + text;
      case CommMatch::exact:
        break;
    }
    return text;
  }

  friend bool operator==(const NamePattern&, const NamePattern&) = default;
};

/// Parses `written` ("name", "name*", "*.ext"); nullopt (the caller names the input) when it is
/// empty, only a '*', holds another '*', a '/' or a control character, or is longer than 255 bytes.
[[nodiscard]] inline std::optional<NamePattern> parse_name_pattern(std::string_view written,
                                                                   WorkloadClass cls,
                                                                   bool games_below = false) {
  NamePattern p{CommMatch::exact, {}, cls, games_below};
  if (written.size() > 255) return std::nullopt;
  if (written.size() > 1 && written.starts_with('*')) {
    p.match = CommMatch::suffix;
    written.remove_prefix(1);
  } else if (written.size() > 1 && written.ends_with('*')) {
    p.match = CommMatch::prefix;
    written.remove_suffix(1);
  }
  if (written.empty()) return std::nullopt;
  for (char c : written)
    if (c == '*' || c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  p.text = written;
  if (p.match == CommMatch::suffix)
    for (auto& c : p.text)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return p;
}

}  // namespace ghostbrew::detect
