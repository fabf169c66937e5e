/* SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause */
/* The BPF <-> userspace ABI of the ghostbrew scheduler: enums, map value layouts and limits shared by
 * bpf/ghostbrew.bpf.c (C, compiled with clang -target bpf) and the C++ library/daemon.
 * Every struct has a size assertion, so a layout drift fails the build, not the machine.
 * Plain C: fixed-width types only (__u32/__u64 in BPF, the same through <linux/types.h> in userspace).
 *
 * How a loader drives the object (libbpf object API; see bpf/README.md for the full walk-through):
 *   1. bpf_object__open_mem(ghostbrew_bpf_object())
 *   2. before load: bpf_map__set_max_entries() on GB_MAP_CPU_INFO (nr_cpu_ids), GB_MAP_LLC_CTX
 *      (nr_llcs), GB_MAP_CCD_CTX (nr_ccds), GB_MAP_NODE_CTX (nr_nodes); optionally GB_MAP_EVENTS
 *      (ring size in bytes, a power of two multiple of the page size);
 *      fill the struct gb_config through bpf_map__initial_value(GB_MAP_CONFIG) (it holds the defaults:
 *      change fields, do not replace the whole struct with zeros).
 *   3. bpf_object__load()
 *   4. after load, before attach: write every CPU's struct gb_cpu_info into GB_MAP_CPU_INFO (ops.init
 *      builds the topology cpumasks from it), and the class maps (GB_MAP_TID_CLASS, GB_MAP_TGID_CLASS,
 *      GB_MAP_CGROUP_CLASS) as far as known.
 *   5. bpf_map__attach_struct_ops(GB_MAP_OPS); the link may exist while ops.init then fails: running
 *      means /sys/kernel/sched_ext/state is `enabled` and gb_exit_info.kind is still 0. Attach the
 *      tp_btf programs GB_PROG_EXEC / GB_PROG_EXIT (exec/exit events).
 *   6. while running: write struct gb_knobs (heartbeat at least every heartbeat_stale_ns / 2, or with
 *      GB_KNOB_EVENT_DRIVEN set, each time the events are drained; bump generation after changing a
 *      class map), consume GB_MAP_EVENTS, sum GB_MAP_STATS over CPUs.
 *   7. after detach (or when the kernel ejected the scheduler): read struct gb_exit_info. */
#ifndef GHOSTBREW_BPF_ABI_H
#define GHOSTBREW_BPF_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifdef __cplusplus
#define GB_STATIC_ASSERT static_assert
#else
#define GB_STATIC_ASSERT _Static_assert
#endif

/* ---- ABI version -------------------------------------------------------------------------------
 * Bump GB_ABI_VERSION with every change to this file that an object built before it would misread:
 * a struct layout, an enum value, a map or program name, a limit. The BPF object carries its number
 * as `const volatile __u32 gb_abi_version` in its own section GB_MAP_ABI (GB_MAP_CONFIG stays one
 * struct gb_config); the loader refuses an object whose number differs from its own
 * (sched::check_abi), with one line naming both. */
#define GB_ABI_VERSION 5
#define GB_MAP_ABI ".rodata.abi"
#define GB_ABI_VERSION_VAR "gb_abi_version"

/* Workload classes, in priority order for dispatch (lower value = served first within its budget). */
enum gb_class {
  GB_CLASS_GAMING = 0,      /* game processes and their threads (Wine/Proton, native) */
  GB_CLASS_INTERACTIVE = 1, /* desktop, compositor, audio, input */
  GB_CLASS_VM = 2,          /* VM vCPU threads (CPU N/KVM) */
  GB_CLASS_DEFAULT = 3,     /* everything not otherwise classified */
  GB_CLASS_AI = 4,          /* AI inference servers (ollama, llama.cpp, vLLM, ComfyUI) */
  GB_CLASS_CONTAINER = 5,   /* container workloads */
  GB_CLASS_BATCH = 6,       /* nice > 0, builds, system services, CPU hogs */
  GB_NR_CLASSES = 7,
};

