// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Checks before loading a sched_ext scheduler: root, a kernel with sched_ext, no other scheduler.
// Each refusal is one clear line; nothing is changed on the system.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"

namespace ghostbrew::sched {

/// /sys/kernel/sched_ext as read under a root.
struct SchedExtState {
  std::string state;               ///< "disabled", "enabling", "enabled", "disabling" (kernel's words)
  std::optional<std::string> ops;  ///< name of the loaded scheduler, when one is loaded
};

/// Reads /sys/kernel/sched_ext/state and root/ops. Error when the kernel has no sched_ext.
inline Result<SchedExtState> read_sched_ext(const std::filesystem::path& root = "/") {
  const auto dir = root / "sys/kernel/sched_ext";
  if (!fs::exists(dir))
    return fail(dir.string(), "missing: this kernel has no sched_ext (CONFIG_SCHED_CLASS_EXT)");
  auto state = fs::read_word(dir / "state");
  if (!state) return tl::unexpected(state.error());
  SchedExtState out{*state, std::nullopt};
  if (auto ops = fs::read_word(dir / "root/ops")) out.ops = *ops;
  return out;
}

/// Refuses to go on when not root, without sched_ext, or with another scheduler loaded.
inline Result<SchedExtState> preflight(const std::filesystem::path& root, bool is_root) {
  if (!is_root)
    return fail("ghost-sched", "must run as root (loading a sched_ext scheduler needs CAP_SYS_ADMIN)");
  auto st = read_sched_ext(root);
  if (!st) return st;
  if (st->state != "disabled")
    return fail((root / "sys/kernel/sched_ext/state").string(),
                "another sched_ext scheduler is loaded: {} (state {})", st->ops.value_or("unknown"),
                st->state);
  return st;
}

}  // namespace ghostbrew::sched
