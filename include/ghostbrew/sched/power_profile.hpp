// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The power profiles power-profiles-daemon (and tuned-ppd) offer, and the configuration's mapping
// from each to a placement mode ([power_profiles] in config.toml): what ghost-sched switches to when
// the profile changes (sched/power_profile_follower.hpp follows it on the system bus). No mapping: the
// profile is not followed at all.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/tuning/settings.hpp"

namespace ghostbrew::sched {

/// The profile names, as the daemon's ActiveProfile property gives them.
inline constexpr std::array<std::string_view, 3> kPowerProfiles = {"power-saver", "balanced", "performance"};

/// "power-saver, balanced, performance".
inline std::string power_profile_names() {
  std::string out;
  for (auto p : kPowerProfiles) out += fmt::format("{}{}", out.empty() ? "" : ", ", p);
  return out;
}

/// The index of profile `name` in kPowerProfiles, if it is one.
[[nodiscard]] inline std::optional<std::size_t> power_profile_index(std::string_view name) {
  for (std::size_t i = 0; i < kPowerProfiles.size(); ++i)
    if (kPowerProfiles[i] == name) return i;
  return std::nullopt;
}

/// The mode each profile switches to (unset: that profile leaves the mode alone).
struct PowerProfileModes {
  std::array<std::optional<gb_mode>, kPowerProfiles.size()> by_profile{};

  /// Whether any profile is mapped: only then is the profile followed.
  [[nodiscard]] bool any() const {
    for (const auto& m : by_profile)
      if (m) return true;
    return false;
  }
  /// The mode `profile` maps to, if it is a known profile and mapped.
  [[nodiscard]] std::optional<gb_mode> mode_for(std::string_view profile) const {
    auto i = power_profile_index(profile);
    return i ? by_profile[*i] : std::nullopt;
  }
  bool operator==(const PowerProfileModes&) const = default;
};

}  // namespace ghostbrew::sched
