#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
"""Turns the serial log of a bench/vm A/B run (or bench/host-ab.sh's log) into a comparison table, a
machine-readable ratios line (the last line printed) and a plot of frame-time and wake-latency
distributions.

A log with several rounds (`GHOSTBREW-ROUND n` lines, from --repeat) gets, per metric and
scheduler, the median over the rounds with its range (min-max); the ghostbrew/eevdf column and the
`ratios:` line are ratios of those medians. A single round prints plain values, as before.

Usage: report.py LOG [--plot OUT.png] [--json OUT.json] [--markdown] [--mode TEXT]
"""
import argparse
import json
import re
import statistics
import sys

# eevdf-nice / eevdf-fifo: EEVDF with the game and cyclictest at nice -20 / SCHED_FIFO, the bounds of
# what priority alone buys in the emulator (see guest-ab.sh).
# candidate: another ghost-sched build run in the same rounds (ab.sh --candidate).
SCHEDS = ["eevdf", "eevdf-nice", "eevdf-fifo", "refsched", "ghostbrew", "candidate"]
# The ghost-sched builds, each with its own ratio column (X/eevdf).
DAEMONS = ["ghostbrew", "candidate"]
# metric key -> (label, lower is better)
METRICS = [
    ("frame_p50_us", "frame time p50 (us)"),
    ("frame_p99_us", "frame time p99 (us)"),
    ("frame_p999_us", "frame time p99.9 (us)"),
    ("low1_fps", "1% low fps (higher is better)"),
    ("miss_pct", "deadline misses (%)"),
    ("wake_p50_us", "game wake-up p50 (us)"),
    ("wake_p99_us", "game wake-up p99 (us)"),
    ("input_wake_p50_us", "input thread wake p50 (us)"),
    ("input_wake_p99_us", "input thread wake p99 (us)"),
    ("audio_wake_p50_us", "audio thread wake p50 (us)"),
    ("audio_wake_p99_us", "audio thread wake p99 (us)"),
    ("cyclictest_p50_us", "cyclictest p50 (us)"),
    ("cyclictest_p99_us", "cyclictest p99 (us)"),
    ("cyclictest_max_us", "cyclictest max (us)"),
    ("hackbench_ms", "hackbench time (ms)"),
    ("batch_ms", "CPU batch job time (ms)"),
    ("mixed.frame_p99_us", "mixed: frame time p99 (us)"),
    ("mixed.miss_pct", "mixed: deadline misses (%)"),
    ("mixed.wake_p99_us", "mixed: game wake-up p99 (us)"),
    ("mixedvm.vcpu_periods_per_s", "mixed: VM vCPU work periods/s (higher is better)"),
    ("split.frame_p99_us", "split game (helper process): frame time p99 (us)"),
    ("split.miss_pct", "split game: deadline misses (%)"),
    ("split.input_p50_us", "input event-to-read p50 (us, virtio keyboard)"),
    ("split.input_p99_us", "input event-to-read p99 (us)"),
    ("detected_fps", "detected game fps (set: 120)"),
]
# ratios line: name -> metric; for times, ratio = ghostbrew / eevdf (lower is better)
RATIOS = [
    ("frame_p99", "frame_p99_us"),
    ("miss", "miss_pct"),
    ("wake_p99", "wake_p99_us"),
    ("cyclictest_p99", "cyclictest_p99_us"),
    ("hackbench", "hackbench_ms"),
    ("batch", "batch_ms"),
]

DATA_RE = re.compile(r"GHOSTBREW-DATA (\S+) (-?[0-9.]+)")
CDF_RE = re.compile(r"GHOSTBREW-CDF (\S+)\.(\w+) ([0-9.]+) (-?[0-9.]+)")
ROUND_RE = re.compile(r"GHOSTBREW-ROUND (\d+)")


def parse(path):
    """-> list of rounds, each (data: key -> value, cdf: (label, kind) -> [(q, value)]). Each
    GHOSTBREW-ROUND line starts a round; lines before the first (a log without rounds, or the
    guest's boot figures) belong to the first round."""
    pre = ({}, {})
    rounds = []
    cur = pre
    with open(path, errors="replace") as f:
        for line in f:
            m = DATA_RE.search(line)
            if m:
                # A negative latency is a "not computed" mark (an empty cyclictest histogram gives
                # -1): leave it out rather than let it pull a median or a range.
                if not (m.group(1).endswith("_us") and float(m.group(2)) < 0):
                    cur[0][m.group(1)] = float(m.group(2))
                continue
            m = CDF_RE.search(line)
            if m:
                cur[1].setdefault((m.group(1), m.group(2)), []).append((float(m.group(3)), float(m.group(4))))
                continue
            if ROUND_RE.search(line):
                cur = ({}, {})
                rounds.append(cur)
    if not rounds:
        return [pre]
    rounds[0][0].update({k: v for k, v in pre[0].items() if k not in rounds[0][0]})
    rounds[0][1].update({k: v for k, v in pre[1].items() if k not in rounds[0][1]})
    return rounds


