// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// libFuzzer target for the configuration ghost-sched reads: the cgroup rules file (--cgroup-rules,
// re-read on SIGHUP) and per-game profiles (JSON in the state directory). Whatever the text, parsing
// yields rules/a profile or an Error naming the place, never a crash or UB; parsed rules are then used
// to match cgroup paths, and a parsed profile is written back and must parse again to the same value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ghostbrew/detect/cgroup.hpp"
#include "ghostbrew/tuning/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto rules = ghostbrew::detect::parse_cgroup_rules(text, "fuzz/rules")) {
    (void)ghostbrew::detect::match_cgroup("/user.slice/app-steam-1.scope/game", *rules);
    (void)ghostbrew::detect::match_cgroup(text, *rules);
  }
  if (auto p = ghostbrew::tuning::parse_profile(text, "fuzz/profile")) {
    const std::string again = ghostbrew::tuning::to_json(*p).dump(2);
    auto q = ghostbrew::tuning::parse_profile(again, "fuzz/profile again");
    if (!q || !(*q == *p)) __builtin_trap();
  }
  return 0;
}
