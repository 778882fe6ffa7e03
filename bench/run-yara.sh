#!/usr/bin/env bash
# run-yara.sh [--sets "elastic signature-base reversinglabs"] [WORKDIR] — the YARA benchmark
# (issue 3): assay against Debian's yara 4.2.3 on the shared rule sets, same corpus, ratios
# printed.
#   rules:  ../shared/rules/<set>, every .yar/.yara file in byte order, less files importing
#           cuckoo (as tests/diff/yara_rulesets.sh); signature-base with its externals
#           (-d filename= -d filepath= -d extension= -d filetype= -d owner=)
#   corpus: 1 GB from ../shared/bench/make-corpus.sh in WORKDIR/corpus (shared with run.sh)
# For each set (wall seconds and peak RSS from /usr/bin/time):
#   compile:     yarac RULES... X.yarc       vs  assay db compile -o X.adb RULES...
#   load compiled: yara -C X.yarc EMPTY      vs  assay scan -q -d X.adb EMPTY
#   load source: yara RULES... EMPTY         vs  assay yara RULES... EMPTY  (parse + compile)
#   scan:        yara -p 2 -r RULES... CORPUS vs assay yara -p 2 -r RULES... CORPUS
#                (load included; BENCH_COMPILED=1: yara -C X.yarc vs assay yara -C X.adb)
#   matches:     the two scans' outputs, sorted, must be identical
# A step assay cannot do yet shows as FAILED (exit N) in the table; the others still run.
# yara-rules is not in the default sets: yara 4.2.3 scans this corpus at ~1 MB/s with it
# (crypto_signatures.yar, peid.yar, Javascript_exploit_and_obfuscation.yar), i.e. ~20 min
# for 1 GB; add it with --sets when that is wanted.
#
# Environment:
#   ASSAY         assay binary (default build/src/assay)
#   ASSAY_YARA    command prefix replacing "$ASSAY yara" for the scans. When its first word is
#                 yara (a stand-in, to test this script), compile and load use yarac and
#                 yara -C too (ASSAY_STANDIN=1 forces that mode).
#   ASSAY_SHARED  the shared folder (default ../shared)
#   BENCH_RUNS    runs per measure, the fastest kept, for both tools (default 3; the machine's
#                 speed drifts by 20-40% between minutes, so single runs mislead; the corpus
#                 scans of the two tools alternate)
# Results go to stdout as a table; paste into docs/performance.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sets="elastic signature-base reversinglabs"
if [ "${1:-}" = --sets ]; then sets=$2; shift 2; fi
work=${1:-$root/../bench-data}
assay=${ASSAY:-$root/build/src/assay}
shared=${ASSAY_SHARED:-$root/../shared}
runs=${BENCH_RUNS:-3}
read -r -a assay_yara <<<"${ASSAY_YARA:-$assay yara}"
standin=${ASSAY_STANDIN:-0}
[ "$(basename "${assay_yara[0]}")" = yara ] && standin=1

command -v yara >/dev/null && command -v yarac >/dev/null || { echo "run-yara: yara and yarac are needed (scripts/deps.sh)" >&2; exit 1; }
have_time=1
if [ ! -x /usr/bin/time ]; then
    have_time=0
    echo "run-yara: /usr/bin/time is missing (Debian package 'time'): wall times only, no peak memory" >&2
fi
mkdir -p "$work"
[ -d "$work/corpus" ] || bash "$shared/bench/make-corpus.sh" "$work/corpus" 1000
: >"$work/empty"
out=$work/yara-bench
mkdir -p "$out"

