#!/usr/bin/env bash
# Builds the codec fuzz target with clang, ASan and UBSan in its own build
# directory and fuzzes it for N seconds (default 60), starting from the
# committed seeds. Usage: tests/fuzz/run.sh [SECONDS]
# A crash leaves its input in $build/tests/fuzz/artifacts/ and exits non-zero;
# reproduce it with: $build/tests/fuzz/fuzz_codec <that file>
set -euo pipefail
seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "run.sh: SECONDS must be a number, not '$seconds'" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${HEARTH_FUZZ_BUILD_DIR:-$root/build-fuzz}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_FUZZ=ON -DHEARTH_TESTS=OFF >/dev/null
ninja -C "$build" -j2 fuzz_codec

fuzz="$build/tests/fuzz"
mkdir -p "$fuzz/corpus/codec" "$fuzz/artifacts"
"$fuzz/fuzz_codec" -max_total_time="$seconds" -rss_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$fuzz/artifacts/" "$fuzz/corpus/codec" "$root/tests/fuzz/corpus/codec"
echo "run.sh: fuzz_codec ran ${seconds}s without a finding"
