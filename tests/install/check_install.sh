#!/bin/sh
# Install check: prism used from outside its tree, the two ways an embedder would.
#   1. pkg-config: installs BUILD_DIR (already built; `meson install --no-rebuild --destdir TMP`),
#      checks that every "prism/..." include of an installed header is itself installed, then
#      compiles and runs examples/tiny.cpp and a program with its own data/ and io/ headers
#      (which must not collide with prism's) using only `pkg-config --cflags --libs prism`.
#   2. meson subproject: copies examples/subproject to TMP, links subprojects/prism to this
#      checkout, builds the `embed` program with the subproject forced, and runs it.
# Prints PASS or FAIL lines; exit 0 when both pass. The suite runs it (tests/install).
#
#   tests/install/check_install.sh BUILD_DIR [pkgconfig|subproject|all]
# EXTRA_CXXFLAGS is added to the pkg-config compiles (the suite sets -fsanitize=... when BUILD_DIR
# is a sanitizer build: a program linking an ASan library must be built with ASan too).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: check_install.sh BUILD_DIR [pkgconfig|subproject|all]}" && pwd)
what=${2:-all}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prism-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

if [ "$what" = all ] || [ "$what" = pkgconfig ]; then
    meson install -C "$build" --no-rebuild --destdir "$tmp/root" >"$tmp/install.log" 2>&1 ||
        { tail -30 "$tmp/install.log"; fail "meson install -C $build (build it first)"; }
    pc=$(find "$tmp/root" -name prism.pc | head -1)
    [ -n "$pc" ] || fail "no prism.pc under $tmp/root"
    prefix=$(sed -n 's/^prefix=//p' "$pc")
    root="$tmp/root$prefix"
    incdir="$root/include"
    [ -f "$incdir/prism/prism.hpp" ] || fail "no include/prism/prism.hpp under $root"
    # Every include of an installed header must be installed too (internal headers are not).
    missing=$(grep -rhoE '#include "prism/[^"]+"' "$incdir/prism" | sed 's/#include "//; s/"$//' | sort -u |
        while read -r h; do [ -f "$incdir/$h" ] || echo "$h"; done)
    [ -z "$missing" ] || fail "installed headers include headers that are not installed: $missing"

    export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
    flags=$(pkg-config --define-variable=prefix="$root" --cflags --libs prism) || fail "pkg-config prism"
    libdir=$(pkg-config --define-variable=prefix="$root" --variable=libdir prism)
    case "$flags" in *"$src"*) fail "pkg-config flags point into the source tree: $flags" ;; esac

    # An embedder's project with its own data/ and io/ headers next to prism's.
    mkdir -p "$tmp/app/data" "$tmp/app/io"
    cp "$src/examples/tiny.cpp" "$tmp/app/tiny.cpp"
    printf '#pragma once\nnamespace app { inline int dataset_size() { return 7; } }\n' >"$tmp/app/data/dataset.hpp"
    printf '#pragma once\nnamespace app { inline int checkpoint_version() { return 2; } }\n' >"$tmp/app/io/checkpoint.hpp"
    cat >"$tmp/app/mine.cpp" <<'CPP'
#include "data/dataset.hpp"   // the application's own headers...
#include "io/checkpoint.hpp"
#include <prism/prism.hpp>    // ...beside the whole prism API
#include <cstdio>
int main() {
    prism::Tensor t = prism::Tensor::ones({2, 3});
    const bool ok = app::dataset_size() == 7 && app::checkpoint_version() == 2 && prism::sum(t).item() == 6;
    std::printf("mine: %s\n", ok ? "ok" : "wrong");
    return ok ? 0 : 1;
}
CPP
    cd "$tmp/app" || fail "cd $tmp/app"
    for prog in tiny mine; do
        # shellcheck disable=SC2086
        c++ -std=c++20 -O1 ${EXTRA_CXXFLAGS:-} -I. "$prog.cpp" -o "$prog" $flags >"$tmp/cc-$prog.log" 2>&1 ||
            { cat "$tmp/cc-$prog.log"; fail "compile $prog.cpp with: $flags"; }
        LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "./$prog" >"$tmp/run-$prog.log" 2>&1 ||
            { cat "$tmp/run-$prog.log"; fail "running $prog"; }
        cat "$tmp/run-$prog.log"
    done
    echo "PASS: installed prism ($root) builds and runs tiny.cpp and an app with its own data/ io/ headers via pkg-config"
fi

if [ "$what" = all ] || [ "$what" = subproject ]; then
    cp -r "$src/examples/subproject" "$tmp/sub"
    rm -rf "$tmp/sub/build" "$tmp/sub/subprojects"
    mkdir -p "$tmp/sub/subprojects"
    ln -s "$src" "$tmp/sub/subprojects/prism"
    cd "$tmp/sub" || fail "cd $tmp/sub"
    meson setup build --buildtype=release --force-fallback-for=prism >"$tmp/sub-setup.log" 2>&1 ||
        { tail -30 "$tmp/sub-setup.log"; fail "meson setup of examples/subproject"; }
    ninja -C build embed >"$tmp/sub-build.log" 2>&1 || { tail -30 "$tmp/sub-build.log"; fail "build embed"; }
    ./build/embed || fail "running embed"
    echo "PASS: examples/subproject builds prism as a meson subproject and runs"
fi