/* ---- Map names (bpf_object__find_map_by_name) ------------------------------------------------- */
#define GB_MAP_OPS "ghostbrew_ops"         /* struct_ops map (ops name "ghostbrew") */
#define GB_MAP_CONFIG ".rodata.config"     /* one struct gb_config, read-only after load */
#define GB_MAP_CPU_INFO "cpu_info"         /* ARRAY  u32 cpu -> struct gb_cpu_info; size nr_cpu_ids */
#define GB_MAP_LLC_CTX "llc_ctx"           /* ARRAY  u32 llc -> (internal: cpumask kptr); size nr_llcs */
#define GB_MAP_CCD_CTX "ccd_ctx"           /* ARRAY  u32 ccd -> (internal: cpumask kptr); size nr_ccds */
#define GB_MAP_NODE_CTX "node_ctx"         /* ARRAY  u32 node -> (internal: cpumask kptr); size nr_nodes */
#define GB_MAP_TID_CLASS "tid_class"       /* HASH   u32 tid -> u32 enum gb_class (e.g. vCPU threads) */
#define GB_MAP_TGID_CLASS "tgid_class"     /* HASH   u32 tgid -> u32 enum gb_class (games, containers) */
#define GB_MAP_CGROUP_CLASS "cgroup_class" /* HASH  u64 cgroup id -> u32 enum gb_class */
#define GB_MAP_KNOBS "knobs"               /* ARRAY  u32 0 -> struct gb_knobs; owner: the daemon */
#define GB_MAP_STATS "stats"               /* PERCPU_ARRAY u32 0 -> struct gb_stats; sum over CPUs */
#define GB_MAP_EVENTS "events"             /* RINGBUF of struct gb_event */
#define GB_MAP_EXIT_INFO "exit_info"       /* ARRAY  u32 0 -> struct gb_exit_info */
#define GB_MAP_EXIT_DUMP "exit_dump"       /* ARRAY  u32 0 -> struct gb_exit_dump */
#define GB_MAP_TASK_CTX "task_ctx"         /* TASK_STORAGE (internal per-task state) */
#define GB_MAP_OBSERVATIONS "observations" /* LRU_HASH struct gb_comm_key -> struct gb_observation */
#define GB_MAP_PREDICTIONS "predictions"   /* HASH struct gb_comm_key -> struct gb_prediction */
#define GB_MAP_HIST "hist"                 /* PERCPU_ARRAY u32 0 -> struct gb_hist; sum over CPUs */
#define GB_MAP_FRAMES "frames"             /* LRU_HASH u32 tgid -> struct gb_frame_pace (paced games) */
#define GB_PROG_EXEC "gb_exec_event"       /* tp_btf/sched_process_exec -> GB_EVENT_EXEC */
#define GB_PROG_EXIT "gb_exit_event"       /* tp_btf/sched_process_exit -> GB_EVENT_EXIT */

/* Limits the class maps are created with (entries); the loader may raise them before load. */
#define GB_MAX_CLASS_PIDS 8192
#define GB_MAX_CLASS_CGROUPS 1024
#define GB_EVENTS_RING_BYTES (256 * 1024)
#define GB_MAX_OBSERVED_COMMS 4096 /* observations: distinct comms between two drains (LRU beyond) */
#define GB_MAX_PREDICTIONS 4096    /* predictions: learned comms BPF starts in a class */
#define GB_MAX_PACED_GAMES 64      /* frames: games whose frame period is being detected */

/* ---- Load-time configuration: `const volatile struct gb_config gb_config` in .rodata.config ---- */
enum gb_mode {
  GB_MODE_AUTO = 0,   /* games on the V-Cache CCD, interactive work on the frequency CCD */
  GB_MODE_GAMING = 1, /* games and interactive work on the V-Cache CCD, batch on the other one */
  GB_MODE_WORK = 2,   /* latency-sensitive work on the frequency CCD, batch on the V-Cache CCD */
  GB_NR_MODES = 3,
};

/* The time slice's bounds, one home for both sides: the settings table (tuning/settings.hpp) takes
 * them as slice_us's range, and ops.init refuses a gb_config outside them. */
#define GB_SLICE_MIN_US 500u
#define GB_SLICE_MAX_US 20000u

