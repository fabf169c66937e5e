#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# gen-bash-completion.sh BINARY NAME OUT: writes to OUT a bash completion for tool NAME, generated from BINARY's
# --help (CLI11 has none built in): its long options and subcommands, and each subcommand's options.
# Words that are not options fall back to file names (complete -o default).
set -euo pipefail
bin=$1 name=$2
exec >"$3"
options() { "$@" --help | sed -n 's/^  \(-[A-Za-z0-9],\)\{0,1\}\(--[A-Za-z0-9][-A-Za-z0-9]*\).*/\2/p' | sort -u | paste -sd ' '; }
subcommands() { "$bin" --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z][-a-z0-9]*\) .*/\1/p' | paste -sd ' '; }
func=_$(tr -c 'A-Za-z0-9\n' _ <<<"$name")
subs=$(subcommands)
echo "# bash completion for $name, generated from its --help by cmake/gen-bash-completion.sh"
echo "$func() {"
echo '  local cur=${COMP_WORDS[COMP_CWORD]} sub= i words'
if [[ -n $subs ]]; then
  echo '  for ((i = 1; i < COMP_CWORD; i++)); do'
  echo "    case \${COMP_WORDS[i]} in ${subs// /|}) sub=\${COMP_WORDS[i]} ;; esac"
  echo '  done'
fi
echo '  case $sub in'
for s in $subs; do
  echo "    $s) words=\"$(options "$bin" "$s")\" ;;"
done
echo "    *) words=\"$(options "$bin")${subs:+ $subs}\" ;;"
echo '  esac'
echo '  COMPREPLY=($(compgen -W "$words" -- "$cur"))'
echo '}'
echo "complete -o default -F $func $name"
