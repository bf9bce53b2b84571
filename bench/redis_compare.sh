#!/usr/bin/env bash
# The comparison users will make: Redis over loopback against Tower embedded.
#
# Installs redis-server and redis-tools (Debian), starts a private
# redis-server on 127.0.0.1 (a free port, no persistence), runs
# redis-benchmark for SET, GET and INCR with 50 clients x 16 pipelined
# requests, stops the server, then runs the same operations embedded on
# Tower's memory backend with 2 threads (typed_bench --redis) and prints
# ops/s for both and the ratio tower/redis (goal >= 1.0).
#
#   bench/redis_compare.sh [REQUESTS]      (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
fi
[[ -x build/bench/typed_bench ]] || scripts/build.sh build >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$work" \
  --daemonize no --protected-mode yes >"$work/redis.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

redis_csv=$(redis-benchmark -h 127.0.0.1 -p "$port" -t set,get,incr -c 50 -P 16 -n "$n" \
  -r 100000 --csv)
tower_out=$(build/bench/typed_bench --redis --keys="$n")

printf '%-5s %14s %14s %7s\n' op redis_ops/s tower_ops/s ratio
for op in SET GET INCR; do
  r=$(echo "$redis_csv" | awk -F'","' -v op="\"$op" '$1==op {gsub(/"/,"",$2); print $2}')
  t=$(echo "$tower_out" | awk -v op="$op" '$1==op {print $2}')
  awk -v op="$op" -v r="$r" -v t="$t" 'BEGIN { printf "%-5s %14.0f %14.0f %7.2f\n", op, r, t, t / r }'
done