def summarize(rounds):
    """-> key -> (median, min, max, n) over the rounds that have the key."""
    values = {}
    for data, _ in rounds:
        for k, v in data.items():
            values.setdefault(k, []).append(v)
    return {k: (statistics.median(v), min(v), max(v), len(v)) for k, v in values.items()}


def ratio(data, metric, num="ghostbrew", den="eevdf"):
    """Ratio of the medians of NUM's and DEN's METRIC (data: key -> (median, min, max, n))."""
    a, b = data.get(f"{num}.{metric}"), data.get(f"{den}.{metric}")
    if a is None or b is None:
        return None
    a, b = a[0], b[0]
    if b == 0:
        return 0.0 if a == 0 else float("inf")
    return a / b


def cell(data, key, spec, ranged):
    """One table cell: the value (single round) or `median (min-max)` (several rounds)."""
    if key not in data:
        return "-"
    med, lo, hi, n = data[key]
    if not ranged or n < 2:
        return format(med, spec)
    return f"{format(med, spec)} ({format(lo, spec)}-{format(hi, spec)})"


def table(data, scheds, markdown=False, ranged=False):
    daemons = [d for d in DAEMONS if d in scheds] or ["ghostbrew"]
    rows = [["metric"] + scheds + [f"{d}/eevdf" for d in daemons]]
    for key, label in METRICS:
        if not any(f"{s}.{key}" in data for s in scheds):
            continue
        rs = [ratio(data, key, d) for d in daemons]
        rows.append([label] + [cell(data, f"{s}.{key}", ".1f", ranged) for s in scheds]
                    + ["-" if r is None else f"{r:.2f}" for r in rs])
    bpf = sorted({k.split(".", 2)[2] for k in data if ".bpf_ns." in k})
    for prog in bpf:
        rs = [ratio(data, f"bpf_ns.{prog}", d, "refsched") for d in daemons]
        rows.append([f"BPF {prog} (ns/run)"] + [cell(data, f"{s}.bpf_ns.{prog}", ".0f", ranged) for s in scheds]
                    + ["-" if r is None else f"x{r:.2f} of ref" for r in rs])
    for key, label in (("daemon_cpu_pct_stats1s", "ghost-sched CPU % of one CPU, --stats 1"),
                       ("daemon_wakeups_per_s_stats1s", "ghost-sched wake-ups/s, --stats 1")):
        if any(f"{d}.{key}" in data for d in daemons):
            rows.append([label] + [cell(data, f"{s}.{key}", "g", ranged) if s in daemons else "-"
                                   for s in scheds] + ["-"] * len(daemons))
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def plot(rounds, scheds, out, mode):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, kind, title in ((axes[0], "frame", "Frame time (start of slot to frame done)"),
                            (axes[1], "wake", "Game threads' wake-up latency")):
        for i, s in enumerate(scheds):
            labelled = False
            for _, cdf in rounds:  # one curve per round, one colour per scheduler
                pts = sorted(cdf.get((s, kind), []))
                if pts:
                    ax.plot([v for _, v in pts], [q for q, _ in pts], label=None if labelled else s,
                            color=colors[i % len(colors)], marker=".", markersize=3,
                            alpha=1.0 if len(rounds) == 1 else 0.6)
                    labelled = True
        ax.set_xscale("log")
        ax.set_xlabel("microseconds (log)")
        ax.set_ylabel("percentile")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    n = f", {len(rounds)} rounds" if len(rounds) > 1 else ""
    fig.suptitle(f"ghostbrew vs EEVDF vs reference, game under background load ({mode}{n})")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--plot")
    ap.add_argument("--json")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    ap.add_argument("--mode", default="icount guest", help="how the run was made (for the plot's title)")
    a = ap.parse_args()
    try:
        rounds = parse(a.log)
    except OSError as e:
        print(f"report: {e}", file=sys.stderr)
        return 1
    data = summarize(rounds)
    scheds = [s for s in SCHEDS if any(k.startswith(s + ".") for k in data)]
    if "eevdf" not in scheds or len(scheds) < 2:
        print(f"report: {a.log}: no A/B results (need eevdf and another scheduler)", file=sys.stderr)
        return 1
    ranged = len(rounds) > 1
    if ranged:
        print(f"{len(rounds)} rounds, interleaved: median (min-max) per metric; ratios are of the medians")
    print(table(data, scheds, a.markdown, ranged))
    if a.plot:
        plot(rounds, scheds, a.plot, a.mode)
        print(f"plot: {a.plot}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"data": {k: v[0] for k, v in data.items()},  # medians (the value, for one round)
                       "range": {k: [v[1], v[2]] for k, v in data.items()},
                       "rounds": [d for d, _ in rounds]}, f, indent=1, sort_keys=True)
    def ratios(daemon):
        return " ".join(f"{name}={r:.2f}" for name, metric in RATIOS
                        if (r := ratio(data, metric, daemon)) is not None)
    if "candidate" in scheds:
        print("candidate ratios: " + ratios("candidate"))
    print("ratios: " + ratios("ghostbrew"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
