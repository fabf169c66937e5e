// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// The libbpf log hook: libbpf's messages (including the verifier log of a failed load) go to a sink
// (stderr when verbose, nowhere otherwise) and into every LogCapture alive on the calling thread, so
// a failed Object::load can report the verifier's last lines as part of its Error.
#pragma once

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace ghostbrew::bpf {

/// libbpf's message levels.
enum class LogLevel { warn, info, debug };

/// Receives one complete libbpf message line (no trailing newline).
using LogSink = std::function<void(LogLevel, std::string_view line)>;

namespace detail {

struct LogState {
  std::mutex mutex;
  LogSink sink;          // set_libbpf_sink(); empty: the default below
  bool verbose = false;  // default sink: stderr for warn/info when set
};

inline LogState& log_state() {
  static LogState state;
  return state;
}

}  // namespace detail

/// Collects libbpf's messages on this thread while it is alive (captures nest: every live capture
/// on the thread receives every line). Keeps the last `keep` lines.
class LogCapture {
 public:
  explicit LogCapture(std::size_t keep = 200) : keep_(keep), outer_(current()) { current() = this; }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() { current() = outer_; }

  /// The last `n` captured lines (fewer if fewer were seen), oldest first.
  [[nodiscard]] std::vector<std::string> tail(std::size_t n) const {
    const std::size_t skip = lines_.size() > n ? lines_.size() - n : 0;
    return {lines_.begin() + static_cast<std::ptrdiff_t>(skip), lines_.end()};
  }
  /// The last `n` lines joined with newlines ("" when nothing was captured).
  [[nodiscard]] std::string tail_text(std::size_t n) const {
    return fmt::format("{}", fmt::join(tail(n), "\n"));
  }
  /// True when no line was captured.
  [[nodiscard]] bool empty() const { return lines_.empty(); }

  /// Feeds one line to every capture alive on this thread (used by the libbpf callback).
  static void deliver(const std::string& line) {
    for (LogCapture* c = current(); c != nullptr; c = c->outer_) {
      c->lines_.push_back(line);
      if (c->lines_.size() > c->keep_) c->lines_.pop_front();
    }
  }

 private:
  static LogCapture*& current() {
    thread_local LogCapture* innermost = nullptr;
    return innermost;
  }
  std::size_t keep_;
  LogCapture* outer_;
  std::deque<std::string> lines_;
};

namespace detail {

inline void emit_line(LogLevel level, const std::string& line) {
  LogCapture::deliver(line);
  auto& st = log_state();
  const std::scoped_lock lock(st.mutex);
  if (st.sink) {
    st.sink(level, line);
  } else if (st.verbose && level != LogLevel::debug) {
    std::fprintf(stderr, "libbpf: %s\n", line.c_str());
  }
}

/// Splits libbpf's printf-style messages into lines; a message without a final newline is kept
/// until the rest of its line arrives (per thread).
inline int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  thread_local std::string pending;
  va_list copy;
  va_copy(copy, args);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return n;
  std::string text(static_cast<std::size_t>(n), '\0');
  std::vsnprintf(text.data(), text.size() + 1, format, args);
#pragma GCC diagnostic pop
  const LogLevel lvl = level == LIBBPF_WARN   ? LogLevel::warn
                       : level == LIBBPF_INFO ? LogLevel::info
                                              : LogLevel::debug;
  pending += text;
  std::size_t start = 0;
  for (std::size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
    emit_line(lvl, pending.substr(start, nl - start));
    start = nl + 1;
  }
  pending.erase(0, start);
  return n;
}

}  // namespace detail

/// Installs ghostbrew's libbpf print callback. Idempotent; Object::open calls it, so callers only
/// need it to route messages of libbpf calls made before any Object is opened.
inline void install_libbpf_log() {
  static const bool installed = [] {
    libbpf_set_print(&detail::libbpf_print);
    return true;
  }();
  (void)installed;
}

/// When `on`, libbpf's warnings and info messages are printed to stderr ("libbpf: ..."), unless a
/// sink was set with set_libbpf_sink(). Off by default: messages are then only captured.
inline void set_libbpf_verbose(bool on) {
  install_libbpf_log();
  auto& st = detail::log_state();
  const std::scoped_lock lock(st.mutex);
  st.verbose = on;
}

/// Sends every libbpf message line (all levels, including debug) to `sink` instead of the default
/// stderr printing; an empty sink restores the default. Captures still receive every line.
inline void set_libbpf_sink(LogSink sink) {
  install_libbpf_log();
  auto& st = detail::log_state();
  const std::scoped_lock lock(st.mutex);
  st.sink = std::move(sink);
}

}  // namespace ghostbrew::bpf
