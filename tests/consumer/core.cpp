// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghostbrew::core alone: cpu lists and the version header.
#include <ghostbrew/core/cpuset.hpp>
#include <ghostbrew/version.hpp>

#include <cstdio>

int main() {
  auto set = ghostbrew::parse_cpulist("0-3,8", "consumer");
  if (!set || set->size() != 5 || set->to_list() != "0-3,8") {
    std::fprintf(stderr, "consumer core: cpulist parse failed\n");
    return 1;
  }
  std::printf("consumer core: %s, ghostbrew %s\n", set->to_list().c_str(), GHOSTBREW_VERSION_STRING);
  return ghostbrew::kVersion.empty() ? 1 : 0;
}
