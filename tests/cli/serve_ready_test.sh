#!/bin/sh
# `crmsim serve` as a CI script or a Testcontainers-style launcher waits for
# it: --ready-file and --port-file appear once both fakes listen (a stale one
# is removed first), /__admin/health answers without a token on both, and a
# SIGTERM removes the files again.
crmsim="$1"
name=serve-ready-test
. "$(dirname "$0")/serve_lib.sh"

echo '{"stale":true}' >"$out/ready.json"
"$crmsim" serve --ready-file "$out/ready.json" --port-file "$out/ports.json" \
  --admin-token admin-secret-7f3a >"$out/stdout.txt" 2>"$out/err.txt" &
pid=$!
i=0
while ! grep -q '"hubspot"' "$out/ready.json" 2>/dev/null; do
  i=$((i + 1))
  [ $i -le 300 ] || fail "no ready file within 30 s"
  kill -0 "$pid" 2>/dev/null || fail "crmsim serve exited"
  sleep 0.1
done
grep -q '"stale"' "$out/ready.json" && fail "the stale ready file was not replaced"
[ -f "$out/ports.json" ] || fail "the port file is written before the ready file"
cmp -s "$out/ready.json" "$out/stdout.txt" || fail "the ready file holds the announced line"

node - "$out/ports.json" "$out/ready.json" <<'JS' || fail "health checks"
const fs = require('node:fs');
const assert = require('node:assert/strict');
const ports = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const ready = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
(async () => {
  for (const [service, port] of Object.entries(ports)) {
    assert.ok(Number.isInteger(port) && port > 0, `${service} port`);
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/__admin/health`);
    assert.equal(health.status, 200);
    const body = await health.json();
    assert.equal(body.status, 'ok');
    assert.equal(body.service, service);
    assert.ok(!JSON.stringify(body).includes(ready.admin.token), 'health reveals no token');
    // Every other admin route still needs the token.
    assert.equal((await fetch(`${base}/__admin/journal`)).status, 401);
  }
  assert.equal(ready.salesforce.instance_url, `http://127.0.0.1:${ports.salesforce}`);
  assert.equal(ready.hubspot.base_url, `http://127.0.0.1:${ports.hubspot}`);
})().catch((e) => { console.error(e); process.exit(1); });
JS

kill -TERM "$pid"
wait "$pid"
[ $? -eq 0 ] || fail "a SIGTERM must end serve with 0"
pid=""
[ ! -e "$out/ready.json" ] || fail "the ready file outlives the server"
[ ! -e "$out/ports.json" ] || fail "the port file outlives the server"

# A ready file that cannot be written is an error, not a silent wait.
"$crmsim" serve --ready-file "$out/no/such/dir/ready.json" >/dev/null 2>"$out/err2.txt"
[ $? -eq 2 ] || fail "an unwritable ready file must exit 2"
grep -q "no/such/dir" "$out/err2.txt" || fail "the error names the file"
echo "ok - serve readiness"
