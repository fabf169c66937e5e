#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
"""check_recipe.py PREFIX: checks conan/conanfile.py without Conan (it cannot be installed on the
project's machines), against the CMake install in PREFIX:
  - export_sources() then package() (run against a minimal stand-in for the few conan.tools calls the
    recipe makes) produce exactly the headers `cmake --install` put in PREFIX/include, byte for byte
    (version.hpp included), and the same GhostbrewBpf.cmake;
  - requirements() names exactly the packages cmake/ghostbrewConfig.cmake.in looks for (find_dependency,
    pkg_check_modules), with the same minimum versions, and every library dependency
    cmake/GhostbrewDependencies.cmake finds outside the apps/tests/bench blocks is among them;
  - package_info() declares the components of cmake/GhostbrewTargets.cmake with the same requirements;
  - validate() refuses C++17 and non-Linux, accepts C++20 on Linux.
Exits non-zero with one line per mismatch."""
import filecmp
import fnmatch
import os
import re
import shutil
import sys
import tempfile
import types

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# CMake package name -> ConanCenter reference name.
CONAN_NAME = {"fmt": "fmt", "Microsoft.GSL": "ms-gsl", "tl-expected": "tl-expected",
              "nlohmann_json": "nlohmann_json", "ZLIB": "zlib", "libbpf": "libbpf",
              "tomlplusplus": "tomlplusplus", "libsystemd": "libsystemd", "range-v3": "range-v3"}
# CMake target -> Conan component requirement.
CONAN_TARGET = {"fmt::fmt": "fmt::fmt", "Microsoft.GSL::GSL": "ms-gsl::ms-gsl",
                "tl::expected": "tl-expected::tl-expected", "nlohmann_json::nlohmann_json": "nlohmann_json::nlohmann_json",
                "ZLIB::ZLIB": "zlib::zlib", "PkgConfig::LIBBPF": "libbpf::libbpf",
                "tomlplusplus::tomlplusplus": "tomlplusplus::tomlplusplus", "PkgConfig::LIBSYSTEMD": "libsystemd::libsystemd",
                "range-v3::range-v3": "range-v3::range-v3"}


class Invalid(Exception):
    pass


def conan_copy(_conanfile, pattern, src, dst, excludes=None, keep_path=True):
    """conan.tools.files.copy: files under src whose relative path matches pattern, to dst."""
    excludes = [excludes] if isinstance(excludes, str) else list(excludes or [])
    copied = []
    for dirpath, _dirs, files in os.walk(src):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), src)
            if not fnmatch.fnmatch(rel, pattern) or any(fnmatch.fnmatch(rel, e) for e in excludes):
                continue
            target = os.path.join(dst, rel if keep_path else f)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.join(dirpath, f), target)
            copied.append(target)
    return copied


def install_conan_stand_in():
    """The modules conanfile.py imports, with just what the recipe calls."""
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    class ConanFile:
        pass

    def load(_c, path):
        with open(path, encoding="utf-8") as f:
            return f.read()

    def save(_c, path, content):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)

    def check_min_cppstd(conanfile, cppstd):
        if int(str(conanfile.settings.compiler.cppstd).replace("gnu", "")) < int(cppstd):
            raise Invalid(f"needs C++{cppstd}")

    module("conan", ConanFile=ConanFile)
    module("conan.errors", ConanInvalidConfiguration=Invalid)
    module("conan.tools")
    module("conan.tools.build", check_min_cppstd=check_min_cppstd, can_run=lambda c: True)
    module("conan.tools.files", copy=conan_copy, load=load, save=save)
    module("conan.tools.layout", basic_layout=lambda c, src_folder=".": None)
    module("conan.tools.cmake", CMake=object, cmake_layout=lambda c: None)


def files_under(top):
    return sorted(os.path.relpath(os.path.join(d, f), top) for d, _, fs in os.walk(top) for f in fs)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class Settings(types.SimpleNamespace):
    pass


