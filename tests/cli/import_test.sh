#!/bin/sh
# `crmsim import --salesforce` on a Salesforce DX project written from the
# documented formats: it writes an org description, a scenario and a report;
# the report lists what was not imported with file and line; the scenario
# validates as it is, and its verdict shows what the org's rules imply
# (contacts under private accounts the integration user cannot see come back
# as duplicates; the customized country list refuses addresses). Malformed
# metadata exits 2 naming the file and the line.
set -u
crmsim="$1"
src="$2"
out="${TMPDIR:-/tmp}/crmsim-import-test-$$"
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$crmsim" import --salesforce "$src/tests/import/fixtures/sfdx-acme" --out "$out/acme" >"$out/import.txt" 2>&1
[ $? -eq 0 ] || { cat "$out/import.txt"; fail "import"; }
for f in org.yaml scenario.yaml import-report.txt; do
  [ -s "$out/acme/$f" ] || fail "no $f"
done
grep -q "validation rules *3" "$out/import.txt" || { cat "$out/import.txt"; fail "validation rules not counted"; }
grep -q "No_Status_Skip.validationRule-meta.xml:6: validation rule Lead.No_Status_Skip: its formula does not fit the fake's rule language: ISCHANGED()" \
  "$out/acme/import-report.txt" || { cat "$out/acme/import-report.txt"; fail "the untranslatable rule is not listed"; }
grep -q "validate it: crmsim validate $out/acme/scenario.yaml" "$out/import.txt" || fail "no command to validate"

# Again without --force: refused, nothing replaced.
"$crmsim" import --salesforce "$src/tests/import/fixtures/sfdx-acme" --out "$out/acme" >"$out/again.txt" 2>&1
[ $? -eq 2 ] && grep -q "exists; --force replaces it" "$out/again.txt" || { cat "$out/again.txt"; fail "overwrote without --force"; }

# The org description serves as it is written.
"$crmsim" validate "$out/acme/scenario.yaml" --json "$out/verdict.json" >"$out/validate.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || { cat "$out/validate.txt"; fail "validate exited $rc"; }
grep -q "could not run" "$out/validate.txt" && { cat "$out/validate.txt"; fail "the imported scenario does not run"; }
grep -q "the integration user could not see an existing Salesforce lead or contact" "$out/validate.txt" \
  || { cat "$out/validate.txt"; fail "no duplicate finding from the private accounts"; }
grep -q "validation rules refused" "$out/validate.txt" || { cat "$out/validate.txt"; fail "no finding on the validation rule"; }
grep -q "refused by the org's validation rules: Partner leads need a phone" "$out/validate.txt" \
  || { cat "$out/validate.txt"; fail "no finding on the integration user's default record type"; }
grep -q "refused whole because a mapped field is read-only to the integration user: Title" "$out/validate.txt" \
  || { cat "$out/validate.txt"; fail "no finding on the profile's read-only Title"; }

# Malformed metadata: exit 2, file and line.
mkdir -p "$out/bad/objects/Lead/fields"
printf '<?xml version="1.0"?>\n<CustomField>\n<fullName>X__c</fullName>\n<type>Text</typo>\n</CustomField>\n' \
  >"$out/bad/objects/Lead/fields/X__c.field-meta.xml"
"$crmsim" import --salesforce "$out/bad" --out "$out/badout" >"$out/bad.txt" 2>&1
[ $? -eq 2 ] || { cat "$out/bad.txt"; fail "malformed metadata did not exit 2"; }
grep -q "objects/Lead/fields/X__c.field-meta.xml: line 4: not well-formed XML" "$out/bad.txt" \
  || { cat "$out/bad.txt"; fail "no file and line"; }
# Describe output (sf sobject describe --json), for admins without a DX project.
"$crmsim" import --salesforce "$src/tests/import/fixtures/describe-acme" --out "$out/desc" >"$out/desc.txt" 2>&1
[ $? -eq 0 ] || { cat "$out/desc.txt"; fail "import of describe output"; }
grep -q "custom fields *10" "$out/desc.txt" || { cat "$out/desc.txt"; fail "described fields not counted"; }
grep -q "record types *1" "$out/desc.txt" || { cat "$out/desc.txt"; fail "record types not counted"; }
"$crmsim" validate "$out/desc/scenario.yaml" >"$out/desc-validate.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || { cat "$out/desc-validate.txt"; fail "validate of described org exited $rc"; }
grep -q "could not run" "$out/desc-validate.txt" && { cat "$out/desc-validate.txt"; fail "the described scenario does not run"; }
printf '{\n  "status": 0,\n  "result": {"name": "Lead",\n' >"$out/Broken.json"
"$crmsim" import --salesforce "$out/Broken.json" --out "$out/brokenout" >"$out/broken.txt" 2>&1
[ $? -eq 2 ] && grep -q "$out/Broken.json: line 4: not JSON" "$out/broken.txt" \
  || { cat "$out/broken.txt"; fail "broken describe output: no exit 2 with file and line"; }
