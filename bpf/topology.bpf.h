/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew topology: the per-CPU facts userspace writes into cpu_info (LLC, CCD, node, V-Cache,
 * preferred core, P/E type), the accessors the hot paths use, and ops.init's construction of the
 * domain (LLC, CCD, node) and role (games, interactive, batch) cpumasks from them.
 * With nothing filled in (loaded by bpftool), every CPU is in LLC 0, CCD 0, node 0, with no preferred
 * CPUs. Role masks: games on the V-Cache CCD in gaming and auto mode, the frequency CCD in work mode;
 * interactive work on V-Cache in gaming mode, the frequency CCD otherwise; batch on E-cores, else the
 * CCD the latency classes do not use; without a V-Cache split, the preferred cores stand in for the
 * frequency CCD. The mode can change at run time (gb_knobs.mode): the first placement after the
 * change rebuilds the role masks for it (refresh_roles()), the domain masks stay. */
#ifndef GHOSTBREW_TOPOLOGY_BPF_H
#define GHOSTBREW_TOPOLOGY_BPF_H

#include "ghostbrew.bpf.h"
#include "stats.bpf.h"

/* The topology entry of cpu, or NULL when userspace did not fill it (then: LLC, CCD, node 0). */
static struct gb_cpu_info* cpu_topology(s32 cpu) {
  u32 key = cpu;
  struct gb_cpu_info* info = bpf_map_lookup_elem(&cpu_info, &key);
  return info && (info->flags & GB_CPU_VALID) ? info : NULL;
}

static u32 cpu_llc(s32 cpu) {
  struct gb_cpu_info* info = cpu_topology(cpu);
  return info && info->llc < gb_config.nr_llcs ? info->llc : 0;
}

static u32 cpu_ccd(s32 cpu) {
  struct gb_cpu_info* info = cpu_topology(cpu);
  return info && info->ccd < gb_config.nr_ccds ? info->ccd : 0;
}

static u32 cpu_node(s32 cpu) {
  struct gb_cpu_info* info = cpu_topology(cpu);
  return info && info->node < gb_config.nr_nodes ? info->node : 0;
}

static bool cpu_has_vcache(s32 cpu) {
  struct gb_cpu_info* info = cpu_topology(cpu);
  return info && (info->flags & GB_CPU_VCACHE);
}

static const struct cpumask* dom_cpus(void* map, u32 id) {
  struct dom_ctx* dom = bpf_map_lookup_elem(map, &id);
  return dom ? (const struct cpumask*)dom->cpus : NULL;
}

/* ---- ops.init: domain and role cpumasks ------------------------------------------------------- */

/* Facts about the whole machine that decide the role masks. */
struct topo_facts {
  bool vcache_split;    /* some but not all CPUs have V-Cache (dual-CCD X3D) */
  bool preferred_split; /* some but not all CPUs are flagged preferred */
  bool hybrid;          /* some but not all CPUs are E-cores */
};

/* A CPU of the frequency side: the non-V-Cache CCD, else a preferred core, else a P-core. */
static bool cpu_is_fast(const struct gb_cpu_info* info, const struct topo_facts* f) {
  if (f->vcache_split) return !(info->flags & GB_CPU_VCACHE);
  if (f->preferred_split) return info->flags & GB_CPU_PREFERRED;
  return f->hybrid && info->type != GB_CPU_TYPE_EFFICIENCY;
}

static bool cpu_suits_games(const struct gb_cpu_info* info, const struct topo_facts* f, u32 mode) {
  if (mode != GB_MODE_WORK && f->vcache_split) return info->flags & GB_CPU_VCACHE;
  return cpu_is_fast(info, f);
}

static bool cpu_suits_interactive(const struct gb_cpu_info* info, const struct topo_facts* f, u32 mode) {
  if (mode == GB_MODE_GAMING) return cpu_suits_games(info, f, mode);
  return cpu_is_fast(info, f);
}

static bool cpu_suits_batch(const struct gb_cpu_info* info, const struct topo_facts* f, u32 mode) {
  if (f->hybrid) return info->type == GB_CPU_TYPE_EFFICIENCY;
  if (mode == GB_MODE_AUTO) return false;
  if (mode == GB_MODE_WORK && f->vcache_split) return info->flags & GB_CPU_VCACHE;
  return (f->vcache_split || f->preferred_split) && !cpu_suits_games(info, f, mode);
}

/* Give every entry of a domain map (nr of them) an empty cpumask. */
static s32 alloc_dom_masks(void* map, u32 nr, const char* what) {
  s32 i;
  bpf_for(i, 0, nr) {
    u32 key = i;
    struct dom_ctx* dom = bpf_map_lookup_elem(map, &key);
    struct bpf_cpumask *mask, *old;
    if (!dom) {
      scx_bpf_error("%s map has no entry %d: the loader must size it to the configured count", what, i);
      return -22; /* -EINVAL */
    }
    mask = bpf_cpumask_create();
    if (!mask) return -12;
    old = bpf_kptr_xchg(&dom->cpus, mask);
    if (old) bpf_cpumask_release(old);
  }
  return 0;
}

