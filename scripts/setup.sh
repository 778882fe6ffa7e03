#!/usr/bin/env bash
# setup.sh — install what is missing, build, and run the two main jobs on
# embedded defaults:
#   1. `assay scan` with the bundled sample signatures (EICAR and the ClamAV
#      test file) on a demo folder;
#   2. `assay review` with the built-in example policy and vendor catalog on a
#      demo offline root (tests/fixtures/make-root.sh: a dpkg status, registry
#      hives, signed PE files, app bundles, a fake sysfs and ARP table).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
demo=$(mktemp -d /tmp/assay-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/files"
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$demo/files/eicar.com"
echo "an ordinary file" > "$demo/files/readme.txt"
[ -d /usr/share/clamav-testfiles ] && cp /usr/share/clamav-testfiles/clam.zip /usr/share/clamav-testfiles/clam.tar.gz "$demo/files/"
echo "== assay scan $demo/files (bundled sample database)"
status=0
./build/src/assay scan "$demo/files" || status=$?
# 1 means "found something", which is what this demo is for.
[ "$status" -le 1 ] || exit "$status"

bash tests/fixtures/make-root.sh "$demo/root" >/dev/null
echo
echo "== assay review --root $demo/root --host-tag sensitive (built-in example policy and catalog)"
status=0
./build/src/assay review --root "$demo/root" --host-tag sensitive --no-store || status=$?
[ "$status" -le 1 ]
