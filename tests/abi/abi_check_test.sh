#!/usr/bin/env bash
# Tests scripts/abi-check.sh itself: the committed headers pass, and each kind
# of change to a copy of the headers gets the verdict Tower's ABI rules give.
#   tests/abi/abi_check_test.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/scripts/abi-check.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect VERDICT NAME EDIT...: copies the headers, applies the sed edits to
# the named header files ("FILE:SED-SCRIPT"), runs the check.
expect() {
  local want=$1 name=$2
  shift 2
  rm -rf "$tmp/h" && cp -r "$root/sdk/include" "$tmp/h"
  for edit in "$@"; do
    local file=${edit%%:*} script=${edit#*:}
    sed -i "$script" "$tmp/h/tower/sdk/$file"
    if cmp -s "$tmp/h/tower/sdk/$file" "$root/sdk/include/tower/sdk/$file"; then
      echo "FAIL $name: the edit '$script' changed nothing in $file"
      failures=$((failures + 1))
      return
    fi
  done
  "$check" --headers "$tmp/h" >"$tmp/out" 2>&1
  local rc=$?
  local got=pass
  ((rc == 1)) && got=fail
  ((rc > 1)) && got="error($rc)"
  if [[ $got == "$want" ]]; then
    echo "ok   $name: $got"
  else
    echo "FAIL $name: expected $want, got $got"
    sed 's/^/     | /' "$tmp/out"
    failures=$((failures + 1))
  fi
}

minor_up='s/#define TOWER_ABI_MINOR \([0-9]*\)/#define TOWER_ABI_MINOR 99/'
major_up='s/#define TOWER_ABI_MAJOR \([0-9]*\)/#define TOWER_ABI_MAJOR 99/'
append='s|^  const tower_backend_resolver\* resolver;|&\n  uint64_t appended_field;|'

expect pass "the committed headers"
expect pass "a field appended to a table, minor raised" "backend.h:$append" "abi.h:$minor_up"
expect fail "a field appended to a table, minor not raised" "backend.h:$append"
expect fail "a field inserted in the middle of a table" \
  'backend.h:s|^  uint32_t capabilities; /\* TOWER_CAP_\* \*/|&\n  uint32_t inserted;|' "abi.h:$minor_up"
expect fail "a field's type widened" 'backend.h:s|^  uint32_t type; /\* TOWER_OP_\* \*/|  uint64_t type; /* TOWER_OP_* */|'
expect fail "two fields swapped" \
  'backend.h:s|^  tower_slice key;$|  tower_slice TMP;|;s|^  tower_slice value; /\* PUT|  tower_slice key; /* PUT|;s|^  tower_slice TMP;$|  tower_slice value;|'
expect fail "a function pointer's signature changed" \
  'backend.h:s|  void (\*close)(tower_backend\* db);|  void (*close)(tower_backend* db, int how);|'
expect fail "a status code renumbered" 'abi.h:s/#define TOWER_E_BUSY 10/#define TOWER_E_BUSY 15/'
expect fail "a flag removed" 'backend.h:/#define TOWER_OPEN_READ_ONLY/d'
expect fail "a struct embedded by value grew" \
  'abi.h:s|^  size_t size;$|  size_t size;\n  size_t extra;|' "abi.h:$minor_up"
expect pass "anything, with the major version raised" \
  'backend.h:s|  void (\*close)(tower_backend\* db);|  void (*close)(tower_backend* db, int how);|' "abi.h:$major_up"

if ((failures)); then
  echo "$failures ABI check case(s) failed"
  exit 1
fi
echo "all ABI check cases passed"
