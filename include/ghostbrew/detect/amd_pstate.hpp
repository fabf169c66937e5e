// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// AMD P-State driver mode and preferred-core ("prefcore") state: whether the per-core performance
// rankings (highest_perf / amd_pstate_prefcore_ranking, what PBO's best cores show up as) are live.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"

namespace ghostbrew::detect {

/// The amd_pstate state under <root>/sys/devices/system/cpu/amd_pstate.
struct AmdPstate {
  bool present = false;          ///< the amd_pstate directory exists
  std::string status;            ///< "active", "passive", "guided" or "disable"
  std::optional<bool> prefcore;  ///< prefcore "enabled"/"disabled"; nullopt on kernels without the file

  /// Rankings are live when the driver runs (status not "disable") with prefcore enabled.
  [[nodiscard]] bool rankings_live() const {
    return present && status != "disable" && prefcore.value_or(false);
  }
};

/// Reads amd_pstate/status and amd_pstate/prefcore. A machine without amd_pstate is not an error
/// (present = false); an unknown status or prefcore word is.
[[nodiscard]] inline Result<AmdPstate> read_amd_pstate(const std::filesystem::path& root) {
  const auto dir = root / "sys/devices/system/cpu/amd_pstate";
  AmdPstate a;
  if (!fs::exists(dir)) return a;
  a.present = true;
  auto status = fs::read_word(dir / "status");
  if (!status) return tl::unexpected(status.error());
  if (*status != "active" && *status != "passive" && *status != "guided" && *status != "disable")
    return fail((dir / "status").string(), "unknown amd_pstate mode '{}'", *status);
  a.status = *status;
  if (fs::exists(dir / "prefcore")) {
    auto pc = fs::read_word(dir / "prefcore");
    if (!pc) return tl::unexpected(pc.error());
    if (*pc != "enabled" && *pc != "disabled")
      return fail((dir / "prefcore").string(), "expected enabled/disabled, got '{}'", *pc);
    a.prefcore = *pc == "enabled";
  }
  return a;
}

}  // namespace ghostbrew::detect
