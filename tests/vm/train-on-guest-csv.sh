#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# train-on-guest-csv.sh LOG TRAIN_PY OUTDIR: extract the CSV vm.collect exported in the guest (its
# GHOSTBREW-CSV lines in the serial LOG) and run the offline trainer on it; pass when it fits a model
# and prints a best configuration as a ghost-sched command line.
set -euo pipefail
log=$1 train=$2 out=$3
mkdir -p "$out"
csv=$out/guest-samples.csv
grep -a '^GHOSTBREW-CSV ' "$log" | sed 's/^GHOSTBREW-CSV //' | tr -d '\r' >"$csv"
rows=$(($(wc -l <"$csv") - 1))
((rows >= 5)) || { echo "train-on-guest-csv: only $rows samples in $log" >&2; exit 1; }
echo "train-on-guest-csv: $rows samples from the guest"
/usr/bin/python3 "$train" "$csv" --out "$out" | tee "$out/train.out"
grep -q '^ghost-sched ' "$out/train.out" || { echo "train-on-guest-csv: no command line printed" >&2; exit 1; }
[[ -s $out/importances.csv ]] || { echo "train-on-guest-csv: no importances.csv" >&2; exit 1; }
