#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Runs every test ghostbrew has, after installing what they need (idempotent). As root on Debian 12:
#   sudo ./scripts/test.sh
# Stages: format check, release build (-O3, warnings are errors), no-BPF build, clang-tidy, unit +
# host-BPF tests, the same unit tests under ASan+UBSan, the install tree and its consumers (every
# component, the example scheduler, the Conan recipe check), the Debian packages, the API reference,
# and the sched_ext VM
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

stage "release build (Release, warnings are errors)"
# The builds and test selections are CMakePresets.json's (tests/consumer/CMakePresets.json for the
# consumers), so a developer runs any stage by name (cmake --preset release; ctest --preset asan;
# cmake -S tests/consumer --preset consumer; ...). scripts/run.sh configures the same preset, so CI
# builds the release tree once. It is a packager's build type, Release (-O3, where GCC 12 reports
# warnings -O2 does not: a false -Wrestrict once broke the plain Release build), with -Werror on top.
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

if wants packager; then
  # The release build above is a packager's Release build, stricter. A packager's own build (default
  # generator, no -Werror, every tool and the man pages) is the deb stage's dpkg-buildpackage, so
  # it is not built twice here. Left: the no-BPF build with libbpf out of pkg-config's reach: the
  # headers, ghost-topo and ghost-probe still build and install (the tools only: the tests ran in the
  # other builds).
  stage "packager build: GHOSTBREW_BUILD_BPF=OFF without libbpf"
  rm -rf build/nobpf build/nobpf-prefix
  cmake --preset nobpf >/dev/null  # CMAKE_INSTALL_PREFIX: build/nobpf-prefix
  cmake --build --preset nobpf -j "$jobs"
  cmake --install build/nobpf >/dev/null
  for f in bin/ghost-topo bin/ghost-probe include/ghostbrew/topology/discover.hpp; do
    [[ -e build/nobpf-prefix/$f ]] || { echo "no-BPF install lacks $f" >&2; exit 1; }
  done
  # No ghost-sched in this build, so no unit that would start it.
  [[ ! -e build/nobpf-prefix/lib/systemd/system/ghostbrew.service ]] ||
    { echo "no-BPF install has ghostbrew.service, which starts the ghost-sched it lacks" >&2; exit 1; }
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
  # Each component's programs, and each of its installed headers compiled alone with its flags only
  # and checked to include only the packages it declares (tests/consumer/check_header_deps.py).
  cmake -S tests/consumer --preset consumer >/dev/null
  (cd tests/consumer && cmake --build --preset consumer -j "$jobs" && ctest --preset consumer -j "$jobs")
  # The components that need no BPF, with libbpf out of pkg-config's reach: neither looks for it.
  mkdir -p build/pc-nobpf
  for dir in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
    for pc in "$dir"/*.pc; do
      if [[ -e $pc && $(basename "$pc") != libbpf.pc ]]; then ln -sf "$pc" build/pc-nobpf/; fi
    done
  done
  cmake -S tests/consumer --preset consumer-nobpf >/dev/null  # PKG_CONFIG_LIBDIR=build/pc-nobpf
  (cd tests/consumer && cmake --build --preset consumer-nobpf -j "$jobs" &&
    ctest --preset consumer-nobpf -j "$jobs")
  # The example scheduler, built on the installed package alone (the vm stage's guest runs this
  # build), and the Conan recipe against this install.
  cmake -S examples/llc-vtime -B build/llc-vtime -G Ninja -DCMAKE_PREFIX_PATH="$here/build/prefix" \
    -DCMAKE_CXX_FLAGS=-Werror >/dev/null
  cmake --build build/llc-vtime -j "$jobs"
  python3 tests/conan/check_recipe.py build/prefix
fi

if wants deb; then
  # debian/: dpkg-buildpackage, lintian, then the packages installed, used, reinstalled, removed and
  # purged (scripts/check-deb.sh purges them on failure too, so nothing of them reaches later stages).
  stage "Debian packages: build, lintian, install, use, purge"
  ./scripts/build-deb.sh
  ./scripts/check-deb.sh build/deb
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
  # The example scheduler's guest runs the build against the installed package (consumer stage).
  llc_vtime=""
  if wants consumer; then llc_vtime=$here/build/llc-vtime/gb-llc-vtime; fi
  cmake --preset release -DGHOSTBREW_VM_LLC_VTIME="$llc_vtime" >/dev/null
  # Two guests at a time where they cannot disturb each other (tests/vm/CMakeLists.txt's slots).
  ctest --preset vm -j 2
fi

stage "all stages passed"
