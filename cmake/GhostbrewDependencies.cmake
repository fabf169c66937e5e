# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Every third-party dependency, with its minimum version, found in one place.
# All come from Debian packages: scripts/install-deps.sh installs them (libbpf and bpftool from
# bookworm-backports). Nothing is downloaded at build time.
include(GNUInstallDirs)
find_package(PkgConfig REQUIRED)

find_package(fmt 9.1 REQUIRED CONFIG)
find_package(Microsoft.GSL 4.0 REQUIRED CONFIG)
# range-v3's version file accepts only its exact version: ask for none, check the minimum.
find_package(range-v3 REQUIRED CONFIG)
if(range-v3_VERSION VERSION_LESS 0.12)
  message(FATAL_ERROR "ghostbrew needs range-v3 >= 0.12, found ${range-v3_VERSION}")
endif()
find_package(tl-expected 1.0 REQUIRED CONFIG)
find_package(nlohmann_json 3.11 REQUIRED CONFIG)
find_package(ZLIB 1.2 REQUIRED)  # CRC-32 of the state files (core/state_file.hpp)
find_package(tomlplusplus 3.3 REQUIRED CONFIG)  # the configuration file (config/config.hpp)

if(GHOSTBREW_BUILD_APPS)
  find_package(CLI11 2.1 REQUIRED CONFIG)
endif()
if(GHOSTBREW_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED)
endif()
if(GHOSTBREW_BUILD_BENCH)
  find_package(benchmark 1.7 REQUIRED CONFIG)
endif()

# libbpf and the BPF toolchain (clang 19 targets BPF; bpftool only regenerates vmlinux.h) only for
# what loads BPF: GHOSTBREW_BUILD_BPF=OFF builds the rest without them.
if(GHOSTBREW_BUILD_BPF)
  pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf>=1.4)
  # sd-daemon.h and sd-bus.h for ghostbrew::ghostbrew's sched/ (the daemon's journal prefixes,
  # sd_notify() as a Type=notify service, GameMode and power profiles over D-Bus). ghost-sched, which
  # needs BPF, uses sched/, and ghost-probe asks GameMode through it when it is found: a no-BPF build
  # needs neither (ghost-probe is built there without the GameMode rule).
  pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd>=247)
  find_program(GHOSTBREW_BPF_CLANG NAMES clang-19 clang REQUIRED)
else()
  message(STATUS "ghostbrew: GHOSTBREW_BUILD_BPF=OFF: headers, ghost-topo and ghost-probe only "
                 "(no ghost-sched, tests or benchmarks)")
endif()
