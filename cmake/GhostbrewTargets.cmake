# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# The header-only library as targets, so an embedder links only what it includes and needs only
# those dependencies (the installed package offers the same names as find_package components):
#   ghostbrew::core      core/ (errors, cpu sets, files, event loop, state files, text): fmt, tl-expected,
#                        zlib, nlohmann_json (core/text.hpp's never-throwing dump())
#   ghostbrew::topology  topology/ + core: Microsoft.GSL, range-v3; no libbpf, no clang
#   ghostbrew::detect    detect/, procfs/, procdb/ + core: Microsoft.GSL; no libbpf, no clang
#   ghostbrew::bpf       bpf/ (typed libbpf objects, maps, links, ring buffers) + core: libbpf
#   ghostbrew::ghostbrew everything (sched/, tuning/, config/ too): all of the above, toml++,
#                        libsystemd (sched/log.hpp and sched/systemd.hpp: sd-daemon.h, sd_notify())
# bpf/abi.h is plain C over <linux/types.h>: detect/ and procdb/ use it without libbpf.
# <ghostbrew/version.hpp>, from project(VERSION): generated into the build tree, installed with the rest.
configure_file(${CMAKE_CURRENT_LIST_DIR}/version.hpp.in ${PROJECT_BINARY_DIR}/include/ghostbrew/version.hpp @ONLY)
# <ghostbrew/bpf/compat.bpf.h> in the build tree too, under the name it is installed as.
configure_file(${PROJECT_SOURCE_DIR}/bpf/compat.bpf.h ${PROJECT_BINARY_DIR}/include/ghostbrew/bpf/compat.bpf.h COPYONLY)

function(ghostbrew_component name export_name)
  add_library(${name} INTERFACE)
  add_library(ghostbrew::${export_name} ALIAS ${name})
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${export_name})
  target_compile_features(${name} INTERFACE cxx_std_20)
  target_include_directories(${name} INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  foreach(dep IN LISTS ARGN)
    if(dep MATCHES "^PkgConfig::(LIBBPF|LIBSYSTEMD)$" AND NOT GHOSTBREW_BUILD_BPF)
      # This build has no libbpf (nor libsystemd, which only ghost-sched uses): only the installed
      # package names them (ghostbrewConfig.cmake finds them for a consumer that asks for the
      # components that need them).
      target_link_libraries(${name} INTERFACE $<INSTALL_INTERFACE:${dep}>)
    else()
      target_link_libraries(${name} INTERFACE ${dep})
    endif()
  endforeach()
endfunction()

ghostbrew_component(ghostbrew_lib_core core fmt::fmt tl::expected ZLIB::ZLIB nlohmann_json::nlohmann_json)
ghostbrew_component(ghostbrew_lib_topology topology ghostbrew::core Microsoft.GSL::GSL range-v3::range-v3)
ghostbrew_component(ghostbrew_lib_detect detect ghostbrew::core Microsoft.GSL::GSL)
ghostbrew_component(ghostbrew_lib_bpf bpf ghostbrew::core PkgConfig::LIBBPF)
ghostbrew_component(ghostbrew ghostbrew ghostbrew::topology ghostbrew::detect ghostbrew::bpf
  tomlplusplus::tomlplusplus PkgConfig::LIBSYSTEMD)
set(GHOSTBREW_COMPONENT_TARGETS ghostbrew_lib_core ghostbrew_lib_topology ghostbrew_lib_detect ghostbrew_lib_bpf ghostbrew)
