/* SPDX-License-Identifier: GPL-2.0-only */
/* Runs bpf/classify.bpf.h's comm rule on a comm given by the test (BPF_PROG_TEST_RUN on the host):
 * the pattern table of the scheduler, executed by the kernel's BPF, not a C++ copy of it. */
#include "classify.bpf.h"

char _license[] SEC("license") = "GPL";

struct comm_case {
  char comm[GB_COMM_LEN];
  u32 cls; /* out: class_from_comm(comm) */
};

SEC("syscall")
int classify_comm(struct comm_case* c) {
  char comm[GB_COMM_LEN];
  __builtin_memcpy(comm, c->comm, sizeof(comm));
  c->cls = class_from_comm(comm);
  return 0;
}
