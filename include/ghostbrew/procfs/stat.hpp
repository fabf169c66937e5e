// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// /proc/PID/stat and /proc/PID/task/TID/stat: the fields workload detection needs.
// comm may hold any bytes, spaces and parentheses included ("a) (b"), so the fields after it are
// found from the LAST ')' in the line, as the kernel's own tools do.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "ghostbrew/core/error.hpp"

namespace ghostbrew::procfs {

/// task->flags bit for kernel threads (include/linux/sched.h PF_KTHREAD).
inline constexpr std::uint64_t kPfKthread = 0x00200000;

/// The parsed fields of one stat line (field numbers as in proc(5)).
struct Stat {
  int pid = 0;                   ///< field 1
  std::string comm;              ///< field 2, without the parentheses
  char state = '?';              ///< field 3: R, S, D, Z, T, t, X, I ...
  int ppid = 0;                  ///< field 4
  std::uint64_t flags = 0;       ///< field 9 (PF_*)
  int nice = 0;                  ///< field 19
  int num_threads = 0;           ///< field 20
  std::uint64_t start_time = 0;  ///< field 22, clock ticks since boot: with pid, identifies a process

  [[nodiscard]] bool kernel_thread() const { return (flags & kPfKthread) != 0; }
  /// Exited and not yet reaped. A thread-group leader that called pthread_exit() is also 'Z' while its
  /// other threads run: see num_threads.
  [[nodiscard]] bool zombie() const { return state == 'Z' || state == 'X'; }
};

namespace detail {
template <class T>
bool parse_int(std::string_view s, T& out) {
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return !s.empty() && ec == std::errc{} && ptr == end;
}
}  // namespace detail

/// Parses one stat line; `where` (the file path) names the file in errors.
inline Result<Stat> parse_stat(std::string_view text, const std::string& where) {
  Stat st;
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return fail(where, "no '(comm)' in stat line");
  if (!detail::parse_int(text.substr(0, open == 0 ? 0 : open - 1), st.pid))
    return fail(where, "bad pid in stat line '{}'", text.substr(0, 40));
  st.comm = std::string(text.substr(open + 1, close - open - 1));

  // Fields 3.. are single-space separated tokens after ") ".
  std::string_view rest = text.substr(close + 1);
  int field = 3;
  auto next = [&]() -> std::string_view {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
    const auto end = rest.find_first_of(" \n");
    const auto tok = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return tok;
  };
  for (; field <= 22; ++field) {
    const auto tok = next();
    if (tok.empty()) return fail(where, "stat line ends at field {}", field);
    bool ok = true;
    switch (field) {
      case 3:
        ok = tok.size() == 1;
        st.state = tok[0];
        break;
      case 4:
        ok = detail::parse_int(tok, st.ppid);
        break;
      case 9:
        ok = detail::parse_int(tok, st.flags);
        break;
      case 19:
        ok = detail::parse_int(tok, st.nice);
        break;
      case 20:
        ok = detail::parse_int(tok, st.num_threads);
        break;
      case 22:
        ok = detail::parse_int(tok, st.start_time);
        break;
      default:
        break;
    }
    if (!ok) return fail(where, "bad stat field {}: '{}'", field, tok.substr(0, 40));
  }
  return st;
}

}  // namespace ghostbrew::procfs
