// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Compiles against the packaged headers of two components and runs without privileges.
#include <ghostbrew/bpf/object.hpp>
#include <ghostbrew/core/cpuset.hpp>
#include <ghostbrew/version.hpp>

#include <cstdio>
#include <span>

int main() {
  auto set = ghostbrew::parse_cpulist("0-3", "test_package");
  auto obj = ghostbrew::bpf::Object::open(std::span<const std::byte>{}, "empty");
  std::printf("ghostbrew %s: %zu CPUs; empty object refused: %s\n", GHOSTBREW_VERSION_STRING,
              set ? set->size() : 0, obj ? "no" : "yes");
  return set && !obj ? 0 : 1;
}
