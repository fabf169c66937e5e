#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Boots the sched_ext guest kernel under qemu (TCG; one thread unless --parallel) with a busybox
# initramfs holding our binaries, runs SCENARIO.sh inside it, and judges the run from the serial
# console.
#
# Usage: run-guest.sh [--smp N] [--threads-per-core T] [--mem MB] [--icount SHIFT | --parallel]
#                     [--timeout SECS] [--add PATH]... [--log FILE] [--append "kernel args"]
#                     [--kernel VMLINUZ | --kernel-series X.Y] [--module NAME]... [--device DEV]...
#                     [--qmp-input HZ] SCENARIO.sh
#
# --icount SHIFT: single-threaded TCG with instruction-counted guest time (repeatable timings).
# --parallel: multi-threaded TCG (needs QEMU >= 10: 7.2 oopses on sched_ext attach there), vCPUs
# on host threads in parallel, guest time = host time; give it no more vCPUs than host cores.
# --module NAME: the kernel's module NAME (fetch-modules.sh: from Debian's linux-modules package of
# the booted release, decompressed) lands in /lib/modules/NAME.ko for the scenario to insmod.
# --device DEV: a qemu -device (e.g. virtio-keyboard-pci). --qmp-input HZ: a QMP socket, and
# qmp-input.py on the host injecting HZ key events a second into the guest between the scenario's
# `GHOSTBREW-INPUT start` and `GHOSTBREW-INPUT stop` console lines.
#
# The guest (guest-init.sh as /init) mounts proc, sysfs, devtmpfs, cgroup2, debugfs, tracefs and
# bpffs, then runs `sh /scenario.sh`; scenarios source /guest-lib.sh. Executables given with --add
# land in /opt/ghostbrew/bin (on PATH), other files in /opt/ghostbrew/share. The initramfs (busybox,
# bpftool, stress-ng, cyclictest, hackbench, taskset, chrt, nice, stdbuf, the --add files and every
# shared library they need) is cached by content hash in $GHOSTBREW_CACHE/initramfs (default
# ~/.cache/ghostbrew/initramfs); only the scenario is packed per run. The kernel is the newest
# sched_ext kernel Debian offers unless --kernel (or GHOSTBREW_KERNEL) names a file or
# --kernel-series a series (fetch-kernel.sh resolves and caches it).
#
# Exit status: 0 when the scenario printed at least one GHOSTBREW-PASS, no GHOSTBREW-FAIL, exited 0
# and the guest reached its end marker, with no kernel panic, oops, BUG or sched_ext ejection in the
# log and no timeout; 1 when the run failed (the reasons and the last 60 log lines are printed);
# 2 on bad usage or a missing tool. GHOSTBREW-DATA lines go to LOG with .log replaced by .data.
# GHOSTBREW_VM_VERBOSE=1 streams the serial console while the guest runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prog=run-guest

