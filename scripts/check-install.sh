#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# check-install.sh PREFIX: the install tree `cmake --install` made holds what users, packagers and
# embedders need, and it works: the three tools (each answering --version), their man pages (each
# naming the tool's own options) and bash completions (each completing an option), the license texts,
# the CMake package with the BPF build function, the BPF-side headers, version.hpp, the pkg-config
# files, and dist/'s service unit and examples (config.toml, default-scx) when the source tree has
# them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(cd "$1" && pwd)
fail() { echo "check-install: $prefix: $*" >&2; exit 1; }
need() { for f; do [[ -s $prefix/$f ]] || fail "missing $f"; done; }

# tool, where it is installed, its man section, one option its --help lists
while read -r tool dir section option; do
  need "$dir/$tool" "share/man/man$section/$tool.$section" "share/bash-completion/completions/$tool"
  "$prefix/$dir/$tool" --version | grep -q "^$tool [0-9.]* (git " || fail "$tool --version: no version line"
  sed 's/\\-/-/g' "$prefix/share/man/man$section/$tool.$section" | grep -q -- "$option" ||
    fail "man page $tool.$section does not list $option"
  words=$(bash -c 'source "$1"; COMP_WORDS=("$2" "${3:0:4}"); COMP_CWORD=1; "_${2//-/_}"; echo "${COMPREPLY[*]}"' \
    _ "$prefix/share/bash-completion/completions/$tool" "$tool" "$option")
  [[ " $words " == *" $option "* ]] || fail "completion of $tool ${option:0:4} gives '$words', not $option"
done <<'TOOLS'
ghost-topo bin 1 --json
ghost-probe bin 1 --procdb
ghost-sched sbin 8 --slice-us
TOOLS

need share/doc/ghostbrew/LICENSE share/doc/ghostbrew/GPL-2.0-only.txt share/doc/ghostbrew/BSD-3-Clause.txt
need lib/cmake/ghostbrew/ghostbrewConfig.cmake lib/cmake/ghostbrew/GhostbrewBpf.cmake
need include/ghostbrew/version.hpp include/ghostbrew/bpf/abi.h include/ghostbrew/bpf/compat.bpf.h \
  include/ghostbrew/bpf/vmlinux.h
for pc in ghostbrew ghostbrew-core ghostbrew-topology ghostbrew-detect ghostbrew-bpf; do
  need "share/pkgconfig/$pc.pc"
done
[[ ! -e $here/dist/systemd/ghostbrew.service ]] || need lib/systemd/system/ghostbrew.service
[[ ! -e $here/dist/config.toml ]] || need share/doc/ghostbrew/examples/config.toml
[[ ! -e $here/dist/scx/default-scx ]] || need share/doc/ghostbrew/examples/default-scx
echo "check-install: $prefix: tools, man pages, completions, licenses and embedder files present"
