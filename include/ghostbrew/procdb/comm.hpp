// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Task command names (comm) as the process database keys them: 1..15 printable ASCII characters, and
// their NUL-padded 16-byte form in the BPF maps (struct gb_comm_key) and the saved database.
#pragma once

#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ghostbrew/bpf/abi.h"
#include "ghostbrew/core/error.hpp"

namespace ghostbrew::procdb {

/// Longest comm: the kernel's TASK_COMM_LEN (16) less its terminating NUL.
inline constexpr std::size_t max_comm_len = GB_COMM_LEN - 1;

/// Checks that `comm` can key a profile: 1..15 bytes, each printable ASCII (0x20..0x7e). Comms with
/// other bytes (prctl(PR_SET_NAME) allows any) are refused rather than stored in a form that could
/// garble a terminal or a saved file. `where` names the source in the error.
inline Result<void> check_comm(std::string_view comm, const std::string& where) {
  if (comm.empty()) return fail(where, "empty comm");
  if (comm.size() > max_comm_len)
    return fail(where, "comm of {} bytes, longer than {}", comm.size(), max_comm_len);
  for (std::size_t i = 0; i < comm.size(); ++i) {
    const auto b = static_cast<unsigned char>(comm[i]);
    if (b < 0x20 || b > 0x7e)
      return fail(where, "comm has the non-printable byte {:#04x} at offset {}", b, i);
  }
  return {};
}

/// The comm in a 16-byte field: the bytes before the first NUL, which must exist, with only NULs after
/// it, and check_comm() must accept them.
inline Result<std::string> comm_from_field(std::span<const char, GB_COMM_LEN> field,
                                           const std::string& where) {
  const auto* end = static_cast<const char*>(std::memchr(field.data(), '\0', field.size()));
  if (!end) return fail(where, "comm is not NUL-terminated within {} bytes", GB_COMM_LEN);
  const auto len = static_cast<std::size_t>(end - field.data());
  for (std::size_t i = len; i < field.size(); ++i)
    if (field[i] != '\0')
      return fail(where, "comm has the byte {:#04x} after its NUL at offset {}",
                  static_cast<unsigned char>(field[i]), i);
  std::string comm(field.data(), len);
  if (auto ok = check_comm(comm, where); !ok) return tl::unexpected(ok.error());
  return comm;
}

/// The comm of a BPF map key (see comm_from_field()).
inline Result<std::string> comm_from_key(const gb_comm_key& key, const std::string& where) {
  return comm_from_field(std::span<const char, GB_COMM_LEN>(key.comm), where);
}

/// The NUL-padded key of a comm; a longer comm is cut at max_comm_len bytes (as the kernel does).
[[nodiscard]] inline gb_comm_key comm_key(std::string_view comm) {
  gb_comm_key key{};
  std::memcpy(key.comm, comm.data(), std::min(comm.size(), max_comm_len));
  return key;
}

}  // namespace ghostbrew::procdb
