/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew dispatching and balancing (ops.dispatch): which queue a CPU takes its next task from.
 * One DSQ per CPU, ordered by deadline. A CPU takes the head of its own DSQ unless another DSQ of its
 * LLC has a head due more than a slice earlier (then that one), looking at the heads without their
 * locks: earliest deadline first over the LLC within one slice, while most dispatches touch only their
 * own queue. Why per CPU: with queues shared by an LLC, every CPU of it took the same locks, and in
 * the TCG guest a lock whose holder's vCPU waits for its turn made the others spin for a whole round
 * (ops.dispatch p99 was 16 ms); the kernel's own per-CPU runqueues do not have this. An idle CPU with
 * nothing in its LLC steals from the other LLCs of its CCD, then from other CCDs' LLCs that have
 * xccd_steal_min tasks queued. */
#ifndef GHOSTBREW_BALANCE_BPF_H
#define GHOSTBREW_BALANCE_BPF_H

#include "idle.bpf.h"
#include "stats.bpf.h"
#include "vtime.bpf.h"

/* The deadline of the first task queued on dsq, or false when it is empty. Lockless: the count and
 * scx_bpf_dsq_peek (7.x) read the queue without its lock, while the iterator (older kernels) takes
 * the lock at every step. */
static bool dsq_head_deadline(u64 dsq, u64* deadline) {
  struct task_struct* p;
  if (scx_bpf_dsq_nr_queued(dsq) <= 0) return false;
  if (bpf_ksym_exists(scx_bpf_dsq_peek)) {
    p = scx_bpf_dsq_peek(dsq);
    if (!p) return false;
    *deadline = p->scx.dsq_vtime;
    return true;
  }
  bpf_for_each(scx_dsq, p, dsq, 0) {
    *deadline = p->scx.dsq_vtime;
    return true;
  }
  return false;
}

/* The CPU of llc other than self whose queue head has the earliest deadline (lockless), or -1. */
static s32 earliest_queue_in_llc(u32 llc, s32 self, u64* earliest) {
  const struct cpumask* cpus = dom_cpus(&llc_ctx, llc);
  u64 deadline;
  s32 best = -1, i;
  if (!cpus) return -1;
  bpf_for(i, 0, nr_cpus) {
    if (i == self || !bpf_cpumask_test_cpu(i, cpus) || !dsq_head_deadline(cpu_dsq(i), &deadline)) continue;
    if (best < 0 || (s64)(deadline - *earliest) < 0) {
      best = i;
      *earliest = deadline;
    }
  }
  return best;
}

/* Move a task queued on llc's CPUs to this CPU (self, or -1 for another LLC): the head of its own DSQ,
 * unless another CPU's head is due more than a slice earlier. When the chosen head is gone (another
 * CPU took it) or may not run here, any queue of the LLC that has work for this CPU. */
static bool consume_from_llc(u32 llc, s32 self) {
  u64 own_deadline = 0, other_deadline = 0;
  bool own = self >= 0 && dsq_head_deadline(cpu_dsq(self), &own_deadline);
  s32 other = earliest_queue_in_llc(llc, self, &other_deadline), i;
  const struct cpumask* cpus;

  if (other >= 0 && (!own || (s64)(other_deadline + gb_slice_ns() - own_deadline) < 0) &&
      gb_dsq_move_to_local(cpu_dsq(other)))
    return true;
  if (own && gb_dsq_move_to_local(cpu_dsq(self))) return true;
  if (other < 0 || !(cpus = dom_cpus(&llc_ctx, llc))) return false;
  bpf_for(i, 0, nr_cpus) {
    if (i != self && bpf_cpumask_test_cpu(i, cpus) && scx_bpf_dsq_nr_queued(cpu_dsq(i)) > 0 &&
        gb_dsq_move_to_local(cpu_dsq(i)))
      return true;
  }
  return false;
}

/* prev's context when it may stay on cpu (still runnable and allowed there), else NULL. */
static struct task_ctx* prev_may_stay(struct task_struct* prev, s32 cpu) {
  if (!prev || !(prev->scx.flags & SCX_TASK_QUEUED) || !bpf_cpumask_test_cpu(cpu, prev->cpus_ptr))
    return NULL;
  return lookup_task_ctx(prev);
}

/* prev stays on this CPU (ops.dispatch's) for another slice, with key as the deadline the CPU
 * shows. */
static void prev_stays(struct task_struct* prev, u64 key) {
  struct cpu_ctx* cctx = cpu_ctx_here();
  prev->scx.slice = gb_slice_ns();
  if (cctx) cctx->deadline = key;
}

/* Whether prev, whose slice ended on cpu and which is still runnable, keeps the CPU for another
 * slice: when no queue of the LLC has a head due earlier (its own by any amount, another by more
 * than a slice, as consume_from_llc() judges). Without this a CPU's dispatch always took its queue's
 * head, so two hogs sharing a CPU alternated slice by slice whatever their virtual time (a nice-0 and
 * a nice-5 hog split the CPU 1:1 instead of 3:1). */
static bool prev_keeps_cpu(struct task_struct* prev, s32 cpu, u32 llc) {
  struct task_ctx* tctx = prev_may_stay(prev, cpu);
  u64 key, head;

  if (!tctx) return false;
  key = running_deadline(prev, tctx, gb_now());
  if (dsq_head_deadline(cpu_dsq(cpu), &head) && (s64)(head - key) < 0) return false;
  if (earliest_queue_in_llc(llc, cpu, &head) >= 0 && (s64)(head + gb_slice_ns() - key) < 0) return false;
  prev_stays(prev, key);
  return true;
}

/* Nothing else could be taken: prev, still runnable and allowed here, runs on with a fresh slice.
 * Without this the kernel handed it to ops.enqueue with SCX_ENQ_LAST, which put it on this CPU's
 * local DSQ while the CPU passed through its idle task; a SCHED_FIFO task that woke in that moment
 * chose the CPU that looked idle, and since it displaced no task of ours the kernel called no
 * ops.cpu_release: prev waited on the local DSQ for as long as the RT task ran. The kernel's dump
 * showed it there (dsq_id SCX_DSQ_LOCAL, a whole slice left) in vm.rt-hog, about a second. */
static void prev_runs_on(struct task_struct* prev, s32 cpu) {
  struct task_ctx* tctx = prev_may_stay(prev, cpu);
  if (tctx) prev_stays(prev, running_deadline(prev, tctx, gb_now()));
}

/* Nothing on our LLC: take work from the other LLCs of our CCD, then from busy LLCs elsewhere. */
static bool steal_work(u32 llc, u32 ccd) {
  u32 nr_llcs = gb_config.nr_llcs;
  s32 i;

  bpf_for(i, 1, nr_llcs) {
    u32 other = (llc + i) % nr_llcs;
    struct dom_ctx* dom = bpf_map_lookup_elem(&llc_ctx, &other);
    if (dom && dom->ccd == ccd && consume_from_llc(other, -1)) {
      STAT_INC(llc_steals);
      return true;
    }
  }
  bpf_for(i, 1, nr_llcs) {
    u32 other = (llc + i) % nr_llcs;
    struct dom_ctx* dom = bpf_map_lookup_elem(&llc_ctx, &other);
    if (dom && dom->ccd != ccd && llc_nr_queued(other) >= gb_config.xccd_steal_min &&
        consume_from_llc(other, -1)) {
      STAT_INC(xccd_steals);
      return true;
    }
  }
  return false;
}

#endif /* GHOSTBREW_BALANCE_BPF_H */
