#!/usr/bin/env bash
# Configures and builds Tower.   scripts/build.sh [BUILD_DIR] [extra cmake args...]
# BUILD_DIR defaults to build/. Warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$dir" -G Ninja -DTOWER_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j "$jobs"
