#!/bin/sh
# The benchmark pipeline end to end on the smallest sizes: the programs run,
# their JSON carries the counters from the fakes' journals, and
# bench_report turns it into the tables. (Timings under a Debug+ASan build
# mean nothing; the real numbers come from `make bench`.)
set -u
dir="$1"
out="${TMPDIR:-/tmp}/crmsim-bench-smoke-$$"
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export CRMSIM_BENCH_QUICK=1

"$dir/api_bench" --benchmark_filter='InitialSync/strategy:1/contacts:1000/' \
  --benchmark_out="$out/api.json" --benchmark_out_format=json >"$out/api.txt" 2>&1 ||
  { cat "$out/api.txt"; fail "api_bench"; }
"$dir/fakes_bench" --benchmark_filter='Throughput/(sf|hs)_read/in_process' \
  --benchmark_out="$out/fakes.json" --benchmark_out_format=json >"$out/fakes.txt" 2>&1 ||
  { cat "$out/fakes.txt"; fail "fakes_bench"; }
# No peer running: crmsim's row is measured, each peer's says why it is not.
env -u CRMSIM_PEER_PRISM -u CRMSIM_PEER_JSON_SERVER -u CRMSIM_PEER_JSON_SERVER_SKIPPED \
  CRMSIM_PEER_PRISM_SKIPPED="Prism skipped: smoke" \
  "$dir/peers_bench" --benchmark_filter='Peers/contact_read/' \
  --benchmark_out="$out/peers.json" --benchmark_out_format=json >"$out/peers.txt" 2>&1 ||
  { cat "$out/peers.txt"; fail "peers_bench"; }
"$dir/bench_report" "$out/report.md" "$out/api.json" "$out/fakes.json" "$out/peers.json" >/dev/null ||
  fail "bench_report"
grep -q '"sf_calls"' "$out/api.json" || fail "no Salesforce call counter"
grep -q '^| batched | 1,000 | none | 1,000 |' "$out/report.md" || { cat "$out/report.md"; fail "initial sync row"; }
grep -q '^| batched | 1,000 | 4% (MQLs) | 40 |' "$out/report.md" || { cat "$out/report.md"; fail "inclusion list row"; }
grep -q '^| sf_read | in_process |' "$out/report.md" || { cat "$out/report.md"; fail "throughput row"; }
grep -q '^| contact_read | [0-9,]* req/s, [0-9,]* B | Prism skipped: smoke | – | CRMSIM_PEER_JSON_SERVER is not set' "$out/report.md" ||
  { cat "$out/report.md"; fail "peers row"; }
echo ok
