#!/usr/bin/env bash
# End-to-end checks of the tower CLI on a local database:
#   tests/cli/cli_test.sh PATH/TO/tower
# Each case runs the CLI and compares its stdout and exit code.
set -uo pipefail
tower=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=(--path "$tmp/db")
failures=0

# expect CODE OUTPUT ARGS...: runs tower ARGS, checks the exit code and stdout.
expect() {
  local code=$1 want=$2
  shift 2
  local got rc
  got=$("$tower" "$@" 2>"$tmp/err")
  rc=$?
  if [[ $rc != "$code" || $got != "$want" ]]; then
    echo "FAIL: tower $*"
    echo "  expected exit $code, output: $want"
    echo "  got      exit $rc, output: $got"
    sed 's/^/  stderr: /' "$tmp/err"
    failures=$((failures + 1))
  else
    echo "ok   tower $*"
  fi
}

expect 0 "OK" "${db[@]}" call int.set counter 5
expect 0 "12" "${db[@]}" call int.add counter 7               # plain 7 read as the declared int
expect 0 '{"type":"int","value":13}' "${db[@]}" --json call int.inc counter
expect 0 "OK" "${db[@]}" call string.set greeting "hello world"
expect 0 '{"type":"string","value":"hello world"}' "${db[@]}" --json call string.get greeting
expect 0 "OK" "${db[@]}" call binary.set blob bin:0x00ff10
expect 0 "0x00ff10" "${db[@]}" call binary.get blob
expect 0 "OK" "${db[@]}" call duration.set d 1h30m
expect 0 '{"type":"duration","value":5400000000000}' "${db[@]}" --json call duration.get d
expect 0 "OK" "${db[@]}" call bigint.set big bigint:123456789012345678901234567890
expect 0 "123456789012345678901234567891" "${db[@]}" call bigint.add big 1
expect 0 "OK" "${db[@]}" call decimal.set price dec:19.99
expect 0 "19.99" "${db[@]}" call decimal.get price
# Operation errors: exit 1.
expect 1 "" "${db[@]}" call int.get missing
expect 1 "" "${db[@]}" call int.get greeting                  # a string key: TypeMismatch
expect 1 "" "${db[@]}" call int.add counter int:9223372036854775807   # Overflow
# Usage errors: exit 2.
expect 2 "" "${db[@]}" call int.frobnicate counter
expect 2 "" "${db[@]}" call int.add counter
expect 2 "" "${db[@]}" call int.add counter seven
expect 2 "" "${db[@]}" call
expect 2 "" "${db[@]}" frobnicate
expect 2 "" --no-such-option commands
# The data persisted across the runs above.
expect 0 "13" "${db[@]}" call int.get counter
grep -q "int.add" <("$tower" "${db[@]}" commands) || { echo "FAIL: commands lists no int.add"; failures=$((failures + 1)); }

# The friendly forms, on the same database.
expect 0 "OK" "${db[@]}" set motto "carpe diem"
expect 0 "carpe diem" "${db[@]}" get motto
expect 0 "OK" "${db[@]}" set hits int:41
expect 0 "42" "${db[@]}" incr hits
expect 0 "50" "${db[@]}" incr hits 8
expect 0 "1" "${db[@]}" del hits
expect 1 "" "${db[@]}" get hits
expect 2 "" "${db[@]}" set onlykey
# Backup and restore: a consistent copy, recreated elsewhere with the same content.
expect 0 "backed up into $tmp/backup" "${db[@]}" backup "$tmp/backup"
expect 1 "" "${db[@]}" backup "$tmp/backup"                    # exists already
expect 0 "restored $tmp/backup into $tmp/restored" --path "$tmp/restored" restore "$tmp/backup"
expect 0 "carpe diem" --path "$tmp/restored" get motto
expect 1 "" --path "$tmp/restored" restore "$tmp/backup"        # the target exists
expect 2 "" "${db[@]}" backup
# Export and import: JSON Lines into a database on another backend, whose
# own export (after its header line) is the same.
"$tower" "${db[@]}" call list.create todo >/dev/null && "$tower" "${db[@]}" call list.push_right todo a int:2 >/dev/null
nkeys=$("$tower" "${db[@]}" export - | grep -c '^{"key')
expect 0 "exported $nkeys keys (2 collection items) to $tmp/dump.jsonl" "${db[@]}" export "$tmp/dump.jsonl"
expect 0 "imported $nkeys keys (2 collection items)" --path "$tmp/imported" --backend lmdb import "$tmp/dump.jsonl"
if ! diff <("$tower" "${db[@]}" export - | sed 1d) <("$tower" --path "$tmp/imported" export - | sed 1d) >/dev/null; then
  echo "FAIL: the imported database exports differently"; failures=$((failures + 1))
fi
expect 0 "[a, 2]" --path "$tmp/imported" call list.range todo 0 -1
expect 1 "" --path "$tmp/imported" import "$tmp/dump.jsonl"              # keys exist
expect 0 "imported $nkeys keys (2 collection items)" --path "$tmp/imported" import --replace "$tmp/dump.jsonl"
head -n 3 "$tmp/dump.jsonl" >"$tmp/cut.jsonl"
expect 1 "" --path "$tmp/cut" import "$tmp/cut.jsonl"                    # truncated
expect 1 "" "${db[@]}" import "$tmp/missing.jsonl"
expect 2 "" "${db[@]}" export
expect 2 "" "${db[@]}" --replace export "$tmp/x.jsonl"
expect 1 "" --server nats://127.0.0.1:1 export "$tmp/x.jsonl"   # nobody there
grep -q "backend: rocksdb" <("$tower" "${db[@]}" stats) || { echo "FAIL: stats shows no backend"; failures=$((failures + 1)); }
# The built-in workload.
bench_out=$("$tower" "${db[@]}" bench 200 2>&1) || { echo "FAIL: bench exited non-zero: $bench_out"; failures=$((failures + 1)); }
for want in "string.set" "string.get" "int.inc" "ops/s"; do
  grep -q "$want" <<<"$bench_out" || { echo "FAIL: bench output lacks '$want': $bench_out"; failures=$((failures + 1)); }
done
expect 2 "" "${db[@]}" bench many
# The shell: the same commands from stdin, quoted words, errors that do not end it.
shell_out=$(printf 'set q "two words"\nget q\nset cnt int:0\nincr cnt\nbogus\nquit\n' | HOME=$tmp "$tower" "${db[@]}" shell 2>&1 || true)
for want in "two words" "^1$" "unknown command 'bogus'"; do
  grep -q -- "$want" <<<"$shell_out" || { echo "FAIL: shell output lacks '$want':"; echo "$shell_out"; failures=$((failures + 1)); }
done

if ((failures)); then
  echo "$failures CLI case(s) failed"
  exit 1
fi
echo "all CLI cases passed"
