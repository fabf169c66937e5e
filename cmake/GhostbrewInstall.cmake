# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# The install tree: the tools (apps/), the headers, the BPF-side headers and the BPF build function
# for embedders, the CMake package (find_package(ghostbrew CONFIG COMPONENTS ...)), one pkg-config
# file per component, the license texts, and dist/'s service unit (with ghost-sched only) and the
# examples of the config file and of /etc/default/scx, when present.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/ghostbrew DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} PATTERN "*.md" EXCLUDE)
install(FILES ${PROJECT_BINARY_DIR}/include/ghostbrew/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ghostbrew)
# What a BPF program built with ghostbrew_add_bpf_object() includes: <ghostbrew/bpf/abi.h> (above),
# <ghostbrew/bpf/compat.bpf.h> (the sched_ext kfunc compatibility layer) and the vmlinux.h it uses.
install(FILES bpf/compat.bpf.h bpf/include/vmlinux.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ghostbrew/bpf)

set(cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/ghostbrew)
install(TARGETS ${GHOSTBREW_COMPONENT_TARGETS} EXPORT ghostbrewTargets)
install(EXPORT ghostbrewTargets NAMESPACE ghostbrew:: DESTINATION ${cmake_dir})
configure_package_config_file(cmake/ghostbrewConfig.cmake.in ${PROJECT_BINARY_DIR}/ghostbrewConfig.cmake
  INSTALL_DESTINATION ${cmake_dir} PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ghostbrewConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/ghostbrewConfig.cmake ${PROJECT_BINARY_DIR}/ghostbrewConfigVersion.cmake
              cmake/GhostbrewBpf.cmake
        DESTINATION ${cmake_dir})

# pkg-config, per component like the CMake targets. Microsoft.GSL, tl-expected and range-v3 ship no
# .pc file (header-only, found in the default include path): they cannot be listed in Requires.
function(ghostbrew_pkgconfig name description requires)
  set(cflags "")
  if(name STREQUAL "ghostbrew-core")
    set(cflags "Cflags: -I\${includedir} -std=c++20\n")
  endif()
  file(WRITE ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc
"prefix=\${pcfiledir}/../..
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}

Name: ${name}
Description: ${description}
Version: ${PROJECT_VERSION}
Requires: ${requires}
${cflags}")
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
endfunction()
set(v ${PROJECT_VERSION})
ghostbrew_pkgconfig(ghostbrew-core "ghostbrew core: errors, cpu sets, files, state files (header-only)"
  "fmt >= 9.1, zlib >= 1.2, nlohmann_json >= 3.11")
ghostbrew_pkgconfig(ghostbrew-topology "ghostbrew CPU topology discovery (header-only, no libbpf)"
  "ghostbrew-core = ${v}, nlohmann_json >= 3.11")
ghostbrew_pkgconfig(ghostbrew-detect "ghostbrew workload detection, /proc, process database (header-only)"
  "ghostbrew-core = ${v}, nlohmann_json >= 3.11")
ghostbrew_pkgconfig(ghostbrew-bpf "ghostbrew typed libbpf layer: objects, maps, links, ring buffers"
  "ghostbrew-core = ${v}, libbpf >= 1.4")
ghostbrew_pkgconfig(ghostbrew "${PROJECT_DESCRIPTION} (header-only)"
  "ghostbrew-topology = ${v}, ghostbrew-detect = ${v}, ghostbrew-bpf = ${v}, tomlplusplus >= 3.3, libsystemd >= 247")

set(doc_dir ${CMAKE_INSTALL_DATADIR}/doc/ghostbrew)
install(FILES LICENSE LICENSES/GPL-2.0-only.txt LICENSES/BSD-3-Clause.txt DESTINATION ${doc_dir})
# The service issue's files, installed once they exist: the unit where systemd looks for packaged
# units (under the prefix) when this build has ghost-sched to start, the config as an example for
# /etc/ghostbrew/ and the scx.service alternative as one for /etc/default/scx.
# ghostbrew.service gets its ExecStart pointed at the installed ghost-sched (systemd reads
# /usr/lib/systemd/system and /usr/local/lib/systemd/system: <prefix>/lib/systemd/system).
# GHOSTBREW_SYSTEMD_UNITDIR moves it: Debian 12's packages ship units in /lib/systemd/system, the one
# directory its debhelper handles (debian/rules sets it).
set(GHOSTBREW_SYSTEMD_UNITDIR lib/systemd/system CACHE STRING
    "Where ghostbrew.service is installed (relative: under the prefix)")
if(EXISTS ${PROJECT_SOURCE_DIR}/dist/systemd/ghostbrew.service AND GHOSTBREW_BUILD_BPF AND GHOSTBREW_BUILD_APPS)
  set(unit_src ${PROJECT_SOURCE_DIR}/dist/systemd/ghostbrew.service)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${unit_src})
  file(READ ${unit_src} unit_text)
  string(REPLACE "ExecStart=/usr/local/sbin/ghost-sched" "ExecStart=${CMAKE_INSTALL_FULL_SBINDIR}/ghost-sched"
         unit_text "${unit_text}")
  file(WRITE ${PROJECT_BINARY_DIR}/dist/ghostbrew.service "${unit_text}")
  install(FILES ${PROJECT_BINARY_DIR}/dist/ghostbrew.service DESTINATION ${GHOSTBREW_SYSTEMD_UNITDIR})
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/dist/config.toml)
  install(FILES dist/config.toml DESTINATION ${doc_dir}/examples)
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/dist/scx/default-scx)
  install(FILES dist/scx/default-scx DESTINATION ${doc_dir}/examples)
endif()
