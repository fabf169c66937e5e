/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew under the scheduling classes above it (RT, deadline, stop). A task of ours on a CPU's
 * local DSQ or on ghostbrew's queue for that CPU runs there only when no higher-class task is
 * runnable: behind a SCHED_FIFO task that never sleeps it would wait until the watchdog ejects the
 * scheduler ("runnable task stall"), while another CPU could run it.
 * - Kernels with the sched_ext DL server (7.x, rq->ext_server) run our tasks under RT within the
 *   server's period, calling ops.dispatch; there everything below is a CO-RE constant false.
 * - Hand-back. When a higher class takes a CPU from one of our tasks, sched_ext calls ops.cpu_release:
 *   what waits on its local DSQ comes back through ops.enqueue (scx_bpf_reenqueue_local,
 *   SCX_ENQ_REENQ; counted in rt_reenqueues) and queues on another CPU. It is called only when the
 *   task displaced is ours and once until the CPU balances for sched_ext again, and on 6.16/6.18
 *   nothing else a BPF scheduler can call moves a task off a local DSQ.
 * - So on 6.16/6.18 nothing is put where the RT task would hold it. Every insert into a CPU's local
 *   DSQ (select_cpu's and enqueue's idle-CPU picks) and every enqueue first reads that CPU's runqueue
 *   (higher_class_on(): the per-CPU `runqueues`, an RT task runnable, running or queued, or a
 *   deadline task) and goes elsewhere when one is there (counted in rt_avoided); a task the RT task
 *   preempted with its slice used up is such an enqueue (no SCX_ENQ_REENQ). Such a CPU is no wake-up's
 *   preemption victim, and its ops.dispatch moves nothing in.
 * - What its queue already held is taken by the other CPUs of its LLC at their next dispatch, whatever
 *   its deadline (take_from_held_cpu(), counted in rt_rescued): they otherwise take another CPU's head
 *   only when it is due a slice before their own, and that CPU's dispatch does not run.
 * The runqueue read is exact where that CPU's lock is held (its own dispatch and enqueue) and a
 * snapshot elsewhere (an idle CPU's insert from another CPU): an RT task that arrives in between
 * holds what was inserted until RT throttling frees the CPU. bpf/NOTES.md has the measurements
 * (vm.rt-hog) and what was tried.
 * Cost, 6.16/6.18 only: one helper call (bpf_per_cpu_ptr) and two loads per enqueue, idle pick and
 * dispatch, one more per queued CPU of the LLC in a dispatch and per candidate victim.
 * Kernels: scx_bpf_reenqueue_local() returns the count from 6.12 on; 7.x marks ops.cpu_release
 * deprecated (one warning at load: "ops->cpu_acquire/release() are deprecated") but still calls it. */
#ifndef GHOSTBREW_RT_BPF_H
#define GHOSTBREW_RT_BPF_H

#include "idle.bpf.h"
#include "stats.bpf.h"

/* Every CPU's runqueue (a per-CPU variable of the kernel, read through BTF). */
extern const struct rq runqueues __ksym;

/* A higher class took cpu: requeue what waits on its local DSQ (through ops.enqueue). */
static void release_cpu(s32 cpu) {
  struct gb_stats* s;
  u32 n = scx_bpf_reenqueue_local();
  if (n && (s = stats_here())) s->rt_reenqueues += n;
}

/* Whether a higher class is runnable on cpu: an RT task (rt.rt_queued: the RT runqueue has tasks and
 * is not throttled; the running one counts) or a deadline task. Always false with the sched_ext DL
 * server (7.x), which runs our tasks under RT within its period; its pick calls ops.dispatch and needs
 * tasks from it. */
static __always_inline bool higher_class_runnable(s32 cpu) {
  const struct rq* rq;
  if (bpf_core_field_exists(struct rq, ext_server)) return false;
  rq = bpf_per_cpu_ptr(&runqueues, cpu);
  return rq && (rq->rt.rt_queued || rq->dl.dl_nr_running);
}

/* Whether a task put on cpu's local DSQ or queue now would wait behind a higher class; counted in
 * rt_avoided when true (the caller then puts it elsewhere). */
static __always_inline bool higher_class_on(s32 cpu) {
  if (!higher_class_runnable(cpu)) return false;
  STAT_INC(rt_avoided);
  return true;
}

/* Take for this CPU (self) a task queued on the DSQ of another CPU of llc that a higher class holds,
 * at once, whatever its deadline (counted in rt_rescued). That CPU's own ops.dispatch does not run
 * while the RT task is runnable, and the others take a head of another CPU's queue only when it is
 * due a slice before their own, which a task that has just run is not: it waited for RT throttling to
 * free its CPU. Few tasks are there: what was queued before the RT task came; what arrives later goes
 * elsewhere (enqueue and wake-up preemption pass over such a CPU). Without the DL server only. */
static bool take_from_held_cpu(u32 llc, s32 self) {
  const struct cpumask* cpus;
  s32 i;
  if (bpf_core_field_exists(struct rq, ext_server) || !(cpus = dom_cpus(&llc_ctx, llc))) return false;
  bpf_for(i, 0, nr_cpus) {
    if (i == self || !bpf_cpumask_test_cpu(i, cpus) || scx_bpf_dsq_nr_queued(cpu_dsq(i)) <= 0 ||
        !higher_class_runnable(i) || !gb_dsq_move_to_local(cpu_dsq(i)))
      continue;
    STAT_INC(rt_rescued);
    return true;
  }
  return false;
}

/* An idle CPU p may run on, claimed, as idle_cpu_to_wake() picks it, passing over one where a higher
 * class is runnable (claimed, so the second pick is another CPU), or -1. */
static s32 idle_cpu_free_of_rt(const struct task_struct* p, s32 cpu, u32 llc) {
  s32 idle = idle_cpu_to_wake(p, cpu, llc);
  if (idle < 0 || !higher_class_on(idle)) return idle;
  idle = idle_cpu_to_wake(p, cpu, llc);
  return idle >= 0 && !higher_class_on(idle) ? idle : -1;
}

/* The CPU a task handed back from cpu (SCX_ENQ_REENQ) queues on: the next one after cpu in its mask
 * (ops.enqueue then wakes an idle CPU of that LLC for it as usual); cpu itself when its mask holds no
 * other. */
static s32 cpu_for_reenqueued(const struct task_struct* p, s32 cpu) {
  s32 i;
  bpf_for(i, 1, nr_cpus) {
    s32 c = (cpu + i) % nr_cpus;
    if (bpf_cpumask_test_cpu(c, p->cpus_ptr)) return c;
  }
  return cpu;
}

#endif /* GHOSTBREW_RT_BPF_H */
