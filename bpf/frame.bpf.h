/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew frame pacing: a game's frame period, seen from its main thread's wake-ups, and its use.
 *
 * Detection. A game paces its frames on a timer (a frame limiter's sleep) or on the display's
 * vblank interrupt: either way its main thread wakes from interrupt context once a frame; its other
 * wake-ups in the frame (a job system's join, a helper's reply) come from other tasks. So for the
 * main thread (pid == tgid) of a GAMING process, the interval between two wake-ups from interrupt
 * context is a frame: folded onto the current estimate when frames were skipped (an interval of k
 * periods counts as k), averaged (the running mean for the first 8 frames, then 1/8 per frame), and
 * its mean deviation is the jitter. A frame counts only when the main thread did something in it:
 * woke another task (handed out the frame's work) or ran at least 1/8 of it; any other interval
 * (under 1 ms, over 200 ms, an idle one) starts the estimate again. The game is paced from
 * GB_FRAME_MIN_FRAMES frames in a row with jitter <= period / 4: its GB_MAP_FRAMES entry (period,
 * jitter, the current frame's start) is what `ghost-sched --stats` and `ghost-probe --frames` show.
 * Not detected: a hog (never sleeps), cyclictest (not a game; its main thread's 10 ms sleeps hand
 * nothing out), a game's idle menu loop that only sleeps.
 *
 * Use (gb_config.frame_pacing, off by default). A paced game's thread has its frame's work due
 * within the frame: its request (the CPU time it used since it woke, vtime.bpf.h) counts for at most
 * the time left until the frame ends, so a render thread deep in a long frame is not queued behind
 * work that arrived after the frame began. Only the request is capped: the thread's virtual time is
 * charged as always, so the game gains order within its share, not share. Off by default: with
 * runnable tasks' credit bounded (vtime.bpf.h) it is even with pacing unused in the parallel-vCPU
 * A/B (frame p99 0.40x against 0.38x EEVDF's, misses equal), and before that bound it doubled the
 * frame p99 (bpf/NOTES.md). */
#ifndef GHOSTBREW_FRAME_BPF_H
#define GHOSTBREW_FRAME_BPF_H

#include "wake_chain.bpf.h"

#define GB_FRAME_MIN_NS 1000000ull   /* 1000 fps */
#define GB_FRAME_MAX_NS 200000000ull /* 5 fps */
#define GB_FRAME_AVG 8               /* the estimate moves 1/8 of the way per frame once warm */

static void frame_forget(struct task_struct* p, struct task_ctx* tctx) {
  u32 tgid = p->tgid;
  if (tctx->frame_count >= GB_FRAME_MIN_FRAMES) bpf_map_delete_elem(&frames, &tgid);
  tctx->frame_period_ns = 0;
  tctx->frame_jitter_ns = 0;
  tctx->frame_count = 0;
}

static void frame_publish(struct task_struct* p, struct task_ctx* tctx) {
  struct gb_frame_pace pace = {};
  u32 tgid = p->tgid;
  pace.period_ns = tctx->frame_period_ns;
  pace.jitter_ns = tctx->frame_jitter_ns;
  pace.frame_start_ns = tctx->frame_start_ns;
  pace.frames = tctx->frame_count;
  pace.pid = tgid;
  bpf_probe_read_kernel(pace.comm, sizeof(pace.comm), p->comm);
  bpf_map_update_elem(&frames, &tgid, &pace, BPF_ANY);
}

/* p woke up now (irq: from interrupt context), its class up to date: one more frame of a game's main
 * thread? Times are bpf_ktime_get_ns's, read only past the test (most wake-ups are not a frame's). */
static void frame_wake(struct task_struct* p, struct task_ctx* tctx, bool irq) {
  u64 interval, cpu, sample, period, k, dev, n, now;
  bool active;

  if (!irq || p->pid != p->tgid || task_class(p, tctx) != GB_CLASS_GAMING) return;
  now = bpf_ktime_get_ns();
  interval = now - tctx->frame_start_ns;
  cpu = tctx->runtime_ns > tctx->frame_cpu_ns ? tctx->runtime_ns - tctx->frame_cpu_ns : 0;
  active = tctx->woke_other || cpu * 8 >= interval;
  tctx->frame_start_ns = now;
  tctx->frame_cpu_ns = tctx->runtime_ns;
  tctx->woke_other = 0;
  if (!active || interval < GB_FRAME_MIN_NS || interval > GB_FRAME_MAX_NS) {
    frame_forget(p, tctx);
    return;
  }
  period = tctx->frame_period_ns;
  if (!period) {
    tctx->frame_period_ns = interval;
    tctx->frame_count = 1;
    return;
  }
  k = (interval + period / 2) / period;
  sample = interval / (k ?: 1);
  dev = sample > period ? sample - period : period - sample;
  n = GB_MIN(tctx->frame_count + 1, GB_FRAME_AVG);
  tctx->frame_period_ns = sample > period ? period + (sample - period) / n : period - (period - sample) / n;
  tctx->frame_jitter_ns = dev > tctx->frame_jitter_ns
                              ? tctx->frame_jitter_ns + (dev - tctx->frame_jitter_ns) / n
                              : tctx->frame_jitter_ns - (tctx->frame_jitter_ns - dev) / n;
  tctx->frame_count++;
  if (tctx->frame_count < GB_FRAME_MIN_FRAMES) return;
  if (tctx->frame_jitter_ns * 4 <= tctx->frame_period_ns) {
    frame_publish(p, tctx);
  } else {
    u32 tgid = p->tgid;
    bpf_map_delete_elem(&frames, &tgid);
  }
}

/* p's deadline (computed as vtime.bpf.h does, class cls) with its request counted at most until the
 * end of its game's current frame, when the game is paced. */
static u64 frame_due(struct task_struct* p, const struct task_ctx* tctx, u32 cls, u64 deadline) {
  struct gb_frame_pace* pace;
  u32 tgid = p->tgid;
  u64 now, end, left, due;

  if (!gb_config.frame_pacing || cls != GB_CLASS_GAMING || !(pace = bpf_map_lookup_elem(&frames, &tgid)))
    return deadline;
  now = bpf_ktime_get_ns();
  end = pace->frame_start_ns + pace->period_ns;
  left = end > now ? end - now : 0;
  due = tctx->vtime + GB_MIN(left, pace->period_ns) + gb_class_window_ns(cls);
  if ((s64)(due - deadline) >= 0) return deadline;
  STAT_INC(pace_boosts);
  return due;
}

/* A game's main thread exits: its entry goes. */
static void frame_exit(struct task_struct* p, struct task_ctx* tctx) {
  if (p->pid == p->tgid) frame_forget(p, tctx);
}

#endif /* GHOSTBREW_FRAME_BPF_H */