struct gb_config {
  __u64 slice_ns;             /* time slice of every task (default 5 ms) */
  __u64 burst_threshold_ns;   /* mean burst at or above which learning votes BATCH for a program (20 ms) */
  __u64 interactive_burst_ns; /* mean burst at or below which it votes INTERACTIVE (1 ms) */
  __u64 heartbeat_stale_ns;   /* userspace maps are ignored when gb_knobs.heartbeat_ns is older (5 s) */
  __u64 xccd_cooldown_ns;     /* a task leaves its CCD for an idle CPU at most once per this (10 ms) */
  __u64 max_window_ns;        /* a task's lead over the vtime frontier and its request: half each (200 ms) */
  __u64 class_window_ns[GB_NR_CLASSES]; /* latency offset per class, added to its deadline */
  __u32 mode;                           /* enum gb_mode */
  __u32 nr_llcs;                        /* LLC ids in gb_cpu_info are 0 .. nr_llcs-1 (default 1) */
  __u32 nr_ccds;                        /* CCD ids 0 .. nr_ccds-1 (default 1) */
  __u32 nr_nodes;                       /* NUMA node ids 0 .. nr_nodes-1 (default 1) */
  __u32 xccd_steal_min;  /* an idle CPU pulls from another CCD's LLC only with >= this queued (2) */
  __u32 wake_chain_hops; /* how far a GAMING/INTERACTIVE waker's latency bias passes along wake-ups
                            (1: to the task it wakes; 0: off) */
  __u32 irq_wake_hops;   /* a wake-up from interrupt context makes the wakee latency-critical for its
                            burst (1), and what it wakes next in its process (2); 0: off */
  __u32 frame_pacing;    /* 1: a paced game's threads have their frame's work due within the frame
                            (frame.bpf.h); 0: pacing is detected and shown only */
};
GB_STATIC_ASSERT(sizeof(struct gb_config) == 6 * 8 + GB_NR_CLASSES * 8 + 8 * 4, "gb_config layout");

/* ---- Topology: one entry per CPU id in GB_MAP_CPU_INFO, written after load, before attach ------ */
enum gb_cpu_flags {
  GB_CPU_VALID = 1u << 0,     /* entry filled by userspace; unfilled entries mean LLC/CCD/node 0 */
  GB_CPU_VCACHE = 1u << 1,    /* on the CCD with the larger L3 (X3D V-Cache) */
  GB_CPU_PREFERRED = 1u << 2, /* among the best preferred cores (amd-pstate prefcore, ITMT) */
};

enum gb_cpu_type {
  GB_CPU_TYPE_UNKNOWN = 0,
  GB_CPU_TYPE_PERFORMANCE = 1, /* hybrid P-core */
  GB_CPU_TYPE_EFFICIENCY = 2,  /* hybrid E-core: preferred by batch work */
};

struct gb_cpu_info {
  __u32 llc;           /* dense LLC (CCX) index, < gb_config.nr_llcs */
  __u32 ccd;           /* dense CCD / die index, < gb_config.nr_ccds */
  __u32 node;          /* NUMA node, < gb_config.nr_nodes */
  __u32 core;          /* physical core id (informational; SMT is handled by the kernel's idle masks) */
  __s32 smt_sibling;   /* the other hardware thread of the core, -1 when none */
  __u32 prefcore_rank; /* preferred-core ranking, higher is faster (informational) */
  __u32 flags;         /* enum gb_cpu_flags */
  __u32 type;          /* enum gb_cpu_type */
};
GB_STATIC_ASSERT(sizeof(struct gb_cpu_info) == 32, "gb_cpu_info layout");

