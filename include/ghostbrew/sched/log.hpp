// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The daemon's log lines: each has a priority, and when its output goes to the journal (systemd sets
// $JOURNAL_STREAM to the device and inode of the stream it gave the service) each line starts with
// the priority's sd-daemon prefix ("<3>" error .. "<7>" debug), so `journalctl -p warning` finds the
// errors and warnings. In a terminal or a pipe the lines stay as they are.
#pragma once

#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

namespace ghostbrew::sched {

/// How much a line matters: the journal's priorities (syslog's), the ones the daemon uses.
enum class Priority { err, warning, notice, info, debug };

/// The sd-daemon prefix of `p`: SD_ERR "<3>", SD_WARNING "<4>", SD_NOTICE "<5>", SD_INFO "<6>",
/// SD_DEBUG "<7>".
[[nodiscard]] constexpr std::string_view journal_prefix(Priority p) {
  switch (p) {
    case Priority::err:
      return SD_ERR;
    case Priority::warning:
      return SD_WARNING;
    case Priority::notice:
      return SD_NOTICE;
    case Priority::info:
      break;
    case Priority::debug:
      return SD_DEBUG;
  }
  return SD_INFO;
}

/// True when `fd` is the stream $JOURNAL_STREAM ("DEVICE:INODE", as systemd sets it) names: the
/// journal reads it and understands the prefixes.
[[nodiscard]] inline bool is_journal_stream(int fd,
                                            const char* journal_stream = std::getenv("JOURNAL_STREAM")) {
  if (journal_stream == nullptr) return false;
  const std::string_view text = journal_stream;
  std::uint64_t dev = 0, ino = 0;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  const auto* end = text.data() + text.size();
  const auto d = std::from_chars(text.data(), text.data() + colon, dev);
  const auto i = std::from_chars(text.data() + colon + 1, end, ino);
  if (d.ec != std::errc() || d.ptr != text.data() + colon || i.ec != std::errc() || i.ptr != end)
    return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<std::uint64_t>(st.st_dev) == dev && static_cast<std::uint64_t>(st.st_ino) == ino;
}

/// One log line: "ghost-sched: " and the text, after the priority's prefix when `journal`.
[[nodiscard]] inline std::string log_line(Priority p, std::string_view text, bool journal) {
  std::string line;
  if (journal) line = journal_prefix(p);
  line += "ghost-sched: ";
  line += text;
  return line;
}

}  // namespace ghostbrew::sched
