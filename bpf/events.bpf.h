/* SPDX-License-Identifier: GPL-2.0-only */
/* ghostbrew and its daemon: whether userspace's maps are trusted (the heartbeat), and the exec/exit
 * events that wake the daemon (the events ring buffer): every exec, and the exits of the processes and
 * threads the daemon classified. A full ring drops events (ringbuf_drops); the daemon then rescans. */
#ifndef GHOSTBREW_EVENTS_BPF_H
#define GHOSTBREW_EVENTS_BPF_H

#include "stats.bpf.h"

/* When the events ring last went from empty to holding data (0: never): how long the oldest
 * unconsumed event has waited, at most. Written by emit_event(), read by userspace_is_alive(). */
u64 events_pending_since_ns;

static bool within_stale(u64 now, u64 t) {
  return now >= t ? now - t < gb_config.heartbeat_stale_ns : t - now < gb_config.heartbeat_stale_ns;
}

/* Userspace is alive when its last heartbeat is within heartbeat_stale_ns of now (either side, to
 * allow clock skew between CPUs); a heartbeat never written or far off means: do not trust its maps.
 * An event-driven daemon (GB_KNOB_EVENT_DRIVEN) heartbeats when it drains the events, so it is alive
 * while no event waits, or while the waiting ones are younger than heartbeat_stale_ns. */
static bool userspace_is_alive(const struct gb_knobs* k) {
  u64 now = bpf_ktime_get_ns();
  if (!k || !k->heartbeat_ns) return false;
  if (within_stale(now, k->heartbeat_ns)) return true;
  if (!(k->flags & GB_KNOB_EVENT_DRIVEN)) return false;
  if (!bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA)) return true;
  return within_stale(now, events_pending_since_ns);
}

/* Whether the daemon has something to undo when p exits: a process it put in tgid_class, or a thread
 * in tid_class. Other exits (a build's thousands of compilers) are not sent, so they do not wake it. */
static bool exit_concerns_daemon(struct task_struct* p) {
  u32 tid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid);
  if (tid == tgid) return class_in_map(&tgid_class, &tgid) != GB_CLASS_NONE;
  return class_in_map(&tid_class, &tid) != GB_CLASS_NONE;
}

static void emit_event(struct task_struct* p, u32 kind) {
  struct gb_event* e;

  if (!bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA)) events_pending_since_ns = bpf_ktime_get_ns();
  e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    STAT_INC(ringbuf_drops);
    return;
  }
  e->kind = kind;
  e->pid = BPF_CORE_READ(p, pid);
  e->tgid = BPF_CORE_READ(p, tgid);
  e->ppid = BPF_CORE_READ(p, real_parent, tgid);
  e->cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
  e->timestamp_ns = bpf_ktime_get_ns();
  BPF_CORE_READ_STR_INTO(&e->comm, p, comm);
  bpf_ringbuf_submit(e, 0);
}

#endif /* GHOSTBREW_EVENTS_BPF_H */
