#!/bin/sh
# `crmsim validate` and `crmsim run` as a CI system runs them: exit codes,
# the verdict, a seed sweep in parallel, JSON, JUnit XML and a trace.
set -u
crmsim="$1"
dir="$2"
out="${TMPDIR:-/tmp}/crmsim-validate-test-$$"
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$crmsim" validate -q "$dir/tiny.yaml" --seeds 1..3 --jobs 2 --json "$out/r.json" --junit "$out/r.xml" >"$out/sweep.txt"
[ $? -eq 0 ] || { cat "$out/sweep.txt"; fail "a clean scenario must exit 0"; }
grep -q "all 3 of 3 runs hold every expectation" "$out/sweep.txt" || fail "sweep summary missing"
[ "$(grep -c '^PASS  tiny  seed' "$out/sweep.txt")" -eq 3 ] || fail "one line per seed"
grep -q '<testsuite name="tiny" tests="36" failures="0">' "$out/r.xml" || { cat "$out/r.xml"; fail "JUnit suite"; }
grep -q '"trace_hash"' "$out/r.json" || fail "JSON results"

"$crmsim" validate -q "$dir/unmet.yaml" --junit "$out/u.xml" >"$out/unmet.txt"
[ $? -eq 1 ] || fail "an unmet expectation must exit 1"
grep -q "a violation was expected and did not occur" "$out/unmet.txt" || fail "unmet expectation not explained"
grep -q "replay: crmsim run $dir/unmet.yaml --seed 1" "$out/unmet.txt" || fail "replay command missing"
grep -q '<failure message="an expected violation did not occur">' "$out/u.xml" || fail "JUnit failure"

"$crmsim" validate -q "$dir/broken.yaml" 2>"$out/broken.txt" >/dev/null
[ $? -eq 2 ] || fail "a bad scenario must exit 2"
grep -q "population.hubspot_contacts: expected a whole number" "$out/broken.txt" || fail "the bad key is not named"

# What the connector's settings pages would not offer is refused before
# anything runs: a field, a list, a pipeline or a stage the described org
# or portal lacks, named with its place in the file.
"$crmsim" validate -q "$dir/missing-field.yaml" >"$out/missing.txt" 2>&1
[ $? -eq 2 ] || { cat "$out/missing.txt"; fail "a mapping to a field the org lacks must be refused"; }
grep -q "missing-field.yaml: line 5, column 5: sync.contacts.field_mappings: jobtitle <-> Job_Level__c: the org's Lead has no field Job_Level__c" \
  "$out/missing.txt" || { cat "$out/missing.txt"; fail "the missing field is not named"; }
{ cat "$dir/tiny.yaml"; printf 'hubspot: {lists: [{name: MQLs, object: contacts, processing: DYNAMIC, filters: [[{property: lifecyclestage, operator: EQ, value: marketingqualifiedlead}]]}]}\n'
  printf 'sync: {contacts: {create_in_salesforce_as: contact, inclusion_list: Qualified}}\n'; } | grep -v '^sync: {contacts: {create_in_salesforce_as: contact}}$' >"$out/no-list.yaml"
"$crmsim" validate -q "$out/no-list.yaml" >"$out/no-list.txt" 2>&1
[ $? -eq 2 ] || { cat "$out/no-list.txt"; fail "an inclusion list the portal lacks must be refused"; }
grep -q "column [0-9]*: sync.contacts.inclusion_list: the portal has no contact list named 'Qualified' (its contact lists: 'MQLs')" \
  "$out/no-list.txt" || { cat "$out/no-list.txt"; fail "the missing list is not named"; }
{ grep -v '^sync:' "$dir/tiny.yaml"; printf 'sync: {contacts: {create_in_salesforce_as: contact}, deals: {sync: true, pipeline: enterprise}}\n'; } >"$out/no-pipeline.yaml"
"$crmsim" validate -q "$out/no-pipeline.yaml" >"$out/no-pipeline.txt" 2>&1
[ $? -eq 2 ] || { cat "$out/no-pipeline.txt"; fail "a pipeline the portal lacks must be refused"; }
grep -q "sync.deals.pipeline: the portal has no deal pipeline 'enterprise'" "$out/no-pipeline.txt" ||
  { cat "$out/no-pipeline.txt"; fail "the missing pipeline is not named"; }

# Hostile and careless files: every one exits 2 before anything runs, and
# the message names the file (and the line and the key where there is one).
refused() {  # refused NAME FILE EXPECTED-TEXT
  "$crmsim" validate -q "$2" >"$out/$1.txt" 2>&1
  code=$?
  [ $code -eq 2 ] || { cat "$out/$1.txt"; fail "$1: exit $code, not 2"; }
  grep -q -- "$2" "$out/$1.txt" || { cat "$out/$1.txt"; fail "$1: the file is not named"; }
  grep -q -- "$3" "$out/$1.txt" || { cat "$out/$1.txt"; fail "$1: '$3' not said"; }
}
refused directory "$dir" "is a directory"
refused missing "$out/nope.yaml" "no such file"
refused device /dev/zero "not a regular file"
{ cat "$dir/tiny.yaml"; echo "duration: 4h"; } >"$out/dup.yaml"
refused duplicate "$out/dup.yaml" "duplicate key 'duration'"
{ printf 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
  prev=a
  for n in b c d e f g h i j k l m; do
    printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' $n $n $prev $prev $prev $prev $prev $prev $prev $prev $prev $prev
    prev=$n
  done; } >"$out/bomb.yaml"