/* Add cpu to the cpumask of entry id of a domain map. */
static void dom_add_cpu(void* map, u32 id, s32 cpu, u32 ccd) {
  struct dom_ctx* dom = bpf_map_lookup_elem(map, &id);
  if (!dom) return;
  dom->ccd = ccd;
  if (dom->cpus) bpf_cpumask_set_cpu(cpu, dom->cpus);
}

static const struct gb_cpu_info no_topology = {.smt_sibling = -1};

/* The machine's facts (ops.init) and the mode the role masks were last built for. Not static: clang
 * would split a static struct into one variable per field, which the kernel's BTF check refuses. */
struct topo_facts topo_facts;
static u32 roles_mode;

/* Publishes a new role mask in slot (the old one is freed after the readers' RCU grace period). */
static void publish_role_mask(struct bpf_cpumask** slot, struct bpf_cpumask* mask) {
  struct bpf_cpumask* old = bpf_kptr_xchg(slot, mask);
  if (old) bpf_cpumask_release(old);
}

/* Builds the role masks for mode into fresh cpumasks and publishes them. */
static s32 build_roles(u32 mode) {
  struct bpf_cpumask *games = bpf_cpumask_create(), *inter = bpf_cpumask_create(),
                     *batch = bpf_cpumask_create();
  s32 cpu;

  if (!games || !inter || !batch) {
    if (games) bpf_cpumask_release(games);
    if (inter) bpf_cpumask_release(inter);
    if (batch) bpf_cpumask_release(batch);
    return -12; /* -ENOMEM */
  }
  bpf_for(cpu, 0, nr_cpus) {
    const struct gb_cpu_info* info = cpu_topology(cpu) ?: &no_topology;
    if (cpu_suits_games(info, &topo_facts, mode)) bpf_cpumask_set_cpu(cpu, games);
    if (cpu_suits_interactive(info, &topo_facts, mode)) bpf_cpumask_set_cpu(cpu, inter);
    if (cpu_suits_batch(info, &topo_facts, mode)) bpf_cpumask_set_cpu(cpu, batch);
  }
  publish_role_mask(&game_cpus, games);
  publish_role_mask(&interactive_cpus, inter);
  publish_role_mask(&batch_cpus, batch);
  return 0;
}

/* Rebuilds the role masks when the mode in force is not the one they were built for (the daemon
 * switched it): the first CPU to see the change claims the rebuild, the others go on with the old
 * masks meanwhile. */
static void refresh_roles(void) {
  u32 want = gb_mode(), have = roles_mode;
  struct gb_stats* s;

  if (want == have || __sync_val_compare_and_swap(&roles_mode, have, want) != have) return;
  if (build_roles(want)) {
    roles_mode = have; /* out of memory: try again at the next placement */
    return;
  }
  s = stats_here();
  if (s) s->mode_switches++;
}

/* CPU counts by kind, counted in memory (volatile) rather than in registers: a counter the verifier
 * tracks in a register differs on every pass of the loop, and the loop would never converge. */
static volatile struct { u32 vcache, preferred, efficiency; } census;

/* Build the domain and role cpumasks from cpu_info; errors name the bad entry. */
static s32 build_topology(void) {
  struct topo_facts facts = {};
  s32 cpu, err;
  u32 mode = gb_mode();

  if ((err = alloc_dom_masks(&llc_ctx, gb_config.nr_llcs, "llc_ctx")) ||
      (err = alloc_dom_masks(&ccd_ctx, gb_config.nr_ccds, "ccd_ctx")) ||
      (err = alloc_dom_masks(&node_ctx, gb_config.nr_nodes, "node_ctx")))
    return err;

  bpf_for(cpu, 0, nr_cpus) {
    const struct gb_cpu_info* info = cpu_topology(cpu) ?: &no_topology;
    if (info->llc >= gb_config.nr_llcs || info->ccd >= gb_config.nr_ccds ||
        info->node >= gb_config.nr_nodes) {
      scx_bpf_error("cpu_info[%d]: llc %u ccd %u node %u out of range (nr_llcs %u nr_ccds %u nr_nodes %u)",
                    cpu, info->llc, info->ccd, info->node, gb_config.nr_llcs, gb_config.nr_ccds,
                    gb_config.nr_nodes);
      return -22;
    }
    census.vcache += !!(info->flags & GB_CPU_VCACHE);
    census.preferred += !!(info->flags & GB_CPU_PREFERRED);
    census.efficiency += info->type == GB_CPU_TYPE_EFFICIENCY;
  }
  facts.vcache_split = census.vcache && census.vcache < nr_cpus;
  facts.preferred_split = census.preferred && census.preferred < nr_cpus;
  facts.hybrid = census.efficiency && census.efficiency < nr_cpus;
  ccd_wider_than_llc = gb_config.nr_llcs > gb_config.nr_ccds;

  bpf_rcu_read_lock();
  bpf_for(cpu, 0, nr_cpus) {
    const struct gb_cpu_info* info = cpu_topology(cpu) ?: &no_topology;
    dom_add_cpu(&llc_ctx, info->llc, cpu, info->ccd);
    dom_add_cpu(&ccd_ctx, info->ccd, cpu, info->ccd);
    dom_add_cpu(&node_ctx, info->node, cpu, info->ccd);
  }
  bpf_rcu_read_unlock();
  topo_facts = facts;
  roles_mode = mode;
  return build_roles(mode);
}

#endif /* GHOSTBREW_TOPOLOGY_BPF_H */
