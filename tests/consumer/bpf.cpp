// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// ghostbrew::bpf: opens the object the installed ghostbrew_add_bpf_object() embedded (no load, so no
// root) and finds its program and its map, sized by the installed abi.h.
#include <ghostbrew/bpf/abi.h>
#include <ghostbrew/bpf/object.hpp>

#include <cstdio>

#include "consumer_prog_bpfobj.h"

int main() {
  auto obj = ghostbrew::bpf::Object::open(consumer_prog_bpf_object(), "consumer_prog");
  if (!obj) {
    std::fprintf(stderr, "consumer bpf: %s\n", obj.error().message().c_str());
    return 1;
  }
  auto map = obj->find_map("class_counts");
  auto prog = obj->find_program("count");
  if (!map || !prog) {
    std::fprintf(stderr, "consumer bpf: %s\n", (!map ? map.error() : prog.error()).message().c_str());
    return 1;
  }
  if (bpf_map__max_entries(*map) != GB_NR_CLASSES) {
    std::fprintf(stderr, "consumer bpf: class_counts has %u entries, abi.h says %d\n",
                 bpf_map__max_entries(*map), GB_NR_CLASSES);
    return 1;
  }
  std::printf("consumer bpf: %zu-byte object, map class_counts[%u]\n", consumer_prog_bpf_object().size(),
              bpf_map__max_entries(*map));
  return 0;
}
