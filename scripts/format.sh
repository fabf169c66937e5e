#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# clang-format over the project's own C/C++ sources (vmlinux.h is generated and left alone).
# --check: report files that differ and fail; otherwise rewrite them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
  '*.hpp' '*.cpp' '*.h' '*.c' | grep -v '^bpf/include/vmlinux.h$' || true)
(( ${#files[@]} )) || exit 0
if [[ ${1:-} == --check ]]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "clang-format: ${#files[@]} files clean"
else
  clang-format -i "${files[@]}"
fi
