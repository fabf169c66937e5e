// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghostbrew::topology alone (no libbpf): discovers this machine's topology and prints it as JSON.
#include <ghostbrew/topology/discover.hpp>
#include <ghostbrew/topology/json.hpp>

#include <cstdio>

int main() {
  auto topo = ghostbrew::topology::discover("/");
  if (!topo) {
    std::fprintf(stderr, "consumer topology: %s\n", topo.error().message().c_str());
    return 1;
  }
  if (topo->cpus.empty() || topo->llcs.empty()) {
    std::fprintf(stderr, "consumer topology: no CPUs or LLCs discovered\n");
    return 1;
  }
  std::printf("consumer topology: %zu CPUs, %zu LLCs: %s\n", topo->cpus.size(), topo->llcs.size(),
              ghostbrew::topology::to_json(*topo).dump().substr(0, 60).c_str());
  return 0;
}
