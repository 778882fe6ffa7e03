#!/usr/bin/env bash
# test.sh — build and run every test suite (unit, end-to-end, differential).
#   scripts/test.sh              normal build in build/
#   scripts/test.sh --sanitize   ASan+UBSan build in build-asan/
# Ends with the line "N passed, N failed" (N = test programs run by Meson).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 2
dir=build
opts=()
skip=()
if [ "${1:-}" = "--sanitize" ]; then
    dir=build-asan
    opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
    skip=(--no-suite rulesets) # the rule-set differential: same code paths, 10 min under ASan
fi
[ -f "$dir/build.ninja" ] || meson setup "$dir" "${opts[@]}" || exit 2
ninja -C "$dir" || exit 2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
meson test -C "$dir" --print-errorlogs --num-processes 2 "${skip[@]}" | tee "$dir/test-summary.txt"
ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$dir/test-summary.txt")
bad=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$dir/test-summary.txt")
timeouts=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$dir/test-summary.txt")
failed=$(( ${bad:-0} + ${timeouts:-0} ))
echo "${ok:-0} passed, $failed failed"
[ "$failed" -eq 0 ] && [ "${ok:-0}" -gt 0 ]
