#!/usr/bin/env bash
# The main job: install dependencies (idempotent), build, and run ghost-topo on this machine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
./scripts/install-deps.sh >&2
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" >&2
exec build/release/apps/ghost-topo/ghost-topo "$@"