refused alias-bomb "$out/bomb.yaml" "expands to more than"
{ cat "$dir/tiny.yaml"; printf 'salesforce: {users: [], colour: blue}\n'; } >"$out/unknown.yaml"
refused unknown-key "$out/unknown.yaml" "line 6, column 25: salesforce: colour: unknown key"
{ cat "$dir/tiny.yaml"
  printf 'salesforce:\n  roles: [{name: R}]\n  sharing_rules:\n'
  printf '    - {name: deep, object: Lead, role: R, access: read, criteria: "'
  i=0; while [ $i -lt 10000 ]; do printf 'NOT '; i=$((i+1)); done
  printf 'Rating = %s"}\n' "'Hot'"; } >"$out/deep.yaml"
refused deep-criteria "$out/deep.yaml" "nested more than"
{ cat "$dir/tiny.yaml"; printf 'name: caf\351\n'; } >"$out/latin1.yaml"
refused not-utf8 "$out/latin1.yaml" "not UTF-8"

# The audit: every refusal of a key in a file names the file, the line and
# the column, whether the reader, the scenario's parser, the org or portal
# description or the check against the built org and portal finds it.
audit=0
placed() {  # placed NAME YAML
  audit=$((audit + 1))
  printf '%s\n' "$2" >"$out/audit-$1.yaml"
  "$crmsim" validate -q "$out/audit-$1.yaml" >"$out/audit-$1.txt" 2>&1
  code=$?
  [ $code -eq 2 ] || { cat "$out/audit-$1.txt"; fail "audit $1: exit $code, not 2"; }
  grep -Eq "^crmsim: $out/audit-$1.yaml: line [0-9]+, column [0-9]+: " "$out/audit-$1.txt" ||
    { cat "$out/audit-$1.txt"; fail "audit $1: no file, line and column"; }
}
placed top-key 'name: x
duraton: 1d'
placed duration 'name: x
duration: forever'
placed share 'name: x
population: {shared: 2}'
placed domains 'name: x
population: {domains: {count: 5, skew: 9}}'
placed owners-weight 'name: x
population: {owners: {a@x.io: -1}}'
placed owner-unknown 'name: x
population: {owners: [nobody@x.io]}'
placed rep-unknown 'name: x
humans: {reps: [nobody@x.io]}'
placed humans 'name: x
humans: {sales: -1}'
placed fault 'name: x
faults: {hubspot: {lock_errors: 0.1}}'
placed crashes 'name: x
faults: {crashes: 3/week}'
placed webhook-delays 'name: x
faults: {webhooks: {delays: {share: 0.1, max: 2d}}}'
placed other-usage 'name: x
salesforce: {other_api_usage: lots}'
placed event-kind 'name: x
events: [{at: 1h, do: fire_the_admin}]'
placed event-count 'name: x
events: [{at: 1h, do: convert_leads}]'
placed event-key 'name: x
events: [{at: 1h, do: import_leads, count: 3, list: L}]'
placed event-list 'name: x
events: [{at: 1h, do: switch_inclusion_list, list: Nope}]'
placed event-property 'name: x
events: [{at: 1h, do: edit_both_sides, count: 2, property: fax}]'
placed selection-syntax 'name: x
selection: {Lead: "Rating ="}'
placed selection-field 'name: x
selection: {Lead: "Ratng = 1"}'
placed sync-setting 'name: x
sync: {contacts: {create_in_salesforce_as: account}}'
placed inclusion-list 'name: x
sync: {contacts: {inclusion_list: Nope}}'
placed org-profile 'name: x
salesforce: {users: [{username: a@x.io, profile: Nope, password: p}]}'
placed org-rule 'name: x
salesforce: {roles: [{name: R}], sharing_rules: [{name: s, object: Lead, role: R, access: read, criteria: "Nope = 1"}]}'
placed portal-list 'name: x
hubspot: {lists: [{name: L, object: contacts, processing: SOMETIMES}]}'
placed integration-user 'name: x
integration_user: nobody@x.io'
placed checks 'name: x
checks: [no_duplicates]'
[ $audit -ge 25 ] || fail "the audit ran $audit cases"

"$crmsim" run -q "$dir/tiny.yaml" --seed 5 --trace "$out/t.jsonl" >"$out/run1.txt" || fail "run"
"$crmsim" run -q "$dir/tiny.yaml" --seed 5 >"$out/run2.txt" || fail "run again"
[ "$(grep trace "$out/run1.txt")" = "$(grep trace "$out/run2.txt")" ] || fail "the same seed gave another trace hash"
grep -q '"kind":"action"' "$out/t.jsonl" && grep -q '"kind":"call"' "$out/t.jsonl" || fail "trace lines"
echo "ok"
