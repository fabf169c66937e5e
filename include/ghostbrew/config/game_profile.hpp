// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Hand-written per-game profiles: /etc/ghostbrew/profiles/*.toml (the configuration's profiles_dir),
// one game each. A profile says which program it is for (any of: its executable name, its Steam app id
// from the environment, a command-line pattern) and what it wants while that game runs: a placement
// mode (the V-Cache preference: "gaming" puts games and interactive work on the V-Cache CCD) and any
// of the settings a game can change while it runs (the tuned rows of tuning/settings.hpp).
//
//   # /etc/ghostbrew/profiles/cyberpunk.toml
//   mode = "gaming"                  # before the first [table]: TOML puts later keys in that table
//   [match]
//   exe = "Cyberpunk2077.exe"        # or a list; the full program name, not the 15-byte comm
//   steam_app_id = 1091500           # SteamAppId, SteamGameId or STEAM_COMPAT_APP_ID (Proton)
//   cmdline = "*Cyberpunk2077*"      # fnmatch(3) pattern over the whole command line
//   [settings]
//   slice_us = 3000
//   game_window_us = 500
//
// They sit beside the learned JSON profiles of the state directory (tuning/profile.hpp): when both
// exist for a game, the hand-written one wins. Among hand-written ones, a Steam app id match wins over
// an executable name, which wins over a command-line pattern; then the first file by name.
#pragma once

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/config/config.hpp"
#include "ghostbrew/core/error.hpp"
#include "ghostbrew/detect/classify.hpp"
#include "ghostbrew/tuning/config.hpp"
#include "ghostbrew/tuning/profile.hpp"
#include "ghostbrew/tuning/settings.hpp"

namespace ghostbrew::config {

/// One hand-written profile.
struct GameProfile {
  std::string file;                        ///< where it was read from
  std::vector<std::string> exe;            ///< program or executable names
  std::vector<std::string> steam_app_ids;  ///< Steam app ids, as text
  std::vector<std::string> cmdline;        ///< fnmatch patterns over the command line
  std::optional<gb_mode> mode;
  std::array<std::optional<std::uint64_t>, tuning::kSettingTable.size()> settings{};

  /// `base` with what this profile sets; an Error (naming the file) when the result is out of bounds
  /// (an interactive burst no longer below the burst threshold).
  [[nodiscard]] Result<tuning::TuningConfig> applied_to(tuning::TuningConfig base) const {
    if (mode) base.mode = *mode;
    for (auto s : tuning::kSettings)
      if (const auto& v = settings[static_cast<std::size_t>(s)]) tuning::field(base, s) = *v;
    if (auto ok = tuning::validate(base); !ok) return fail(file, "{}: {}", ok.error().where, ok.error().what);
    return base;
  }
};

/// A profile that applies to a program, and why.
struct ProfileMatch {
  const GameProfile* profile = nullptr;
  std::string why;  ///< "steam app id 1091500", "exe Cyberpunk2077.exe", "cmdline matches '*x*'"
};

namespace detail {

/// A string, or an array of them; integers too when `integers` (Steam app ids).
inline Result<std::vector<std::string>> one_or_many(const std::string& where, std::string_view key,
                                                    const toml::node& n, bool integers) {
  std::vector<std::string> out;
  const auto take = [&](const toml::node& e) -> Result<void> {
    if (const auto* s = e.as_string(); s != nullptr && !s->get().empty()) {
      out.push_back(s->get());
      return {};
    }
    if (const auto* i = e.as_integer(); integers && i != nullptr && i->get() >= 0) {
      out.push_back(fmt::format("{}", i->get()));
      return {};
    }
    return fail(at(where, e.source()), "match.{} must be {} or a list of them, not {}", key,
                integers ? "a non-negative integer or a non-empty string" : "a non-empty string",
                type_name(e));
  };
  if (const auto* arr = n.as_array()) {
    if (arr->empty()) return fail(at(where, n.source()), "match.{} is an empty list", key);
    for (const auto& e : *arr)
      if (auto r = take(e); !r) return tl::unexpected(r.error());
  } else if (auto r = take(n); !r) {
    return tl::unexpected(r.error());
  }
  return out;
}

}  // namespace detail

/// Parses a profile's text; `where` (the file) starts each error: "FILE:LINE: what".
[[nodiscard]] inline Result<GameProfile> parse_game_profile(std::string_view text, const std::string& where) {
  auto doc = detail::parse_toml(text, where);
  if (!doc) return tl::unexpected(doc.error());
  GameProfile p;
  p.file = where;
  bool has_match = false;
  for (const auto& [kp, vp] : detail::in_file_order(*doc)) {
    const std::string_view key = kp->str();
    const toml::node& v = *vp;
    if (key == "mode") {
      auto m = detail::mode_of(where, v);
      if (!m) return tl::unexpected(m.error());
      p.mode = *m;
    } else if (key == "settings") {
      auto t = detail::table_of(where, key, v);
      if (!t) return tl::unexpected(t.error());
      if (auto r = detail::parse_settings(where, **t, true, p.settings); !r) return tl::unexpected(r.error());
    } else if (key == "match") {
      auto t = detail::table_of(where, key, v);
      if (!t) return tl::unexpected(t.error());
      for (const auto& [mkp, mvp] : detail::in_file_order(**t)) {
        const std::string_view mk = mkp->str();
        std::vector<std::string>* into = mk == "exe"            ? &p.exe
                                         : mk == "steam_app_id" ? &p.steam_app_ids
                                         : mk == "cmdline"      ? &p.cmdline
                                                                : nullptr;
        if (into == nullptr)
          return detail::unknown_key(where, *mkp, "match",
                                     mk == "mode" ? "exe, steam_app_id, cmdline; mode goes before [match]"
                                                  : "exe, steam_app_id, cmdline");
        auto list = detail::one_or_many(where, mk, *mvp, mk == "steam_app_id");
        if (!list) return tl::unexpected(list.error());
        *into = std::move(*list);
        has_match = true;
      }
    } else {
      return detail::unknown_key(where, *kp, "", "[match], mode, [settings]");
    }
  }
  if (!has_match) return fail(where, "no [match]: say exe, steam_app_id or cmdline");
  return p;
}

/// Reads one profile file (at most kMaxFileBytes).
[[nodiscard]] inline Result<GameProfile> load_game_profile(const std::filesystem::path& file) {
  auto text = detail::read_limited(file);
  if (!text) return tl::unexpected(text.error());
  return parse_game_profile(*text, file.string());
}

/// The profiles of a directory, and the files that could not be used.
struct GameProfiles {
  std::vector<GameProfile> profiles;  ///< by file name
  std::vector<Error> errors;          ///< one per bad file (it is left out)
};

/// Reads every *.toml of `dir`, in file name order. A directory that does not exist holds none.
[[nodiscard]] inline GameProfiles load_game_profiles(const std::filesystem::path& dir) {
  GameProfiles out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".toml") files.push_back(it->path());
  if (ec) out.errors.push_back({dir.string(), fmt::format("cannot list: {}", ec.message())});
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (auto p = load_game_profile(f))
      out.profiles.push_back(std::move(*p));
    else
      out.errors.push_back(p.error());
  }
  return out;
}