measure() { # measure LABEL OUTFILE CMD...: one run; prints "LABEL seconds kilobytes exit-code"
    local label=$1 outfile=$2; shift 2
    local tf start rc=0
    tf=$(mktemp)
    if [ $have_time = 1 ]; then
        /usr/bin/time -o "$tf" -f "%e %M" "$@" >"$outfile" 2>"$tf.err" || rc=$?
    else
        start=$EPOCHREALTIME
        "$@" >"$outfile" 2>"$tf.err" || rc=$?
        awk "BEGIN { printf \"%.2f 0\\n\", $EPOCHREALTIME - $start }" >"$tf"
    fi
    [ $rc = 0 ] || { echo "run-yara: $label: exit $rc: $*" | cut -c1-200; head -3 "$tf.err"; } >&2
    echo "$label $(tail -1 "$tf") $rc"
    rm -f "$tf" "$tf.err"
}
best() { # best LABEL N OUTFILE CMD...: fastest of N runs (memory of that run)
    local label=$1 n=$2; shift 2
    for _ in $(seq "$n"); do measure "$label" "$@"; done | sort -k3,3n | head -1
}
# The corpus scans: yara's and assay's runs alternate, so a slow minute of the
# machine hits both tools alike; the fastest of each is kept.
scan_pair() { # scan_pair SET N ASSAY_OUT ASSAY_CMD... -- YARA_OUT YARA_CMD...
    local set=$1 n=$2 aout=$3; shift 3
    local acmd=() ycmd=() yout
    while [ "$1" != -- ]; do acmd+=("$1"); shift; done
    shift; yout=$1; shift; ycmd=("$@")
    local ys as
    ys=$(mktemp) as=$(mktemp)
    for _ in $(seq "$n"); do
        measure "$set yara_scan" "$yout" "${ycmd[@]}" >>"$ys"
        measure "$set assay_scan" "$aout" "${acmd[@]}" >>"$as"
    done
    sort -k3,3n "$ys" | head -1
    sort -k3,3n "$as" | head -1
    rm -f "$ys" "$as"
}

if [ "$standin" = 1 ]; then version="stand-in: ${assay_yara[*]}"; else version="assay $("$assay" version | cut -d' ' -f2)"; fi
echo "# $version, yara $(yara -v), $(nproc) cores, $(date -u +%F)"
find "$work/corpus" -type f -exec cat {} + >/dev/null   # warm the page cache for both tools
bytes=$(du -sb "$work/corpus" | cut -f1)

results=$out/results.txt
: >"$results"
for set in $sets; do
    setdir=$shared/rules/$set
    [ -d "$setdir" ] || { echo "run-yara: no rule set $setdir" >&2; exit 1; }
    files=()
    while IFS= read -r f; do
        grep -q '^[[:space:]]*import[[:space:]]*"cuckoo"' "$f" || files+=("$f")
    done < <(find "$setdir" -type f \( -name '*.yar' -o -name '*.yara' \) | LC_ALL=C sort)
    defs=()
    [ "$set" = signature-base ] && defs=(-d filename= -d filepath= -d extension= -d filetype= -d owner=)
    yc=$out/$set.yarc ac=$out/$set.adb
    rm -f "$yc" "$ac"
    echo "== $set: ${#files[@]} rule files" >&2
    if [ "$standin" = 1 ]; then
        assay_compile=(yarac -w "${defs[@]}" "${files[@]}" "$ac")
        assay_load=("${assay_yara[@]}" -C "$ac" "$work/empty")
    else
        assay_compile=("$assay" db compile "${defs[@]}" -o "$ac" "${files[@]}")
        assay_load=("$assay" scan -q -d "$ac" "$work/empty")
    fi
    {
        best "$set yara_compile" "$runs" /dev/null yarac -w "${defs[@]}" "${files[@]}" "$yc"
        best "$set assay_compile" "$runs" /dev/null "${assay_compile[@]}"
        best "$set yara_load" "$runs" /dev/null yara -C "$yc" "$work/empty"
        best "$set assay_load" "$runs" /dev/null "${assay_load[@]}"
        best "$set yara_loadsrc" "$runs" /dev/null yara -w "${defs[@]}" "${files[@]}" "$work/empty"
        best "$set assay_loadsrc" "$runs" /dev/null "${assay_yara[@]}" -w "${defs[@]}" "${files[@]}" "$work/empty"
        if [ "${BENCH_COMPILED:-0}" = 1 ]; then
            scan_pair "$set" "$runs" "$out/$set.assay.out" "${assay_yara[@]}" -w -p 2 -r -C "$ac" "$work/corpus" \
                -- "$out/$set.yara.out" yara -w -p 2 -r -C "$yc" "$work/corpus"
        else
            scan_pair "$set" "$runs" "$out/$set.assay.out" "${assay_yara[@]}" -w -p 2 -r "${defs[@]}" "${files[@]}" \
                "$work/corpus" -- "$out/$set.yara.out" yara -w -p 2 -r "${defs[@]}" "${files[@]}" "$work/corpus"
        fi
    } | tee -a "$results" >&2
    [ -s "$ac" ] || echo "run-yara: WARNING: no compiled rules from: ${assay_compile[*]:0:4} ..." >&2
    # yara exits 0 when it scanned; an exit code that differs is a difference too
    if [ "$(grep "^$set yara_scan " "$results" | cut -d' ' -f5)" = "$(grep "^$set assay_scan " "$results" | cut -d' ' -f5)" ] &&
       cmp -s <(LC_ALL=C sort "$out/$set.yara.out") <(LC_ALL=C sort "$out/$set.assay.out"); then
        echo "$set same_matches yes $(wc -l <"$out/$set.yara.out")" >>"$results"
    else
        echo "$set same_matches no $(LC_ALL=C comm -3 <(LC_ALL=C sort "$out/$set.yara.out") <(LC_ALL=C sort "$out/$set.assay.out") | wc -l)" >>"$results"
    fi