usage() {
  sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() {
  printf '%s: %s\n' "$prog" "$*" >&2
  exit 2
}
positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive integer, got '$2'"; }

smp=4 tpc=1 mem=1024 icount="" parallel=0 timeout_s=300 log="" append="" kernel=${GHOSTBREW_KERNEL:-} series=""
adds=() modules=() devices=() qmp_hz=""
while (($#)); do
  case $1 in
  --smp) positive "$1" "${2-}"; smp=$2; shift 2 ;;
  --threads-per-core) positive "$1" "${2-}"; tpc=$2; shift 2 ;;
  --mem) positive "$1" "${2-}"; mem=$2; shift 2 ;;
  --icount) [[ ${2-} =~ ^[0-9]+$ ]] || die "--icount wants a shift 0..10, got '${2-}'"; icount=$2; shift 2 ;;
  --parallel) parallel=1; shift ;;
  --timeout) positive "$1" "${2-}"; timeout_s=$2; shift 2 ;;
  --add) [[ -n ${2-} ]] || die "--add wants a path"; adds+=("$2"); shift 2 ;;
  --log) [[ -n ${2-} ]] || die "--log wants a file"; log=$2; shift 2 ;;
  --append) (($# >= 2)) || die "--append wants kernel arguments"; append=$2; shift 2 ;;
  --kernel) [[ -n ${2-} ]] || die "--kernel wants a path"; kernel=$2; shift 2 ;;
  --kernel-series) [[ ${2-} =~ ^[0-9]+\.[0-9]+$ ]] || die "--kernel-series wants X.Y, got '${2-}'"; series=$2; shift 2 ;;
  --module) [[ ${2-} =~ ^[a-z0-9_-]+$ ]] || die "--module wants a module name, got '${2-}'"; modules+=("$2"); shift 2 ;;
  --device) [[ -n ${2-} ]] || die "--device wants a qemu device"; devices+=("$2"); shift 2 ;;
  --qmp-input) [[ ${2-} =~ ^[1-9][0-9]*$ ]] || die "--qmp-input wants events per second, got '${2-}'"; qmp_hz=$2; shift 2 ;;
  -h | --help) usage ;;
  -*) die "unknown option '$1' (see --help)" ;;
  *) break ;;
  esac
