/* SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause */
/* Layouts shared by bpf_bench.bpf.c and bpf_bench.cpp. */
#ifndef GHOSTBREW_BENCH_BPF_BENCH_H
#define GHOSTBREW_BENCH_BPF_BENCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifdef __cplusplus
#define GB_BENCH_STATIC_ASSERT static_assert
#else
#define GB_BENCH_STATIC_ASSERT _Static_assert
#endif

#define GB_BENCH_RING_BYTES (8 * 1024 * 1024)
#define GB_BENCH_MAP_ENTRIES 4096

/* One ring buffer record: the size of a typical scheduler event (pid, cpu, timestamp, kind). */
struct gb_bench_event {
  __u64 ts;
  __u32 pid;
  __u32 cpu;
  __u32 kind;
  __u32 pad;
};
GB_BENCH_STATIC_ASSERT(sizeof(struct gb_bench_event) == 24, "gb_bench_event layout");

/* Context of the `fill` syscall program. */
struct gb_bench_fill_args {
  __u32 count;   /* events to write */
  __u32 written; /* out: events the ring buffer accepted */
};
GB_BENCH_STATIC_ASSERT(sizeof(struct gb_bench_fill_args) == 8, "gb_bench_fill_args layout");

#endif /* GHOSTBREW_BENCH_BPF_BENCH_H */
