#!/usr/bin/env bash
# Installs everything Hearth needs to build and test on Debian 12 (bookworm).
# Idempotent: packages already present are not reinstalled, and apt-get update
# runs only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libtomlplusplus-dev libsqlite3-dev libssl-dev
  catch2
  # test peers: real MQTT clients and a reference broker for the benchmarks
  mosquitto mosquitto-clients python3-paho-mqtt python3-pytest
  # hearth-agent's TLS wire test makes its certificates with the openssl CLI
  openssl
  # Socket.IO peer: Debian's python-socketio 5 client (Socket.IO v5 / Engine.IO v4)
  python3-socketio python3-websocket python3-requests
  # fuzzing (libFuzzer ships with clang's runtime)
  clang libclang-rt-14-dev
  # the web UI's front-end libraries (npm lockfiles) and its browser tests
  nodejs chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian starts mosquitto as a service when it is installed; Hearth's tests and
# benchmarks start their own instances on free ports, so the system one is not
# needed (and would hold port 1883).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  systemctl stop mosquitto || true
fi
# npm packages from the lockfiles, installed only when a lockfile changed
# (a stamp beside node_modules remembers which one was installed). Nothing is
# downloaded at build or run time: the web UI's vendor files are copied into
# assets/vendor/ (gitignored) and embedded from there; the browser tests use
# Debian's chromium, never a downloaded one.
# NodeSource's nodejs bundles npm (and conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then
  sudo_npm=""; [[ $(id -u) -eq 0 ]] || sudo_npm=sudo
  DEBIAN_FRONTEND=noninteractive $sudo_npm apt-get install -y -q --no-install-recommends npm
fi
npm_ci() {
  local dir=$1 stamp="$1/node_modules/.hearth-lock.sha256" want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [[ -f $stamp && $(cat "$stamp") == "$want" ]] && return 0
  echo "setup: npm ci in $dir"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts
  echo "$want" > "$stamp"
}
root=$(cd "$(dirname "$0")/.." && pwd)
npm_ci "$root/assets"
npm_ci "$root/tests/e2e"
npm_ci "$root/tests/js"   # the official Engine.IO/Socket.IO suites, engine.io-client, socket.io-client, mqtt
cd "$root"
mkdir -p assets/vendor
# install -C leaves unchanged files untouched, so the embedded assets are not rebuilt.
install -C -m 644 assets/node_modules/uplot/dist/uPlot.iife.min.js assets/node_modules/uplot/dist/uPlot.min.css \
   assets/node_modules/socket.io-client/dist/socket.io.min.js assets/vendor/
echo "setup: all build and test dependencies are present"
