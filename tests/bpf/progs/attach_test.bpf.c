/* SPDX-License-Identifier: GPL-2.0-only */
/* Test program for attaching and detaching links on the host kernel: counts the execs done by
 * children of one process (the test), through the sched_process_exec tracepoint. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __s32 parent_tgid = 0; /* set by the test before load */

__u64 execs;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(count_exec, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  if (p->real_parent->tgid == parent_tgid) __sync_fetch_and_add(&execs, 1);
  return 0;
}
