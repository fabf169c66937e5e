// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghost-sched's configuration file, /etc/ghostbrew/config.toml (TOML, read with toml++): the mode,
// the numeric settings (rows of tuning/settings.hpp: same names, defaults and bounds), extra names
// per class beside detect/comm_patterns.def, cgroup rules, the state and profile directories.
//
//   mode = "gaming"
//   state_dir = "/var/lib/ghostbrew"
//   profiles_dir = "/etc/ghostbrew/profiles"
//   [settings]
//   slice_us = 4000
//   [names]
//   gaming = ["factorio", "*.x86_64"]      # "name" exact, "name*" prefix, "*.ext" suffix
//   audio = ["easyeffects"]
//   [cgroups]
//   rules = """
//   gaming.slice gaming
//   """                                      # or: file = "/etc/ghostbrew/cgroup-rules"
//
// Every key is optional: what the file leaves out keeps its default, and ghost-sched's flags win over
// the file (resolve()). A bad file is an Error naming the file, the line and what is wrong (not TOML,
// an unknown key, a wrong type, a value out of bounds); nothing is ever clamped or ignored.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"
#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/detect/comm_patterns.hpp"
#include "ghostbrew/sched/options.hpp"
#include "ghostbrew/tuning/settings.hpp"

namespace ghostbrew::config {

/// Where ghost-sched looks for its configuration when --config is not given.
inline constexpr std::string_view kDefaultPath = "/etc/ghostbrew/config.toml";
/// A configuration (or profile) file larger than this is refused before parsing.
inline constexpr std::size_t kMaxFileBytes = 1U << 20;

/// The [names] lists: the key, the class its names get, and whether what they start is a game.
struct NameList {
  std::string_view key;
  detect::WorkloadClass cls;
  bool games_below;
  std::string_view help;
};
inline constexpr std::array<NameList, 7> kNameLists = {{
    {"gaming", detect::WorkloadClass::Gaming, false, "games (native or Windows binaries)"},
    {"game_launchers", detect::WorkloadClass::Default, true,
     "launchers: what they start is a game (they themselves are not)"},
    {"interactive", detect::WorkloadClass::Interactive, false, "interactive programs"},
    {"audio", detect::WorkloadClass::Interactive, false, "audio servers and tools (interactive)"},
    {"compositor", detect::WorkloadClass::Interactive, false, "compositors, display servers (interactive)"},
    {"ai", detect::WorkloadClass::Ai, false, "local AI inference servers with their own binary"},
    {"batch", detect::WorkloadClass::Batch, false, "compilers, build tools, background work"},
}};

/// What a configuration file says; every field is optional (unset: the default, or the flag).
struct Config {
  std::optional<gb_mode> mode;
  /// By tuning::Setting, in table order.
  std::array<std::optional<std::uint64_t>, tuning::kSettingTable.size()> settings{};
  std::vector<detect::NamePattern> names;  ///< [names] lists, in kNameLists order
  std::vector<std::string> game_env;       ///< [names] game_env: environment variables only games have
  std::vector<std::string> ai_cmdline;     ///< [names] ai_cmdline: Python AI servers' module/directory
  std::optional<std::vector<detect::CgroupRule>> cgroup_rules;  ///< [cgroups] rules (inline)
  std::optional<std::string> cgroup_rules_file;                 ///< [cgroups] file
  std::optional<std::string> state_dir;
  std::optional<std::string> profiles_dir;
  std::optional<sched::PowerProfileModes> power_profiles;  ///< [power_profiles]: profile -> mode

