#!/bin/sh
# `crmsim serve --state FILE` as a team's tests use it: data written through
# the APIs (a Salesforce lead, a HubSpot contact) is there again after a
# restart, under the same ids, and the clients' credentials still work; a
# state file that is not one, or that was made from another description,
# is refused with exit 2 and left as it is.
crmsim="$1"
name=serve-state-test
. "$(dirname "$0")/serve_lib.sh"

start() {
  rm -f "$out/ready.json"
  "$crmsim" serve --state "$out/state.json" --ready-file "$out/ready.json" --admin-token t \
    "$@" >/dev/null 2>"$out/err.txt" &
  pid=$!
  wait_ready "$out/ready.json"
}
stop() {
  kill -TERM "$pid"
  wait "$pid"
  rc=$?
  pid=""
  [ $rc -eq 0 ] || fail "a SIGTERM must end serve with 0 (got $rc)"
}

start
node - "$out/ready.json" "$out/first.json" <<'JS' || fail "the first run"
const fs = require('node:fs');
const assert = require('node:assert/strict');
const ready = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
(async () => {
  const sf = ready.salesforce;
  const user = sf.users[0];
  const login = await (await fetch(sf.token_url, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'c', client_secret: 's',
      username: user.username, password: user.password }) })).json();
  const auth = { Authorization: `Bearer ${login.access_token}`, 'Content-Type': 'application/json' };
  const v = `${sf.instance_url}/services/data/v${sf.api_version}`;
  const lead = await fetch(`${v}/sobjects/Lead`, { method: 'POST', headers: auth,
    body: JSON.stringify({ LastName: 'Lovelace', Company: 'Engines', Email: 'ada@engines.example' }) });
  assert.equal(lead.status, 201);
  const hs = ready.hubspot;
  const contact = await fetch(`${hs.base_url}/crm/v3/objects/contacts`, { method: 'POST',
    headers: { Authorization: `Bearer ${hs.access_token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ properties: { email: 'grace@navy.example', lifecyclestage: 'lead' } }) });
  assert.equal(contact.status, 201);
  fs.writeFileSync(process.argv[3], JSON.stringify({ session: login.access_token,
    lead: (await lead.json()).id, contact: (await contact.json()).id, hs_token: hs.access_token }));
})().catch((e) => { console.error(e); process.exit(1); });
JS
stop
grep -q '"format":"crmsim-state"' "$out/state.json" || fail "no state file after a clean exit"

start
node - "$out/ready.json" "$out/first.json" <<'JS' || fail "the data after a restart"
const fs = require('node:fs');
const assert = require('node:assert/strict');
const ready = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const first = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
(async () => {
  const sf = ready.salesforce;
  const v = `${sf.instance_url}/services/data/v${sf.api_version}`;
  const lead = await fetch(`${v}/sobjects/Lead/${first.lead}`,
    { headers: { Authorization: `Bearer ${first.session}` } });
  assert.equal(lead.status, 200, 'the session of the last run still works');
  assert.equal((await lead.json()).Email, 'ada@engines.example');
  const hs = ready.hubspot;
  assert.equal(hs.access_token, first.hs_token, 'the private-app token is kept');
  assert.equal(hs.access_token_source, '--state');
  const contact = await fetch(`${hs.base_url}/crm/v3/objects/contacts/${first.contact}?properties=email,lifecyclestage`,
    { headers: { Authorization: `Bearer ${first.hs_token}` } });
  assert.equal(contact.status, 200);
  const body = await contact.json();
  assert.equal(body.properties.email, 'grace@navy.example');
  assert.equal(body.properties.lifecyclestage, 'lead');
})().catch((e) => { console.error(e); process.exit(1); });
JS
stop

cp "$out/state.json" "$out/state.good"
printf 'not: a state\n' >"$out/other.yaml"
"$crmsim" serve --state "$out/state.json" --hubspot-portal "$out/other.yaml" >/dev/null 2>"$out/err2.txt"
[ $? -eq 2 ] || fail "a state from another description must exit 2"
grep -q "another description" "$out/err2.txt" || fail "the error says why: $(cat "$out/err2.txt")"
cmp -s "$out/state.json" "$out/state.good" || fail "a refused start leaves the state file as it was"
printf '{"format":"crmsim-state"' >"$out/state.json"
"$crmsim" serve --state "$out/state.json" >/dev/null 2>"$out/err3.txt"
[ $? -eq 2 ] || fail "a torn state file must exit 2"
grep -q "state.json: not a crmsim state file" "$out/err3.txt" || fail "the error names the file: $(cat "$out/err3.txt")"
echo "ok - serve state"
