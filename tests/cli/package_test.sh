#!/bin/sh
# The Debian package as a user installs it: CPack builds it from this build
# tree, dpkg-deb -x unpacks it into a temporary root (no root rights, no
# dpkg database touched), and the packaged crmsim serves from there with the
# packaged example descriptions. Its files, its computed dependencies and
# its --help text are checked too. (`make package` builds the same from the
# optimized build.)
build="$1"
name=package-test
. "$(dirname "$0")/serve_lib.sh"

cpack --config "$build/CPackConfig.cmake" -B "$out/pkg" >"$out/cpack.txt" 2>&1 ||
  { cat "$out/cpack.txt"; fail "cpack failed"; }
deb=$(ls "$out"/pkg/crmsim_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no crmsim_*.deb in $out/pkg"
dpkg-deb -f "$deb" Package | grep -qx crmsim || fail "the package is not named crmsim"
dpkg-deb -f "$deb" Depends | grep -q libc6 || fail "no computed dependencies: $(dpkg-deb -f "$deb" Depends)"
root="$out/root"
dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x"
for f in usr/bin/crmsim usr/share/doc/crmsim/README.md usr/share/doc/crmsim/crmsim-help.txt \
  usr/share/doc/crmsim/docs/serve.md usr/share/crmsim/examples/hubspot-portal.yaml \
  usr/share/crmsim/examples/salesforce-org.yaml; do
  [ -s "$root/$f" ] || fail "the package lacks $f"
done
ls "$root"/usr/share/crmsim/scenarios/*.yaml >/dev/null 2>&1 || fail "the package lacks the scenarios"
grep -q "crmsim serve --help" "$root/usr/share/doc/crmsim/crmsim-help.txt" || fail "no serve --help text"
"$root/usr/bin/crmsim" --version | grep -q "^crmsim " || fail "the packaged crmsim does not run"

"$root/usr/bin/crmsim" serve --ready-file "$out/ready.json" --admin-token t \
  --salesforce-org "$root/usr/share/crmsim/examples/salesforce-org.yaml" \
  --hubspot-portal "$root/usr/share/crmsim/examples/hubspot-portal.yaml" >/dev/null 2>"$out/err.txt" &
pid=$!
wait_ready "$out/ready.json"
node - "$out/ready.json" <<'JS' || fail "the packaged server answers"
const fs = require('node:fs');
const assert = require('node:assert/strict');
const ready = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
(async () => {
  for (const url of [ready.salesforce.instance_url, ready.hubspot.base_url]) {
    const health = await fetch(`${url}/__admin/health`);
    assert.equal(health.status, 200);
  }
  const contacts = await fetch(`${ready.hubspot.base_url}/crm/v3/objects/contacts`,
    { headers: { Authorization: `Bearer ${ready.hubspot.access_token}` } });
  assert.equal(contacts.status, 200);
})().catch((e) => { console.error(e); process.exit(1); });
JS
kill -TERM "$pid"
wait "$pid"
pid=""
echo "ok - package"
