#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Writes a fuzz target's seed corpus of real files into DIR: seed-files.sh KIND DIR, KIND one of
#   procfs  this process's /proc/self files (stat, cmdline, environ, cgroup, mountinfo, status)
#   sysfs   CPU lists and masks, a cache size, a PCI resource file, the first CPU of /proc/cpuinfo
#   rules   a cgroup rules file and a per-game profile as ghost-sched reads them
# A file this machine lacks is skipped; every kind also gets a few fixed samples of its format, so
# that the corpus is never empty.
set -eu
kind=$1 dir=$2
mkdir -p "$dir"
copy() { [ -r "$1" ] && head -c 65536 "$1" >"$dir/$2" 2>/dev/null || true; }
case $kind in
  procfs)
    for f in stat cmdline environ cgroup mountinfo status; do copy "/proc/self/$f" "$f"; done
    copy /proc/1/stat init-stat
    printf '4242 (a) b)\\033[31m) R 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n' >"$dir/hostile-stat"
    printf '0::/user.slice/app-steam-1.scope/game\n' >"$dir/cgroup-v2"
    printf 'wine64\0C:\\Games\\x.exe\0-name\0guest=win11\0' >"$dir/cmdline-wine"
    ;;
  sysfs)
    cpu=/sys/devices/system/cpu
    copy $cpu/online online
    copy $cpu/possible possible
    copy $cpu/cpu0/topology/thread_siblings thread-siblings-mask
    copy $cpu/cpu0/topology/core_cpus_list core-cpus-list
    copy $cpu/cpu0/topology/physical_package_id package-id
    copy $cpu/cpu0/cache/index3/size l3-size
    copy $cpu/cpu0/cache/index3/shared_cpu_map l3-map
    for r in /sys/bus/pci/devices/*/resource; do copy "$r" pci-resource; break; done
    awk 'NF == 0 { exit } { print }' /proc/cpuinfo >"$dir/cpuinfo" 2>/dev/null || true
    printf '0-3,8-11\n' >"$dir/list"
    printf '00000000,0000ff0f\n' >"$dir/mask"
    printf -- '-1\n' >"$dir/unknown-id"
    printf '98304K\n' >"$dir/size"
    ;;
  rules)
    printf '# cgroup rules\napp-steam* gaming\n*ollama* ai\ndocker-*.scope container\nsystem.slice batch\n' >"$dir/cgroup-rules"
    printf '{"version": 1, "game": "Cyberpunk2077.exe", "mode": "gaming", "slice_us": 4000, "burst_threshold_us": 20000, "interactive_burst_us": 1000, "game_window_us": 1000}\n' >"$dir/profile.json"
    ;;
  *)
    echo "seed-files.sh: unknown kind '$kind' (procfs, sysfs or rules)" >&2
    exit 2
    ;;
esac
