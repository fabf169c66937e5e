/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew classification: the class a task is queued in. A fixed class comes from classify.bpf.h's
 * chain (userspace pid maps, comm patterns, cgroup map, a gaming ancestor), cached in task local
 * storage and evaluated again when an input changes: userspace bumps gb_knobs.generation, the
 * userspace heartbeat goes stale or comes back, the comm changes (exec, PR_SET_NAME: QEMU names its
 * vCPU threads after creating them), or the task moves cgroup. The inputs are compared at every
 * wake-up and every enqueue (a map lookup and a 16-byte read), so even a CPU hog that never sleeps
 * sees a change within one slice. Without a fixed class: the learned class of its comm
 * (learn.bpf.h), else BATCH for nice > 0 (the user said so), else DEFAULT. No burst length or CPU
 * share decides the class of an unclassified task: virtual time (vtime.bpf.h) orders those. */
#ifndef GHOSTBREW_TASK_CLASS_BPF_H
#define GHOSTBREW_TASK_CLASS_BPF_H

#include "learn.bpf.h"

/* p executed a new program (a new one even when the comm stays: sh runs sh): behaviour is observed
 * afresh and a prediction for the new comm applies now. The fixed-class chain runs at p's next
 * wake-up or enqueue (generation reset), not here: this runs in the exec tracepoint, and verifying
 * the chain a third time would make loading much slower. Until then the pre-exec fixed class holds
 * (a predicted class never overrides a fixed one). */
static void note_exec(struct task_struct* p, struct task_ctx* tctx) {
  struct gb_knobs* k = knobs_here();
  bpf_probe_read_kernel(tctx->comm, sizeof(tctx->comm), p->comm);
  tctx->generation = ~0ull;
  start_new_comm(tctx, k, userspace_is_alive(k));
}

/* Evaluate p's fixed class again when an input of the chain changed since the last time. */
static void refresh_fixed_class(struct task_struct* p, struct task_ctx* tctx) {
  struct gb_knobs* k = knobs_here();
  bool trusted = userspace_is_alive(k);
  bool new_comm;
  u64 generation = (k ? k->generation : 0) * 2 + trusted;
  /* The css_set changes with any cgroup move, in any hierarchy, controller enabled or not. */
  u64 css_set = (u64)p->cgroups;
  u64 comm[2];

  __builtin_memcpy(comm, p->comm, sizeof(comm));
  new_comm = tctx->comm[0] != comm[0] || tctx->comm[1] != comm[1];
  if (!new_comm && tctx->generation == generation && tctx->css_set == css_set) return;
  tctx->generation = generation;
  tctx->comm[0] = comm[0];
  tctx->comm[1] = comm[1];
  tctx->css_set = css_set;
  tctx->fixed_class = classify_task(p, (const char*)comm, trusted);
  if (new_comm) start_new_comm(tctx, k, trusted);
  STAT_INC(reclassifications);
  if (!trusted) STAT_INC(stale_heartbeat);
}

static bool task_is_niced(const struct task_struct* p) { return p->static_prio > 120; }

/* The class p is queued with now: its fixed class, else its learned one, else BATCH when niced, else
 * DEFAULT. */
static u32 task_class(struct task_struct* p, const struct task_ctx* tctx) {
  if (tctx->fixed_class < GB_NR_CLASSES) return tctx->fixed_class;
  if (tctx->predicted_class < GB_NR_CLASSES && !task_is_niced(p)) return tctx->predicted_class;
  return task_is_niced(p) ? GB_CLASS_BATCH : GB_CLASS_DEFAULT;
}

/* Bring p's class up to date (called at every wake-up and every enqueue, so even a task that never
 * sleeps sees a new generation, comm or heartbeat state within one slice). */
static u32 update_task_class(struct task_struct* p, struct task_ctx* tctx) {
  refresh_fixed_class(p, tctx);
  tctx->class = task_class(p, tctx);
  return tctx->class;
}

#endif /* GHOSTBREW_TASK_CLASS_BPF_H */
