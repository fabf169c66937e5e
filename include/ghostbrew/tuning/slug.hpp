// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// File names for free-form names (games, CPU models): what the sample store and the profiles use.
#pragma once

#include <string>
#include <string_view>

namespace ghostbrew::tuning {

/// A file-name-safe form of `name`: ASCII letters and digits lowercased, every other run of bytes
/// one '-', none at either end, at most 64 bytes; "unnamed" when nothing is left.
/// "Cyberpunk 2077.exe" -> "cyberpunk-2077-exe", "AMD Ryzen 9 7950X3D 16-Core Processor" ->
/// "amd-ryzen-9-7950x3d-16-core-processor". Different names may share a slug: the files keep the
/// full names and readers compare those.
[[nodiscard]] inline std::string slug(std::string_view name) {
  constexpr std::size_t kMax = 64;
  std::string out;
  bool dash = false;
  for (char ch : name) {
    if (out.size() >= kMax) break;
    const bool alnum = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    if (!alnum) {
      dash = !out.empty();
      continue;
    }
    if (dash) out += '-';
    dash = false;
    out += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
  }
  if (out.size() > kMax) out.resize(kMax);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? std::string("unnamed") : out;
}

}  // namespace ghostbrew::tuning
