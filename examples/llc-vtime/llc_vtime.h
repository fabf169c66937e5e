/* SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause */
/* What llc_vtime.bpf.c and main.cpp share: limits, the counters and the ring-buffer event. Plain C
 * over fixed-width types (vmlinux.h's in BPF, <linux/types.h> in userspace). */
#ifndef LLC_VTIME_H
#define LLC_VTIME_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LLC_VTIME_MAX_CPUS 1024
#define LLC_VTIME_MAX_LLCS 64

/* Per-CPU counters (map "stats", one element): userspace sums them over CPUs. */
struct llc_vtime_stats {
  __u64 direct;  /* select_cpu found an idle CPU and dispatched straight to it */
  __u64 queued;  /* enqueued on the task's LLC DSQ, ordered by virtual time */
  __u64 local;   /* dispatch took a task from the CPU's own LLC DSQ */
  __u64 stolen;  /* ... from another LLC's DSQ, its own being empty */
  __u64 enabled; /* tasks that joined the scheduler (one event each) */
  __u64 dropped; /* events lost because the ring buffer was full */
};

/* One per task joining the scheduler (ops.enable), on ring buffer "events". */
struct llc_vtime_event {
  __u32 pid;
  __u32 llc;
  char comm[16];
};

#endif
