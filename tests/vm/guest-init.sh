#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# /init of the ghostbrew VM guest (busybox sh, PID 1). run-guest.sh packs it into the initramfs.
# Mounts what a sched_ext scenario needs, reports the kernel and sched_ext state, runs
# `sh /scenario.sh`, prints the end marker the host waits for, and powers the guest off.
# Any mount that fails is a GHOSTBREW-FAIL of the harness itself, so a broken guest never passes.
export PATH=/opt/ghostbrew/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TMPDIR=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

must_mount() { # TYPE DIR [OPTIONS]
  mkdir -p "$2"
  mount -t "$1" ${3:+-o "$3"} "$1" "$2" || echo "GHOSTBREW-FAIL harness: cannot mount $1 at $2"
}
must_mount devpts /dev/pts
must_mount tmpfs /dev/shm
must_mount tmpfs /tmp
must_mount tmpfs /run
must_mount cgroup2 /sys/fs/cgroup
must_mount debugfs /sys/kernel/debug
must_mount tracefs /sys/kernel/tracing
must_mount bpf /sys/fs/bpf
mkdir -p /root /var/tmp
hostname ghostbrew-guest
ip link set lo up 2>/dev/null
ulimit -l unlimited 2>/dev/null

echo "ghostbrew-guest: kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
echo "ghostbrew-guest: sched_ext state $(cat /sys/kernel/sched_ext/state 2>&1)"
echo "GHOSTBREW-DATA guest.boot_uptime_s $(cut -d' ' -f1 /proc/uptime)"
echo "GHOSTBREW-BEGIN"
cd /tmp || cd /
# The scenario gets its own session with the console as controlling tty, so guest-lib.sh can turn on
# job control: background jobs then keep SIGINT as a user's shell would leave it (a non-interactive
# shell without job control starts them with SIGINT and SIGQUIT ignored). Its stdin is /dev/null,
# so a stray read ends instead of hanging the run.
# When a session leader whose controlling tty is a serial port exits, the kernel hangs the tty up and
# throws away what the UART has not sent yet: a short scenario's last lines were lost that way (its
# FAIL line, once). So the leader waits for the output to drain (busybox stty sets the mode with
# TCSADRAIN; SIGTTOU ignored because the scenario's job control left another group in the foreground)
# before it exits, and so does init before the power-off.
setsid cttyhack sh -c 'sh /scenario.sh </dev/null; s=$?; trap "" TTOU; stty onlcr; exit $s'
status=$?
echo "GHOSTBREW-DATA guest.end_uptime_s $(cut -d' ' -f1 /proc/uptime)"
echo "GHOSTBREW-END status=$status"
stty onlcr 2>/dev/null
sync
echo o >/proc/sysrq-trigger
# PID 1 must not exit (that panics the kernel): wait here for the power-off to take effect.
while :; do sleep 5; done