class Components(dict):
    def __missing__(self, key):
        c = types.SimpleNamespace(properties={}, requires=[], bindirs=None, libdirs=None)
        c.set_property = lambda k, v, c=c: c.properties.__setitem__(k, v)
        self[key] = c
        return c


def main(prefix):
    sys.dont_write_bytecode = True  # no __pycache__ in conan/
    install_conan_stand_in()
    sys.path.insert(0, os.path.join(ROOT, "conan"))
    import conanfile  # noqa: E402
    errors = []
    recipe = conanfile.GhostbrewConan()
    recipe.recipe_folder = os.path.join(ROOT, "conan")
    recipe.set_version()
    if recipe.version != re.search(r"project\(ghostbrew VERSION ([0-9.]+)", read(os.path.join(ROOT, "CMakeLists.txt"))).group(1):
        errors.append(f"recipe version {recipe.version} is not CMakeLists.txt's")
    if recipe.package_type != "header-library":
        errors.append(f"package_type is {recipe.package_type}, not header-library")

    with tempfile.TemporaryDirectory() as tmp:
        recipe.export_sources_folder = os.path.join(tmp, "export")
        recipe.export_sources()
        recipe.source_folder = recipe.export_sources_folder  # no_copy_source: package() reads the export
        recipe.package_folder = os.path.join(tmp, "package")
        recipe.package()
        conan_inc, cmake_inc = os.path.join(recipe.package_folder, "include"), os.path.join(prefix, "include")
        conan_files, cmake_files = set(files_under(conan_inc)), set(files_under(cmake_inc))
        for f in sorted(cmake_files - conan_files):
            errors.append(f"installed by CMake, not packaged by Conan: include/{f}")
        for f in sorted(conan_files - cmake_files):
            errors.append(f"packaged by Conan, not installed by CMake: include/{f}")
        for f in sorted(conan_files & cmake_files):
            if not filecmp.cmp(os.path.join(conan_inc, f), os.path.join(cmake_inc, f), shallow=False):
                errors.append(f"include/{f} differs between the Conan package and the CMake install")
        bpf_module = [os.path.join(d, f) for d, _, fs in os.walk(prefix) for f in fs if f == "GhostbrewBpf.cmake"]
        conan_module = os.path.join(recipe.package_folder, "lib", "cmake", "ghostbrew", "GhostbrewBpf.cmake")
        if len(bpf_module) != 1 or not os.path.exists(conan_module) or not filecmp.cmp(bpf_module[0], conan_module, shallow=False):
            errors.append("GhostbrewBpf.cmake is not packaged as CMake installs it")
        for lic in ("LICENSE", "GPL-2.0-only.txt", "BSD-3-Clause.txt"):
            if not os.path.exists(os.path.join(recipe.package_folder, "licenses", lic)):
                errors.append(f"licenses/{lic} not packaged")

    # Requirements against the CMake package's own dependency lookups.
    requires = []
    recipe.requires = lambda ref, **kw: requires.append(ref)
    recipe.requirements()
    conan_min = {}
    for ref in requires:
        m = re.fullmatch(r"([-\w.]+)/\[>=([0-9.]+)[^\]]*\]", ref)
        if not m:
            errors.append(f"requirement {ref} is not name/[>=min <max]")
            continue
        conan_min[m.group(1)] = m.group(2)
    config = read(os.path.join(ROOT, "cmake", "ghostbrewConfig.cmake.in"))
    cmake_min = {}
    for name, version in re.findall(r"find_dependency\(([-\w.]+)(?: ([0-9.]+))?", config):
        if name != "PkgConfig":
            cmake_min[CONAN_NAME.get(name, name)] = version or None
    for name, version in re.findall(r"pkg_check_modules\(\w+ [^)]*?IMPORTED_TARGET ([-\w]+)>=([0-9.]+)", config):
        cmake_min[CONAN_NAME.get(name, name)] = version
    for name in sorted(set(cmake_min) - set(conan_min)):
        errors.append(f"ghostbrewConfig.cmake looks for {name}; the recipe does not require it")
    for name in sorted(set(conan_min) - set(cmake_min)):
        errors.append(f"the recipe requires {name}; ghostbrewConfig.cmake does not look for it")
    for name in sorted(set(cmake_min) & set(conan_min)):
        if cmake_min[name] and cmake_min[name] != conan_min[name]:
            errors.append(f"{name}: CMake wants >= {cmake_min[name]}, the recipe >= {conan_min[name]}")
    # Library dependencies found by the build (not only by the tools, tests or benchmarks).
    depth, skip = 0, 0
    for line in read(os.path.join(ROOT, "cmake", "GhostbrewDependencies.cmake")).splitlines():
        line = line.split("#", 1)[0].strip()
        if re.match(r"if\(", line):
            depth += 1
            if skip == 0 and re.match(r"if\(GHOSTBREW_BUILD_(APPS|TESTS|BENCH)\)", line):
                skip = depth
        elif re.match(r"endif\(", line):
            if skip == depth:
                skip = 0
            depth -= 1
        elif skip == 0:
            m = re.match(r"find_package\(([-\w.]+)", line) or re.search(r"pkg_check_modules\(\w+ .*IMPORTED_TARGET ([-\w]+)", line)
            if m and m.group(1) != "PkgConfig" and CONAN_NAME.get(m.group(1), m.group(1)) not in conan_min:
                errors.append(f"GhostbrewDependencies.cmake finds {m.group(1)} for the library; the recipe does not require it")

    # Components against cmake/GhostbrewTargets.cmake.
    recipe.cpp_info = types.SimpleNamespace(components=Components(), properties={})
    recipe.cpp_info.set_property = lambda k, v: recipe.cpp_info.properties.__setitem__(k, v)
    recipe.package_info()
    targets = read(os.path.join(ROOT, "cmake", "GhostbrewTargets.cmake"))
    cmake_components = {}
    for _target, export_name, deps in re.findall(r"^ghostbrew_component\((\w+) (\w+) ([^)]*)\)", targets, re.M):
        cmake_components[export_name] = sorted(
            d.split("::")[1] if d.startswith("ghostbrew::") else CONAN_TARGET.get(d, d) for d in deps.split())
    conan_components = {k: sorted(v.requires) for k, v in recipe.cpp_info.components.items()}
    if cmake_components != conan_components:
        errors.append(f"components differ: CMake {cmake_components}, Conan {conan_components}")
    for name, c in recipe.cpp_info.components.items():
        if c.properties.get("cmake_target_name") != f"ghostbrew::{name}":
            errors.append(f"component {name}: CMake target {c.properties.get('cmake_target_name')}")

    # validate(): cppstd and OS.
    def validates(os_name, cppstd):
        recipe.settings = Settings(os=os_name, compiler=Settings(cppstd=cppstd))
        recipe.ref = "ghostbrew/" + recipe.version
        try:
            recipe.validate()
            return True
        except Invalid:
            return False
    if not validates("Linux", "20") or not validates("Linux", "gnu23"):
        errors.append("validate() refuses C++20 on Linux")
    if validates("Linux", "17"):
        errors.append("validate() accepts C++17")
    if validates("Windows", "20"):
        errors.append("validate() accepts Windows")

    for e in errors:
        print(f"conan/conanfile.py: {e}", file=sys.stderr)
    if not errors:
        print(f"conan/conanfile.py: exports and packages the {len(cmake_files)} installed headers; requires "
              f"{', '.join(sorted(conan_min))}; components {', '.join(sorted(conan_components))}")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_recipe.py CMAKE_INSTALL_PREFIX")
    sys.exit(main(os.path.abspath(sys.argv[1])))
