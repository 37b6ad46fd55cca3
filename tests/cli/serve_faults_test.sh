#!/bin/sh
# `crmsim serve --faults FILE` as a team's CI uses it: faults in force from
# the start, seen by a real HTTP client (Node's fetch), marked in the
# journal; a bad faults file is refused with exit 2, naming the key.
crmsim="$1"
name=serve-faults-test
. "$(dirname "$0")/serve_lib.sh"

cat >"$out/faults.yaml" <<'YAML'
# A scenario's faults: block works as it is.
faults:
  hubspot:
    rules:
      - {route: "POST /crm/v3/objects/contacts", skip: 3, times: 1, status: 503}
  salesforce:
    hold: 200ms
    rules:
      - {route: "POST /services/data/*/sobjects/Lead", fault: lost_response}
      - {route: "GET /services/data/*/limits", fault: timeout}
YAML
"$crmsim" serve --faults "$out/faults.yaml" --port-file "$out/ports.json" \
  --ready-file "$out/ready.json" --admin-token admin-t >/dev/null 2>"$out/err.txt" &
pid=$!
wait_ready "$out/ready.json"

node - "$out/ready.json" <<'JS' || fail "faults from the file"
const fs = require('node:fs');
const assert = require('node:assert/strict');
const ready = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const admin = { 'X-Admin-Token': 'admin-t' };
(async () => {
  const hs = ready.hubspot;
  const statuses = [];
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${hs.base_url}/crm/v3/objects/contacts`, { method: 'POST',
      headers: { Authorization: `Bearer ${hs.access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ properties: { email: `c${i}@x.example` } }) });
    statuses.push(r.status);
  }
  assert.deepEqual(statuses, [201, 201, 201, 503, 201]);
  const hsCount = await (await fetch(`${hs.base_url}/__admin/journal/count?fault=any`, { headers: admin })).json();
  assert.equal(hsCount.count, 1);

  const sf = ready.salesforce;
  const user = sf.users[0];
  const login = await fetch(sf.token_url, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'c', client_secret: 's',
      username: user.username, password: user.password }) });
  assert.equal(login.status, 200);
  const { access_token: token } = await login.json();
  const v = `${sf.instance_url}/services/data/v${sf.api_version}`;
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  // The lead is created, and its answer never arrives.
  await assert.rejects(fetch(`${v}/sobjects/Lead`, { method: 'POST', headers: auth,
    body: JSON.stringify({ LastName: 'Lost', Company: 'Acme' }) }));
  const found = await (await fetch(`${v}/query?q=${encodeURIComponent("SELECT Id FROM Lead WHERE LastName = 'Lost'")}`,
    { headers: auth })).json();
  assert.equal(found.totalSize, 1, 'the lost call was applied');
  // A held call: no answer, the connection closes after the hold.
  const started = Date.now();
  await assert.rejects(fetch(`${v}/limits`, { headers: auth }));
  assert.ok(Date.now() - started >= 150, 'held before the drop');
  const journal = await (await fetch(`${sf.instance_url}/__admin/journal?fault=any&user=${user.user_id}`,
    { headers: admin })).json();
  assert.deepEqual(journal.calls.map((c) => [c.fault, c.status]),
    [['rule 0: lost_response', 201], ['rule 1: timeout', 0]]);
  const state = await (await fetch(`${sf.instance_url}/__admin/faults`, { headers: admin })).json();
  assert.equal(state.hold, '200ms');
  assert.deepEqual(state.rules.map((r) => r.fired), [1, 1]);
})().catch((e) => { console.error(e); process.exit(1); });
JS

kill -TERM "$pid"
wait "$pid"
pid=""

printf 'hubspot: {errors: 3}\n' >"$out/bad.yaml"
"$crmsim" serve --faults "$out/bad.yaml" >/dev/null 2>"$out/err2.txt"
[ $? -eq 2 ] || fail "a bad faults file must exit 2"
grep -q "bad.yaml" "$out/err2.txt" || fail "the error names the file"
grep -q "faults.hubspot.errors" "$out/err2.txt" || fail "the error names the key: $(cat "$out/err2.txt")"
printf 'crashes: 0.1\n' >"$out/sim.yaml"
"$crmsim" serve --faults "$out/sim.yaml" >/dev/null 2>"$out/err3.txt"
[ $? -eq 2 ] || fail "a simulator-only fault must exit 2"
grep -q "faults.crashes" "$out/err3.txt" || fail "the error names crashes: $(cat "$out/err3.txt")"
echo "ok - serve faults"
