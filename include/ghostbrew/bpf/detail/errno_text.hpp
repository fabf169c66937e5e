// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// errno_text(): the text of an errno value as libbpf returns it (negative) or sets it (positive).
#pragma once

#include <cstdlib>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace ghostbrew::bpf::detail {

/// "Operation not permitted (errno 1)" for 1 or -1: libbpf returns -errno, the kernel sets errno.
[[nodiscard]] inline std::string errno_text(int err) {
  const int e = std::abs(err);
  return fmt::format("{} (errno {})", std::generic_category().message(e), e);
}

}  // namespace ghostbrew::bpf::detail
