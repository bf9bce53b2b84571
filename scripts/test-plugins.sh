#!/usr/bin/env bash
# Builds and tests the example plugins in plugins/ the way a plugin author
# would: each is its own CMake project, built against an installed Tower
# (never the source tree), and runs its own tests.
#
#   scripts/test-plugins.sh BUILD_DIR [extra cmake args for the plugins...]
#
# Installs BUILD_DIR into BUILD_DIR/prefix, then configures plugins/NAME in
# BUILD_DIR/plugins-oot/NAME with CMAKE_PREFIX_PATH set to that prefix only.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/test-plugins.sh BUILD_DIR [cmake args...]}
shift
build=$(cd "$build" && pwd)
prefix=$build/prefix
jobs=$(nproc 2>/dev/null || echo 2)
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for dir in plugins/*/; do
  name=$(basename "$dir")
  [[ -f $dir/CMakeLists.txt ]] || continue
  out=$build/plugins-oot/$name
  echo "== plugin $name (out of tree, against $prefix)"
  cmake -S "$dir" -B "$out" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" "$@" >/dev/null
  cmake --build "$out" -j "$jobs"
  (cd "$out" && ctest --output-on-failure --timeout 900)
done
