#!/bin/sh
# Builds and runs the subproject example: links subprojects/prism to this prism checkout,
# configures a build dir here, builds only the `embed` program (and the parts of prism it needs)
# and runs it. Usage: examples/subproject/setup.sh [BUILD_DIR]   (default: build)
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
mkdir -p subprojects
[ -L subprojects/prism ] || ln -s ../../.. subprojects/prism
build=${1:-build}
[ -d "$build" ] || meson setup "$build" --buildtype=release
ninja -C "$build" embed
"./$build/embed"
