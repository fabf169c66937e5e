// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// A set of CPU ids sized by what it holds (no compile-time CPU limit), with the kernel's two
// text forms: the list form "0-3,8,10-11" (cpulist) and the hex mask form "ff,0000000f" (cpumask).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/fs.hpp"

namespace ghostbrew {

class CpuSet {
 public:
  CpuSet() = default;

  void insert(int cpu) {
    const auto word = static_cast<std::size_t>(cpu) / 64;
    if (word >= bits_.size()) bits_.resize(word + 1, 0);
    bits_[word] |= std::uint64_t{1} << (static_cast<unsigned>(cpu) % 64);
  }
  [[nodiscard]] bool contains(int cpu) const {
    if (cpu < 0) return false;
    const auto word = static_cast<std::size_t>(cpu) / 64;
    return word < bits_.size() && ((bits_[word] >> (static_cast<unsigned>(cpu) % 64)) & 1U) != 0;
  }
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (auto w : bits_) n += static_cast<std::size_t>(__builtin_popcountll(w));
    return n;
  }
  [[nodiscard]] bool empty() const { return size() == 0; }
  /// Lowest CPU in the set, -1 when empty.
  [[nodiscard]] int first() const {
    for (std::size_t i = 0; i < bits_.size(); ++i)
      if (bits_[i] != 0)
        return static_cast<int>(i * 64 + static_cast<std::size_t>(__builtin_ctzll(bits_[i])));
    return -1;
  }
  /// The ids in ascending order.
  [[nodiscard]] std::vector<int> ids() const {
    std::vector<int> out;
    for (std::size_t i = 0; i < bits_.size(); ++i)
      for (std::uint64_t w = bits_[i]; w != 0; w &= w - 1)
        out.push_back(static_cast<int>(i * 64 + static_cast<std::size_t>(__builtin_ctzll(w))));
    return out;
  }
  friend bool operator==(const CpuSet& a, const CpuSet& b) {
    const auto n = std::max(a.bits_.size(), b.bits_.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = i < a.bits_.size() ? a.bits_[i] : 0;
      const auto y = i < b.bits_.size() ? b.bits_[i] : 0;
      if (x != y) return false;
    }
    return true;
  }
  friend bool operator<(const CpuSet& a, const CpuSet& b) {
    return a.first() < b.first() || (a.first() == b.first() && a.ids() < b.ids());
  }

  /// The kernel's list form, e.g. "0-3,8".
  [[nodiscard]] std::string to_list() const {
    std::string out;
    const auto v = ids();
    for (std::size_t i = 0; i < v.size();) {
      std::size_t j = i;
      while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
      if (!out.empty()) out += ',';
      out += j == i ? fmt::format("{}", v[i]) : fmt::format("{}-{}", v[i], v[j]);
      i = j + 1;
    }
    return out;
  }

 private:
  std::vector<std::uint64_t> bits_;
};

/// Largest CPU id accepted from text: far above any real machine, low enough that garbage such as
/// "0-4294967295" cannot make us allocate gigabytes.
inline constexpr int kMaxCpuId = 1 << 20;

/// Parses the list form ("0-3,8,10-11", possibly empty or with a trailing newline).
inline Result<CpuSet> parse_cpulist(std::string_view text, const std::string& where) {
  CpuSet set;
  const auto t = fs::detail::trim(text);
  std::size_t pos = 0;
  while (pos < t.size()) {
    auto comma = t.find(',', pos);
    if (comma == std::string_view::npos) comma = t.size();
    const auto item = t.substr(pos, comma - pos);
    const auto dash = item.find('-');
    auto lo = fs::parse_u64(item.substr(0, dash), where);
    auto hi = dash == std::string_view::npos ? lo : fs::parse_u64(item.substr(dash + 1), where);
    if (!lo || !hi || *hi < *lo || *hi > static_cast<std::uint64_t>(kMaxCpuId))
      return fail(where, "bad cpu list item '{}'", item);
    for (auto c = *lo; c <= *hi; ++c) set.insert(static_cast<int>(c));
    pos = comma + 1;
  }
  return set;
}

/// Parses the hex mask form: comma-separated 32-bit words, most significant first ("ff,0000000f").
inline Result<CpuSet> parse_cpumask(std::string_view text, const std::string& where) {
  CpuSet set;
  const auto t = fs::detail::trim(text);
  if (t.empty()) return fail(where, "empty cpu mask");
  int bit = 0;
  for (auto i = t.size(); i-- > 0;) {
    const char c = t[i];
    if (c == ',') continue;
    int nibble = 0;
    if (c >= '0' && c <= '9')
      nibble = c - '0';
    else if (c >= 'a' && c <= 'f')
      nibble = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      nibble = c - 'A' + 10;
    else
      return fail(where, "bad character '{}' in cpu mask", c);
    for (int b = 0; b < 4; ++b)
      if ((nibble >> b) & 1) {
        if (bit + b > kMaxCpuId) return fail(where, "cpu mask too long");
        set.insert(bit + b);
      }
    bit += 4;
  }
  return set;
}

/// Reads a cpulist file.
inline Result<CpuSet> read_cpulist(const std::filesystem::path& path) {
  auto text = fs::read_text(path);
  if (!text) return tl::unexpected(text.error());
  return parse_cpulist(*text, path.string());
}

/// Reads a cpumask (hex) file.
inline Result<CpuSet> read_cpumask(const std::filesystem::path& path) {
  auto text = fs::read_text(path);
  if (!text) return tl::unexpected(text.error());
  return parse_cpumask(*text, path.string());
}

}  // namespace ghostbrew
