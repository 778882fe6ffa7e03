#!/usr/bin/env bash
# deps.sh — install the Debian 12 packages assay needs, only those missing.
# Build: compiler, Meson/Ninja, and the libraries libassay links.
# Tests: cmocka, the reference tools (clamscan, yara) and their test files,
# clang with the libFuzzer runtime for the fuzz targets.
set -euo pipefail
packages=(
    gcc pkg-config meson ninja-build python3
    libvectorscan-dev libssl-dev libarchive-dev libjansson-dev
    libcmocka-dev clamav clamav-testfiles yara libyara-dev
    clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
