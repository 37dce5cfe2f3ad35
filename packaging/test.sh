#!/usr/bin/env bash
# The second of the README's two commands: installs what is missing, builds,
# and runs every test (unit, wire tests against real MQTT clients, a short
# fuzzing run of the codec). CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/setup-debian.sh
bash packaging/build.sh
build_dir=${HEARTH_BUILD_DIR:-build}
ctest --test-dir "$build_dir" -j "$(nproc)" --output-on-failure --timeout 600
if [[ -x tests/fuzz/run.sh ]]; then
  bash tests/fuzz/run.sh "${HEARTH_FUZZ_SECONDS:-30}"
fi
echo "test.sh: all tests passed"
