#!/usr/bin/env bash
# The whole test suite: installs the packages, builds twice (plain, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), runs every test in both.
#   scripts/test.sh            both builds
#   TOWER_TEST_SANITIZE=0 scripts/test.sh   the plain build only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export TOWER_LOG_LEVEL=${TOWER_LOG_LEVEL:-warn}

echo "== build (RelWithDebInfo, -Werror)"
scripts/build.sh build
echo "== test (plain)"
(cd build && ctest --output-on-failure --timeout 900)
echo "== example plugins, out of tree against the installed SDK (plain)"
scripts/test-plugins.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS=-Werror

if [[ ${TOWER_TEST_SANITIZE:-1} != 0 ]]; then
  echo "== build (ASan + UBSan)"
  scripts/build.sh build-asan -DTOWER_SANITIZE=ON -DTOWER_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
  echo "== test (ASan + UBSan)"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  (cd build-asan && ctest --output-on-failure --timeout 1800)
  echo "== example plugins, out of tree against the installed SDK (ASan + UBSan)"
  san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
  scripts/test-plugins.sh build-asan -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS=-Werror $san" \
    "-DCMAKE_EXE_LINKER_FLAGS=$san" "-DCMAKE_MODULE_LINKER_FLAGS=$san"
fi
