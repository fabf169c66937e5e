/* SPDX-License-Identifier: GPL-2.0-only */
/* Workload classification for ghostbrew.bpf.c: the rules that give a task a fixed class.
 *
 * The chain, first match wins (the behaviour rule, evaluated at every enqueue, lives in
 * ghostbrew.bpf.c because it changes with every run):
 *   1. tid_class / tgid_class, filled by userspace (vCPU threads, games, container processes);
 *   2. comm patterns: vCPU threads (CPU N/KVM) and the name table shared with userspace,
 *      ghostbrew/detect/comm_patterns.def (wine, proton, *.exe, gamescope, pipewire, compilers, ...);
 *   3. cgroup_class, filled by userspace, for the task's cgroup or one of its ancestors (so userspace
 *      can register machine.slice or a container's scope once for everything below it);
 *   4. a gaming ancestor: one of up to GB_ANCESTOR_DEPTH real_parents is a registered game or has a
 *      comm whose table row says games_below (a game's helper processes, gamescope's children).
 * Rules 1, 3 and the registry half of 4 use userspace's maps and are skipped while the userspace
 * heartbeat is stale (pids get reused, cgroups get removed); the comm patterns are BPF's own and stay.
 * Map values that are not a valid enum gb_class are ignored rather than trusted. */
#ifndef GHOSTBREW_CLASSIFY_BPF_H
#define GHOSTBREW_CLASSIFY_BPF_H

#include "compat.bpf.h"

#include <ghostbrew/bpf/abi.h>

/* "No fixed class": the behaviour rule decides. */
#define GB_CLASS_NONE 0xffu
#define GB_ANCESTOR_DEPTH 8
#define GB_CGROUP_DEPTH 8

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, GB_MAX_CLASS_PIDS);
  __type(key, u32);
  __type(value, u32);
} tid_class SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, GB_MAX_CLASS_PIDS);
  __type(key, u32);
  __type(value, u32);
} tgid_class SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, GB_MAX_CLASS_CGROUPS);
  __type(key, u64);
  __type(value, u32);
} cgroup_class SEC(".maps");

/* The class stored under key in a userspace class map, or GB_CLASS_NONE. */
static __always_inline u32 class_in_map(void* map, const void* key) {
  u32* cls = bpf_map_lookup_elem(map, key);
  return cls && *cls < GB_NR_CLASSES ? *cls : GB_CLASS_NONE;
}

/* ---- Comm patterns ---------------------------------------------------------------------------- */

#define COMM_IS(comm, lit) (bpf_strncmp((comm), sizeof(lit), lit) == 0)
#define COMM_STARTS(comm, lit) (bpf_strncmp((comm), sizeof(lit) - 1, lit) == 0)
#define COMM_TAIL(a, b, c, d) (((u32)(a) << 24) | ((u32)(b) << 16) | ((u32)(c) << 8) | (u32)(d))

/* The last four characters of comm, lower-cased, packed big-endian (for suffix tests). */
static __always_inline u32 comm_tail(const char* comm) {
  u32 tail = 0;
#pragma unroll
  for (int i = 0; i < GB_COMM_LEN; i++) {
    char c = comm[i];
    if (!c) break;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    tail = (tail << 8) | (u8)c;
  }
  return tail;
}

/* The three kinds of row of ghostbrew/detect/comm_patterns.def; `tail` is comm_tail(comm), computed
 * once per name. */
#define COMM_MATCH_exact(comm, lit) COMM_IS(comm, lit)
#define COMM_MATCH_prefix(comm, lit) COMM_STARTS(comm, lit)
/* A suffix needs a name longer than itself: comm[4] is then not the NUL (".exe" alone is no binary). */
#define COMM_MATCH_suffix(comm, lit) \
  ((comm)[sizeof(lit) - 1] && tail == COMM_TAIL((lit)[0], (lit)[1], (lit)[2], (lit)[3]))

/* The name tests below are global functions, so the verifier checks each once per program instead of
 * at every call site with the caller's state: inlined into ops.select_cpu and ops.enqueue, the
 * table's branches cost 160-210k verified instructions each and most of a 30-second load in the
 * emulated guest. A global function takes only scalars, so the name comes as its two 8-byte words. */
struct gb_comm_words {
  u64 w[2];
};
_Static_assert(sizeof(struct gb_comm_words) == GB_COMM_LEN, "a comm is two 8-byte words");

static __always_inline struct gb_comm_words comm_words(const char* comm) {
  struct gb_comm_words words;
  __builtin_memcpy(&words, comm, sizeof(words));
  return words;
}

