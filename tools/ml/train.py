#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
"""Learn which scheduler configuration scores best from ghostbrew tuning samples.

Usage: train.py CSV [--out DIR] [--game NAME] [--settings FILE]

CSV is what ghostbrew::tuning::write_csv() writes (one row per measurement period). The features are
the configuration columns (slice_us, burst_threshold_us, interactive_burst_us, game_window_us) and
the mode one-hot encoded; the target is the score column. A random forest is fitted, its feature
importances printed, and the configuration with the best predicted score -- among the ones seen and
a small grid within the safe bounds -- printed as a ghost-sched command line. With --out DIR, the
importances and the best configuration are also written to DIR/importances.csv and DIR/best.json.

The settings (names, flags, bounds) and the modes come from the settings table of the library
(include/ghostbrew/tuning/settings.hpp) as `ghost-sched settings --json` prints it: --settings FILE
reads that output; without it, settings.json next to this script (the same output, kept equal to the
table by tests/tuning/settings_test.cpp) is read.

Exits 2 with a one-line message naming the file on a missing, empty or malformed CSV or settings file.
"""

import argparse
import csv
import itertools
import json
import math
import os
import sys

DEFAULT_SETTINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "settings.json")

# Filled by load_settings() from the settings table: the tuned settings as (column, ghost-sched flag,
# min, max), and the mode names.
SETTINGS = []
MODES = []
REQUIRED = []

# The grid tried besides the configurations seen: a few values per setting; values outside the
# table's bounds are dropped, and a setting not listed here is tried at its min, default and max.
GRID = {
    "slice_us": [1000, 2000, 3000, 5000, 8000, 12000, 20000],
    "burst_threshold_us": [5000, 10000, 20000, 40000, 80000],
    "interactive_burst_us": [200, 500, 1000, 2000, 4000],
    "game_window_us": [250, 500, 1000, 2000, 4000, 8000],
}


class InputError(Exception):
    """Bad input: reported as one line, exit status 2."""


def load_settings(path):
    """Reads `ghost-sched settings --json` output into SETTINGS, MODES, REQUIRED and the grid."""
    try:
        with open(path, encoding="utf-8") as f:
            table = json.load(f)
        rows = [r for r in table["settings"] if r["tuned"]]
        settings = [(r["name"], r["flag"], int(r["min"]), int(r["max"])) for r in rows]
        modes = [m["name"] for m in table["modes"]]
        defaults = {r["name"]: int(r["default"]) for r in rows}
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"{path}: not a settings table (ghost-sched settings --json): {e!r}") from e
    if not settings or not modes:
        raise InputError(f"{path}: no tuned settings or no modes")
    SETTINGS[:] = settings
    MODES[:] = modes
    REQUIRED[:] = ["mode"] + [s[0] for s in settings] + ["score"]
    FEATURE_NAMES[:] = [s[0] for s in settings] + [f"mode_{m}" for m in modes]
    for name, _, lo, hi in settings:
        values = GRID.get(name, [lo, defaults[name], hi])
        GRID[name] = sorted({v for v in values if lo <= v <= hi})


