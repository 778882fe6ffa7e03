#!/usr/bin/env bash
# fuzz.sh [SECONDS] — build the libFuzzer targets with clang (ASan+UBSan) in
# build-fuzz/ and run each for SECONDS (default 30) from its seed corpus in
# tests/fuzz/corpus/<target>/ if there is one. A crash fails the run and
# leaves the reproducer in build-fuzz/crash-*.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debugoptimized -Dc_args=-fsanitize=fuzzer-no-link || exit 2
fi
ninja -C build-fuzz || exit 2
passed=0
failed=0
for exe in build-fuzz/tests/fuzz_*; do
    [ -f "$exe" ] && [ -x "$exe" ] || continue
    name=$(basename "$exe")
    corpus=build-fuzz/corpus-$name
    mkdir -p "$corpus"
    seeds=tests/fuzz/corpus/$name
    [ -d "$seeds" ] || seeds=
    # Real PE, .NET, ELF, Mach-O and DEX files from YARA's test data (in ../shared,
    # not copied here) seed the executable formats' parsers: from nothing, the
    # fuzzer rarely builds a PE far enough to reach the .NET metadata.
    shared=${ASSAY_SHARED:-../shared}
    case "$name" in
    fuzz_pe | fuzz_dotnet | fuzz_elf | fuzz_macho | fuzz_dex)
        [ -d "$shared/yara-tests/data" ] && seeds="$shared/yara-tests/data" ;;
    esac
    # The shipped data files seed their parsers (kept where they are, not copied).
    [ "$name" = fuzz_policy ] && seeds="data/policy tests/data/policy"
    [ "$name" = fuzz_catalog ] && seeds="data/catalog"
    if "$exe" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -artifact_prefix=build-fuzz/ \
        "$corpus" $seeds >build-fuzz/$name.log 2>&1; then
        echo "fuzz $name: ok ($(grep -c . "$corpus"/* 2>/dev/null | wc -l) corpus files)"
        passed=$((passed + 1))
    else
        echo "fuzz $name: FAILED (see build-fuzz/$name.log)"
        tail -30 build-fuzz/$name.log
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
