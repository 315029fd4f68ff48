#!/usr/bin/env bash
# Install what esbio needs from Debian's archive (only what is missing), then configure and
# build the release preset. Sourced by quickstart.sh and test.sh; safe to run repeatedly.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

packages=(g++ make cmake git openmpi-bin libopenmpi-dev libsundials-dev libhdf5-dev hdf5-tools
          libboost-program-options-dev doctest-dev python3 python3-h5py python3-matplotlib
          python3-numpy python3-scipy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "esbio setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Open MPI refuses root without these; CI and fresh machines run as root.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

cd "$root"
cmake --preset release > /dev/null
cmake --build --preset release -j "$(nproc)"