def load(path, game):
    """Rows of the CSV as dicts: mode (str), the settings (int), score (float)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None:
                raise InputError(f"{path}: empty file (no header row)")
            missing = [c for c in REQUIRED if c not in reader.fieldnames]
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(missing)} "
                                 f"(needs {', '.join(REQUIRED)})")
            if game is not None and "game" not in reader.fieldnames:
                raise InputError(f"{path}: --game given but the file has no game column")
            rows = []
            for row in reader:
                line = reader.line_num
                if game is not None and row["game"] != game:
                    continue
                rows.append(parse_row(path, line, row))
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    except csv.Error as e:
        raise InputError(f"{path}: malformed CSV: {e}") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text: {e}") from e
    if not rows:
        what = f" for game {game!r}" if game is not None else ""
        raise InputError(f"{path}: no data rows{what}")
    return rows


def parse_row(path, line, row):
    mode = row["mode"]
    if mode not in MODES:
        raise InputError(f"{path}:{line}: mode {mode!r} is not one of {', '.join(MODES)}")
    out = {"mode": mode}
    for name, _, lo, hi in SETTINGS:
        text = row[name]
        try:
            value = int(text)
        except (TypeError, ValueError):
            raise InputError(f"{path}:{line}: {name} {text!r} is not an integer") from None
        if not lo <= value <= hi:
            raise InputError(f"{path}:{line}: {name} {value} is outside {lo}..{hi}")
        out[name] = value
    try:
        out["score"] = float(row["score"])
    except (TypeError, ValueError):
        raise InputError(f"{path}:{line}: score {row['score']!r} is not a number") from None
    if not math.isfinite(out["score"]):
        raise InputError(f"{path}:{line}: score {row['score']!r} is not finite")
    return out


def features(config):
    return [config[name] for name, *_ in SETTINGS] + [1.0 if config["mode"] == m else 0.0 for m in MODES]


FEATURE_NAMES = []  # filled by load_settings(): the settings, then mode_<name> per mode


def valid(config):
    return config["interactive_burst_us"] < config["burst_threshold_us"] and all(
        lo <= config[name] <= hi for name, _, lo, hi in SETTINGS)


def candidates(rows):
    """The configurations seen, then the grid for every mode seen (the model knows no other mode)."""
    seen = []
    keys = set()
    for r in rows:
        c = {k: r[k] for k in ["mode"] + [s[0] for s in SETTINGS]}
        key = tuple(c.values())
        if key not in keys:
            keys.add(key)
            seen.append(c)
    modes = sorted({r["mode"] for r in rows}, key=MODES.index)
    grid = []
    for mode in modes:
        for values in itertools.product(*(GRID[name] for name, *_ in SETTINGS)):
            c = {"mode": mode, **{name: v for (name, *_), v in zip(SETTINGS, values)}}
            if valid(c) and tuple(c.values()) not in keys:
                grid.append(c)
    return seen, grid


def command_line(config):
    parts = ["ghost-sched", f"--{config['mode']}"]
    for name, flag, *_ in SETTINGS:
        parts += [flag, str(config[name])]
    return " ".join(parts)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", help="samples as written by ghostbrew::tuning::write_csv()")
    ap.add_argument("--out", metavar="DIR", help="also write importances.csv and best.json here")
    ap.add_argument("--game", help="use only the rows of this game")
    ap.add_argument("--settings", metavar="FILE", default=DEFAULT_SETTINGS,
                    help="the settings table, as `ghost-sched settings --json` prints it "
                    "(default: settings.json next to this script)")
    args = ap.parse_args(argv)
    try:
        load_settings(args.settings)
        rows = load(args.csv, args.game)
    except InputError as e:
        print(f"train.py: error: {e}", file=sys.stderr)
        return 2

    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError:
        print("train.py: error: scikit-learn is missing (apt-get install python3-sklearn)", file=sys.stderr)
        return 2

    x = [features(r) for r in rows]
    y = [r["score"] for r in rows]
    model = RandomForestRegressor(n_estimators=200, random_state=0)
    model.fit(x, y)

    print(f"{len(rows)} samples, {len({tuple(f) for f in x})} distinct configurations")
    print("feature importances:")
    importances = sorted(zip(FEATURE_NAMES, model.feature_importances_), key=lambda p: -p[1])
    for name, imp in importances:
        print(f"  {name:22} {imp:.3f}")

    seen, grid = candidates(rows)
    pool = seen + grid
    predicted = model.predict([features(c) for c in pool])
    best_i = max(range(len(pool)), key=lambda i: (predicted[i], -i))  # ties: the first (seen ones first)
    best = pool[best_i]
    origin = "seen" if best_i < len(seen) else "grid"
    print(f"best predicted configuration ({origin}, predicted score {predicted[best_i]:.3f}, "
          f"of {len(seen)} seen + {len(grid)} grid):")
    print(command_line(best))

    if args.out:
        try:
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, "importances.csv"), "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["feature", "importance"])
                w.writerows(importances)
            with open(os.path.join(args.out, "best.json"), "w", encoding="utf-8") as f:
                json.dump({**best, "predicted_score": float(predicted[best_i]), "origin": origin,
                           "command_line": command_line(best)}, f, indent=2)
                f.write("\n")
        except OSError as e:
            print(f"train.py: error: {args.out}: cannot write: {e.strerror}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
