// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghostbrew::detect alone (no libbpf): classifies every process of this machine.
#include <ghostbrew/detect/scan.hpp>
#include <ghostbrew/detect/workload_class.hpp>

#include <cstdio>

int main() {
  auto scan = ghostbrew::detect::scan("/");
  if (!scan) {
    std::fprintf(stderr, "consumer detect: %s\n", scan.error().message().c_str());
    return 1;
  }
  if (scan->processes.empty() || scan->classes.size() != scan->processes.size()) {
    std::fprintf(stderr, "consumer detect: %zu processes, %zu classes\n", scan->processes.size(),
                 scan->classes.size());
    return 1;
  }
  std::printf("consumer detect: %zu processes; the first is %s\n", scan->processes.size(),
              std::string(ghostbrew::detect::to_string(scan->classes.front().cls)).c_str());
  return 0;
}
