// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// libFuzzer target for the configuration file and hand-written profile parsers (config/config.hpp,
// config/game_profile.hpp): whatever the bytes, parsing returns a value or one Error naming the
// input, never crashes, reads out of bounds or trips UBSan. What a parser accepts is then used the
// way the daemon uses it (applied to the options, validated, summarised; a profile matched and
// applied), so the values it let through meet the code after it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ghostbrew/config/config.hpp"
#include "ghostbrew/config/game_profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace cfg = ghostbrew::config;
  if (auto c = cfg::parse_config(text, "fuzz.toml")) {
    auto o = cfg::resolve({}, *c, {});
    (void)ghostbrew::sched::validate(o);
    (void)cfg::summary(*c, "fuzz.toml");
  } else if (c.error().message().empty()) {
    __builtin_trap();  // an error always says what is wrong
  }
  if (auto p = cfg::parse_game_profile(text, "fuzz.toml")) {
    std::vector<cfg::GameProfile> ps{*p};
    const ghostbrew::detect::Program prog{"game.exe", "wine64-preloader", "Z:\\game.exe -dx12", "1091500"};
    if (auto m = cfg::match_game_profile(ps, prog)) (void)m->profile->applied_to({});
  }
  return 0;
}
