#!/usr/bin/env bash
# Configures and builds Hearth into build/ (Ninja, ccache when present).
# Re-running it rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${HEARTH_BUILD_DIR:-build}
extra=()
# CI treats warnings as errors; a developer's build stays forgiving.
[[ "${CI:-}" == "true" ]] && extra+=(-DHEARTH_WERROR=ON)

if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}"
elif ((${#extra[@]})); then
  cmake -S . -B "$build_dir" "${extra[@]}" >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)"