/* ---- Runtime knobs: GB_MAP_KNOBS[0], written only by the daemon ------------------------------- */
enum gb_knob_flags {
  /* The daemon consumes GB_MAP_EVENTS and refreshes heartbeat_ns each time it drains them. Then its
   * maps stay trusted while no event has waited unconsumed for heartbeat_stale_ns, however old the
   * heartbeat: an idle daemon needs no periodic wake-up, and a hung one is distrusted once the exec
   * and exit events it should have handled (pid reuse!) pile up. Without the flag, the heartbeat
   * itself must be fresher than heartbeat_stale_ns. */
  GB_KNOB_EVENT_DRIVEN = 1u << 0,
  /* Fill GB_MAP_HIST: the run time of each callback and each wake-up's latency (costs two clock
   * reads per callback; off unless the daemon collects or shows stats). */
  GB_KNOB_HISTOGRAMS = 1u << 1,
  /* Learn: fold behaviour-classified tasks into GB_MAP_OBSERVATIONS, announce new comms with
   * (userspace drains it), and start tasks whose comm is in GB_MAP_PREDICTIONS in the predicted class. */
  GB_KNOB_LEARN = 1u << 2,
};

/* Runtime overrides of gb_config (0 = the load-time value), for per-game profiles and online tuning
 * without reloading the scheduler. The daemon keeps them within the bounds ghost-sched validates. */
struct gb_tunables {
  __u64 slice_ns;
  __u64 burst_threshold_ns;
  __u64 interactive_burst_ns;
  __u64 game_window_ns; /* class_window_ns[GB_CLASS_GAMING]: the GAMING latency offset */
};
GB_STATIC_ASSERT(sizeof(struct gb_tunables) == 32, "gb_tunables layout");

struct gb_knobs {
  __u64 heartbeat_ns; /* CLOCK_MONOTONIC time of the daemon's last heartbeat (bpf_ktime_get_ns clock) */
  __u64 generation;   /* bump after any class map change: every task is classified again */
  __u64 flags;        /* enum gb_knob_flags */
  struct gb_tunables tune;
  /* The placement mode switched at run time, as enum gb_mode + 1 (0 = gb_config.mode): the next
   * placement rebuilds the role cpumasks for it and counts gb_stats.mode_switches. */
  __u32 mode;
  __u32 reserved;
};
GB_STATIC_ASSERT(sizeof(struct gb_knobs) == 24 + 32 + 8, "gb_knobs layout");

/* ---- Statistics: GB_MAP_STATS[0] per CPU, summed by userspace --------------------------------- */
/* The counters, declared once, in struct order with what each counts: GB_STATS_COUNTERS(C, A) calls
 * C(name, description) for a plain counter and A(name, n, description) for an array of n (by class).
 * struct gb_stats below is generated from it, and userspace's summing, deltas, printing and the control
 * socket's stats and stats_meta replies (sched/stats.hpp) loop over it: a new counter is one line. */
#define GB_STATS_COUNTERS(C, A)                                                                      \
  A(dispatched, GB_NR_CLASSES, "tasks inserted into a DSQ (shared or local), by class")              \
  C(direct_dispatches, "inserted straight into an idle CPU's local DSQ from select_cpu")             \
  C(migrations, "a task started running on another CPU than its last run")                           \
  C(xccd_migrations, "a task started running on another CCD than its last run")                      \
  C(ccd_local, "a task started running on the same CCD as its last run")                             \
  C(vcache_placements, "a GAMING/INTERACTIVE task placed on a V-Cache CPU (idle or preempted)")      \
  C(preemptions, "a running task was kicked for a wake-up with an earlier deadline")                 \
  C(ringbuf_drops, "exec/exit events lost because the ring buffer was full")                         \
  C(llc_steals, "an idle CPU ran a task queued on another LLC of its CCD")                           \
  C(xccd_steals, "an idle CPU ran a task queued on another CCD")                                     \
  C(reclassifications, "a task's class was evaluated (first time or after an input changed)")        \
  C(stale_heartbeat, "classifications done without userspace maps (heartbeat stale)")                \
  A(started, GB_NR_CLASSES, "class a task starts in at exec (or first enqueue after a comm change)") \
  C(predicted, "tasks started in a class from the process database's predictions")                   \
  C(observed, "tasks folded into the observations for the process database")                         \
  C(rt_reenqueues, "tasks moved off a CPU that an RT/deadline task took (ops.cpu_release)")          \
  C(rt_avoided, "a task kept off the local DSQ of a CPU where an RT/deadline task was runnable")     \
  C(rt_rescued, "a CPU took a task queued on the DSQ of a CPU an RT/deadline task holds")            \
  C(chain_boosts, "a GAMING/INTERACTIVE waker (or chain) put its wakee in an earlier class")         \
  C(irq_boosts, "a wake-up from interrupt context put its wakee in an earlier class")                \
  C(pace_boosts, "a paced game's thread queued due within its frame, earlier than its own deadline") \
  C(mode_switches, "the role cpumasks were rebuilt for a mode switched at run time (gb_knobs.mode)")

