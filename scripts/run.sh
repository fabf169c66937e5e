#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# The main job: install dependencies (idempotent), build, boot the sched_ext guest kernel and run a
# game-like workload under background load with the kernel's default scheduler (EEVDF), with EEVDF
# and the game at SCHED_FIFO (what priority alone buys) and with ghostbrew, printing ghost-sched's
# own stats lines, the comparison table, the plot's path and a last `ratios:` line (one round,
# icount guest: about 7 minutes after the build). Extra arguments go to bench/vm/ab.sh (e.g.
# --scheds "eevdf refsched ghostbrew", --repeat 3, --parallel).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
./scripts/install-deps.sh >&2
cmake --preset release >/dev/null # CMakePresets.json: the tree scripts/test.sh tests too
cmake --build --preset release -j "$(nproc)" >&2
exec ./bench/vm/ab.sh --build build/release --out build/ab --scheds "eevdf eevdf-fifo ghostbrew" "$@"
