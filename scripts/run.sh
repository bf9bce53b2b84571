#!/usr/bin/env bash
# Tower's main job on embedded defaults: installs the packages, builds, runs
# the quick start (the Go original's Quick Start, on RocksDB in
# ./tower-quickstart-data and in memory), then starts towerd on embedded
# defaults (RocksDB in ./tower-node/data, a local single-node nats-server
# with JetStream in ./tower-node/mesh) and shows the tower CLI talking to it.
#   scripts/run.sh [DIR]   DIR replaces ./tower-node
#   TOWER_PORT=4222        the nats-server port (0 = any free port)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
build/examples/quickstart ./tower-quickstart-data

node_dir=${1:-./tower-node}
out=$(mktemp)
build/tools/towerd --embedded --dir "$node_dir" --port "${TOWER_PORT:-0}" --database main >"$out" 2>&1 &
towerd=$!
trap 'kill "$towerd" 2>/dev/null || true; wait "$towerd" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 200); do
  grep -q "^towerd ready" "$out" && break
  kill -0 "$towerd" 2>/dev/null || { cat "$out"; exit 1; }
  sleep 0.1
done
url=$(awk '/^towerd ready/ {print $4}' "$out")
[[ -n $url ]] || { echo "towerd did not start:"; cat "$out"; exit 1; }
echo "== towerd serves database 'main' on $url (RocksDB in $node_dir/data)"
tower() { echo "\$ tower --server $url --database main $*"; build/tools/tower --server "$url" --database main "$@"; }
tower set greeting "hello from towerd"
tower get greeting
tower set visits int:41
tower incr visits
tower del queue
tower call list.create queue
tower call list.push_right queue job-1 job-2
tower --json call list.range queue 0 -1
tower export "$node_dir/export.jsonl"
tower health
kill -TERM "$towerd"
wait "$towerd"
trap 'rm -f "$out"' EXIT
echo "== towerd stopped cleanly"
