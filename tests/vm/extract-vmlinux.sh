#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Extracts the uncompressed kernel ELF (with its BTF) from a bzImage whose payload is zstd.
# Usage: extract-vmlinux.sh VMLINUZ OUT
set -euo pipefail
in=$1 out=$2
[[ -r $in ]] || { echo "extract-vmlinux: cannot read $in" >&2; exit 2; }
off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$in" | head -n1 | cut -d: -f1 || true)
[[ -n $off ]] || { echo "extract-vmlinux: no zstd payload in $in" >&2; exit 2; }
tail -c +"$((off + 1))" "$in" | zstd -dcq 2>/dev/null > "$out.tmp" || true
file_magic=$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n')
[[ $file_magic == 7f454c46 ]] || { echo "extract-vmlinux: payload of $in is not an ELF" >&2; rm -f "$out.tmp"; exit 2; }
mv "$out.tmp" "$out"
