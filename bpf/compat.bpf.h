/* SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause */
/* The sched_ext kfunc compatibility layer shared by the ghostbrew BPF schedulers.
 *
 * One object has to load on every kernel from 6.12 to the newest. vmlinux.h comes from a 7.2 kernel
 * and declares every kfunc __weak __ksym; the names that 6.13 replaced are declared here. A weak kfunc
 * the running kernel lacks resolves to zero, bpf_ksym_exists() is then false, and the verifier drops
 * the dead branch, so each wrapper below calls whichever name the kernel has:
 *   6.12:  scx_bpf_dispatch, scx_bpf_dispatch_vtime, scx_bpf_consume
 *   6.13+: scx_bpf_dsq_insert, scx_bpf_dsq_insert_vtime, scx_bpf_dsq_move_to_local
 *          (the old names are gone by 6.17).
 * Newer kernels also warn about direct writes to p->scx.dsq_vtime (scx_bpf_task_set_dsq_vtime exists
 * there) and have the cheaper scx_bpf_now(); both are wrapped the same way.
 * Never call the `___v2` variants vmlinux.h also declares: libbpf 1.4.6 strips the suffix when
 * resolving and then fails to load ("kfunc ... wasn't resolved"); the one-argument names work. */
#ifndef GHOSTBREW_COMPAT_BPF_H
#define GHOSTBREW_COMPAT_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* ---- Declarations missing from a 7.2 vmlinux.h ------------------------------------------------ */
extern void scx_bpf_dispatch(struct task_struct* p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
extern void scx_bpf_dispatch_vtime(struct task_struct* p, u64 dsq_id, u64 slice, u64 vtime,
                                   u64 enq_flags) __ksym __weak;
extern bool scx_bpf_consume(u64 dsq_id) __ksym __weak;

/* ---- Callback and helper macros (as in the kernel's tools/sched_ext) --------------------------- */
#define BPF_STRUCT_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...) SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

/* Global variables holding kptrs live in their own .data section. */
#define private(name) SEC(".data." #name) __hidden __attribute__((aligned(8)))

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define GB_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GB_MAX(a, b) ((a) > (b) ? (a) : (b))

/* scx_bpf_error("fmt", args...): abort the scheduler with a formatted message (ends in the exit info). */
#define scx_bpf_error(fmt, args...)                                                       \
  ({                                                                                      \
    static char ___fmt[] = fmt;                                                           \
    unsigned long long ___param[___bpf_narg(args)];                                       \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wint-conversion\"") \
        ___bpf_fill(___param, args);                                                      \
    _Pragma("GCC diagnostic pop") scx_bpf_error_bstr(___fmt, ___param, sizeof(___param)); \
  })

/* ---- Renamed kfuncs --------------------------------------------------------------------------- */

/* Queue p on dsq_id (FIFO, or the local DSQ of a CPU) with the given slice. */
static __always_inline void gb_dsq_insert(struct task_struct* p, u64 dsq_id, u64 slice, u64 enq_flags) {
  if (bpf_ksym_exists(scx_bpf_dsq_insert))
    scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags);
  else
    scx_bpf_dispatch(p, dsq_id, slice, enq_flags);
}

/* Queue p on the priority-ordered dsq_id, ordered by vtime (smaller first). */
static __always_inline void gb_dsq_insert_vtime(struct task_struct* p, u64 dsq_id, u64 slice, u64 vtime,
                                                u64 enq_flags) {
  if (bpf_ksym_exists(scx_bpf_dsq_insert_vtime))
    scx_bpf_dsq_insert_vtime(p, dsq_id, slice, vtime, enq_flags);
  else
    scx_bpf_dispatch_vtime(p, dsq_id, slice, vtime, enq_flags);
}

/* From ops.dispatch: move the first runnable-here task of dsq_id to this CPU's local DSQ. */
static __always_inline bool gb_dsq_move_to_local(u64 dsq_id) {
  if (bpf_ksym_exists(scx_bpf_dsq_move_to_local)) return scx_bpf_dsq_move_to_local(dsq_id);
  return scx_bpf_consume(dsq_id);
}

/* ---- Writing task fields: kfuncs on newer kernels, where direct writes are deprecated ----------- */

static __always_inline void gb_task_set_dsq_vtime(struct task_struct* p, u64 vtime) {
  if (bpf_ksym_exists(scx_bpf_task_set_dsq_vtime))
    scx_bpf_task_set_dsq_vtime(p, vtime);
  else
    p->scx.dsq_vtime = vtime;
}

/* Time since boot in ns: the cheap rq clock where the kernel has it (6.14+), else ktime. */
static __always_inline u64 gb_now(void) {
  if (bpf_ksym_exists(scx_bpf_now)) return scx_bpf_now();
  return bpf_ktime_get_ns();
}

#endif /* GHOSTBREW_COMPAT_BPF_H */
