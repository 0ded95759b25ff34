#!/usr/bin/env bash
# Installs the Debian packages the whole project needs, only those that are missing.
# Idempotent: when everything is present it checks with dpkg-query and exits in well under a second.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libgrpc-dev
  librocksdb-dev
  libboost-dev libboost-system-dev
  libssl-dev openssl libsodium-dev
  libtorch-dev libopenblas0-pthread
  libisal-dev
  libgtest-dev libgmock-dev googletest
  libbenchmark-dev
  libtomlplusplus-dev
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  zlib1g-dev
  clang libclang-rt-dev
  dataset-fashion-mnist
  python3-pytest python3-numpy python3-torch pybind11-dev python3-dev
  nodejs
)
# npm runs the @a2a-js/sdk client of the agent hub e2e test (tests/e2e/a2a_client). A NodeSource
# nodejs ships its own npm (and conflicts with Debian's), so the package is added only when missing.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
