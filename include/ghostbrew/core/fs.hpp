// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Small, strict readers for sysfs/procfs files: text, one integer, one word. Every error names the file.
#pragma once

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

#include "ghostbrew/core/error.hpp"

namespace ghostbrew::fs {

namespace detail {
inline std::string_view trim(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}
}  // namespace detail

/// Whole file as text. Errors: missing file, permission, read failure (with strerror).
inline Result<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return fail(path.string(), "cannot open: {}", err ? std::strerror(err) : "unknown error");
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(path.string(), "read failed");
  return text;
}

/// File content with surrounding white space removed; an empty file is an error.
inline Result<std::string> read_word(const std::filesystem::path& path) {
  auto text = read_text(path);
  if (!text) return tl::unexpected(text.error());
  const auto t = detail::trim(*text);
  if (t.empty()) return fail(path.string(), "empty file");
  return std::string(t);
}

/// Parses a whole string as an unsigned decimal integer (no sign, no trailing garbage).
inline Result<std::uint64_t> parse_u64(std::string_view text, const std::string& where) {
  const auto t = detail::trim(text);
  std::uint64_t v = 0;
  const auto* end = t.data() + t.size();
  const auto [ptr, ec] = std::from_chars(t.data(), end, v);
  if (t.empty() || ec != std::errc{} || ptr != end)
    return fail(where, "not an unsigned integer: '{}'", t.substr(0, 40));
  return v;
}

/// One unsigned decimal integer from a file.
inline Result<std::uint64_t> read_u64(const std::filesystem::path& path) {
  auto text = read_text(path);
  if (!text) return tl::unexpected(text.error());
  return parse_u64(*text, path.string());
}

/// True when the path exists (errors such as EACCES count as "exists": the caller will read it and see).
inline bool exists(const std::filesystem::path& path) {
  std::error_code ec;
  const bool e = std::filesystem::exists(path, ec);
  return e || (ec && ec != std::errc::no_such_file_or_directory);
}

}  // namespace ghostbrew::fs
