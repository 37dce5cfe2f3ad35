#!/usr/bin/env bash
# The first of the README's two commands: installs what is missing, builds,
# and runs the demo (hearthd --demo). Extra arguments go to hearthd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/setup-debian.sh
bash packaging/build.sh
exec build/hearthd --demo --data-dir "${HEARTH_DEMO_DIR:-build/demo-data}" "$@"
