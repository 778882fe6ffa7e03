#!/usr/bin/env bash
# yara_random.sh ASSAY_BINARY — random differential test of `assay yara` against yara 4.2.3
# (tests/diff/yara_random.py) with a fixed seed and a CI-sized count (~20 s, < 60 s on a
# loaded 2-core machine). Exit 0 when every case agrees, 1 on a difference (printed with a
# reproducer), 77 when skipped.
#   ASSAY_YARA         command prefix replacing "ASSAY_BINARY yara" (e.g. "yara" to test the
#                      generator with the reference standing in for assay)
#   YARA_RANDOM_SEED   seed (default 1), YARA_RANDOM_COUNT cases (default 200)
# Exit 77 (skipped) when yara is missing or the binary has no `yara` command yet.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v "${YARA:-yara}" >/dev/null; then
    echo "yara_random: yara is not installed (scripts/deps.sh): skipped"; exit 77
fi
if [ -z "${ASSAY_YARA:-}" ]; then
    assay=${1:?usage: yara_random.sh ASSAY_BINARY}
    if "$assay" yara --help 2>&1 | grep -q "unknown command"; then
        echo "yara_random: $assay has no 'yara' command yet: skipped"; exit 77
    fi
    ASSAY_YARA="$(printf '%q' "$assay") yara"
fi
exec python3 "$here/yara_random.py" --seed "${YARA_RANDOM_SEED:-1}" --count "${YARA_RANDOM_COUNT:-200}" \
    --assay "$ASSAY_YARA"
