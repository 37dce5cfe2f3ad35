#!/usr/bin/env bash
# Runs one official protocol test suite (mocha) against hearth-sio-testserver.
# The suites hard-code http://localhost:3000, so the server takes port 3000
# (ctest serialises the suites with the resource lock "port3000").
#   run-protocol-suite.sh TESTSERVER SUITE.js [MOCHA ARGS...]
set -euo pipefail
server=${1:?usage: run-protocol-suite.sh TESTSERVER SUITE.js}
suite=${2:?usage: run-protocol-suite.sh TESTSERVER SUITE.js}
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d "$here/node_modules/mocha" ]]; then
  echo "run-protocol-suite: $here/node_modules is missing: run 'npm ci' there (packaging/setup-debian.sh does)" >&2
  exit 1
fi
log=$(mktemp)
"$server" --port 3000 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  grep -q "^listening http" "$log" && break
  if ! kill -0 $pid 2>/dev/null; then
    echo "run-protocol-suite: the test server did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.05
done
cd "$here"
"$here/node_modules/.bin/mocha" --timeout 10000 "${@:3}" "$suite"
