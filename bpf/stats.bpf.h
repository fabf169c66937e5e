/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew statistics: the per-CPU counters userspace sums (struct gb_stats) and, with
 * GB_KNOB_HISTOGRAMS, the log2 histograms of each callback's run time and each wake-up's latency by
 * class (struct gb_hist). Off, the histograms cost one array lookup per callback. */
#ifndef GHOSTBREW_STATS_BPF_H
#define GHOSTBREW_STATS_BPF_H

#include "ghostbrew.bpf.h"

static struct gb_stats* stats_here(void) {
  u32 zero = 0;
  return bpf_map_lookup_elem(&stats, &zero);
}

/* Per-CPU counters: plain increments, the map is per CPU. */
#define STAT_INC(field)                  \
  do {                                   \
    struct gb_stats* __s = stats_here(); \
    if (__s) __s->field++;               \
  } while (0)

/* The abi.h bucket of a duration: floor(log2(ns)) - GB_HIST_SHIFT, within [0, GB_HIST_BUCKETS). */
static u32 hist_bucket(u64 ns) {
  u32 log = 0;
  if (ns >> 32) {
    ns >>= 32;
    log += 32;
  }
  if (ns >> 16) {
    ns >>= 16;
    log += 16;
  }
  if (ns >> 8) {
    ns >>= 8;
    log += 8;
  }
  if (ns >> 4) {
    ns >>= 4;
    log += 4;
  }
  if (ns >> 2) {
    ns >>= 2;
    log += 2;
  }
  if (ns >> 1) log += 1;
  if (log <= GB_HIST_SHIFT) return 0;
  return GB_MIN(log - GB_HIST_SHIFT, GB_HIST_BUCKETS - 1);
}

static struct gb_hist* hist_here(void) {
  u32 zero = 0;
  return bpf_map_lookup_elem(&hist, &zero);
}

/* Start timing a callback: its start time, or 0 when histograms are off. Inline, as is the test in
 * gb_op_end: with histograms off a callback pays one map lookup, not two calls. */
static __always_inline u64 gb_op_start(void) {
  struct gb_knobs* k = knobs_here();
  return k && (k->flags & GB_KNOB_HISTOGRAMS) ? bpf_ktime_get_ns() : 0;
}

/* Returns 0: a global function must return a scalar on kernels before 7.2 (void was refused there
 * with "Global function gb_op_record() doesn't return scalar"). */
__noinline int gb_op_record(u32 op, u64 start) {
  struct gb_hist* h;
  if (op >= GB_NR_OPS || !(h = hist_here())) return 0;
  h->op_ns[op][hist_bucket(bpf_ktime_get_ns() - start)]++;
  return 0;
}

/* End timing a callback started at start (gb_op_start). */
static __always_inline void gb_op_end(u32 op, u64 start) {
  if (start) gb_op_record(op, start);
}

/* Called when p wakes up (from select_cpu, or enqueue for tasks that skip it): counted once. */
static void note_wakeup(struct task_ctx* tctx) {
  if (tctx->wake_pending) return;
  tctx->wake_pending = 1;
  tctx->wakeups++;
  tctx->wake_ns = gb_knob_set(GB_KNOB_HISTOGRAMS) ? bpf_ktime_get_ns() : 0;
}

/* The wake-up that made p runnable ended now (it runs): its latency goes to its class's histogram. */
static void end_wakeup(struct task_ctx* tctx) {
  struct gb_hist* h;
  tctx->wake_pending = 0;
  tctx->wake_sync = 0;
  if (tctx->wake_ns && (h = hist_here()))
    h->wake_ns[valid_class(tctx->class)][hist_bucket(bpf_ktime_get_ns() - tctx->wake_ns)]++;
  tctx->wake_ns = 0;
}

/* Count the class a task starts in after exec (once per comm), and whether a prediction chose it. */
static void count_start(struct task_ctx* tctx, u32 cls) {
  struct gb_stats* s;
  if (tctx->started) return;
  tctx->started = 1;
  s = stats_here();
  if (!s) return;
  s->started[valid_class(cls)]++;
  if (tctx->predicted_class < GB_NR_CLASSES && cls == tctx->predicted_class) s->predicted++;
}

#endif /* GHOSTBREW_STATS_BPF_H */
