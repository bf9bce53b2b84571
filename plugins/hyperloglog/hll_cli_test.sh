#!/usr/bin/env bash
# The HyperLogLog commands through the installed tower CLI, with the plugin
# found by --plugin-path, and through an installed towerd that loads it from
# its config: no change to the kernel, the CLI or towerd is involved.
#   hll_cli_test.sh TOWER_CLI PLUGIN_DIR
set -uo pipefail
tower=$1 plugins=$2
tmp=$(mktemp -d)
towerd_pid=
trap '[[ -n $towerd_pid ]] && kill $towerd_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
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

# towerd serves the plugin's commands without knowing them; export/import
# carry its sketches exactly.
towerd=$(dirname "$tower")/towerd
cat >"$tmp/tower.toml" <<EOF
[storage]
backend = "rocksdb"
path = "served"
[plugins]
paths = ['$plugins']
[mesh]
[mesh.node]
server_name = "hll"
listen = "127.0.0.1:0"
store_dir = "mesh"
work_dir = "mesh"
EOF
"$towerd" --config "$tmp/tower.toml" --database hll >"$tmp/towerd.log" 2>&1 &
towerd_pid=$!
for _ in $(seq 100); do grep -q "towerd ready" "$tmp/towerd.log" && break; sleep 0.1; done
url=$(grep -o 'towerd ready hll nats://[0-9.:]*' "$tmp/towerd.log" | awk '{print $4}')
[[ -n $url ]] || fail "towerd did not start: $(cat "$tmp/towerd.log")"
remote() { "$tower" --server "$url" --database hll "$@"; }
[[ $(remote call hll.add visitors alice bob) == 1 ]] || fail "hll.add through towerd"
[[ $(remote call hll.count visitors) == 2 ]] || fail "hll.count through towerd"
remote export "$tmp/hll.jsonl" >/dev/null || fail "export through towerd"
run import --replace "$tmp/hll.jsonl" >/dev/null || fail "import of towerd's export"
[[ $(run call hll.count visitors) == 2 ]] || fail "hll.count after the import"
kill -TERM $towerd_pid && wait $towerd_pid || fail "towerd did not stop cleanly"
towerd_pid=
echo "HLL through the CLI: ok"
