/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew learning: what BPF tells the daemon's process database, and what it takes back.
 * A task without a fixed class is observed from its exec (or comm change) on: bursts (CPU time until
 * it sleeps), their sum and sum of squares, wake-ups, context switches. After GB_OBSERVE_BURSTS
 * bursts, or at its exit if it dies younger (cc1, as, ld), its sums are added (atomically) to the
 * observations entry of its comm, with a vote for the class its mean burst suggests (BATCH at or
 * above burst_threshold_ns, INTERACTIVE at or below interactive_burst_ns, else DEFAULT). The daemon
 * drains the map about a second after exec/exit events wake it anyway, turns the sums into decayed
 * per-comm profiles and writes confident ones to the predictions map. A task whose comm is predicted
 * is queued in the predicted class from its exec on (placement, preemption rights and the class
 * offset of vtime.bpf.h); its own virtual time still orders it. The vote is the only place where a
 * burst threshold decides anything, and it decides for a program's next run, never for the order of
 * the task being measured. */
#ifndef GHOSTBREW_LEARN_BPF_H
#define GHOSTBREW_LEARN_BPF_H

#include "events.bpf.h"

/* A new comm (exec, PR_SET_NAME, a new task): behaviour is observed afresh, and a learned prediction
 * for that comm (userspace's GB_MAP_PREDICTIONS, trusted and with GB_KNOB_LEARN only) sets its class. */
static void start_new_comm(struct task_ctx* tctx, const struct gb_knobs* k, bool trusted) {
  struct gb_prediction* pred;

  tctx->since_ns = gb_now();
  tctx->bursts = 0;
  tctx->runtime_ns = 0;
  tctx->runtime_sq_us = 0;
  tctx->wakeups = 0;
  tctx->switches = 0;
  tctx->started = 0;
  tctx->observed = 0;
  tctx->predicted_class = GB_CLASS_NONE;
  if (!trusted || !k || !(k->flags & GB_KNOB_LEARN) || tctx->fixed_class != GB_CLASS_NONE) return;
  pred = bpf_map_lookup_elem(&predictions, tctx->comm);
  if (!pred || pred->cls >= GB_NR_CLASSES) return;
  tctx->predicted_class = pred->cls;
}

/* The class a program whose bursts average mean_burst_ns should be learned as. */
static u32 learned_vote(u64 mean_burst_ns) {
  if (mean_burst_ns >= gb_burst_threshold_ns()) return GB_CLASS_BATCH;
  if (mean_burst_ns <= gb_interactive_burst_ns()) return GB_CLASS_INTERACTIVE;
  return GB_CLASS_DEFAULT;
}

/* Fold p's behaviour since its comm was set into the observations of that comm (once per comm). The
 * vote is what its measured mean burst says, not its (possibly predicted) class, so a wrong
 * prediction is corrected by the tasks it was applied to. */
static void observe_task(struct task_struct* p, struct task_ctx* tctx) {
  struct gb_observation zero_obs = {}, *obs;
  struct gb_comm_key key = {};
  u64 lifetime = gb_now() - tctx->since_ns;
  u32 cls;

  if (tctx->observed || tctx->fixed_class != GB_CLASS_NONE || !tctx->bursts || !gb_knob_set(GB_KNOB_LEARN))
    return;
  tctx->observed = 1;
  cls = learned_vote(tctx->runtime_ns / tctx->bursts);
  /* The current comm: a task that exits before any enqueue since its exec still has the old one in
   * tctx->comm. */
  bpf_probe_read_kernel(key.comm, sizeof(key.comm), p->comm);
  obs = bpf_map_lookup_elem(&observations, &key);
  if (!obs) {
    bpf_map_update_elem(&observations, &key, &zero_obs, BPF_NOEXIST);
    obs = bpf_map_lookup_elem(&observations, &key);
    if (!obs) return;
  }
  __sync_fetch_and_add(&obs->tasks, 1);
  __sync_fetch_and_add(&obs->bursts, tctx->bursts);
  __sync_fetch_and_add(&obs->runtime_ns, tctx->runtime_ns);
  __sync_fetch_and_add(&obs->runtime_sq_us, tctx->runtime_sq_us);
  __sync_fetch_and_add(&obs->wakeups, tctx->wakeups);
  __sync_fetch_and_add(&obs->switches, tctx->switches);
  __sync_fetch_and_add(&obs->lifetime_ns, lifetime);
  if (cls < GB_NR_CLASSES) __sync_fetch_and_add(&obs->class_tasks[cls], 1);
  STAT_INC(observed);
}

/* A burst ended (p slept or exited): account it; the estimate matures at GB_OBSERVE_BURSTS. */
static void end_burst(struct task_struct* p, struct task_ctx* tctx) {
  u64 us = tctx->burst_ns / 1000;
  tctx->bursts++;
  tctx->runtime_ns += tctx->burst_ns;
  tctx->runtime_sq_us += us * us;
  if (tctx->bursts >= GB_OBSERVE_BURSTS) observe_task(p, tctx);
}

#endif /* GHOSTBREW_LEARN_BPF_H */