# The whole org and portal: metadata, HubSpot API exports, CSV statistics
# and the connector's settings transcribed; it validates as it is.
printf 'strategy: native\ncontacts:\n  create_in_salesforce_as: lead\n  inclusion_list: MQLs and later\n' \
  >"$out/settings.yaml"
"$crmsim" import --salesforce "$src/tests/import/fixtures/sfdx-acme" \
  --hubspot "$src/tests/import/fixtures/hubspot-acme" \
  --csv "$src/tests/import/fixtures/csv-acme/hubspot-contacts.csv" "$src/tests/import/fixtures/csv-acme/Lead.csv" \
        "salesforce-contacts=$src/tests/import/fixtures/csv-acme/Contact.csv" \
  --settings "$out/settings.yaml" --out "$out/all" >"$out/all.txt" 2>&1
[ $? -eq 0 ] || { cat "$out/all.txt"; fail "import of everything"; }
for f in org.yaml portal.yaml scenario.yaml import-report.txt; do
  [ -s "$out/all/$f" ] || fail "no $f"
done
grep -q "owners (HubSpot) *3" "$out/all.txt" || { cat "$out/all.txt"; fail "owners not counted"; }
grep -q "lifecycle stages marketingqualifiedlead 33.3%" "$out/all.txt" || { cat "$out/all.txt"; fail "no statistics"; }
grep -q "inclusion_list: MQLs and later" "$out/all/scenario.yaml" || fail "the settings are not in the scenario"
grep -q "ann@acme.io" "$out/all/scenario.yaml" "$out/all/portal.yaml" "$out/all/org.yaml" \
  && fail "a record's email was copied without --keep-records"
grep -q "username: rita.rep@acme.example" "$out/all/org.yaml" || fail "HubSpot owners are not Salesforce users"
"$crmsim" validate "$out/all/scenario.yaml" >"$out/all-validate.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || { cat "$out/all-validate.txt"; fail "validate of everything exited $rc"; }
grep -q "could not run" "$out/all-validate.txt" && { cat "$out/all-validate.txt"; fail "the imported scenario does not run"; }

# Without --settings the scenario carries every setting at its default, commented.
"$crmsim" import --hubspot "$src/tests/import/fixtures/hubspot-acme" --out "$out/hs" >"$out/hs.txt" 2>&1
[ $? -eq 0 ] || { cat "$out/hs.txt"; fail "HubSpot-only import"; }
grep -q "on_salesforce_contact_delete: do_nothing  *# delete_contact | do_nothing" "$out/hs/scenario.yaml" \
  || fail "no commented settings template"

# Settings naming a list the portal does not have: exit 2, naming it.
printf 'contacts:\n  inclusion_list: Nobody has this list\n' >"$out/bad-settings.yaml"
"$crmsim" import --hubspot "$src/tests/import/fixtures/hubspot-acme" --settings "$out/bad-settings.yaml" \
  --out "$out/badlist" >"$out/badlist.txt" 2>&1
[ $? -eq 2 ] && grep -q "Nobody has this list" "$out/badlist.txt" \
  || { cat "$out/badlist.txt"; fail "a missing list was not refused"; }

# A broken HubSpot export: exit 2, file and line.
mkdir -p "$out/badhs"
printf '{"results": [\n  {"email": "a@x.io",}\n]}\n' >"$out/badhs/owners.json"
"$crmsim" import --hubspot "$out/badhs" --out "$out/badhsout" >"$out/badhs.txt" 2>&1
[ $? -eq 2 ] && grep -q "owners.json: line 2: not JSON" "$out/badhs.txt" \
  || { cat "$out/badhs.txt"; fail "a broken export did not exit 2 with its line"; }
echo "ok: imported and validated"
