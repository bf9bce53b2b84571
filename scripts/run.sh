#!/usr/bin/env bash
# Tower's main job on embedded defaults: installs the packages, builds, and
# runs the quick start (a database on RocksDB at ./tower-quickstart-data,
# then in memory) exactly as the Go original's Quick Start does.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
exec build/examples/quickstart "${1:-./tower-quickstart-data}"
