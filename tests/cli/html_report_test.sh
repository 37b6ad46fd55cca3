#!/bin/sh
# `crmsim validate --html` and `--baseline` as a team uses them: the page of
# a shipped pitfall, opened in headless Chromium (no console error, every
# chart with its points, witness chains, readable at a phone's width,
# printable; screenshots kept under build/artifacts/ for CI), and a second
# validation marked against the first one's JSON.
set -u
crmsim="$1"
src="$2"
artifacts="$3"
out="${TMPDIR:-/tmp}/crmsim-html-test-$$"
mkdir -p "$out" "$artifacts"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
chromium=$(command -v chromium || command -v chromium-browser) ||
  fail "chromium is not installed (scripts/install-deps installs it)"

# The page of a shipped pitfall: its run is replayed to follow the witnesses.
"$crmsim" validate -q "$src/scenarios/selective-sync.yaml" --html "$artifacts/report.html" \
  --json "$out/first.json" >"$out/first.txt" 2>&1
[ $? -eq 0 ] || { cat "$out/first.txt"; fail "selective-sync must hold its expectations"; }
grep -q "report: $artifacts/report.html" "$out/first.txt" || fail "the report is not announced"
grep -q '<section class="run pass" id="run-0">' "$artifacts/report.html" || fail "no run section"
grep -q 'crmsim run [^<]*selective-sync.yaml --seed 1' "$artifacts/report.html" || fail "no replay command"
grep -q '"evidence"' "$out/first.json" || fail "the JSON carries no witness chain"
if grep -q -E '(src|href)="(https?:)?//' "$artifacts/report.html"; then fail "the page links outside"; fi
node --experimental-websocket --no-warnings "$src/tests/cli/html_report_check.cjs" "$chromium" \
  "$artifacts/report.html" "$artifacts" || fail "the page in Chromium"

# A sweep: a table of every run, each failing one linked to its section.
"$crmsim" validate -q "$src/tests/cli/unmet.yaml" "$src/tests/cli/tiny.yaml" --seeds 1..2 -j 2 \
  --html "$out/sweep.html" >"$out/sweep.txt" 2>&1
[ $? -eq 1 ] || { cat "$out/sweep.txt"; fail "a sweep with an unmet expectation exits 1"; }
[ "$(grep -o '<a href="#run-[0-9]*">FAIL</a>' "$out/sweep.html" | wc -l)" -eq 2 ] || fail "failing runs are not linked"
grep -q '<table class="sweep">' "$out/sweep.html" || fail "no table of runs"

# The same validation against itself: every violation ongoing, nothing moved.
"$crmsim" validate -q "$src/scenarios/selective-sync.yaml" --baseline "$out/first.json" \
  --json "$out/second.json" >"$out/second.txt" 2>&1
[ $? -eq 0 ] || { cat "$out/second.txt"; fail "the second validation"; }
grep -q "fail selective_sync  (expected)  24 violations  \[ongoing\]" "$out/second.txt" ||
  { cat "$out/second.txt"; fail "the ongoing violation is not marked"; }
grep -q "nothing changed" "$out/second.txt" || fail "an identical run must change nothing"
grep -q '"change": "ongoing"' "$out/second.json" || fail "the JSON carries no marks"

# A baseline that differs: a witness it did not have is new, a check it
# failed that holds now is resolved, a figure that moved is listed.
node -e '
  const fs = require("fs");
  const runs = JSON.parse(fs.readFileSync(process.argv[1]));
  const checks = runs[0].checks;
  checks.find(c => c.name === "selective_sync").witnesses.shift();
  Object.assign(checks.find(c => c.name === "convergence"),
                { passed: false, violations: 1, witnesses: ["contact 1 and Lead X disagree"] });
  runs[0].figures.salesforce_calls = Math.round(runs[0].figures.salesforce_calls / 2);
  fs.writeFileSync(process.argv[2], JSON.stringify(runs));
' "$out/first.json" "$out/older.json"
"$crmsim" validate -q "$src/scenarios/selective-sync.yaml" --baseline "$out/older.json" \
  --html "$out/marked.html" >"$out/third.txt" 2>&1
[ $? -eq 0 ] || { cat "$out/third.txt"; fail "the third validation"; }
grep -q -- "- \[new\] email" "$out/third.txt" || { cat "$out/third.txt"; fail "the new witness"; }
grep -q "resolved   convergence" "$out/third.txt" || fail "the resolved check"
grep -q "moved      salesforce_calls" "$out/third.txt" || fail "the moved figure"
grep -q '<span class="badge new">new</span>' "$out/marked.html" || fail "no mark in the page"

# JUnit carries the marks too; a bad baseline is refused before anything runs.
node -e '
  const fs = require("fs");
  const runs = JSON.parse(fs.readFileSync(process.argv[1]));
  runs.push({ scenario: "unmet", seed: 1, passed: true,
              checks: [{ name: "no_duplicate_contacts", passed: false, witnesses: ["then"] }] });
  fs.writeFileSync(process.argv[2], JSON.stringify(runs));
' "$out/first.json" "$out/unmet-baseline.json"
"$crmsim" validate -q "$src/tests/cli/unmet.yaml" --baseline "$out/unmet-baseline.json" \
  --junit "$out/u.xml" >/dev/null 2>&1
grep -q 'message="\[resolved\] an expected violation did not occur"' "$out/u.xml" ||
  { cat "$out/u.xml"; fail "JUnit without the mark"; }
echo "not json" >"$out/bad.json"
"$crmsim" validate -q "$src/tests/cli/tiny.yaml" --baseline "$out/bad.json" >"$out/bad.txt" 2>&1
[ $? -eq 2 ] || fail "a bad baseline must exit 2"
grep -q "bad.json: not JSON" "$out/bad.txt" || { cat "$out/bad.txt"; fail "the bad baseline is not named"; }
echo "ok: page checked in Chromium, sweep table, baselines in text, JSON, JUnit and HTML"
