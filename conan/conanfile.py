"""Conan 2 recipe for ghostbrew: packages the header-only library (and, optionally, the apps).

Conan is not packaged for Debian 12 and cannot be installed on the project's machines (no PyPI), so
this recipe has not been run by CI; the CMake install it wraps is tested there (tests/consumer).
"""
from conan import ConanFile
from conan.tools.cmake import CMake, CMakeToolchain, CMakeDeps, cmake_layout
from conan.tools.files import copy
import os


class GhostbrewConan(ConanFile):
    name = "ghostbrew"
    version = "0.1.0"
    license = "GPL-2.0-only"
    description = "sched_ext scheduler toolkit: CPU topology, workload detection, typed libbpf wrappers"
    topics = ("sched_ext", "bpf", "scheduler", "topology", "gaming")
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_apps": [True, False]}
    default_options = {"with_apps": False}
    exports_sources = "CMakeLists.txt", "cmake/*", "include/*", "bpf/*", "apps/*"
    package_type = "header-library"

    def layout(self):
        cmake_layout(self, src_folder="..")

    def requirements(self):
        # The same dependencies as cmake/GhostbrewDependencies.cmake, by their ConanCenter names.
        self.requires("fmt/[>=9.1 <12]", transitive_headers=True)
        self.requires("ms-gsl/[>=4.0]", transitive_headers=True)
        self.requires("range-v3/[>=0.12]", transitive_headers=True)
        self.requires("tl-expected/[>=1.0]", transitive_headers=True)
        self.requires("nlohmann_json/[>=3.11]", transitive_headers=True)
        self.requires("libbpf/[>=1.4]", transitive_headers=True)
        if self.options.with_apps:
            self.requires("cli11/[>=2.1]")

    def validate(self):
        if self.settings.os != "Linux":
            from conan.errors import ConanInvalidConfiguration
            raise ConanInvalidConfiguration("ghostbrew needs Linux (sched_ext, BPF)")

    def package_id(self):
        if not self.options.with_apps:
            self.info.clear()

    def generate(self):
        tc = CMakeToolchain(self)
        tc.variables["GHOSTBREW_BUILD_TESTS"] = False
        tc.variables["GHOSTBREW_BUILD_BENCH"] = False
        tc.variables["GHOSTBREW_BUILD_APPS"] = bool(self.options.with_apps)
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        if self.options.with_apps:
            cmake = CMake(self)
            cmake.configure()
            cmake.build()

    def package(self):
        copy(self, "*", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))
        if self.options.with_apps:
            CMake(self).install()

    def package_info(self):
        self.cpp_info.bindirs = ["bin"] if self.options.with_apps else []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "ghostbrew")
        self.cpp_info.set_property("cmake_target_name", "ghostbrew::ghostbrew")
        self.cpp_info.set_property("pkg_config_name", "ghostbrew")
