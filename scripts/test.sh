#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Runs every test ghostbrew has, after installing what they need (idempotent). As root on Debian 12:
#   sudo ./scripts/test.sh
# Stages: format check, release build (warnings are errors), packager builds, clang-tidy, unit +
# host-BPF tests, the same unit tests under ASan+UBSan, the install tree and its consumers (every
# component, the example scheduler, the Conan recipe check), the API reference, and the sched_ext VM
# proving ground.
# Skip stages with GHOSTBREW_SKIP="asan vm ..." (for local iteration; CI runs them all).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=$(nproc)
skip=" ${GHOSTBREW_SKIP:-} "
started=$SECONDS
# Each stage's header says how long the run has taken so far (CI's budget is an hour).
stage() { printf '\n=== %s (at %d min %02d s) ===\n' "$*" $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)); }
wants() { [[ $skip != *" $1 "* ]]; }

stage "dependencies"
./scripts/install-deps.sh

if wants format; then
  stage "clang-format"
  ./scripts/format.sh --check
  ./scripts/check-spdx.sh   # every source file names its license (LICENSE)
fi

stage "release build (warnings are errors)"
# The builds and test selections are CMakePresets.json's, so a developer runs any stage by name
# (cmake --preset release; ctest --preset asan; ...). scripts/run.sh configures the same preset, so
# CI builds the release tree once.
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

if wants packager; then
  # What a packager runs: a plain Release (-O3) build, where GCC reports warnings -O2 does not (a
  # false -Wrestrict once broke it); warnings are errors here to catch them. Only the test that broke
  # and the tools it runs (a full Release build costs ~10 min on 2 cores; ghost-sched's TU, the
  # heaviest, is left to the -O2 build). Then the no-BPF build with libbpf out of pkg-config's
  # reach: the headers, ghost-topo and ghost-probe still build and install (the tools only: the tests
  # already ran in the other builds, and a second Release build of them would cost ~10 min).
  stage "packager builds: Release (-O3); GHOSTBREW_BUILD_BPF=OFF without libbpf"
  cmake -S . -B build/packager -G Ninja -DCMAKE_BUILD_TYPE=Release -DGHOSTBREW_WERROR=ON \
    -DGHOSTBREW_BUILD_BENCH=OFF >/dev/null
  cmake --build build/packager -j "$jobs" --target ghost-topo ghost-probe topology_hwloc_conformance_test
  build/packager/tests/topology/topology_hwloc_conformance_test --gtest_brief=1
  rm -rf build/nobpf build/nobpf-prefix
  PKG_CONFIG_LIBDIR=/nonexistent cmake -S . -B build/nobpf -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DGHOSTBREW_BUILD_BPF=OFF -DGHOSTBREW_WERROR=ON -DGHOSTBREW_BUILD_TESTS=OFF \
    -DGHOSTBREW_BUILD_BENCH=OFF -DGHOSTBREW_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build build/nobpf -j "$jobs"
  cmake --install build/nobpf --prefix "$here/build/nobpf-prefix" >/dev/null
  for f in bin/ghost-topo bin/ghost-probe include/ghostbrew/topology/discover.hpp; do
    [[ -e build/nobpf-prefix/$f ]] || { echo "no-BPF install lacks $f" >&2; exit 1; }
  done
  build/nobpf-prefix/bin/ghost-topo --json >/dev/null
fi

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
  stage "consumer: cmake --install, the install tree, every component via find_package and pkg-config"
  rm -rf build/prefix build/consumer build/consumer-nobpf build/pc-nobpf
  cmake --install build/release --prefix "$here/build/prefix" >/dev/null
  ./scripts/check-install.sh build/prefix
  cmake -S tests/consumer -B build/consumer -G Ninja -DCMAKE_PREFIX_PATH="$here/build/prefix" >/dev/null
  cmake --build build/consumer -j "$jobs"
  ctest --test-dir build/consumer --output-on-failure
  # The components that need no BPF, with libbpf out of pkg-config's reach: neither looks for it.
  mkdir -p build/pc-nobpf
  for dir in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
    for pc in "$dir"/*.pc; do
      if [[ -e $pc && $(basename "$pc") != libbpf.pc ]]; then ln -sf "$pc" build/pc-nobpf/; fi
    done
  done
  PKG_CONFIG_LIBDIR="$here/build/pc-nobpf" cmake -S tests/consumer -B build/consumer-nobpf -G Ninja \
    -DCMAKE_PREFIX_PATH="$here/build/prefix" -DCONSUMER_COMPONENTS="core;topology;detect" >/dev/null
  cmake --build build/consumer-nobpf -j "$jobs"
  ctest --test-dir build/consumer-nobpf --output-on-failure
  # The example scheduler, built on the installed package alone (its guest scenario runs the in-tree
  # build of the same sources), and the Conan recipe against this install.
  cmake -S examples/llc-vtime -B build/llc-vtime -G Ninja -DCMAKE_PREFIX_PATH="$here/build/prefix" \
    -DCMAKE_CXX_FLAGS=-Werror >/dev/null
  cmake --build build/llc-vtime -j "$jobs"
  python3 tests/conan/check_recipe.py build/prefix
fi

if wants docs; then
  stage "API reference (Doxygen): undocumented public declarations reported, not fatal"
  cmake --build build/release --target docs
  warnings=build/release/docs/warnings.log
  echo "docs: build/release/docs/html/index.html; $(grep -c 'warning:' "$warnings" || true) Doxygen warnings" \
    "($(grep -c 'is not documented' "$warnings" || true) undocumented declarations), the first 20:"
  head -n 20 "$warnings"
fi

if wants vm; then
  stage "sched_ext proving ground (guest kernel under qemu)"
  # Two guests at a time where they cannot disturb each other (tests/vm/CMakeLists.txt's slots).
  ctest --preset vm -j 2
fi

stage "all stages passed"
