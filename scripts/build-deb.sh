#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# build-deb.sh: builds the Debian packages from debian/ (as root on Debian 12, from the checkout):
#   ./scripts/build-deb.sh && apt-get install ./build/deb/ghostbrew_*.deb ./build/deb/libghostbrew-dev_*.deb
# Installs the build dependencies first (scripts/install-deps.sh: bookworm and bookworm-backports),
# copies the checkout's files (git ls-files: not build/) into build/deb/src and runs `dpkg-buildpackage -us -uc -b` there, so that
# nothing is written outside build/deb; prints the paths of the packages it left in build/deb/.
# DEB_BUILD_OPTIONS passes through (nocheck skips the build's check of the tools).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=build/deb
fail() { echo "build-deb: $*" >&2; exit 1; }

./scripts/install-deps.sh

# One version: debian/changelog's is project(VERSION)'s (a native package: no Debian revision).
version=$(sed -n 's/^project(ghostbrew VERSION \([0-9.]*\) .*/\1/p' CMakeLists.txt)
[[ -n $version ]] || fail "CMakeLists.txt: no 'project(ghostbrew VERSION x.y.z ...)' line"
deb_version=$(dpkg-parsechangelog -l debian/changelog -S Version)
[[ $deb_version == "$version" ]] ||
  fail "debian/changelog: version $deb_version, but CMakeLists.txt's project() says $version: add a changelog entry (dch -v $version)"

rm -rf "$out"
mkdir -p "$out/src"
# The working tree as git sees it: tracked files with their uncommitted edits and new files not yet
# added, without what .gitignore ignores (build/) and without deleted files.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  if [[ -e $f ]]; then printf '%s\0' "$f"; fi
done | tar -c --null -T - -f - | tar -x -C "$out/src" -f -

GHOSTBREW_GIT_REVISION=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
export GHOSTBREW_GIT_REVISION
(cd "$out/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)")

shopt -s nullglob
for pkg in ghostbrew libghostbrew-dev; do
  f=("$out/${pkg}_${version}_"*.deb)
  ((${#f[@]} == 1)) || fail "dpkg-buildpackage left no ${pkg}_${version}_*.deb in $out"
done
# ghostbrew, libghostbrew-dev, ghostbrew-dbgsym (the debug symbols) and the .changes listing them.
for f in "$out"/*.deb "$out"/*.changes; do
  echo "$here/$f"
done
