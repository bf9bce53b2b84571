#!/usr/bin/env bash
# The HyperLogLog commands through the installed tower CLI, with the plugin
# found by --plugin-path: no change to the kernel or the CLI is involved.
#   hll_cli_test.sh TOWER_CLI PLUGIN_DIR
set -uo pipefail
tower=$1 plugins=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { "$tower" --path "$tmp/db" --plugin-path "$plugins" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

[[ $(run call hll.add visitors alice bob carol) == 1 ]] || fail "hll.add of new items should print 1"
[[ $(run call hll.add visitors alice) == 0 ]] || fail "hll.add of a known item should print 0"
[[ $(run call hll.count visitors) == 3 ]] || fail "hll.count should print 3"
[[ $(run --json call hll.count visitors) == '{"type":"int","value":3}' ]] || fail "--json hll.count"
run call hll.add others dave erin >/dev/null || fail "hll.add others"
run call hll.merge all visitors others >/dev/null || fail "hll.merge"
[[ $(run call hll.count all) == 5 ]] || fail "hll.count of the merge should print 5"
run commands >"$tmp/commands" || fail "tower commands"
grep -q "^hll.add " "$tmp/commands" || fail "tower commands does not list hll.add"
run call hll.create p int:3 2>/dev/null
[[ $? == 1 ]] || fail "precision 3 should be an operation error (exit 1)"
run call hll.count 2>/dev/null
[[ $? == 2 ]] || fail "hll.count without a key should be a usage error (exit 2)"
echo "HLL through the CLI: ok"
