#!/usr/bin/env bash
# Checks the SDK's C ABI against the committed baseline in sdk/abi/.
#
#   scripts/abi-check.sh             compare sdk/include with the baseline
#   scripts/abi-check.sh --update    record the current headers as the baseline
#   scripts/abi-check.sh --headers DIR [--baseline DIR]   (used by the tests)
#
# sdk/abi/anchors.c is compiled with -g into a throwaway shared object and
# abidw (libabigail, Debian abigail-tools) dumps every SDK type from its
# DWARF; the preprocessor lists the TOWER_* constants. scripts/abi_compare.py
# applies Tower's rules (appends need a minor bump, anything else a major
# bump); on a failure abidiff prints its own report as well.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
headers=$root/sdk/include
baseline=$root/sdk/abi
update=0
while (($#)); do
  case $1 in
    --headers) headers=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --update) update=1; shift ;;
    *) echo "usage: $0 [--headers DIR] [--baseline DIR] [--update]" >&2; exit 2 ;;
  esac
done
for tool in abidw abidiff python3; do
  command -v $tool >/dev/null || { echo "abi-check: $tool is missing (scripts/install-deps.sh)" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
"$cc" -g -O0 -shared -fPIC -Wall -Wextra -Werror -I"$headers" -o "$tmp/sdk.so" "$root/sdk/abi/anchors.c"
abidw --no-corpus-path --no-show-locs --no-comp-dir-path --out-file "$tmp/tower-sdk.abi" "$tmp/sdk.so"
"$cc" -E -dM -I"$headers" "$root/sdk/abi/anchors.c" | grep -E '^#define TOWER_' |
  grep -vE '^#define (TOWER_[A-Z_]*_H_|TOWER_ABI_ANCHOR)\b' | LC_ALL=C sort >"$tmp/constants.txt"

if ((update)); then
  cp "$tmp/tower-sdk.abi" "$tmp/constants.txt" "$baseline/"
  echo "abi-check: recorded the baseline in $baseline ($(grep -E 'TOWER_ABI_M' "$tmp/constants.txt" | awk '{print $3}' | paste -sd.))"
  exit 0
fi
if ! python3 "$root/scripts/abi_compare.py" "$baseline/tower-sdk.abi" "$baseline/constants.txt" \
  "$tmp/tower-sdk.abi" "$tmp/constants.txt"; then
  echo "--- abidiff report"
  abidiff "$baseline/tower-sdk.abi" "$tmp/tower-sdk.abi" || true
  exit 1
fi
