/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew wake-up preemption: which running task a waking one may take the CPU from, when no CPU is
 * idle. As EEVDF lets a waking task with an earlier deadline preempt: without it a wake-up waits for
 * the running task's slice to end, the largest part of a periodic thread's latency beside hogs.
 * The decision is relative (deadlines, vtime.bpf.h), with classes as rights on top:
 *   - importance ranks: GAMING and INTERACTIVE first, then ordinary work (VM, DEFAULT, AI,
 *     CONTAINER), then BATCH. A wake-up never preempts a more important class.
 *   - against a less important class, an earlier deadline is enough;
 *   - within the same rank, the deadline must be earlier by a whole slice, so tasks that wake each
 *     other in turn (pipes, hackbench's messages) do not preempt each other at every message.
 *   - a synchronous wake-up (the waker is about to sleep) never preempts its waker's CPU.
 * The CPU the wake-up happens on is taken first when it qualifies (a timer or interrupt wake-up on
 * the sleeper's own CPU preempts there at once, as EEVDF's does, with no IPI: a kicked remote vCPU
 * took the wake-up p50 to twice EEVDF's in the emulator), then the task's own CPU, then among the
 * CPUs of its LLC it may run on, the one running the latest deadline. A class with preferred CPUs
 * (a game's V-Cache CCD) that last ran elsewhere looks among those first. A CPU where an RT or
 * deadline task is runnable is nobody's victim (rt.bpf.h): the wake-up would wait on its queue. */
#ifndef GHOSTBREW_PREEMPT_BPF_H
#define GHOSTBREW_PREEMPT_BPF_H

#include "rt.bpf.h"
#include "topology.bpf.h"

/* 0: latency classes, 1: ordinary work, 2: BATCH. */
static u32 class_rank(u32 cls) {
  if (class_is_latency_sensitive(cls)) return 0;
  return cls == GB_CLASS_BATCH ? 2 : 1;
}

/* May a wake-up of class cls with this deadline take a CPU running (running_cls, running_deadline)? */
static bool wakeup_preempts(u32 cls, u64 deadline, u32 running_cls, u64 running_deadline) {
  u32 rank = class_rank(cls), running_rank = class_rank(running_cls);
  if (rank > running_rank) return false;
  if (rank < running_rank) return (s64)(deadline - running_deadline) < 0;
  return (s64)(deadline + gb_slice_ns() - running_deadline) < 0;
}

/* Whether p's wake-up may preempt cpu (see above). */
static bool may_preempt_cpu(const struct task_struct* p, const struct task_ctx* tctx, s32 cpu,
                            s32 waker_cpu) {
  struct cpu_ctx* cctx;
  if (cpu < 0 || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr) || (tctx->wake_sync && cpu == waker_cpu))
    return false;
  cctx = cpu_ctx_of(cpu);
  return cctx && wakeup_preempts(tctx->class, tctx->deadline, cctx->class, cctx->deadline) &&
         !higher_class_runnable(cpu);
}

/* Among the CPUs of mask p may preempt, the one running the latest deadline, or -1. */
static s32 latest_victim_in(const struct task_struct* p, const struct task_ctx* tctx,
                            const struct cpumask* mask, s32 waker_cpu) {
  s32 victim = -1, i;
  u64 latest = 0;
  bpf_for(i, 0, nr_cpus) {
    struct cpu_ctx* cctx;
    if (!bpf_cpumask_test_cpu(i, mask) || !may_preempt_cpu(p, tctx, i, waker_cpu) || !(cctx = cpu_ctx_of(i)))
      continue;
    if (victim < 0 || (s64)(cctx->deadline - latest) > 0) {
      victim = i;
      latest = cctx->deadline;
    }
  }
  return victim;
}

/* The CPU of llc that p's wake-up (p last ran on prev_cpu) should preempt, or -1 (see above). */
static s32 pick_cpu_to_preempt(const struct task_struct* p, const struct task_ctx* tctx, s32 prev_cpu,
                               u32 llc) {
  const struct cpumask* llc_cpus = dom_cpus(&llc_ctx, llc);
  s32 waker_cpu = bpf_get_smp_processor_id();

  if (!llc_cpus) return -1;
  if (bpf_cpumask_test_cpu(waker_cpu, llc_cpus) && may_preempt_cpu(p, tctx, waker_cpu, waker_cpu))
    return waker_cpu;
  if (may_preempt_cpu(p, tctx, prev_cpu, waker_cpu)) return prev_cpu;
  return latest_victim_in(p, tctx, llc_cpus, waker_cpu);
}

/* A wake-up of a class with preferred CPUs (the V-Cache CCD for a game, idle.bpf.h) that last ran
 * elsewhere, when no CPU is idle: the preferred CPU it may preempt, or -1. Without it a game that
 * started on the other CCD of a busy machine never reached its CPUs, which only an idle pick offered. */
static s32 pick_preferred_to_preempt(const struct task_struct* p, const struct task_ctx* tctx,
                                     const struct cpumask* preferred, s32 prev_cpu) {
  if (!preferred || bpf_cpumask_test_cpu(prev_cpu, preferred)) return -1;
  return latest_victim_in(p, tctx, preferred, bpf_get_smp_processor_id());
}

#endif /* GHOSTBREW_PREEMPT_BPF_H */
