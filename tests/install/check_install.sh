#!/bin/sh
# Install check: prism installed into a temporary prefix must be usable by an outside program
# through pkg-config alone. Builds the library and the `prism` tool in BUILD_DIR (default:
# build/install-check, configured here if missing), installs them with
# `meson install --destdir TMP`, compiles examples/tiny.cpp with
# `c++ $(pkg-config --cflags --libs prism)` against that tree only, runs it, prints PASS or FAIL
# (exit 0 / 1).
#
#   tests/install/check_install.sh [BUILD_DIR]
#
# Measured: 4.5 min with a BUILD_DIR whose library was built but not the CLI (shared 2-core
# machine); a fresh BUILD_DIR means a full build. Too slow for the Boost suite, so it is a script.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build/install-check}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prism-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cd "$src" || fail "no source dir $src"
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" --buildtype=release -Dtests=false >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "meson setup"; }
fi
# Build only what gets installed (the library and the CLI), then install without a full rebuild.
ninja -C "$build" libprism.so cli/prism >"$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; fail "build"; }
meson install -C "$build" --no-rebuild --destdir "$tmp/root" >"$tmp/install.log" 2>&1 ||
    { tail -30 "$tmp/install.log"; fail "meson install"; }

prefix=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c \
    'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
root="$tmp/root$prefix"
pc=$(find "$root" -name prism.pc | head -1)
[ -n "$pc" ] || fail "no prism.pc under $root"
[ -f "$root/include/prism/prism.hpp" ] || fail "no include/prism/prism.hpp under $root"
[ -f "$root/include/prism/models/vit.hpp" ] || fail "no include/prism/models/vit.hpp under $root"
export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags=$(pkg-config --define-variable=prefix="$root" --cflags --libs prism) || fail "pkg-config prism"
libdir=$(pkg-config --define-variable=prefix="$root" --variable=libdir prism)

# Compiled outside the source tree, so only the installed headers can be found.
cp "$src/examples/tiny.cpp" "$tmp/tiny.cpp"
cd "$tmp" || fail "cd $tmp"
# shellcheck disable=SC2086
c++ -std=c++20 -O1 tiny.cpp -o tiny $flags >"$tmp/cc.log" 2>&1 || { cat "$tmp/cc.log"; fail "compile examples/tiny.cpp with: $flags"; }
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ./tiny >"$tmp/run.log" 2>&1 ||
    { cat "$tmp/run.log"; fail "running tiny"; }
cat "$tmp/run.log"
echo "PASS: installed prism ($root) builds and runs examples/tiny.cpp via pkg-config"
