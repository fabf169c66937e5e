/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew virtual time: the order of every queue.
 *
 * Every task has a virtual runtime (tctx->vtime) that advances with the CPU time it uses, scaled by
 * 100 / weight (p->scx.weight: 100 at nice 0, the kernel's nice table otherwise), as EEVDF's does.
 * Its deadline, the key of the per-CPU queues, is
 *     deadline = vtime + request + class_offset
 *     request  = min(CPU time used since it last woke, GB_REQUEST_SLICES slices) * 100 / weight,
 *                at most max_window_ns / 2
 * so among tasks that stay runnable the one that has had least (weighted) CPU goes first: equal hogs
 * share equally and a nice-5 hog runs a third as often as a nice-0 one; and a task that just woke
 * with little CPU behind it queues ahead of one in the middle of a long burst (EEVDF's shorter
 * request, BORE's burst penalty, without a threshold).
 * vtime_now is the frontier: the largest vtime of a task when it started running. Bounds, written
 * back into vtime:
 *   - on a wake-up, a task is at most its lag cap behind the frontier (sleeping earns bounded
 *     credit): slice * (1 + wake-ups per second / GB_LAG_HZ_STEP), at most GB_LAG_MAX_SCALE slices,
 *     times the share of its wake-up period it leaves unused (1 - average burst / period).
 *     A thread that wakes often and uses little CPU (a periodic timer thread, an input or audio
 *     thread, voice chat) keeps the most credit; a hog has none to use, however it wakes (its vtime
 *     is at the front, and its bursts fill its period).
 *   - at every enqueue of a task that stayed runnable, its vtime plus its request at most
 *     GB_RUNNABLE_CREDIT_SLICES of its own CPU time behind it (EEVDF's bound on lag), so a hog that
 *     waited while a fork storm carried the frontier on does not then run ahead of the wake-ups
 *     (runnable_floor).
 *   - at every enqueue, at most max_window_ns / 2 ahead of the frontier (a nice-19 hog's vtime runs
 *     100x faster; the excess is forgotten).
 * class_offset (gb_config.class_window_ns: GAMING 1 ms, INTERACTIVE 2, VM 4, DEFAULT 8, AI and
 * CONTAINER 12, BATCH 40) is how classes bias the order without replacing it: a game thread is 7 ms
 * ahead of unclassified work with the same virtual time, not ahead of everything. Weights stay the
 * kernel's (nice only): a class weight would take CPU from unclassified work, the one thing the
 * scheduler must not make worse than EEVDF.
 *
 * The frontier also advances with the clock, by at least 1/GB_FRONTIER_MIN_RATE of real time: with
 * N tasks on C CPUs it would otherwise move at C/N of real time, and a task queued far ahead of it
 * (a niced hog) would wait N/C times its distance. Past N/C = GB_FRONTIER_MIN_RATE the clock drives
 * it, sleepers are placed relative to it, and no wake-up overtakes a queued task for longer than
 * GB_FRONTIER_MIN_RATE * (max_window_ns + BATCH's offset + the largest lag cap) (the starvation
 * bound in ghostbrew.bpf.c's design comment). */
#ifndef GHOSTBREW_VTIME_BPF_H
#define GHOSTBREW_VTIME_BPF_H

#include "ghostbrew.bpf.h"

#define GB_LAG_HZ_STEP 50           /* each 50 wake-ups a second add one slice of sleep credit */
#define GB_LAG_MAX_SCALE 8          /* at most this many slices of credit */
#define GB_RUNNABLE_CREDIT_SLICES 2 /* credit a task that stayed runnable keeps (runnable_floor) */
#define GB_REQUEST_SLICES 4         /* the request stops growing after this many slices of CPU time */
#define GB_FRONTIER_MIN_RATE 4      /* the frontier advances at least 1/this as fast as real time */
#define GB_NSEC_PER_SEC 1000000000ull

/* The frontier of virtual time (see above) and when it was last moved, in real time. Written by
 * every CPU; a lost update only delays it. */
u64 vtime_now;
u64 vtime_now_at;

static u64 task_weight(const struct task_struct* p) { return p->scx.weight ?: 1; }

/* ns of CPU time in p's virtual time. */
static u64 vtime_scaled(const struct task_struct* p, u64 ns) { return ns * 100 / task_weight(p); }

/* The sleep credit p may keep: more for tasks that wake often, of which only the share of its wake-up
 * period it leaves to others (its average burst against the period): a VM's vCPU thread that runs 2 ms
 * of every 3 woke 333 times a second and kept 7 slices, more than a game's worker that runs 1.5 ms of
 * every 8.3 (3 slices), and went first (bpf/NOTES.md: the mixed case). */
static u64 task_lag_ns(const struct task_ctx* tctx) {
  u64 scale = 1, lag, period = tctx->wake_interval_ns, burst = tctx->avg_burst_ns;
  if (!period) return gb_slice_ns();
  scale += GB_NSEC_PER_SEC / period / GB_LAG_HZ_STEP;
  lag = gb_slice_ns() * GB_MIN(scale, GB_LAG_MAX_SCALE);
  return burst >= period ? 0 : lag * (period - burst) / period;
}

/* p woke up at now: the wake-up rate (its lag cap) is updated. */
static void vtime_wake(struct task_ctx* tctx, u64 now) {
  if (tctx->last_wake_ns && now > tctx->last_wake_ns) {
    u64 interval = now - tctx->last_wake_ns;
    tctx->wake_interval_ns = tctx->wake_interval_ns ? (3 * tctx->wake_interval_ns + interval) / 4 : interval;
  }
  tctx->last_wake_ns = now;
}

/* The scheduler starts at now: the clock's share of the frontier counts from here. */
static void vtime_reset(u64 now) { vtime_now_at = now; }

/* p started running at now: the frontier moves up to its vtime, and at least with the clock, by at
 * most max_window_ns / 2 at a time (after a long idle stretch the jump would otherwise leave every
 * task that stayed queued that far behind the tasks that wake, free to run for as long). */
static void vtime_start(struct task_ctx* tctx, u64 now) {
  u64 front = vtime_now, at = vtime_now_at;
  if (now > at) front += GB_MIN((now - at) / GB_FRONTIER_MIN_RATE, gb_config.max_window_ns / 2);
  if ((s64)(tctx->vtime - front) > 0) front = tctx->vtime;
  vtime_now = front;
  vtime_now_at = now;
}

/* p stopped running at now: charge what it ran to its vtime and its request. */
static void vtime_charge(struct task_struct* p, struct task_ctx* tctx, u64 now) {
  u64 ran = now - tctx->run_start_ns;
  tctx->burst_ns += ran;
  tctx->vtime += vtime_scaled(p, ran);
}

/* p slept: its request starts again from zero at the next wake-up. */
static void vtime_sleep(struct task_ctx* tctx) { tctx->burst_ns = 0; }

/* A new task starts at the frontier: no credit, no debt. */
static void vtime_init(struct task_ctx* tctx) { tctx->vtime = vtime_now; }

/* p's request after burst_ns of CPU time since it woke, in its virtual time. */
static u64 task_request(const struct task_struct* p, u64 burst_ns) {
  u64 request = vtime_scaled(p, GB_MIN(burst_ns, GB_REQUEST_SLICES * gb_slice_ns()));
  return GB_MIN(request, gb_config.max_window_ns / 2);
}

/* The deadline of a task of class cls with this vtime (already within its bounds) and burst. */
static u64 deadline_of(const struct task_struct* p, u64 vtime, u64 burst_ns, u32 cls) {
  return vtime + task_request(p, burst_ns) + gb_class_window_ns(cls);
}

/* The lowest vtime a task that stayed runnable keeps after burst_ns of CPU time since it woke: its
 * vtime plus its request at most GB_RUNNABLE_CREDIT_SLICES of its own CPU time (EEVDF's bound on
 * lag, scaled by weight as EEVDF scales it, at most max_window_ns / 2 as the request) behind the
 * frontier. On the vtime plus the request, not the vtime alone: a hog's request is 4 slices long, a
 * nice-5 hog's three times that, so a bound on the vtime alone either took the credit fair sharing
 * needs (a nice-5 hog beside a nice-0 one stays 40 ms of vtime behind it) or, at 8 slices, left
 * every hog that waited while an unlearned fork storm carried the frontier on due with a game's
 * workers: a third of its frames 25-150 ms late (bpf/NOTES.md). */
static u64 runnable_floor(const struct task_struct* p, u64 burst_ns) {
  u64 credit =
      GB_MIN(vtime_scaled(p, GB_RUNNABLE_CREDIT_SLICES * gb_slice_ns()), gb_config.max_window_ns / 2);
  return vtime_now - credit - task_request(p, burst_ns);
}

/* vtime within its lead cap over the frontier. */
static u64 vtime_capped(u64 vtime) {
  u64 cap = vtime_now + gb_config.max_window_ns / 2;
  return (s64)(vtime - cap) > 0 ? cap : vtime;
}

/* p's deadline if queued now in class cls (see above), after a wake-up or not; keeps its vtime
 * within the bounds. */
static u64 task_deadline(const struct task_struct* p, struct task_ctx* tctx, u32 cls, bool wakeup) {
  /* A wake-up keeps at most its lag cap of credit (its request starts from zero); a task that stayed
   * runnable at most runnable_floor's. */
  u64 floor = wakeup ? vtime_now - task_lag_ns(tctx) : runnable_floor(p, tctx->burst_ns);
  if ((s64)(tctx->vtime - floor) < 0) tctx->vtime = floor;
  tctx->vtime = vtime_capped(tctx->vtime);
  return deadline_of(p, tctx->vtime, tctx->burst_ns, cls);
}

/* The deadline p, running since tctx->run_start_ns, would be queued with if it stopped at now: with
 * the floor an enqueue applies (runnable_floor). A task that keeps its CPU slice after slice
 * (balance.bpf.h) is never enqueued, so without the floor here nothing bounded its credit: in
 * vm.soak a game thread 17 s of virtual time behind the frontier (niced hogs had pushed it ahead)
 * kept its CPU for seconds while a kworker pinned there waited, until the watchdog ejected us. */
static u64 running_deadline(const struct task_struct* p, const struct task_ctx* tctx, u64 now) {
  u64 ran = now - tctx->run_start_ns, burst = tctx->burst_ns + ran;
  u64 vtime = tctx->vtime + vtime_scaled(p, ran), floor = runnable_floor(p, burst);
  if ((s64)(vtime - floor) < 0) vtime = floor;
  return deadline_of(p, vtime_capped(vtime), burst, tctx->class);
}

#endif /* GHOSTBREW_VTIME_BPF_H */