/// The profile of `profiles` that applies to `program`, and why: a Steam app id match first, then
/// an executable name (the program's full name or its executable's file name), then a command-line
/// pattern; the first file among equals. nullopt when none applies.
[[nodiscard]] inline std::optional<ProfileMatch> match_game_profile(const std::vector<GameProfile>& profiles,
                                                                    const detect::Program& program) {
  if (!program.steam_app_id.empty())
    for (const auto& p : profiles)
      for (const auto& id : p.steam_app_ids)
        if (id == program.steam_app_id) return ProfileMatch{&p, "steam app id " + id};
  for (const auto& p : profiles)
    for (const auto& e : p.exe)
      if (e == program.name || e == program.exe) return ProfileMatch{&p, "exe " + e};
  if (!program.cmdline.empty())
    for (const auto& p : profiles)
      for (const auto& c : p.cmdline)
        if (::fnmatch(c.c_str(), program.cmdline.c_str(), 0) == 0)
          return ProfileMatch{&p, fmt::format("cmdline matches '{}'", c)};
  return std::nullopt;
}

/// The profile that applies to a program when it is a game, and why (applied_profile()).
struct AppliedProfile {
  std::string file;  ///< the profile's file; empty when none applies
  std::string why;   ///< "steam app id 1091500", "learned, for Game", or where none was found

  /// "FILE (WHY)", or "none (WHY)" when no profile applies.
  [[nodiscard]] std::string describe() const {
    return fmt::format("{} ({})", file.empty() ? "none" : file, why);
  }

  friend bool operator==(const AppliedProfile&, const AppliedProfile&) = default;
};

/// The profile ghost-sched would apply to `program` were it a game, and why: the hand-written one of
/// `hand_written` that matches it (match_game_profile()), else a learned one of `state_dir`
/// (tuning::find_profile(); an unreadable one counts as none), else none, and the why then says where
/// it looked. `profiles_dir` is where `hand_written` was read from (load_game_profiles()); `state_dir`
/// is nullopt when there is none to look in.
[[nodiscard]] inline AppliedProfile applied_profile(const std::vector<GameProfile>& hand_written,
                                                    const std::filesystem::path& profiles_dir,
                                                    const std::optional<std::filesystem::path>& state_dir,
                                                    const detect::Program& program) {
  if (auto m = match_game_profile(hand_written, program)) return {m->profile->file, m->why};
  if (state_dir)
    if (auto learned = tuning::find_profile(*state_dir, program.name); learned && *learned)
      return {tuning::profile_path(*state_dir, program.name).string(), "learned, for " + program.name};
  auto why = fmt::format("{} hand-written in {}, none for '{}'", hand_written.size(), profiles_dir.string(),
                         program.name);
  if (!program.steam_app_id.empty()) why += " or steam app id " + program.steam_app_id;
  return {{}, std::move(why)};
}

}  // namespace ghostbrew::config
