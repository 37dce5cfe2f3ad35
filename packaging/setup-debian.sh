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
  # fuzzing (libFuzzer ships with clang's runtime)
  clang libclang-rt-14-dev
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
echo "setup: all build and test dependencies are present"
