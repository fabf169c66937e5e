# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
"""Conan 2 recipe for ghostbrew's header-only library, in ConanCenter's layout (recipe and
test_package/ beside each other). The recipe lives in the repository it packages: export_sources()
copies the headers from the parent folder. Conan cannot be installed on the project's machines, so
tests/conan/check_recipe.py checks what can be checked without it (see conan/README.md)."""
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load, save
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class GhostbrewConan(ConanFile):
    name = "ghostbrew"
    description = "sched_ext scheduler toolkit: CPU topology, workload detection, typed libbpf wrappers"
    # The library (headers, BPF-side headers abi.h and compat.bpf.h) is dual licensed; vmlinux.h, which
    # compat.bpf.h includes, is generated from the Linux kernel (see LICENSE).
    license = ("GPL-2.0-only OR BSD-3-Clause", "GPL-2.0-only")
    url = "https://github.com/ghostbrew/ghostbrew"
    homepage = "https://github.com/ghostbrew/ghostbrew"
    topics = ("sched_ext", "bpf", "scheduler", "topology", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    no_copy_source = True

    def set_version(self):
        # One version: project(VERSION) in the repository's CMakeLists.txt.
        cmakelists = load(self, os.path.join(self.recipe_folder, "..", "CMakeLists.txt"))
        self.version = re.search(r"project\(ghostbrew VERSION ([0-9.]+)", cmakelists).group(1)

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..")
        dst = self.export_sources_folder
        copy(self, "*", os.path.join(root, "include"), os.path.join(dst, "include"), excludes="*.md")
        copy(self, "compat.bpf.h", os.path.join(root, "bpf"), os.path.join(dst, "bpf"))
        copy(self, "vmlinux.h", os.path.join(root, "bpf", "include"), os.path.join(dst, "bpf", "include"))
        copy(self, "version.hpp.in", os.path.join(root, "cmake"), os.path.join(dst, "cmake"))
        copy(self, "GhostbrewBpf.cmake", os.path.join(root, "cmake"), os.path.join(dst, "cmake"))
        copy(self, "LICENSE", root, dst)
        copy(self, "*.txt", os.path.join(root, "LICENSES"), os.path.join(dst, "LICENSES"))

    def layout(self):
        basic_layout(self, src_folder="src")

    def requirements(self):
        # What the headers include, as cmake/ghostbrewConfig.cmake.in looks for it, by ConanCenter names.
        self.requires("fmt/[>=9.1 <12]")
        self.requires("ms-gsl/[>=4.0 <5]")
        self.requires("range-v3/[>=0.12 <1]")
        self.requires("tl-expected/[>=1.0 <2]")
        self.requires("nlohmann_json/[>=3.11 <4]")
        self.requires("zlib/[>=1.2 <2]")
        self.requires("libbpf/[>=1.4 <2]")
        self.requires("tomlplusplus/[>=3.3 <4]")
        self.requires("libsystemd/[>=247 <300]")

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os != "Linux":
            raise ConanInvalidConfiguration(f"{self.ref} needs Linux (sched_ext, BPF)")

    def source(self):
        pass  # export_sources() brought them

    def build(self):
        pass  # header-only

    def package(self):
        src = self.source_folder
        include = os.path.join(self.package_folder, "include")
        copy(self, "*", os.path.join(src, "include"), include)
        copy(self, "compat.bpf.h", os.path.join(src, "bpf"), os.path.join(include, "ghostbrew", "bpf"))
        copy(self, "vmlinux.h", os.path.join(src, "bpf", "include"), os.path.join(include, "ghostbrew", "bpf"))
        major, minor, patch = self.version.split(".")
        template = load(self, os.path.join(src, "cmake", "version.hpp.in"))
        for key, value in (("PROJECT_VERSION_MAJOR", major), ("PROJECT_VERSION_MINOR", minor),
                           ("PROJECT_VERSION_PATCH", patch), ("PROJECT_VERSION", self.version)):
            template = template.replace(f"@{key}@", value)
        save(self, os.path.join(include, "ghostbrew", "version.hpp"), template)
        copy(self, "GhostbrewBpf.cmake", os.path.join(src, "cmake"),
             os.path.join(self.package_folder, "lib", "cmake", "ghostbrew"))
        licenses = os.path.join(self.package_folder, "licenses")
        copy(self, "LICENSE", src, licenses)
        copy(self, "*.txt", os.path.join(src, "LICENSES"), licenses)

    def package_info(self):
        # The same components and targets as the CMake package (cmake/GhostbrewTargets.cmake).
        self.cpp_info.set_property("cmake_file_name", "ghostbrew")
        self.cpp_info.set_property("cmake_target_name", "ghostbrew::ghostbrew")
        self.cpp_info.set_property("pkg_config_name", "ghostbrew")
        self.cpp_info.set_property("cmake_build_modules", [os.path.join("lib", "cmake", "ghostbrew", "GhostbrewBpf.cmake")])
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        components = {
            "core": ["fmt::fmt", "tl-expected::tl-expected", "zlib::zlib", "nlohmann_json::nlohmann_json"],
            "topology": ["core", "ms-gsl::ms-gsl", "range-v3::range-v3"],
            "detect": ["core", "ms-gsl::ms-gsl"],
            "bpf": ["core", "libbpf::libbpf"],
            "ghostbrew": ["topology", "detect", "bpf", "tomlplusplus::tomlplusplus", "libsystemd::libsystemd"],
        }
        for name, requires in components.items():
            component = self.cpp_info.components[name]
            component.set_property("cmake_target_name", f"ghostbrew::{name}")
            component.set_property("pkg_config_name", "ghostbrew" if name == "ghostbrew" else f"ghostbrew-{name}")
            component.requires = requires
            component.bindirs = []
            component.libdirs = []