#define GB_STATS_DECLARE_COUNTER(name, desc) __u64 name;
#define GB_STATS_DECLARE_ARRAY(name, n, desc) __u64 name[n];
struct gb_stats {
  GB_STATS_COUNTERS(GB_STATS_DECLARE_COUNTER, GB_STATS_DECLARE_ARRAY)
};
#undef GB_STATS_DECLARE_COUNTER
#undef GB_STATS_DECLARE_ARRAY
GB_STATIC_ASSERT(sizeof(struct gb_stats) == (2 * GB_NR_CLASSES + 20) * 8, "gb_stats layout");

/* ---- Exec/exit events: GB_MAP_EVENTS ---------------------------------------------------------- */
enum gb_event_kind {
  GB_EVENT_EXEC = 1, /* a task called execve: comm is the new one */
  GB_EVENT_EXIT = 2, /* a process in GB_MAP_TGID_CLASS exited (its leader), or a thread in GB_MAP_TID_CLASS */
};

#define GB_COMM_LEN 16

struct gb_event {
  __u32 kind;         /* enum gb_event_kind */
  __u32 pid;          /* thread id */
  __u32 tgid;         /* process id */
  __u32 ppid;         /* tgid of the real parent */
  __u64 cgroup_id;    /* cgroup v2 id (inode number of the cgroup directory) */
  __u64 timestamp_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
  char comm[GB_COMM_LEN];
};
GB_STATIC_ASSERT(sizeof(struct gb_event) == 48, "gb_event layout");

/* ---- Learning: observations (BPF -> userspace) and predictions (userspace -> BPF) --------------- */
struct gb_comm_key {
  char comm[GB_COMM_LEN]; /* task comm, NUL-padded */
};
GB_STATIC_ASSERT(sizeof(struct gb_comm_key) == GB_COMM_LEN, "gb_comm_key layout");

/* GB_OBSERVE_BURSTS: a task's behaviour estimate is mature after this many bursts (run until sleep);
 * it is folded in then, or when it exits earlier (short-lived tasks: cc1, as, ld). Only tasks the
 * behaviour rule classifies (no fixed class) are observed. */
#define GB_OBSERVE_BURSTS 8

/* Sums over the tasks folded in since userspace last drained (deleted) the entry; userspace turns
 * them into averages: runtime per burst, its deviation, wake-ups and context switches per second. */
struct gb_observation {
  __u64 tasks;         /* tasks folded in */
  __u64 bursts;        /* bursts summed over those tasks */
  __u64 runtime_ns;    /* CPU time summed over the bursts */
  __u64 runtime_sq_us; /* sum over the bursts of (burst CPU time in us)^2: the deviation */
  __u64 wakeups;       /* wake-ups summed */
  __u64 switches;      /* times they started running (context switches in) summed */
  __u64 lifetime_ns;   /* wall time from the first enqueue after exec to the observation, summed */
  __u64 class_tasks[GB_NR_CLASSES]; /* tasks by the behaviour class they had when folded in */
};
GB_STATIC_ASSERT(sizeof(struct gb_observation) == (7 + GB_NR_CLASSES) * 8, "gb_observation layout");

struct gb_prediction {
  __u32 cls;            /* enum gb_class a new task with this comm starts in */
  __u32 confidence_pct; /* 0..100 (informational) */
  __u64 runtime_ns;     /* learned CPU time per burst (informational: the class decides) */
};
GB_STATIC_ASSERT(sizeof(struct gb_prediction) == 16, "gb_prediction layout");

