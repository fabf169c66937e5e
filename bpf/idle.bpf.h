/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew idle-CPU picking (ops.select_cpu, and the idle CPU ops.enqueue hands a queued task to).
 * For tasks allowed on every CPU (others get the kernel's default pick within their mask): the class's
 * preferred CPUs first (topology.bpf.h's role masks), then the previous CPU if idle (cache hot), then
 * an idle CPU in the previous CPU's LLC, CCD, NUMA node, anywhere. Each step asks for a whole idle
 * core first (SCX_PICK_IDLE_CORE), then any idle CPU. Leaving the CCD for an idle CPU is allowed once
 * per xccd_cooldown_ns per task, so a task does not bounce between CCDs' caches. A quick look at the
 * idle mask skips every search when no CPU is idle. */
#ifndef GHOSTBREW_IDLE_BPF_H
#define GHOSTBREW_IDLE_BPF_H

#include "topology.bpf.h"

/* The cpumask class cls prefers, or NULL when it has no preference. */
static const struct cpumask* preferred_cpus(u32 cls) {
  struct bpf_cpumask* mask = NULL;
  if (cls == GB_CLASS_GAMING)
    mask = game_cpus;
  else if (cls == GB_CLASS_INTERACTIVE)
    mask = interactive_cpus;
  else if (cls == GB_CLASS_BATCH)
    mask = batch_cpus;
  if (!mask || bpf_cpumask_empty((const struct cpumask*)mask)) return NULL;
  return (const struct cpumask*)mask;
}

/* An idle CPU of mask, a whole idle core first; claimed (no longer idle) when found, else < 0. */
static s32 pick_idle_cpu_in(const struct cpumask* mask) {
  s32 cpu;
  if (!mask) return -1;
  cpu = scx_bpf_pick_idle_cpu(mask, SCX_PICK_IDLE_CORE);
  return cpu >= 0 ? cpu : scx_bpf_pick_idle_cpu(mask, 0);
}

static bool cpu_core_is_idle(s32 cpu) {
  const struct cpumask* idle_cores = scx_bpf_get_idle_smtmask();
  bool idle = bpf_cpumask_test_cpu(cpu, idle_cores);
  scx_bpf_put_idle_cpumask(idle_cores);
  return idle;
}

/* Whether any CPU is idle: the quick way out of the idle searches on a busy machine. */
static bool any_cpu_idle(void) {
  const struct cpumask* idle = scx_bpf_get_idle_cpumask();
  bool any = !bpf_cpumask_empty(idle);
  scx_bpf_put_idle_cpumask(idle);
  return any;
}

static bool task_may_leave_ccd(const struct task_ctx* tctx) {
  return !tctx->last_xccd_ns || gb_now() - tctx->last_xccd_ns >= gb_config.xccd_cooldown_ns;
}

/* The idle CPU p should run on, or < 0 when none suits (p then queues on prev_cpu's LLC). */
static s32 pick_idle_cpu(struct task_struct* p, const struct task_ctx* tctx, s32 prev_cpu) {
  const struct cpumask* preferred = preferred_cpus(tctx->class);
  s32 cpu;

  if (!any_cpu_idle()) return -1;
  /* The previous CPU keeps its cache: take it if its whole core is idle and the class likes it. */
  if ((!preferred || bpf_cpumask_test_cpu(prev_cpu, preferred)) && cpu_core_is_idle(prev_cpu) &&
      scx_bpf_test_and_clear_cpu_idle(prev_cpu))
    return prev_cpu;
  if (preferred) {
    cpu = pick_idle_cpu_in(preferred);
    if (cpu >= 0) return cpu;
  }
  if (scx_bpf_test_and_clear_cpu_idle(prev_cpu)) return prev_cpu;
  cpu = pick_idle_cpu_in(dom_cpus(&llc_ctx, cpu_llc(prev_cpu)));
  if (cpu >= 0) return cpu;
  cpu = pick_idle_cpu_in(dom_cpus(&ccd_ctx, cpu_ccd(prev_cpu)));
  if (cpu >= 0 || !task_may_leave_ccd(tctx)) return cpu;
  cpu = pick_idle_cpu_in(dom_cpus(&node_ctx, cpu_node(prev_cpu)));
  if (cpu >= 0) return cpu;
  return pick_idle_cpu_in(p->cpus_ptr);
}

/* Tasks queued on the DSQs of llc's CPUs. */
static u32 llc_nr_queued(u32 llc) {
  const struct cpumask* cpus = dom_cpus(&llc_ctx, llc);
  u32 n = 0;
  s32 i;
  if (!cpus) return 0;
  bpf_for(i, 0, nr_cpus) {
    s32 q;
    if (!bpf_cpumask_test_cpu(i, cpus)) continue;
    q = scx_bpf_dsq_nr_queued(cpu_dsq(i));
    n += q > 0 ? q : 0;
  }
  return n;
}

/* An idle CPU p may run on, claimed, or -1: cpu itself (p's own, cache hot), else one of cpu's LLC,
 * else of its CCD, else (only when the LLC has xccd_steal_min tasks queued) any. A task with a
 * restricted affinity takes any idle CPU of its own mask: a CPU outside it, once woken, could not
 * run it, and the CPUs it may use would stay asleep with it queued (a per-CPU kworker waited
 * seconds that way). */
static s32 idle_cpu_to_wake(const struct task_struct* p, s32 cpu, u32 llc) {
  s32 idle;
  if (!any_cpu_idle()) return -1;
  if (scx_bpf_test_and_clear_cpu_idle(cpu)) return cpu;
  if (p->nr_cpus_allowed < nr_cpus) return scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
  idle = pick_idle_cpu_in(dom_cpus(&llc_ctx, llc));
  if (idle < 0 && ccd_wider_than_llc) idle = pick_idle_cpu_in(dom_cpus(&ccd_ctx, cpu_ccd(cpu)));
  if (idle < 0 && gb_config.nr_llcs > 1 && llc_nr_queued(llc) >= gb_config.xccd_steal_min)
    idle = pick_idle_cpu_in(p->cpus_ptr);
  return idle;
}

#endif /* GHOSTBREW_IDLE_BPF_H */
