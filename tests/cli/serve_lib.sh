# Sourced by the `crmsim serve` shell tests: a scratch directory removed at
# exit (with the server, if one still runs), fail(), and a wait for the
# ready file as CI scripts write it.
# Usage: name=NAME; . serve_lib.sh   (sets $out; $pid holds the server's pid)
set -u
out="${TMPDIR:-/tmp}/crmsim-${name:?}-$$"
mkdir -p "$out"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; [ -f "$out/err.txt" ] && cat "$out/err.txt"; exit 1; }

# wait_ready FILE: until serve has written FILE (30 s at most, and only
# while $pid runs).
wait_ready() {
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1))
    [ $i -le 300 ] || fail "no ready file within 30 s"
    kill -0 "$pid" 2>/dev/null || fail "crmsim serve exited"
    sleep 0.1
  done
}
