#!/bin/sh
# A sweep run whole and in 3 shards (by --shard and by a CI engine's
# environment): `crmsim merge` gives the same runs, trace hash by trace
# hash, the same JUnit and exit code, and refuses what is not one sweep.
set -u
crmsim="$1"
dir="$2"
out="${TMPDIR:-/tmp}/crmsim-shard-test-$$"
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# The runs of a --json, one line each: scenario, seed, verdict, trace.
runs() { grep -E '^    "(scenario|seed|passed|trace_hash)"' "$1" | paste - - - - ; }
# JUnit without the wall-clock times, which no two runs share.
junit() { sed -e 's/ time="[^"]*"//g' "$1"; }

sweep="$dir/tiny.yaml $dir/unmet.yaml --seeds 1..4 --jobs 2 -q"
"$crmsim" validate $sweep --json "$out/whole.json" --junit "$out/whole.xml" >"$out/whole.txt"
[ $? -eq 1 ] || { cat "$out/whole.txt"; fail "the whole sweep holds an unmet expectation: exit 1"; }
[ "$(runs "$out/whole.json" | wc -l)" -eq 8 ] || fail "8 runs in the whole sweep"

for k in 1 2 3; do
  "$crmsim" validate $sweep --shard "$k/3" --json "$out/s$k.json" >"$out/s$k.txt"
  grep -q "^shard $k/3 (from --shard): [0-9]* of 8 runs" "$out/s$k.txt" || { cat "$out/s$k.txt"; fail "shard $k says what it runs"; }
done
"$crmsim" merge "$out/s3.json" "$out/s1.json" "$out/s2.json" --json "$out/merged.json" --junit "$out/merged.xml" >"$out/merge.txt"
[ $? -eq 1 ] || { cat "$out/merge.txt"; fail "the merged sweep exits as the whole one"; }
grep -q "of 8 runs hold every expectation (3 shards merged)" "$out/merge.txt" || { cat "$out/merge.txt"; fail "merged summary"; }
runs "$out/whole.json" >"$out/whole.runs"
runs "$out/merged.json" >"$out/merged.runs"
cmp -s "$out/whole.runs" "$out/merged.runs" || { diff "$out/whole.runs" "$out/merged.runs"; fail "merged runs differ from the whole sweep's"; }
junit "$out/whole.xml" >"$out/whole.junit"
junit "$out/merged.xml" >"$out/merged.junit"
cmp -s "$out/whole.junit" "$out/merged.junit" || { diff "$out/whole.junit" "$out/merged.junit" | head; fail "merged JUnit differs"; }

# The shard from the environment: GitLab's parallel jobs, a Kubernetes Indexed Job.
CI_NODE_INDEX=2 CI_NODE_TOTAL=3 "$crmsim" validate $sweep --json "$out/g2.json" >"$out/g2.txt"
grep -q "^shard 2/3 (from GitLab (CI_NODE_INDEX, CI_NODE_TOTAL))" "$out/g2.txt" || { cat "$out/g2.txt"; fail "GitLab's shard"; }
[ "$(runs "$out/g2.json")" = "$(runs "$out/s2.json")" ] || fail "GitLab's shard 2 is --shard 2/3"
JOB_COMPLETION_INDEX=0 "$crmsim" validate $sweep --shard-count 3 --json "$out/k1.json" >"$out/k1.txt"
grep -q "^shard 1/3 (from a Kubernetes Indexed Job" "$out/k1.txt" || { cat "$out/k1.txt"; fail "the Kubernetes shard"; }
JOB_COMPLETION_INDEX=0 "$crmsim" validate $sweep >"$out/k0.txt" 2>&1
[ $? -eq 2 ] && grep -q "give --shard-count N" "$out/k0.txt" || { cat "$out/k0.txt"; fail "a Kubernetes index without a count"; }

# What is not one sweep is refused with exit 2.
refused() {  # expected message, then merge arguments
  want="$1"; shift
  "$crmsim" merge "$@" >"$out/refused.txt" 2>&1
  [ $? -eq 2 ] && grep -q "$want" "$out/refused.txt" || { cat "$out/refused.txt"; fail "merge did not refuse: $want"; }
}
refused "shard 3/3 missing" "$out/s1.json" "$out/s2.json"
refused "shard 2/3 is given twice" "$out/s1.json" "$out/s2.json" "$out/g2.json" "$out/s3.json"
"$crmsim" validate "$dir/tiny.yaml" --seeds 1..4 -q --shard 3/3 --json "$out/other.json" >/dev/null
refused "shards of different sweeps (their scenarios differ)" "$out/s1.json" "$out/s2.json" "$out/other.json"
"$crmsim" validate "$dir/tiny.yaml" "$dir/unmet.yaml" --seeds 1..5 -q --shard 3/3 --json "$out/seeds.json" >/dev/null
refused "shards of different sweeps (their seeds differ)" "$out/s1.json" "$out/s2.json" "$out/seeds.json"
sed 's/"crmsim_version": "[^"]*"/"crmsim_version": "0.0.1"/' "$out/s3.json" >"$out/old.json"
refused "was made by crmsim 0.0.1" "$out/s1.json" "$out/s2.json" "$out/old.json"
refused "not the --json of a sharded crmsim validate" "$out/whole.json"
echo "ok: 3 shards merged equal the whole sweep"
