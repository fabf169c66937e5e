#!/usr/bin/env bash
# Runs every test ghostbrew has, after installing what they need (idempotent). As root on Debian 12:
#   sudo ./scripts/test.sh
# Stages: format check, release build (warnings are errors), clang-tidy, unit + host-BPF tests, the same unit
# tests under ASan+UBSan, the install/find_package consumer, and the sched_ext VM proving ground.
# Skip stages with GHOSTBREW_SKIP="asan vm ..." (for local iteration; CI runs them all).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=$(nproc)
skip=" ${GHOSTBREW_SKIP:-} "
stage() { printf '\n=== %s ===\n' "$*"; }
wants() { [[ $skip != *" $1 "* ]]; }

stage "dependencies"
./scripts/install-deps.sh

if wants format; then
  stage "clang-format"
  ./scripts/format.sh --check
fi

stage "release build (warnings are errors)"
# The builds and test selections are CMakePresets.json's, so a developer runs any stage by name
# (cmake --preset release; ctest --preset asan; ...). scripts/run.sh configures the same preset, so
# CI builds the release tree once.
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

if wants tidy; then
  # apps/*/main.cpp include nearly every public header; .clang-tidy's HeaderFilterRegex checks those
  # too. Three TUs in parallel: a few minutes at most on 2 cores.
  stage "clang-tidy (apps/*/main.cpp and the headers they include)"
  printf '%s\n' apps/*/main.cpp | xargs -P "$jobs" -n 1 clang-tidy -p build/release --quiet
fi

stage "unit, host-BPF and fuzz tests (each parser of outside input fuzzed for 10-20 s)"
ctest --preset release -j "$jobs"

if wants asan; then
  stage "unit tests under ASan+UBSan"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan -j "$jobs"
fi

if wants consumer; then
  stage "consumer: cmake --install, then find_package(ghostbrew) and pkg-config from outside"
  rm -rf build/prefix build/consumer
  cmake --install build/release --prefix "$here/build/prefix" >/dev/null
  cmake -S tests/consumer -B build/consumer -G Ninja -DCMAKE_PREFIX_PATH="$here/build/prefix" >/dev/null
  cmake --build build/consumer -j "$jobs"
  ctest --test-dir build/consumer --output-on-failure
fi

if wants vm; then
  stage "sched_ext proving ground (guest kernel under qemu)"
  # Two guests at a time where they cannot disturb each other (tests/vm/CMakeLists.txt's slots).
  ctest --preset vm -j 2
fi

stage "all stages passed"
