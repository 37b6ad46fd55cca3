#!/bin/sh
# `crmsim validate --shrink` on a shipped pitfall: the search keeps the same
# invariant violated, ends with a scenario of a handful of records written
# as YAML, and that file replays the violation as printed. The same search
# with another number of jobs finds the same scenario.
set -u
crmsim="$1"
src="$2"
out="${TMPDIR:-/tmp}/crmsim-shrink-test-$$"
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

scenario="$src/scenarios/leads-duplicate-companies.yaml"
"$crmsim" validate -q "$scenario" --shrink --shrink-out "$out/small.yaml" -j 2 >"$out/shrink.txt" 2>&1
[ $? -eq 0 ] || { cat "$out/shrink.txt"; fail "the pitfall scenario holds its expectation"; }
grep -q "shrink: shrinking .*leads-duplicate-companies.yaml seed 1: keeping no_duplicate_companies violated" \
  "$out/shrink.txt" || { cat "$out/shrink.txt"; fail "no progress"; }
grep -q "^shrink:   kept " "$out/shrink.txt" || fail "nothing was kept"
grep -q "replay: crmsim run $out/small.yaml --seed 1" "$out/shrink.txt" || fail "no replay command"
records=$(sed -n 's/^shrunk: .* with \([0-9]*\) records.*/\1/p' "$out/shrink.txt")
[ -n "$records" ] && [ "$records" -le 10 ] || { cat "$out/shrink.txt"; fail "$records records is not a handful"; }
grep -q "^# Shrunk by crmsim from $scenario (seed 1): it still violates no_duplicate_companies" \
  "$out/small.yaml" || { cat "$out/small.yaml"; fail "no header"; }

# The file is a scenario, and its run violates the invariant as promised.
"$crmsim" run -q "$out/small.yaml" --seed 1 >"$out/replay.txt" 2>&1
grep -q "fail no_duplicate_companies" "$out/replay.txt" || { cat "$out/small.yaml" "$out/replay.txt"; fail "the replay does not violate it"; }

# One job finds the same scenario.
"$crmsim" validate -q "$scenario" --shrink --shrink-out "$out/again.yaml" -j 1 >/dev/null 2>&1
# (The header's count of runs differs: two jobs try some candidates in vain.)
grep -v '^#' "$out/small.yaml" >"$out/small.body"
grep -v '^#' "$out/again.yaml" >"$out/again.body"
cmp -s "$out/small.body" "$out/again.body" || { diff "$out/small.body" "$out/again.body"; fail "the result depends on --jobs"; }

# Nothing to shrink, and a budget.
"$crmsim" validate -q "$src/tests/cli/tiny.yaml" --shrink >"$out/none.txt" 2>&1
grep -q "shrink: no run violates an invariant, nothing to shrink" "$out/none.txt" || fail "tiny has nothing to shrink"
"$crmsim" validate -q "$scenario" --shrink --shrink-runs 3 --shrink-out "$out/cut.yaml" >"$out/cut.txt" 2>&1
grep -q "stopped by the runs budget" "$out/cut.txt" || { cat "$out/cut.txt"; fail "the run budget"; }
echo "ok: shrunk to $records records"
cat "$out/small.yaml"
