#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# check-spdx.sh [FILE...]: every tracked source file (C, C++, BPF, CMake, shell, Python, scripts
# without an extension that start with #!, and everything under dist/ and debian/ but the three files
# whose formats have no comments (debian/changelog, debian/source/format, and debian/copyright, which
# states every file's license itself); default: all of them in git)
# names its license in an SPDX-License-Identifier line within its first 5 lines, one
# of the licenses LICENSE lists; BPF programs (*.bpf.c) are GPL-2.0-only, like the "GPL" string in
# their license section. One line per offending file; exit status 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."
if (($# == 0)); then
  mapfile -t files < <(git ls-files -- '*.c' '*.h' '*.cpp' '*.hpp' '*.def' '*.cmake' '*CMakeLists.txt' \
    '*.sh' '*.py' '*.in' 'dist/*' 'debian/*' \
    ':!debian/changelog' ':!debian/copyright' ':!debian/source/format')
  while IFS= read -r f; do
    [[ $(head -c 2 -- "$f") != "#!" ]] || files+=("$f")
  done < <(git ls-files | grep -v -e '\.[^/]*$' -e '^dist/' -e '^debian/')
else
  files=("$@")
fi
bad=0
for f in "${files[@]}"; do
  id=$(head -n 5 -- "$f" | sed -n 's/.*SPDX-License-Identifier: \(.*[^ */]\)[ */]*$/\1/p' | head -n 1)
  case $id in
    "GPL-2.0-only OR BSD-3-Clause" | "GPL-2.0-only") ;;
    "") echo "$f: no SPDX-License-Identifier line in its first 5 lines" >&2; bad=1; continue ;;
    *) echo "$f: SPDX-License-Identifier '$id' is not one LICENSE lists" >&2; bad=1; continue ;;
  esac
  if [[ $f == *.bpf.c && $id != GPL-2.0-only ]]; then
    echo "$f: a BPF program is GPL-2.0-only, not '$id'" >&2
    bad=1
  fi
done
((bad == 0)) && echo "check-spdx: ${#files[@]} files, each with an SPDX-License-Identifier"
exit $bad
