// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Per-game profiles: the best known TuningConfig of a game, as JSON under <state>/profiles.
//
//   {"version": 1, "game": "Cyberpunk2077.exe", "mode": "gaming", "slice_us": 4000,
//    "burst_threshold_us": 20000, "interactive_burst_us": 1000, "game_window_us": 1000}
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <nlohmann/json.hpp>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/core/text.hpp"
#include "ghostbrew/tuning/config.hpp"
#include "ghostbrew/tuning/slug.hpp"

namespace ghostbrew::tuning {

/// A game and the configuration it runs best with.
struct Profile {
  std::string game;
  TuningConfig config;

  friend bool operator==(const Profile&, const Profile&) = default;
};

/// Where the profile of `game` lives: <state_dir>/profiles/<slug(game)>.json.
[[nodiscard]] inline std::filesystem::path profile_path(const std::filesystem::path& state_dir,
                                                        std::string_view game) {
  return state_dir / "profiles" / (slug(game) + ".json");
}

/// The JSON document of a profile (see the top of this file).
[[nodiscard]] inline nlohmann::json to_json(const Profile& p) {
  nlohmann::json j = {{"version", 1}, {"game", p.game}, {"mode", std::string(mode_name(p.config.mode))}};
  for (Setting s : kSettings) j[std::string(bounds(s).name)] = field(p.config, s);
  return j;
}

/// Parses a profile document; `where` (the file) names the errors: not JSON, not an object, a missing
/// or mistyped field, an unknown version or mode, a setting outside its bounds (validate()).
[[nodiscard]] inline Result<Profile> parse_profile(std::string_view text, const std::string& where) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(where, "not valid JSON");
  if (!j.is_object()) return fail(where, "not a JSON object");
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_unsigned() || version->get<std::uint64_t>() != 1)
    return fail(where, "\"version\" must be 1");
  Profile p;
  const auto game = j.find("game");
  if (game == j.end() || !game->is_string() || game->get_ref<const std::string&>().empty())
    return fail(where, "\"game\" must be a non-empty string");
  p.game = game->get<std::string>();
  const auto mode = j.find("mode");
  if (mode == j.end() || !mode->is_string()) return fail(where, "\"mode\" must be a string");
  auto m = parse_mode(mode->get<std::string>(), where);
  if (!m) return tl::unexpected(m.error());
  p.config.mode = *m;
  for (Setting s : kSettings) {
    const std::string name(bounds(s).name);
    const auto v = j.find(name);
    if (v == j.end() || !v->is_number_unsigned())
      return fail(where, "\"{}\" must be a non-negative integer (microseconds)", name);
    field(p.config, s) = v->get<std::uint64_t>();
  }
  if (auto ok = validate(p.config); !ok) return fail(where, "{}: {}", ok.error().where, ok.error().what);
  return p;
}

/// A profile is a few hundred bytes; a larger file is not one.
inline constexpr std::uint64_t kMaxProfileBytes = 64 * 1024;

/// Reads the profile in `file` (see parse_profile() for the errors; they name the file).
[[nodiscard]] inline Result<Profile> load_profile(const std::filesystem::path& file) {
  auto text = read_state_text(file, kMaxProfileBytes);
  if (!text) return tl::unexpected(text.error());
  return parse_profile(*text, file.string());
}

/// Saves `p` as profile_path(state_dir, p.game), atomically (write_file_atomically). Refuses a
/// configuration validate() rejects, or an empty game name. A game name that is not UTF-8 is saved
/// as text::valid_utf8() gives it (find_profile() compares names in that form).
[[nodiscard]] inline Result<void> save_profile(const std::filesystem::path& state_dir, const Profile& p) {
  const auto file = profile_path(state_dir, p.game);
  if (p.game.empty()) return fail(file.string(), "profile without a game name");
  if (auto ok = validate(p.config); !ok)
    return fail(file.string(), "{}: {}", ok.error().where, ok.error().what);
  const std::string doc = text::dump(to_json(p), 2) + "\n";
  return write_file_atomically(file, std::as_bytes(std::span(doc.data(), doc.size())));
}

/// The profile of `game`: nullopt when it has none (no file, or the file belongs to another game
/// with the same slug), an Error naming the file when the file is unreadable or invalid.
[[nodiscard]] inline Result<std::optional<TuningConfig>> find_profile(const std::filesystem::path& state_dir,
                                                                      std::string_view game) {
  const auto file = profile_path(state_dir, game);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (ec) return fail(file.string(), "cannot check: {}", ec.message());
    return std::optional<TuningConfig>{};
  }
  auto p = load_profile(file);
  if (!p) return tl::unexpected(p.error());
  if (p->game != text::valid_utf8(game)) return std::optional<TuningConfig>{};
  return std::optional<TuningConfig>{p->config};
}

}  // namespace ghostbrew::tuning
