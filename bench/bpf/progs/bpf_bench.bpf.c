/* SPDX-License-Identifier: GPL-2.0-only */
/* Producer and maps for the BPF layer benchmarks: `fill` writes a requested number of events into
 * a large ring buffer in one BPF_PROG_TEST_RUN (bpf_loop), so the benchmark can time consumption
 * alone; `hash` and `array` are the maps the typed lookup/update benchmarks use. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "bpf_bench.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, GB_BENCH_RING_BYTES);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, GB_BENCH_MAP_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, GB_BENCH_MAP_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} array SEC(".maps");

static long fill_one(__u64 index, void* ctx) {
  __u32* written = ctx;
  struct gb_bench_event ev = {
      .ts = index,
      .pid = (__u32)index,
      .cpu = bpf_get_smp_processor_id(),
      .kind = 1,
  };

  if (bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP) == 0) *written += 1;
  return 0;
}

SEC("syscall")
int fill(struct gb_bench_fill_args* args) {
  __u32 written = 0;

  bpf_loop(args->count, fill_one, &written, 0);
  args->written = written;
  return 0;
}
