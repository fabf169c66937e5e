#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
"""check_header_deps.py BUILD_DIR TARGET MODE DECLARED: every header TARGET compiles (one TU per
installed header of a component, built with that component's flags only) includes third-party
headers only of packages the component declares. The compile alone cannot tell: Debian puts every
dependency in /usr/include, so an undeclared one is found anyway. This reruns each TU's recorded
compile command (compile_commands.json) with -M and maps each included file to its package.

MODE is cmake (DECLARED: the targets the component links, transitively) or pkgconfig (DECLARED: the
modules its .pc requires, transitively). Packages that ship no .pc file (GSL, tl-expected, range-v3)
cannot be declared in Requires; in pkgconfig mode they are allowed, and the cmake mode checks them.
Exits non-zero with one line per header and undeclared package."""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys

# package: (CMake targets that declare it, its pkg-config module or None, its header paths)
PACKAGES = {
    "fmt": (["fmt::fmt", "fmt::fmt-header-only"], "fmt", ["fmt/"]),
    "tl-expected": (["tl::expected"], None, ["tl/"]),
    "zlib": (["ZLIB::ZLIB"], "zlib", ["zlib.h", "zconf.h"]),
    "nlohmann_json": (["nlohmann_json::nlohmann_json"], "nlohmann_json", ["nlohmann/"]),
    "libbpf": (["PkgConfig::LIBBPF"], "libbpf", ["bpf/"]),
    "Microsoft.GSL": (["Microsoft.GSL::GSL"], None, ["gsl/"]),
    "tomlplusplus": (["tomlplusplus::tomlplusplus"], "tomlplusplus", ["toml++/"]),
    "libsystemd": (["PkgConfig::LIBSYSTEMD"], "libsystemd", ["systemd/"]),
    "range-v3": (["range-v3::range-v3", "range-v3::meta", "range-v3::concepts"], None,
                 ["range/", "meta/", "concepts/", "std/"]),
}


def package_of(path):
    """The package whose header `path` is, or None (ghostbrew, libc, the kernel, libstdc++)."""
    for name, (_targets, _pc, headers) in PACKAGES.items():
        for h in headers:
            if (h.endswith("/") and "/include/" + h in path) or path.endswith("/include/" + h):
                return name
    return None


def included_files(entry):
    """The files entry's TU includes: its compile command with -M instead of -c -o."""
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in ("-o", "-MT", "-MF", "-MQ"):
            skip = True
        elif a not in ("-c", "-MD", "-MMD"):
            out.append(a)
    run = subprocess.run(out + ["-M"], cwd=entry["directory"], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{entry['file']}: {' '.join(out)} -M failed:\n{run.stderr}")
    rule = run.stdout.replace("\\\n", " ").split(":", 1)[1]
    return [os.path.normpath(p) for p in rule.split()[1:]]  # [0] is the TU itself


def main(build_dir, target, mode, declared):
    declared = set(filter(None, declared.split(";")))
    allowed = set()
    for name, (targets, pc, _headers) in PACKAGES.items():
        if (mode == "cmake" and declared & set(targets)) or (mode == "pkgconfig" and (pc is None or pc in declared)):
            allowed.add(name)
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        entries = [e for e in json.load(f) if f"CMakeFiles/{target}.dir/" in e.get("output", e["command"])]
    if not entries:
        sys.exit(f"check_header_deps: no compile commands of {target} in {build_dir}")
    errors = []
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        for entry, files in zip(entries, pool.map(included_files, entries)):
            header = open(entry["file"], encoding="utf-8").read().strip().removeprefix("#include ")
            missing = sorted({p for p in map(package_of, files) if p and p not in allowed})
            for p in missing:
                errors.append(f"{target}: {header} needs {p}, which the component does not declare ({mode})")
    for e in errors:
        print(e, file=sys.stderr)
    if not errors:
        print(f"{target}: {len(entries)} headers include only declared packages ({', '.join(sorted(allowed))})")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[3] not in ("cmake", "pkgconfig"):
        sys.exit("usage: check_header_deps.py BUILD_DIR TARGET cmake|pkgconfig DECLARED")
    sys.exit(main(*sys.argv[1:]))
