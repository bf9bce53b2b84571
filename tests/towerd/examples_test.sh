#!/usr/bin/env bash
# End-to-end test of the towerd example configs (examples/towerd/).
#
#   examples_test.sh TOWERD TOWER EXAMPLES_DIR
#
# For each deployment (standalone, 3-node cluster, gateways, hub and leaf) it
# copies the example configs into a fresh temporary directory, rewrites every
# port in them to a free ephemeral port on 127.0.0.1 (the same example port
# maps to the same free port in all files of one deployment), starts the
# towerd processes, waits for their "towerd ready <db> <url>" lines and
# checks with the tower CLI that commands reach every database through every
# node. All processes are stopped with SIGTERM (and must exit 0); on failure
# the captured towerd output is printed. Prints "ok: <case> (<seconds>s)".
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 TOWERD TOWER EXAMPLES_DIR" >&2
  exit 2
fi
abspath() { python3 -c 'import os, sys; print(os.path.abspath(sys.argv[1]))' "$1"; }
TOWERD=$(abspath "$1")
TOWER=$(abspath "$2")
EXAMPLES=$(abspath "$3")
for f in "$TOWERD" "$TOWER"; do
  [[ -x $f ]] || { echo "FAIL: $f is not an executable" >&2; exit 1; }
done
[[ -d $EXAMPLES ]] || { echo "FAIL: $EXAMPLES is not a directory" >&2; exit 1; }

READY_TIMEOUT=40    # seconds for a deployment's towerd processes to be ready
CROSS_TIMEOUT=15    # seconds for interest to cross gateways / leaf connections
STOP_TIMEOUT=15     # seconds for towerd to exit after SIGTERM

CASE=""             # the case running now
WORK=""             # its temporary directory
NAMES=()            # its towerd processes: name, pid, out file
PIDS=()
declare -A URL=()   # name -> nats url from the ready line

fail() {
  echo "FAIL: ${CASE:-setup}: $*" >&2
  exit 1
}

