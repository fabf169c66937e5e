/* SPDX-License-Identifier: GPL-2.0-only */
/* Test program for the typed libbpf layer (include/ghostbrew/bpf), run on the host kernel with
 * BPF_PROG_TEST_RUN: one map of each kind the C++ wrappers type, global data in every section, and
 * two SEC("syscall") programs. `record` copies the .rodata tunables into .bss and counts its runs
 * per CPU; `emit` writes a requested number of events (and optionally malformed short records)
 * into the ring buffer, so the consumer is tested against real kernel-produced records. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "maps_test.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, GB_TEST_HASH_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, GB_TEST_LRU_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} lru SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, GB_TEST_ARRAY_ENTRIES);
  __type(key, __u32);
  __type(value, struct gb_test_stat);
} stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} runs_per_cpu SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Tunables: set by the loader before load. */
const volatile __u64 tunable = 7;
const volatile __u32 weights[4] = {1, 2, 3, 4};

/* Results: read by userspace after a run. */
__u64 runs;
__u64 seen_tunable;
__u32 seen_weight_sum;
__u64 generation = 100; /* .data: starts non-zero */

SEC("syscall")
int record(void* ctx) {
  __u32 zero = 0;
  __u64* per_cpu = bpf_map_lookup_elem(&runs_per_cpu, &zero);

  if (per_cpu) *per_cpu += 1;
  runs += 1;
  generation += 1;
  seen_tunable = tunable;
  seen_weight_sum = weights[0] + weights[1] + weights[2] + weights[3];
  return (int)tunable;
}

struct emit_state {
  __u32 tag;
  __u32 written;
};

static long emit_one(__u64 index, void* ctx) {
  struct emit_state* st = ctx;
  struct gb_test_event ev = {
      .seq = index,
      .tag = st->tag,
      .cpu = bpf_get_smp_processor_id(),
  };

  if (bpf_ringbuf_output(&events, &ev, sizeof(ev), 0) == 0) st->written++;
  return 0;
}

static long emit_short(__u64 index, void* ctx) {
  struct emit_state* st = ctx;
  __u32 word = (__u32)index;

  if (bpf_ringbuf_output(&events, &word, sizeof(word), 0) == 0) st->written++;
  return 0;
}

SEC("syscall")
int emit(struct gb_test_emit_args* args) {
  struct emit_state st = {.tag = args->tag, .written = 0};

  bpf_loop(args->count, emit_one, &st, 0);
  bpf_loop(args->short_count, emit_short, &st, 0);
  args->written = st.written;
  return 0;
}
