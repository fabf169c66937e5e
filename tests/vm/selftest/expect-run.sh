#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# Checks run-guest.sh itself: runs it and asserts how the run ended.
# Usage: expect-run.sh --log LOG (--fails-with REGEX... | --passes) [--data LINE]... -- RUN-GUEST-ARGS...
#   --fails-with REGEX  run-guest must exit 1 and its report must match REGEX (grep -E); repeatable
#   --passes            run-guest must exit 0
#   --data LINE         the run's .data file (LOG with .log -> .data) must contain LINE exactly
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log="" want="" regexes=() lines=()
while (($#)); do
  case $1 in
  --log) log=$2; shift 2 ;;
  --fails-with) want=fail; regexes+=("$2"); shift 2 ;;
  --passes) want=pass; shift ;;
  --data) lines+=("$2"); shift 2 ;;
  --) shift; break ;;
  *) echo "expect-run: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n $log && -n $want ]] || { echo "expect-run: needs --log and --fails-with/--passes" >&2; exit 2; }
set +e
out=$("$here/run-guest.sh" --log "$log" "$@" 2>&1)
status=$?
set -e
printf '%s\n' "$out"
verdict() { printf 'expect-run: %s\n' "$*"; }
if [[ $want == fail ]]; then
  ((status == 1)) || { verdict "WRONG: run-guest exited $status, want 1 (a judged failure)"; exit 1; }
  for regex in "${regexes[@]}"; do
    grep -qE -- "$regex" <<<"$out" || { verdict "WRONG: the report does not say /$regex/"; exit 1; }
  done
else
  ((status == 0)) || { verdict "WRONG: run-guest exited $status, want 0"; exit 1; }
fi
for line in "${lines[@]}"; do
  grep -qxF -- "$line" "${log%.log}.data" || { verdict "WRONG: ${log%.log}.data lacks '$line'"; exit 1; }
done
verdict "ok: run-guest ${want}ed as expected"
