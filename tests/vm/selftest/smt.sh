# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# selftest: --smp 4 --threads-per-core 2 gives the guest one socket of 2 cores with 2 SMT threads each
# (what topology-aware placement scenarios rely on).
. /guest-lib.sh
T=/sys/devices/system/cpu
expect_eq smt-cpus "$(nproc)" 4
expect_eq smt-cpu0-siblings "$(cat $T/cpu0/topology/thread_siblings_list)" 0-1
expect_eq smt-cpu2-siblings "$(cat $T/cpu2/topology/thread_siblings_list)" 2-3
expect_eq smt-one-package "$(cat $T/cpu*/topology/physical_package_id | sort -u | wc -l)" 1
finish