done
(($# == 1)) || usage
scenario=$1
[[ -f $scenario && -r $scenario ]] || die "cannot read scenario $scenario"
[[ -n $icount ]] && ((parallel)) && die "--icount and --parallel exclude each other (icount needs single-threaded TCG)"
((smp % tpc == 0)) || die "--smp $smp is not a multiple of --threads-per-core $tpc"
for a in "${adds[@]}"; do [[ -f $a && -r $a ]] || die "--add $a: no such readable file"; done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (scripts/install-deps.sh)"

if [[ -n $series ]]; then
  kernel=$("$here/fetch-kernel.sh" --series "$series") || die "cannot get a $series sched_ext kernel (tests/vm/fetch-kernel.sh)"
elif [[ -z $kernel ]]; then
  kernel=$("$here/fetch-kernel.sh") || die "cannot get the sched_ext kernel (tests/vm/fetch-kernel.sh)"
fi
[[ -r $kernel ]] || die "cannot read kernel $kernel"

cache=${GHOSTBREW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ghostbrew}/initramfs
mkdir -p "$cache"

# --- The initramfs: every (source, destination) pair, their libraries, a content hash. ----------
declare -A files=() # destination inside the guest -> source on the host
tool() {            # NAME DESTDIR: a host tool, found on PATH (sbin included)
  local src
  src=$(PATH=$PATH:/usr/sbin:/sbin command -v "$1") || die "$1 not found on the host (scripts/install-deps.sh)"
  files["$2/$1"]=$(readlink -f "$src")
}
command -v busybox >/dev/null || die "busybox not found on the host (scripts/install-deps.sh)"
files[bin/busybox]=$(readlink -f "$(command -v busybox)")
tool bpftool usr/sbin
for t in stress-ng cyclictest hackbench taskset chrt nice stdbuf; do tool "$t" usr/bin; done
[[ -r /usr/libexec/coreutils/libstdbuf.so ]] && files[usr/libexec/coreutils/libstdbuf.so]=/usr/libexec/coreutils/libstdbuf.so
files[init]=$here/guest-init.sh
files[guest-lib.sh]=$here/guest-lib.sh
for a in "${adds[@]}"; do
  name=$(basename "$a")
  if [[ -x $a && $name != *.o ]]; then dest=opt/ghostbrew/bin/$name; else dest=opt/ghostbrew/share/$name; fi
  [[ -z ${files[$dest]-} ]] || die "--add $a: $dest is already taken by ${files[$dest]}"
  files[$dest]=$(readlink -f "$a")
done
if ((${#modules[@]})); then
  release=$(basename "$kernel")
  release=${release#vmlinuz-}
  moddir=$("$here/fetch-modules.sh" "$release" "${modules[@]}") ||
    die "cannot get modules ${modules[*]} of $release (tests/vm/fetch-modules.sh)"
  for m in "${modules[@]}"; do files[lib/modules/$m.ko]=$moddir/$m.ko; done
fi

# Shared libraries (and the loader) of every dynamically linked file, at the paths ldd names.
for dest in "${!files[@]}"; do
  src=${files[$dest]}
  [[ $(head -c 4 "$src" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] || continue
  out=$(ldd "$src" 2>&1) || continue # static executables and objects: nothing to add
  if grep -q 'not found' <<<"$out"; then
    die "$src needs libraries that are missing on the host: $(grep 'not found' <<<"$out" | tr -s '\t ' ' ')"
  fi
  while read -r lib; do
    [[ -n $lib ]] && files[${lib#/}]=$(readlink -f "$lib")
  done < <(sed -nE 's/^\s*\S+ => (\/\S+) \(0x[0-9a-f]+\)$/\1/p; s/^\s*(\/\S+) \(0x[0-9a-f]+\)$/\1/p' <<<"$out")
done

mapfile -t dests < <(printf '%s\n' "${!files[@]}" | LC_ALL=C sort)
hash=$({
  echo "ghostbrew-initramfs v1"
  for d in "${dests[@]}"; do printf '%s %s\n' "$d" "$(sha256sum <"${files[$d]}" | cut -d' ' -f1)"; done
} | sha256sum | cut -c1-24)
base=$cache/$hash.cpio

build_base() {
  local stage
  stage=$(mktemp -d)
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,opt/ghostbrew/bin,opt/ghostbrew/share}
  for d in "${dests[@]}"; do
    mkdir -p "$stage/$(dirname "$d")"
    cp "${files[$d]}" "$stage/$d"
  done
  chmod 755 "$stage/init"
  for applet in $(busybox --list); do # busybox applets in /bin; real tools in /usr/bin win on PATH
    [[ -e $stage/bin/$applet ]] || ln -s busybox "$stage/bin/$applet"
  done
  mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
  mknod -m 666 "$stage/dev/null" c 1 3 2>/dev/null || true
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$base.tmp.$$"
  mv "$base.tmp.$$" "$base"
  rm -rf "$stage"
  # Keep the cache small (an image is ~60 MB): the 4 most recently used, and any used in the last
  # hour (another guest, started beside this one, may be about to read it).
  # Guests started together prune together: a file gone before this one reaches it is no failure.
  { ls -1t "$cache"/*.cpio 2>/dev/null | tail -n +5 | xargs -r -I{} find {} -mmin +60 -delete 2>/dev/null; } || true
}
if [[ -s $base ]]; then touch "$base"; else build_base; fi

# --- One run: scenario archive appended to the cached base, qemu, judgement. ----------------------
work=$(mktemp -d)
qpid=""
cleanup() {
  [[ -n $qpid ]] && kill "$qpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/s"
cp "$scenario" "$work/s/scenario.sh"
(cd "$work/s" && echo scenario.sh | cpio --quiet -o -H newc -R 0:0) >"$work/scenario.cpio"
cat "$base" "$work/scenario.cpio" >"$work/initrd"

if [[ -z $log ]]; then
  log=$(mktemp --tmpdir "ghostbrew-vm-$(basename "$scenario" .sh).XXXXXX.log")
fi
mkdir -p "$(dirname "$log")"
: >"$log"
datafile=${log%.log}.data

tcg_threads=single
((parallel)) && tcg_threads=multi
qemu=(qemu-system-x86_64 -accel "tcg,thread=$tcg_threads" -cpu max -m "$mem"
  -smp "$smp,sockets=1,cores=$((smp / tpc)),threads=$tpc"
  -kernel "$kernel" -initrd "$work/initrd"
  -append "console=ttyS0 quiet panic=-1 $append"
  -nodefaults -display none -monitor none -serial "file:$log" -no-reboot)
[[ -n $icount ]] && qemu+=(-icount "shift=$icount,sleep=off")
for d in "${devices[@]}"; do qemu+=(-device "$d"); done
[[ -n $qmp_hz ]] && qemu+=(-qmp "unix:$work/qmp.sock,server=on,wait=off")

printf '%s: %s on %s (%s vCPUs, %s threads/core, %s MB%s, timeout %ss)\n' "$prog" \
  "$(basename "$scenario")" "$(basename "$kernel")" "$smp" "$tpc" "$mem" \
  "${icount:+, icount shift $icount}$( ((parallel)) && echo ', multi-threaded TCG')" "$timeout_s"
start=$(date +%s.%N)
timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null >"$work/qemu.out" 2>&1 &
qpid=$!
if [[ ${GHOSTBREW_VM_VERBOSE:-0} == 1 ]]; then
  tail -n +1 -f --pid="$qpid" "$log" &
fi
if [[ -n $qmp_hz ]]; then
  python3 "$here/qmp-input.py" "$work/qmp.sock" "$qmp_hz" "$log" >"$work/qmp-input.out" 2>&1 &
fi
set +e
wait "$qpid"
qstatus=$?
set -e
qpid=""
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

text=$(tr -d '\r' <"$log")
grep -aoE 'GHOSTBREW-DATA .*' <<<"$text" | sed 's/^GHOSTBREW-DATA //' >"$datafile" || true
passes=$(grep -acE 'GHOSTBREW-PASS ' <<<"$text" || true)
fails=$(grep -acE 'GHOSTBREW-FAIL ' <<<"$text" || true)
end=$(grep -aoE 'GHOSTBREW-END status=[0-9]+' <<<"$text" | tail -n1 | cut -d= -f2 || true)

reasons=()
((qstatus == 124 || qstatus == 137)) && reasons+=("timeout: the guest did not finish within ${timeout_s}s")
if ((qstatus != 0 && qstatus != 124 && qstatus != 137)); then
  reasons+=("qemu exited with status $qstatus: $(tail -n 3 "$work/qemu.out" | tr '\n' ' ')")
fi
grep -aq 'Kernel panic' <<<"$text" && reasons+=("kernel panic: $(grep -a -m1 'Kernel panic' <<<"$text")")
grep -aqE '(Oops|BUG):' <<<"$text" && reasons+=("kernel oops/BUG: $(grep -a -m1 -E '(Oops|BUG):' <<<"$text")")
eject=$(grep -aE 'sched_ext: .*disabled \(|runnable task stall' <<<"$text" |
  grep -avE 'disabled \((unregistered from (user space|the main kernel|BPF)|disabled by sysrq-S)\)' | head -n1 || true)
[[ -n $eject ]] && reasons+=("sched_ext ejected the scheduler: $eject")
((fails > 0)) && reasons+=("$fails check(s) failed")
((passes == 0)) && reasons+=("no GHOSTBREW-PASS line: the scenario proved nothing")
if [[ -z $end ]]; then
  reasons+=("the guest never reached its end marker (GHOSTBREW-END)")
elif ((end != 0)); then
  reasons+=("the scenario exited with status $end")
fi

echo "$prog: results of $(basename "$scenario") (serial log $log, data $datafile, ${elapsed}s)"
[[ -n $qmp_hz ]] && wait && sed 's/^/  /' "$work/qmp-input.out"
grep -aoE 'GHOSTBREW-(PASS|FAIL|DATA) .*' <<<"$text" | sed 's/^/  /' || true
if ((${#reasons[@]} == 0)); then
  echo "$prog: PASS ($passes passed)"
  exit 0
fi
echo "$prog: FAIL"
printf '  - %s\n' "${reasons[@]}"
echo "$prog: last 60 lines of $log:"
tail -n 60 <<<"$text" | sed 's/^/  | /'
exit 1