  [[nodiscard]] std::optional<std::uint64_t>& setting(tuning::Setting s) {
    return settings[static_cast<std::size_t>(s)];
  }
  [[nodiscard]] const std::optional<std::uint64_t>& setting(tuning::Setting s) const {
    return settings[static_cast<std::size_t>(s)];
  }
};

namespace detail {

/// "FILE:LINE" of a node or key.
inline std::string at(const std::string& where, const toml::source_region& src) {
  return src.begin.line > 0 ? fmt::format("{}:{}", where, src.begin.line) : where;
}

inline std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

/// The entries of table `t` in the order the file has them (toml++ keeps them sorted by key): the
/// first wrong one is the one reported, and lists keep their order.
inline std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> out;
  for (const auto& [k, v] : t) out.emplace_back(&k, &v);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {  // keys have distinct places
    const auto &x = a.first->source().begin, &y = b.first->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  return out;
}

/// The text of a string node, or an error naming `key` and what it is instead.
inline Result<std::string> string_of(const std::string& where, std::string_view key, const toml::node& n) {
  if (const auto* s = n.as_string()) return s->get();
  return fail(at(where, n.source()), "{} must be a string, not {}", key, type_name(n));
}

/// An array of strings.
inline Result<std::vector<std::string>> strings_of(const std::string& where, std::string_view key,
                                                   const toml::node& n) {
  const auto* arr = n.as_array();
  if (arr == nullptr)
    return fail(at(where, n.source()), "{} must be an array of strings, not {}", key, type_name(n));
  std::vector<std::string> out;
  for (const auto& e : *arr) {
    auto s = string_of(where, fmt::format("each entry of {}", key), e);
    if (!s) return tl::unexpected(s.error());
    out.push_back(std::move(*s));
  }
  return out;
}

/// The table under `key`, or an error.
inline Result<const toml::table*> table_of(const std::string& where, std::string_view key,
                                           const toml::node& n) {
  if (const auto* t = n.as_table()) return t;
  return fail(at(where, n.source()), "{} must be a table ([{}]), not {}", key, key, type_name(n));
}

inline tl::unexpected<Error> unknown_key(const std::string& where, const toml::key& k, std::string_view table,
                                         std::string_view known) {
  return fail(at(where, k.source()), "unknown key '{}'{} (known: {})", k.str(),
              table.empty() ? std::string() : fmt::format(" in [{}]", table), known);
}

/// The [settings] row named `name`, if any.
inline const tuning::SettingInfo* setting_named(std::string_view name) {
  for (const auto& s : tuning::kSettingTable)
    if (s.name == name) return &s;
  return nullptr;
}

inline std::string setting_names(bool tuned_only) {
  std::string out;
  for (const auto& s : tuning::kSettingTable)
    if (!tuned_only || s.tuned()) out += fmt::format("{}{}", out.empty() ? "" : ", ", s.name);
  return out;
}

/// A setting's value: an integer within its row's bounds.
inline Result<std::uint64_t> setting_value(const std::string& where, const tuning::SettingInfo& s,
                                           std::string_view table, const toml::node& n) {
  const auto* v = n.as_integer();
  if (v == nullptr)
    return fail(at(where, n.source()), "{}.{} must be an integer ({}), not {}", table, s.name, s.unit,
                type_name(n));
  const std::int64_t x = v->get();
  if (x < 0 || !s.contains(static_cast<std::uint64_t>(x)))
    return fail(at(where, n.source()), "{}.{} = {} is outside {}..{} {}", table, s.name, x, s.min, s.max,
                s.unit);
  return static_cast<std::uint64_t>(x);
}

/// Reads a [settings] table into `out` (by tuning::Setting); `tuned_only` refuses the daemon's own
/// settings (profiles change only what can change while a game runs). Checks the interactive burst
/// against the burst threshold (each the file's or the default).
inline Result<void> parse_settings(
    const std::string& where, const toml::table& t, bool tuned_only,
    std::array<std::optional<std::uint64_t>, tuning::kSettingTable.size()>& out) {
  for (const auto& [kp, vp] : in_file_order(t)) {
    const auto& k = *kp;
    const auto& v = *vp;
    const auto* s = setting_named(k.str());
    if (s == nullptr || (tuned_only && !s->tuned()))
      return unknown_key(where, k, "settings", setting_names(tuned_only));
    auto x = setting_value(where, *s, "settings", v);
    if (!x) return tl::unexpected(x.error());
    out[static_cast<std::size_t>(s->id)] = *x;
  }
  using tuning::Setting;
  const auto value = [&](Setting s) {
    return out[static_cast<std::size_t>(s)].value_or(tuning::default_value(s));
  };
  if (value(Setting::interactive_burst) >= value(Setting::burst_threshold)) {
    const auto* node = t.get(tuning::info(Setting::interactive_burst).name);
    if (node == nullptr) node = t.get(tuning::info(Setting::burst_threshold).name);
    return fail(at(where, node != nullptr ? node->source() : t.source()),
                "settings.interactive_burst_us ({}) must be below settings.burst_threshold_us ({})",
                value(Setting::interactive_burst), value(Setting::burst_threshold));
  }
  return {};
}

inline Result<gb_mode> mode_of(const std::string& where, const toml::node& n) {
  auto s = string_of(where, "mode", n);
  if (!s) return tl::unexpected(s.error());
  return tuning::parse_mode(*s, at(where, n.source()));
}

/// The line of the first character toml++ 3.3 cannot safely be given, if any: anywhere a control
/// character other than tab and line ends, outside strings and comments a byte above 0x7e or a
/// backslash, or a
/// table header whose key does not start with a bare-key character or a quote, a `]` or `}` that
/// closes the other kind of bracket (`[}`: toml++'s TOML_ASSERT_ASSUME in parse_value), a quote where no
/// string can start (after anything but `=`, `[`, `,`, `{` or the line's start, or `.` in a key:
/// `t = 0."x` is a float followed by junk, not a dotted key), a `[` or `{` where no value starts,
/// an `=` in a value, or a
/// non-ASCII character escaped by a backslash in a string or first after a line-ending backslash's
/// whitespace (its line is given). TOML allows none of them but the last, and toml++ 3.3
/// meets some with undefined behaviour: non-ASCII code points between tokens (U+00E9, U+0310), after
/// a stray quote (`S=+'\u00e9`) or after a backslash reach __builtin_unreachable() in
/// is_non_ascii_horizontal_whitespace(), and a header like `[$x]` breaks parse_key()'s
/// TOML_ASSERT_ASSUME (an assumption in release builds). Found by tests/fuzz/config_parse_fuzz.cpp;
/// refused here, before toml++ sees them.
inline std::optional<std::size_t> stray_character(std::string_view text) {
  enum class In { code, comment, basic, literal, ml_basic, ml_literal } in = In::code;
  std::size_t line = 1;
  std::string open;        // the arrays and inline tables open in a value, innermost last
  bool line_start = true;  // nothing but blanks before, on this line
  bool header = false;     // inside a [table] header
  bool want_key = false;   // a header's key must come next (after '[', '[[' or '.')
  bool value = false;      // after a key's '=', until the value ends (a line end outside brackets)
  char prev = 0;           // the last character of code before this one that is not a blank
  const auto opens_string = [&](char before) {
    return before == '=' || before == '[' || before == ',' || before == '{' || (before == '.' && !value);
  };
  const auto bare = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto opens3 = [&](char q) { return text.substr(i, 3) == std::string(3, q); };
    if (c == '\n') {
      if (want_key) return line;
      ++line;
      line_start = true;
      header = false;
      if (open.empty()) value = false;
      if (in == In::comment || in == In::basic || in == In::literal) in = In::code;
      continue;
    }
    // TOML allows no control character but tab anywhere, strings and comments included (a NUL in
    // what this scan took for a string let toml++ read on into its whitespace tables).
    if (const auto u = static_cast<unsigned char>(c); (u < 0x20 && c != '\t' && c != '\r') || u == 0x7f)
      return line;
    switch (in) {
      case In::code: {
        if (const auto u = static_cast<unsigned char>(c);
            u > 0x7e || c == '\\' || (u < 0x20 && c != '\t' && c != '\r'))
          return line;
        const bool key_here = want_key;
        if (want_key && c != ' ' && c != '\t') {
          if (!bare(c) && c != '"' && c != '\'') return line;
          want_key = false;
        }
        if (c == '#') {
          in = In::comment;
        } else if (c == '"' || c == '\'') {
          if (!line_start && !key_here && !opens_string(prev)) return line;
          const bool ml = opens3(c);
          in = c == '"' ? (ml ? In::ml_basic : In::basic) : (ml ? In::ml_literal : In::literal);
          if (ml) i += 2;
        } else if (header) {
          if (c == ']') header = false;
          if (c == '.') want_key = true;
        } else if (c == '[' && line_start && open.empty()) {
          header = want_key = true;
          if (i + 1 < text.size() && text[i + 1] == '[') ++i;
        } else if (c == '[' || c == '{') {
          // An array or inline table only where a value starts (`G = 0["x` is a number and junk).
          if (!value || (prev != '=' && prev != '[' && prev != ',')) return line;
          open += c;
          value = c == '[';  // an inline table's keys come next
        } else if ((c == ']' || c == '}') && !open.empty()) {
          if ((c == ']') != (open.back() == '[')) return line;  // closes what it did not open
          open.pop_back();
          value = true;
        } else if (c == '=') {
          if (value) return line;  // a second '=' in a value (a = 3T = ...): toml++ read on
          value = true;
        } else if (c == ',' && !open.empty()) {
          value = open.back() == '[';
        }
        line_start = line_start && (c == ' ' || c == '\t');
        if (c != ' ' && c != '\t') prev = c;
        break;
      }
      case In::comment:
        break;
      case In::basic:
      case In::ml_basic:
        if (c == '\\') {
          ++i;  // the escaped character; a newline after a line-ending backslash still counts
          if (i < text.size() && static_cast<unsigned char>(text[i]) > 0x7e) return line;
          if (in == In::ml_basic) {
            // A line-ending backslash: toml++ skips the whitespace after it and asks whether the
            // next character is whitespace too.
            std::size_t j = i, lines = 0;
            while (j < text.size() &&
                   (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n'))
              lines += text[j++] == '\n' ? 1 : 0;
            if (j > i && j < text.size() && static_cast<unsigned char>(text[j]) > 0x7e) return line + lines;
          }
          if (i < text.size() && text[i] == '\n') ++line;
        } else if (c == '"' && (in == In::basic || opens3('"'))) {
          if (in == In::ml_basic) i += 2;
          in = In::code;
          prev = c;
        }
        break;
      case In::literal:
      case In::ml_literal:
        if (c == '\'' && (in == In::literal || opens3('\''))) {
          if (in == In::ml_literal) i += 2;
          in = In::code;
          prev = c;
        }
        break;
    }
  }
  if (want_key) return line;
  return std::nullopt;
}

/// Parses TOML text, refusing what toml++ cannot read as one line "FILE:LINE: what".
inline Result<toml::table> parse_toml(std::string_view text, const std::string& where) {
  if (text.size() > kMaxFileBytes)
    return fail(where, "{} bytes: larger than {} bytes", text.size(), kMaxFileBytes);
  if (auto line = stray_character(text))
    return fail(fmt::format("{}:{}", where, *line),
                "not valid TOML: a stray character (non-ASCII, control or backslash outside a string or "
                "comment, or a table header that does not start with a key)");

  try {
    return toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    return fail(at(where, e.source()), "not valid TOML: {}", e.description());
  }
}

/// Reads a file of at most kMaxFileBytes (checked before reading it).
inline Result<std::string> read_limited(const std::filesystem::path& file) {
  std::error_code ec;
  const auto st = std::filesystem::status(file, ec);
  if (ec) return fail(file.string(), "cannot read: {}", ec.message());
  if (!std::filesystem::is_regular_file(st)) return fail(file.string(), "not a regular file");
  const auto size = std::filesystem::file_size(file, ec);
  if (!ec && size > kMaxFileBytes)
    return fail(file.string(), "{} bytes: larger than {} bytes", size, kMaxFileBytes);
  return ghostbrew::fs::read_text(file);
}

}  // namespace detail

/// Parses a configuration file's text; `where` (the file) starts each error: "FILE:LINE: what".
[[nodiscard]] inline Result<Config> parse_config(std::string_view text, const std::string& where) {
  auto doc = detail::parse_toml(text, where);
  if (!doc) return tl::unexpected(doc.error());
  Config c;
  for (const auto& [kp, vp] : detail::in_file_order(*doc)) {
    const auto& k = *kp;
    const auto& v = *vp;
    const std::string_view key = k.str();
    if (key == "mode") {
      auto m = detail::mode_of(where, v);
      if (!m) return tl::unexpected(m.error());
      c.mode = *m;
    } else if (key == "state_dir" || key == "profiles_dir") {
      auto s = detail::string_of(where, key, v);
      if (!s) return tl::unexpected(s.error());
      if (s->empty()) return fail(detail::at(where, v.source()), "{} must not be empty", key);
      (key == "state_dir" ? c.state_dir : c.profiles_dir) = std::move(*s);
    } else if (key == "settings") {
      auto t = detail::table_of(where, key, v);
      if (!t) return tl::unexpected(t.error());
      if (auto r = detail::parse_settings(where, **t, false, c.settings); !r)
        return tl::unexpected(r.error());
    } else if (key == "names") {
      auto t = detail::table_of(where, key, v);
      if (!t) return tl::unexpected(t.error());
      for (const auto& [nkp, nvp] : detail::in_file_order(**t)) {
        const auto& nk = *nkp;
        const auto& nv = *nvp;
        const std::string name = fmt::format("names.{}", nk.str());
        const bool plain = nk.str() == "game_env" || nk.str() == "ai_cmdline";
        const auto* nl = std::find_if(kNameLists.begin(), kNameLists.end(),
                                      [&](const NameList& l) { return l.key == nk.str(); });
        if (!plain && nl == kNameLists.end())
          return detail::unknown_key(where, nk, "names",
                                     "gaming, game_launchers, interactive, audio, compositor, ai, batch, "
                                     "game_env, ai_cmdline");
        auto list = detail::strings_of(where, name, nv);
        if (!list) return tl::unexpected(list.error());
        if (plain) {
          for (const auto& s : *list)
            if (s.empty()) return fail(detail::at(where, nv.source()), "{} holds an empty name", name);
          auto& into = nk.str() == "game_env" ? c.game_env : c.ai_cmdline;
          into.insert(into.end(), list->begin(), list->end());
          continue;
        }
        for (const auto& s : *list) {
          auto p = detect::parse_name_pattern(s, nl->cls, nl->games_below);
          if (!p)
            return fail(detail::at(where, nv.source()),
                        "{}: '{}' is not a name pattern (\"name\", \"name*\" or \"*suffix\", no '/', at most "
                        "255 bytes)",
                        name, s);
          c.names.push_back(std::move(*p));
        }
      }
    } else if (key == "cgroups") {
      auto t = detail::table_of(where, key, v);
      if (!t) return tl::unexpected(t.error());
      for (const auto& [ckp, cvp] : detail::in_file_order(**t)) {
        const auto& ck = *ckp;
        const auto& cv = *cvp;
        auto s = detail::string_of(where, fmt::format("cgroups.{}", ck.str()), cv);
        if (!s) return tl::unexpected(s.error());
        if (ck.str() == "file") {
          if (s->empty()) return fail(detail::at(where, cv.source()), "cgroups.file must not be empty");
          c.cgroup_rules_file = std::move(*s);
        } else if (ck.str() == "rules") {
          // The text's first line in the file: its last line (the closing quotes' line, or the one
          // before when the text ends with a newline) less its newlines.
          const auto first = static_cast<int>(cv.source().end.line) -
                             static_cast<int>(std::count(s->begin(), s->end(), '\n'));
          auto rules = detect::parse_cgroup_rules(*s, where + " [cgroups] rules", std::max(first, 1));
          if (!rules) return tl::unexpected(rules.error());
          c.cgroup_rules = std::move(*rules);
        } else {
          return detail::unknown_key(where, ck, "cgroups", "rules, file");
        }
      }
      if (c.cgroup_rules && c.cgroup_rules_file)
        return fail(detail::at(where, v.source()), "[cgroups] takes rules or file, not both");
    } else if (key == "power_profiles") {
      auto t = detail::table_of(where, key, v);
      if (!t) return tl::unexpected(t.error());
      sched::PowerProfileModes map;
      for (const auto& [pkp, pvp] : detail::in_file_order(**t)) {
        const auto i = sched::power_profile_index(pkp->str());
        if (!i) return detail::unknown_key(where, *pkp, "power_profiles", sched::power_profile_names());
        auto s = detail::string_of(where, fmt::format("power_profiles.{}", pkp->str()), *pvp);
        if (!s) return tl::unexpected(s.error());
        auto m = tuning::parse_mode(*s, detail::at(where, pvp->source()));
        if (!m) return tl::unexpected(m.error());
        map.by_profile[*i] = *m;
      }
      c.power_profiles = map;
    } else {
      return detail::unknown_key(where, k, "",
                                 "mode, state_dir, profiles_dir, [settings], [names], [cgroups], "
                                 "[power_profiles]");
    }
  }
  return c;
}

/// Reads and parses the configuration file `file` (errors name it).
[[nodiscard]] inline Result<Config> load_config(const std::filesystem::path& file) {
  auto text = detail::read_limited(file);
  if (!text) return tl::unexpected(text.error());
  return parse_config(*text, file.string());
}

/// Writes what `c` sets into `o` (what it leaves unset stays as it is).
inline void apply(const Config& c, sched::Options& o) {
  if (c.mode) o.mode = *c.mode;
  sched::for_each_setting(o, [&](const tuning::SettingInfo& s, auto& field) {
    if (const auto& v = c.setting(s.id)) field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
  });
  if (!c.names.empty()) o.extra_names = c.names;
  if (!c.game_env.empty()) o.extra_game_env = c.game_env;
  if (!c.ai_cmdline.empty()) o.extra_ai_names = c.ai_cmdline;
  if (c.cgroup_rules_file) {
    o.cgroup_rules = *c.cgroup_rules_file;
    o.cgroup_rule_list.reset();
  } else if (c.cgroup_rules) {
    o.cgroup_rules.clear();
    o.cgroup_rule_list = c.cgroup_rules;
  }
  if (c.state_dir) o.state_dir = *c.state_dir;
  if (c.profiles_dir) o.profiles_dir = *c.profiles_dir;
  if (c.power_profiles) o.power_profiles = *c.power_profiles;
}

/// The options in force: `cli` (the command line as parsed, defaults where no flag was given), then
/// what the file says, then the flags that were given (`flags`), which win over the file.
[[nodiscard]] inline sched::Options resolve(sched::Options cli, const Config& file, const Config& flags) {
  apply(file, cli);
  apply(flags, cli);
  return cli;
}

/// One line about a good file, for --check-config and the reload log: "FILE: ok (mode gaming, 2
/// settings, 3 names, 1 cgroup rule)".
[[nodiscard]] inline std::string summary(const Config& c, const std::string& where) {
  std::size_t settings = 0;
  for (const auto& s : c.settings) settings += s.has_value() ? 1 : 0;
  return fmt::format("{}: ok (mode {}, {} settings, {} names, {} cgroup rules)", where,
                     c.mode ? tuning::mode_name(*c.mode) : "not set", settings,
                     c.names.size() + c.game_env.size() + c.ai_cmdline.size(),
                     c.cgroup_rules ? fmt::format("{}", c.cgroup_rules->size())
                                    : (c.cgroup_rules_file ? "file " + *c.cgroup_rules_file : "built-in"));
}

}  // namespace ghostbrew::config
