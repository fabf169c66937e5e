# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# The options both scheduler A/Bs take (bench/vm/ab.sh in the guest, bench/host-ab.sh on this
# machine), their defaults and checks, in one place. Sourced; the caller defines die() first.
# Sets: build out scheds repeat frame_s cyclic_s background candidate trace_ms.
build=$root/build/release scheds="eevdf eevdf-fifo refsched ghostbrew" repeat=1 frame_s=10 cyclic_s=10
background="hogs storm" candidate="" trace_ms=0

positive() { [[ ${2-} =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive integer, got '${2-}'"; }

# ab_option ARGS...: takes $1 when it is a shared option (and its value, $2); AB_SHIFT is then the
# number of words taken. Returns 1 for any other word.
ab_option() {
  AB_SHIFT=2
  case $1 in
  --build) [[ -n ${2-} ]] || die "--build wants a directory"; build=$2 ;;
  --out) [[ -n ${2-} ]] || die "--out wants a directory"; out=$2 ;;
  --scheds) [[ -n ${2-} ]] || die "--scheds wants a list of schedulers"; scheds=$2 ;;
  --repeat) positive "$1" "${2-}"; repeat=$2 ;;
  --frame-s) positive "$1" "${2-}"; frame_s=$2 ;;
  --cyclic-s) positive "$1" "${2-}"; cyclic_s=$2 ;;
  --background) (($# >= 2)) || die "--background wants a list (hogs, storm) or \"\""; background=$2 ;;
  # Another ghost-sched binary (another commit's build, a patch under test), run as the scheduler
  # `candidate` beside ghostbrew in the same rounds: two builds compared in one run.
  --candidate) [[ -f ${2-} && -x ${2-} ]] || die "--candidate wants a ghost-sched binary, got '${2-}'"
    candidate=$(realpath "$2") ;;
  # Every frame of the game run slower than N ms, with where its time went (framesim --trace), as
  # GHOSTBREW-TRACE lines: what a slow frame waited for.
  --trace-ms) positive "$1" "${2-}"; trace_ms=$2 ;;
  *) return 1 ;;
  esac
}

# ab_check_scheds: every scheduler named is one the A/B knows, and EEVDF (every ratio's baseline) is one.
ab_check_scheds() {
  local s
  if [[ -n $candidate && " $scheds " != *" candidate "* ]]; then scheds="$scheds candidate"; fi
  for s in $scheds; do
    case $s in eevdf | eevdf-nice | eevdf-fifo | refsched | ghostbrew) ;;
    candidate) [[ -n $candidate ]] || die "scheduler 'candidate' needs --candidate BINARY" ;;
    *) die "unknown scheduler '$s'" ;;
    esac
  done
  [[ " $scheds " == *" eevdf "* ]] || die "--scheds must include eevdf (the baseline of every ratio)"
}
