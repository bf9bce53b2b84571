#!/usr/bin/env bash
# Installs the Debian 12 packages Tower builds, tests and benchmarks with.
# Safe to run repeatedly; needs root (or sudo).
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format python3
  librocksdb-dev liblmdb-dev
  libboost-dev libboost-filesystem-dev
  libtomlplusplus-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libargon2-dev libcrypt-dev libsodium-dev libgcrypt20-dev librust-blake3-dev
  libzstd-dev abigail-tools libroaring-dev
  nats-server libnats-dev golang-go golang-github-nats-io-go-nats-dev
  libedit-dev
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
