#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# check-man-page.sh PAGE TOOL CONFIG_TOML GROFF SECTION...: the generated man page PAGE of the built
# TOOL has every SECTION, renders without a groff warning (GROFF empty: not checked), and holds the
# reference its generated sections promise, taken from their homes, not from a list here: every
# subcommand TOOL --help names (COMMANDS), every key CONFIG_TOML shows (CONFIGURATION) and every field
# TOOL --help-stats describes (STATISTICS).
set -euo pipefail
page=$1 tool=$2 config=$3 groff=$4
shift 4
fail() { echo "check-man-page: $page: $*" >&2; exit 1; }
[[ -s $page ]] || fail "missing or empty (build the ${tool##*/}_docs target)"

# The roff of one section, hyphens unescaped: from its .SH line to the next.
section() {
  awk -v name="$1" '/^\.SH / { s = $0; sub(/^\.SH "?/, "", s); sub(/"$/, "", s); on = (s == name); next } on' \
    "$page" | sed 's/\\-/-/g'
}
for s in "$@"; do
  body=$(section "$s")
  [[ -n $body ]] || fail "no section $s"
  case $s in
    COMMANDS)
      subs=$("$tool" --help | awk '/^Subcommands:$/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
      [[ -n $subs ]] || fail "$tool --help lists no subcommands"
      for c in $subs; do
        grep -q "^\.SS \"${tool##*/} $c " <<<"$body" || fail "COMMANDS does not describe '$c'"
      done ;;
    CONFIGURATION)
      keys=$(sed -n 's/^#\{0,1\}\([a-z_]*\) = .*/\1/p' "$config")
      [[ -n $keys ]] || fail "$config shows no key"
      for k in $keys; do grep -q "^\\\\fB$k\\\\fR = " <<<"$body" || fail "CONFIGURATION does not describe '$k'"; done ;;
    STATISTICS)
      fields=$("$tool" --help-stats | sed -n 's/^  \([a-z_]*\) .*/\1/p')
      [[ -n $fields ]] || fail "$tool --help-stats describes no field"
      for f in $fields; do grep -q "^\\\\fB$f\\\\fR (" <<<"$body" || fail "STATISTICS does not describe '$f'"; done ;;
  esac
done

if [[ -n $groff ]]; then
  warnings=$("$groff" -man -Tutf8 -ww -z "$page" 2>&1)
  [[ -z $warnings ]] || fail "groff warns: $warnings"
fi
echo "check-man-page: $page: sections $*; the reference is complete"
