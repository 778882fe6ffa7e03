#!/usr/bin/env bash
# setup.sh — install what is missing, build, and run `assay scan` with the
# bundled sample database (EICAR and the ClamAV test file) on a demo folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
demo=$(mktemp -d /tmp/assay-demo.XXXXXX)
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$demo/eicar.com"
echo "an ordinary file" > "$demo/readme.txt"
[ -d /usr/share/clamav-testfiles ] && cp /usr/share/clamav-testfiles/clam.zip /usr/share/clamav-testfiles/clam.tar.gz "$demo/"
echo "== assay scan $demo (bundled sample database)"
status=0
./build/src/assay scan "$demo" || status=$?
rm -rf "$demo"
# 1 means "found something", which is what this demo is for.
[ "$status" -le 1 ]