done

python3 - "$results" "$bytes" "$have_time" "${BENCH_COMPILED:-0}" <<'PY'
import sys
r, order = {}, []
for line in open(sys.argv[1]):
    s, k, a, b, *rc = line.split()
    if s not in order:
        order.append(s)
    r[(s, k)] = (a, b, rc[0] if rc else "0")
mb = int(sys.argv[2]) / 1e6
mem = sys.argv[3] == "1"
mode = "compiled rules (-C)" if sys.argv[4] == "1" else "source rules"
print(f"\ncorpus {mb:.0f} MB; scans with -p 2 -r from {mode}; ratio = yara / assay (higher: assay better)")
print("| set | measure | yara | assay | ratio |")
print("|---|---|---|---|---|")
def row(s, name, k, unit, col=0, scale=1.0):
    ry, ra = r[(s, "yara_" + k)], r[(s, "assay_" + k)]
    y, a = float(ry[col]) / scale, float(ra[col]) / scale
    ratio = f"{y / a:.1f}x" if a > 0 else "-"
    p = 3 if unit == "s" else 1
    ys = f"{y:.{p}f} {unit}" if ry[2] == "0" else f"FAILED (exit {ry[2]})"
    as_ = f"{a:.{p}f} {unit}" if ra[2] == "0" else f"FAILED (exit {ra[2]})"
    if ry[2] != "0" or ra[2] != "0":
        ratio = "-"
    print(f"| {s} | {name} | {ys} | {as_} | {ratio} |")
for s in order:
    row(s, "compile", "compile", "s")
    if mem:
        row(s, "peak memory, compile", "compile", "MB", 1, 1024)
    row(s, "load compiled rules", "load", "s")
    if mem:
        row(s, "peak memory, load compiled", "load", "MB", 1, 1024)
    row(s, "load source rules", "loadsrc", "s")
    if mem:
        row(s, "peak memory, load source", "loadsrc", "MB", 1, 1024)
    row(s, "scan corpus, load included", "scan", "s")
    ys, as_ = float(r[(s, "yara_scan")][0]), float(r[(s, "assay_scan")][0])
    if ys > 0 and as_ > 0:
        print(f"| {s} | throughput | {mb / ys:.1f} MB/s | {mb / as_:.1f} MB/s | {ys / as_:.1f}x |")
    if mem:
        row(s, "peak memory, scan", "scan", "MB", 1, 1024)
    same, n, _ = r[(s, "same_matches")]
    print(f"| {s} | same matches | {'yes' if same == 'yes' else 'NO'} | {n} {'lines' if same == 'yes' else 'lines differ'} | |")
PY