/* True when comm names something whose descendants are games: a game, a game's runtime, or
 * gamescope (the table's games_below rows). */
__noinline bool gb_comm_starts_games(u64 w0, u64 w1) {
  struct gb_comm_words words = {.w = {w0, w1}};
  const char* comm = (const char*)&words;
  u32 tail = comm_tail(comm);
#define GB_COMM_PATTERN(match, lit, cls, games_below) \
  if ((games_below) && COMM_MATCH_##match(comm, lit)) return true;
#include <ghostbrew/detect/comm_patterns.def>
#undef GB_COMM_PATTERN
  return false;
}

/* The fixed class comm alone implies, or GB_CLASS_NONE: vCPU threads ("CPU <n>/KVM", not a table
 * row: the number is in the middle), then the name table shared with userspace
 * (ghostbrew/detect/comm_patterns.def), first matching row. */
__noinline u32 gb_class_from_comm(u64 w0, u64 w1) {
  struct gb_comm_words words = {.w = {w0, w1}};
  const char* comm = (const char*)&words;
  u32 tail = comm_tail(comm);
  if (COMM_STARTS(comm, "CPU ") && tail == COMM_TAIL('/', 'k', 'v', 'm')) return GB_CLASS_VM;
#define GB_COMM_PATTERN(match, lit, cls, games_below) \
  if (COMM_MATCH_##match(comm, lit)) return GB_CLASS_##cls;
#include <ghostbrew/detect/comm_patterns.def>
#undef GB_COMM_PATTERN
  return GB_CLASS_NONE;
}

static __always_inline bool comm_starts_games(const char* comm) {
  struct gb_comm_words words = comm_words(comm);
  return gb_comm_starts_games(words.w[0], words.w[1]);
}

static __always_inline u32 class_from_comm(const char* comm) {
  struct gb_comm_words words = comm_words(comm);
  return gb_class_from_comm(words.w[0], words.w[1]);
}

/* ---- The chain -------------------------------------------------------------------------------- */

/* Rule 1: the thread, then its process, in userspace's pid maps. */
static __always_inline u32 class_from_pid_maps(struct task_struct* p) {
  u32 tid = p->pid, tgid = p->tgid;
  u32 cls = class_in_map(&tid_class, &tid);
  return cls != GB_CLASS_NONE ? cls : class_in_map(&tgid_class, &tgid);
}

/* Rule 3: the task's cgroup (v2) or its nearest registered ancestor. */
static __noinline u32 class_from_cgroup(struct task_struct* p) {
  struct cgroup* cgrp = BPF_CORE_READ(p, cgroups, dfl_cgrp);
  for (int depth = 0; depth < GB_CGROUP_DEPTH && cgrp; depth++) {
    u64 id = BPF_CORE_READ(cgrp, kn, id);
    u32 cls = class_in_map(&cgroup_class, &id);
    if (cls != GB_CLASS_NONE) return cls;
    /* cgroup.self is the first member: its css parent is the parent cgroup. */
    cgrp = (struct cgroup*)BPF_CORE_READ(cgrp, self.parent);
  }
  return GB_CLASS_NONE;
}

/* Rule 4: a registered game or a gaming comm among the real_parents (init ends the walk). */
static __noinline bool has_gaming_ancestor(struct task_struct* p, bool trust_userspace) {
  struct task_struct* t = BPF_CORE_READ(p, real_parent);
  for (int depth = 0; depth < GB_ANCESTOR_DEPTH && t; depth++) {
    u32 tgid = BPF_CORE_READ(t, tgid);
    char comm[GB_COMM_LEN] = {};
    if (tgid <= 1) break;
    if (trust_userspace && class_in_map(&tgid_class, &tgid) == GB_CLASS_GAMING) return true;
    BPF_CORE_READ_STR_INTO(&comm, t, comm);
    if (comm_starts_games(comm)) return true;
    t = BPF_CORE_READ(t, real_parent);
  }
  return false;
}

/* The fixed class of p by the chain above, or GB_CLASS_NONE when only behaviour can tell. */
static __always_inline u32 classify_task(struct task_struct* p, const char* comm, bool trust_userspace) {
  u32 cls = GB_CLASS_NONE;
  if (trust_userspace) cls = class_from_pid_maps(p);
  if (cls == GB_CLASS_NONE) cls = class_from_comm(comm);
  if (cls == GB_CLASS_NONE && trust_userspace) cls = class_from_cgroup(p);
  if (cls == GB_CLASS_NONE && has_gaming_ancestor(p, trust_userspace)) cls = GB_CLASS_GAMING;
  return cls;
}

#endif /* GHOSTBREW_CLASSIFY_BPF_H */
