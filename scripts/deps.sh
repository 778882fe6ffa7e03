#!/usr/bin/env bash
# deps.sh — install the Debian 12 packages assay needs, only those missing.
# Build: compiler, Meson/Ninja, and the libraries libassay links.
# Tests: cmocka, the reference tools (clamscan, yara) and their test files,
# clang with the libFuzzer runtime for the fuzz targets.
# Review (issue 4): libyaml (policy, catalog), SQLite (store, rpmdb), hivex
# (registry hives); libmagic (YARA's magic module); hwdata and ieee-data name USB/PCI ids and MAC prefixes; the
# tests build their fixtures with hivexregedit (libwin-hivex-perl), mingw-w64
# (windres, a PE with version info), osslsigncode (Authenticode) and check the
# HTML report in headless chromium and validate SARIF/CycloneDX with
# python3-jsonschema (the schemas come from the npm registry when npm is there).
set -euo pipefail
packages=(
    gcc pkg-config meson ninja-build python3
    libvectorscan-dev libssl-dev libarchive-dev libjansson-dev
    libcmocka-dev clamav clamav-testfiles yara libyara-dev
    clang libclang-rt-14-dev
    libyaml-dev libsqlite3-dev libhivex-dev libmagic-dev hwdata ieee-data
    libwin-hivex-perl mingw-w64 osslsigncode sqlite3 chromium python3-jsonschema
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