/* ---- Frame pacing: GB_MAP_FRAMES (BPF -> userspace; bpf/frame.bpf.h) ------------------------------ */
/* A GAMING process whose main thread wakes from interrupt context (a timer, the display's vblank) at
 * a steady period, and hands out work or runs within each period, is paced: its entry says the
 * period and its jitter. The entry of a game that stops being paced or exits is deleted. */
struct gb_frame_pace {
  __u64 period_ns;      /* the frame period: average interval between the main thread's paced wake-ups */
  __u64 jitter_ns;      /* average deviation of the intervals from the period */
  __u64 frame_start_ns; /* bpf_ktime_get_ns of the current frame's start (the last paced wake-up) */
  __u32 frames;         /* frames measured in a row (the estimate is trusted from GB_FRAME_MIN_FRAMES) */
  __u32 pid;            /* the main thread (= tgid) */
  char comm[GB_COMM_LEN];
};
GB_STATIC_ASSERT(sizeof(struct gb_frame_pace) == 3 * 8 + 2 * 4 + GB_COMM_LEN, "gb_frame_pace layout");
#define GB_FRAME_MIN_FRAMES 16

/* ---- Latency histograms: GB_MAP_HIST[0] per CPU (with GB_KNOB_HISTOGRAMS) ----------------------- */
/* Bucket b counts values v (ns) with floor(log2(v)) == b + GB_HIST_SHIFT; bucket 0 also counts every
 * v < 2^(GB_HIST_SHIFT + 1) (under 128 ns), the last bucket every v >= 2^(GB_HIST_SHIFT +
 * GB_HIST_BUCKETS - 1) (2.1 s and more). So 64 ns .. 128 ns is bucket 0, 128 .. 256 ns bucket 1, ... */
#define GB_HIST_SHIFT 6
#define GB_HIST_BUCKETS 26

enum gb_op {
  GB_OP_SELECT_CPU = 0,
  GB_OP_ENQUEUE = 1,
  GB_OP_DISPATCH = 2,
  GB_OP_RUNNING = 3,
  GB_OP_STOPPING = 4,
  GB_NR_OPS = 5,
};

struct gb_hist {
  __u64 op_ns[GB_NR_OPS][GB_HIST_BUCKETS];       /* run time of each scheduler callback */
  __u64 wake_ns[GB_NR_CLASSES][GB_HIST_BUCKETS]; /* wake-up to running, by the task's class */
};
GB_STATIC_ASSERT(sizeof(struct gb_hist) ==
                     GB_NR_OPS * GB_HIST_BUCKETS * 8 + GB_NR_CLASSES * GB_HIST_BUCKETS * 8,
                 "gb_hist layout");

/* ---- Why the scheduler stopped: GB_MAP_EXIT_INFO[0], written by ops.exit ---------------------- */
#define GB_EXIT_REASON_LEN 128
#define GB_EXIT_MSG_LEN 1024

struct gb_exit_info {
  __s32 kind; /* enum scx_exit_kind: 0 none (still running), 1 done, 64.. unregistered, 1024.. error */
  __u32 reserved;
  __s64 exit_code;
  char reason[GB_EXIT_REASON_LEN];
  char msg[GB_EXIT_MSG_LEN];
};
GB_STATIC_ASSERT(sizeof(struct gb_exit_info) == 16 + GB_EXIT_REASON_LEN + GB_EXIT_MSG_LEN,
                 "gb_exit_info layout");

/* ---- The kernel's account of an error exit: GB_MAP_EXIT_DUMP[0], written by ops.exit ---------- */
/* When sched_ext ends a scheduler for an error (a runnable task stall, scx_bpf_error()), it writes
 * the state of every CPU and of the tasks it was waiting on (which DSQ, since when) into
 * scx_exit_info.dump: ops.exit copies it here, NUL-terminated and cut to GB_EXIT_DUMP_LEN bytes.
 * Empty after an exit that is not an error. Task names in it are untrusted bytes. */
#define GB_EXIT_DUMP_LEN 32768

struct gb_exit_dump {
  char text[GB_EXIT_DUMP_LEN];
};
GB_STATIC_ASSERT(sizeof(struct gb_exit_dump) == GB_EXIT_DUMP_LEN, "gb_exit_dump layout");

#endif /* GHOSTBREW_BPF_ABI_H */
