#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# ctl-seeds.sh CORPUS: request lines a control client sends (and a few it should not) as the seed
# corpus of ctl_request_fuzz.
set -euo pipefail
mkdir -p "$1"
i=0
while IFS= read -r line; do
  printf '%s' "$line" >"$1/seed-$i"
  i=$((i + 1))
done <<'LINES'
{"req":"stats","args":{"target":"top"}}
{"req":"stats_meta"}
{"req":"status"}
{"req":"mode","args":{"mode":"work"}}
{"req":"reload","args":null}
{"req":"stats","args":{"target":7}}
[[[[{"req":"x"}]]]]
{"req":"\u00e9\ud83d\ude00"}
LINES
