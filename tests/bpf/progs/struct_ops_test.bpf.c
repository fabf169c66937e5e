/* SPDX-License-Identifier: GPL-2.0-only */
/* Test program for attach_struct_ops on the host kernel, which has no sched_ext: a do-nothing TCP
 * congestion control ("gb_test_cc") in a .struct_ops.link map. Registering it makes it appear in
 * /proc/sys/net/ipv4/tcp_available_congestion_control; destroying the link removes it. It is never
 * selected for a socket. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops")
__u32 BPF_PROG(gb_ssthresh, struct sock* sk) { return 10; }

SEC("struct_ops")
void BPF_PROG(gb_cong_avoid, struct sock* sk, __u32 ack, __u32 acked) {}

SEC("struct_ops")
__u32 BPF_PROG(gb_undo_cwnd, struct sock* sk) { return 10; }

SEC(".struct_ops.link")
struct tcp_congestion_ops gb_test_cc = {
    .ssthresh = (void*)gb_ssthresh,
    .cong_avoid = (void*)gb_cong_avoid,
    .undo_cwnd = (void*)gb_undo_cwnd,
    .name = "gb_test_cc",
};
