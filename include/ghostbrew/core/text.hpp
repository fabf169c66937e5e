// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Strings from outside the program (process names, command lines, cgroup paths, sysfs values, names
// read back from BPF maps or state files) made safe to show. Any user can name a process with
// prctl(PR_SET_NAME) bytes that are not UTF-8, that hold escape sequences for the admin's terminal
// or a newline that fakes a log line. The one home for that:
//   escape()      for a terminal or a log line: printable and unambiguous, one line;
//   valid_utf8()  for text that must stay text (file contents, names compared after a round trip);
//   dump()        a JSON document that never throws on such bytes and is printable ASCII.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ghostbrew::text {

namespace detail {

/// Length (2..4) of the valid UTF-8 sequence of a non-ASCII code point at `s[i]`, or 0 when the
/// bytes there are not one (a stray continuation byte, a truncated sequence, an overlong form, a
/// UTF-16 surrogate or a code point past U+10FFFF).
[[nodiscard]] inline std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto cont = [&](std::size_t k, unsigned lo, unsigned hi) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  const unsigned b = byte(i);
  if (b >= 0xc2 && b <= 0xdf) return cont(i + 1, 0x80, 0xbf) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const unsigned lo = b == 0xe0 ? 0xa0 : 0x80;  // E0: no overlong forms
    const unsigned hi = b == 0xed ? 0x9f : 0xbf;  // ED: no surrogates
    return cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xbf) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const unsigned lo = b == 0xf0 ? 0x90 : 0x80;  // F0: no overlong forms
    const unsigned hi = b == 0xf4 ? 0x8f : 0xbf;  // F4: nothing past U+10FFFF
    return cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xbf) && cont(i + 3, 0x80, 0xbf) ? 4 : 0;
  }
  return 0;
}

/// The code point of the valid `n`-byte sequence at `s[i]`.
[[nodiscard]] inline std::uint32_t code_point(std::string_view s, std::size_t i, std::size_t n) {
  const auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[k]));
  };
  std::uint32_t cp = byte(i) & (n == 2 ? 0x1fU : n == 3 ? 0x0fU : 0x07U);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(i + k) & 0x3fU);
  return cp;
}

/// Code points a terminal may act on: C1 controls (U+0080..U+009F, U+009B is CSI on some terminals),
/// line and paragraph separators, and the bidirectional overrides and isolates that reorder what
/// is shown ("Trojan Source").
[[nodiscard]] inline bool is_format_control(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

inline void append_hex(std::string& out, unsigned char b) { out += fmt::format("\\x{:02x}", b); }

}  // namespace detail

/// `s` for a terminal or a log line. Printable ASCII and valid UTF-8 stay as they are; a backslash
/// becomes `\\`; control characters (C0 including newline, tab and ESC, DEL, C1), line separators,
/// bidirectional overrides and every byte that is not valid UTF-8 become `\xNN`, one per byte. The
/// result is valid UTF-8 on one line, no terminal control in it, and tells different inputs apart.
[[nodiscard]] inline std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b == '\\')
        out += "\\\\";
      else if (b < 0x20 || b == 0x7f)
        detail::append_hex(out, b);
      else
        out += static_cast<char>(b);
      ++i;
      continue;
    }
    const std::size_t n = detail::utf8_sequence(s, i);
    if (n == 0) {
      detail::append_hex(out, b);
      ++i;
      continue;
    }
    if (detail::is_format_control(detail::code_point(s, i, n)))
      for (std::size_t k = 0; k < n; ++k) detail::append_hex(out, static_cast<unsigned char>(s[i + k]));
    else
      out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

/// `s` as valid UTF-8: valid sequences (controls included) stay, each byte that is not part of one
/// becomes U+FFFD, as nlohmann::json's error_handler_t::replace does when it dumps.
[[nodiscard]] inline std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : detail::utf8_sequence(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

/// `j` as JSON text (`indent` as for nlohmann::json::dump) that never throws: bytes in strings that are
/// not valid UTF-8 become U+FFFD, and everything but printable ASCII is a \u escape, so the text is
/// safe to print on a terminal and parses back to the same strings (as valid_utf8() gives them).
[[nodiscard]] inline std::string dump(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
}

}  // namespace ghostbrew::text
