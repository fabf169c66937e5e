// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghostbrew::ghostbrew: everything, down to the daemon's loader; an empty image is refused by name.
#include <ghostbrew/sched/scheduler.hpp>
#include <ghostbrew/tuning/settings.hpp>

#include <cstdio>
#include <span>

int main() {
  auto obj = ghostbrew::bpf::Object::open(std::span<const std::byte>{}, "empty");
  if (obj || obj.error().message().find("empty") == std::string::npos) {
    std::fprintf(stderr, "consumer ghostbrew: an empty BPF image was not refused by name\n");
    return 1;
  }
  std::printf("consumer ghostbrew: %s\n", obj.error().message().c_str());
  return 0;
}