# Prints what the processes of the current case wrote (and their servers' logs).
dump_outputs() {
  [[ -n $WORK && -d $WORK ]] || return 0
  local name
  for name in "${NAMES[@]}"; do
    echo "----- towerd $name: stdout+stderr ($WORK/$name.out)" >&2
    cat "$WORK/$name.out" >&2 || true
  done
  local log
  for log in "$WORK"/mesh/*/*.log; do
    [[ -f $log ]] || continue
    echo "----- nats-server log $log (last 30 lines)" >&2
    tail -n 30 "$log" >&2 || true
  done
}

# SIGTERM to every towerd of the case; waits for each. With "check", every one
# must exit 0 within STOP_TIMEOUT.
stop_all() {
  local mode=${1:-}
  local i pid rc
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for i in "${!PIDS[@]}"; do
    pid=${PIDS[$i]}
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      [[ $mode == check ]] && fail "towerd ${NAMES[$i]} did not exit within ${STOP_TIMEOUT}s of SIGTERM"
      continue
    fi
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if [[ $mode == check && $rc -ne 0 ]]; then
      fail "towerd ${NAMES[$i]} exited $rc after SIGTERM (want 0)"
    fi
  done
  PIDS=()
}

cleanup() {
  local rc=$?
  trap - EXIT
  if ((rc != 0)); then dump_outputs; fi
  stop_all || true
  [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# begin_case NAME FILE...: a fresh directory with copies of the example files,
# every port rewritten to a free ephemeral one.
begin_case() {
  CASE=$1
  shift
  NAMES=()
  PIDS=()
  URL=()
  CASE_START=$(date +%s.%N)
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tower-examples-$CASE-XXXXXX")
  local f
  for f in "$@"; do
    [[ -f $EXAMPLES/$f ]] || fail "missing example $EXAMPLES/$f"
    cp "$EXAMPLES/$f" "$WORK/$f"
  done
  (cd "$WORK" && python3 - "$@") <<'PY' || fail "cannot rewrite the ports"
import re, socket, sys

files = sys.argv[1:]
texts = {f: open(f).read() for f in files}
# Ports: host:port in URLs and listen addresses, and http_port = N.
pat = re.compile(r'(127\.0\.0\.1:)(\d+)|^(\s*http_port\s*=\s*)(\d+)', re.M)
ports = set()
for t in texts.values():
    for m in pat.finditer(t):
        ports.add(int(m.group(2) or m.group(4)))
# Hold every socket open until all are chosen, so the ports are distinct.
socks, mapping = [], {}
for p in sorted(ports):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
    mapping[p] = s.getsockname()[1]
for s in socks:
    s.close()
def sub(m):
    if m.group(1):
        return m.group(1) + str(mapping[int(m.group(2))])
    return m.group(3) + str(mapping[int(m.group(4))])
for f, t in texts.items():
    open(f, "w").write(pat.sub(sub, t))
print(" ".join(f"{k}->{v}" for k, v in sorted(mapping.items())), file=sys.stderr)
PY
}

end_case() {
  stop_all check
  rm -rf "$WORK"
  WORK=""
  local took
  took=$(python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' \
    "$CASE_START" "$(date +%s.%N)")
  echo "ok: $CASE (${took}s)"
  CASE=""
}

# start NAME CONFIG DATABASE: towerd in the background, output to NAME.out.
start() {
  local name=$1 config=$2 db=$3
  "$TOWERD" --config "$WORK/$config" --database "$db" >"$WORK/$name.out" 2>&1 &
  PIDS+=($!)
  NAMES+=("$name")
}

# wait_ready: every started towerd printed its ready line (or fail when one
# exits or the deadline passes); fills URL[name].
wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  local i name line
  for i in "${!NAMES[@]}"; do
    name=${NAMES[$i]}
    while :; do
      line=$(grep -m1 '^towerd ready ' "$WORK/$name.out" || true)
      [[ -n $line ]] && break
      kill -0 "${PIDS[$i]}" 2>/dev/null || fail "towerd $name exited before it was ready"
      ((SECONDS < deadline)) || fail "towerd $name not ready within ${READY_TIMEOUT}s"
      sleep 0.1
    done
    URL[$name]=$(awk '{print $4}' <<<"$line")
    [[ ${URL[$name]} == nats://127.0.0.1:* ]] || fail "towerd $name: bad ready line '$line'"
  done
}

# cli NODE DB ARGS...: the tower CLI through NODE's url; prints its output.
cli() {
  local node=$1 db=$2
  shift 2
  timeout 20 "$TOWER" --server "${URL[$node]}" --database "$db" "$@" 2>&1
}

# why_exit RC: " (killed by SIGSEGV)" and the like for a CLI killed by a signal.
why_exit() {
  (($1 > 128 && $1 != 124)) && echo " (the tower CLI was killed by SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128))))"
  return 0
}

# expect NODE DB WANT ARGS...: the CLI's output must be WANT (exit 0).
expect() {
  local node=$1 db=$2 want=$3
  shift 3
  local got rc=0
  got=$(cli "$node" "$db" "$@") || rc=$?
  if [[ $rc -ne 0 || $got != "$want" ]]; then
    [[ $rc -ne 0 && $got == "$want" ]] &&
      fail "through $node: tower --database $db $* printed the right answer '$got' but exited $rc$(why_exit $rc)"
    fail "through $node: tower --database $db $* gave '$got' (exit $rc$(why_exit $rc)), want '$want'"
  fi
}

# expect_prefix NODE DB PREFIX ARGS...: the output starts with PREFIX.
expect_prefix() {
  local node=$1 db=$2 want=$3
  shift 3
  local got rc=0
  got=$(cli "$node" "$db" "$@") || rc=$?
  if [[ $rc -ne 0 || $got != "$want"* ]]; then
    fail "through $node: tower --database $db $* gave '$got' (exit $rc$(why_exit $rc)), want '$want...'"
  fi
}

# eventually NODE DB: retries `health` through NODE until database DB answers
# (interest crossing a gateway or leaf connection), within CROSS_TIMEOUT.
eventually() {
  local node=$1 db=$2
  local deadline=$((SECONDS + CROSS_TIMEOUT))
  local got rc
  while :; do
    rc=0
    got=$(timeout 10 "$TOWER" --server "${URL[$node]}" --database "$db" health 2>&1) || rc=$?
    [[ $rc -eq 0 && $got == "tower $db ok"* ]] && return 0
    [[ $got == "tower $db ok"* ]] &&
      fail "through $node: tower --database $db health answered '$got' but exited $rc$(why_exit $rc)"
    ((SECONDS < deadline)) ||
      fail "through $node: database $db did not answer within ${CROSS_TIMEOUT}s: '$got' (exit $rc)"
    sleep 0.2
  done
}

# The checks a database DB must pass through NODE (keys prefixed by NODE).
exercise() {
  local node=$1 db=$2
  expect "$node" "$db" OK set "k-$node" "v-$node"
  expect "$node" "$db" "v-$node" get "k-$node"
  expect "$node" "$db" OK call int.set "n-$node" int:5
  expect "$node" "$db" 6 incr "n-$node"
  expect_prefix "$node" "$db" "tower $db ok: backend rocksdb" health
}

port_of() { echo "${1##*:}"; }
port_closed() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0 else 1)
PY
}

# --- standalone: one node --------------------------------------------------
begin_case standalone standalone.toml
start main standalone.toml main
wait_ready
exercise main main
expect main main v-main call string.get k-main
expect main main 1 del k-main
rc=0
cli main main get k-main >/dev/null || rc=$?
((rc == 1)) || fail "get of a deleted key exited $rc$(why_exit $rc), want 1"
expect_prefix main main "tower main ok: backend rocksdb, up " health
expect_prefix main main '{' stats
# SIGTERM: exit 0, and the nats-server is gone with it.
standalone_port=$(port_of "${URL[main]}")
stop_all check
port_closed "$standalone_port" || fail "the nats-server still listens on $standalone_port after towerd exited"
grep -q 'towerd ready main' "$WORK/main.out" || fail "no ready line"
[[ -f $WORK/data/standalone/TOWER ]] || fail "the database is not in data/standalone (relative path)"
[[ -d $WORK/mesh/standalone/jetstream ]] || fail "JetStream is not in mesh/standalone"
end_case

# --- cluster: three nodes, databases a, b, c --------------------------------
begin_case cluster cluster-a.toml cluster-b.toml cluster-c.toml
start A cluster-a.toml a
start B cluster-b.toml b
start C cluster-c.toml c
wait_ready
for node in A B C; do
  for db in a b c; do eventually "$node" "$db"; done
done
# Through A to c (served by towerd C) and through C to a; B to both.
exercise A c
exercise C a
exercise B a
exercise B c
exercise A b
# What went in through one node is read back through another.
expect C c v-A get k-A
expect A a v-C get k-C
expect C c 7 incr n-A
end_case

# --- gateways: two single-node clusters --------------------------------------
begin_case gateways gateway-east.toml gateway-west.toml
start east gateway-east.toml east
start west gateway-west.toml west
wait_ready
eventually east west
eventually west east
exercise east west
exercise west east
expect west west v-east get k-east
expect east east v-west get k-west
end_case

# --- leaf: a hub with JetStream and a leaf -----------------------------------
begin_case leaf hub.toml leaf.toml
start hub hub.toml hub
wait_ready
start leaf leaf.toml leaf
wait_ready
eventually leaf hub
eventually hub leaf
exercise leaf hub
exercise hub leaf
expect hub hub v-leaf get k-leaf
expect leaf leaf v-hub get k-hub
end_case
