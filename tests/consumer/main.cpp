// Uses the installed headers the way an embedding scheduler would.
#include <ghostbrew/core/cpuset.hpp>

#include <cstdio>

int main() {
  auto set = ghostbrew::parse_cpulist("0-3,8", "consumer");
  if (!set || set->size() != 5) {
    std::fprintf(stderr, "consumer: cpulist parse failed\n");
    return 1;
  }
  std::printf("consumer: %s\n", set->to_list().c_str());
  return 0;
}
