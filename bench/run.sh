#!/usr/bin/env bash
# run.sh [WORKDIR] — the foundation benchmark: assay against clamscan, same
# database, same corpus, one run, ratios printed.
#   database: 1,000,000 .hsb SHA-256 lines + 50,000 .ndb body signatures (bench/make-db.py)
#   corpus:   1 GB from ../shared/bench/make-corpus.sh
# Measures (wall seconds and peak RSS from /usr/bin/time):
#   load:  each tool scanning one tiny file with the database (clamscan from
#          source text, as it always loads; assay from its compiled file)
#   scan:  the corpus, load included, default settings of each tool
#          (clamscan -r; assay with every core), and assay with one thread
# Results go to stdout as a table; paste into docs/performance.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=${1:-$root/../bench-data}
assay=${ASSAY:-$root/build/src/assay}
shared=${ASSAY_SHARED:-$root/../shared}
mkdir -p "$work"
[ -f "$work/db/bench.hsb" ] || python3 "$here/make-db.py" "$work/db"
[ -d "$work/corpus" ] || bash "$shared/bench/make-corpus.sh" "$work/corpus" 1000
echo hello > "$work/tiny.txt"

measure() { # measure LABEL CMD...: one run; prints "LABEL seconds kilobytes"
    local label=$1; shift
    local tf
    tf=$(mktemp)
    /usr/bin/time -o "$tf" -f "%e %M" "$@" >/dev/null 2>&1 || true
    echo "$label $(tail -1 "$tf")"
    rm -f "$tf"
}
best() { # best LABEL N CMD...: fastest of N runs (memory of that run)
    local label=$1 n=$2; shift 2
    for _ in $(seq "$n"); do measure "$label" "$@"; done | sort -k2 -n | head -1
}

echo "# assay $("$assay" version | cut -d' ' -f2), clamscan $(clamscan --version | cut -d/ -f1 | cut -d' ' -f2), $(nproc) cores, $(date -u +%F)"
/usr/bin/time -o "$work/compile.time" -f "compile %e %M" "$assay" db compile -o "$work/bench.adb" "$work/db" >/dev/null
compile=$(tail -1 "$work/compile.time")
find "$work/corpus" -type f -exec cat {} + >/dev/null   # warm the page cache for both tools

results=$(mktemp)
{
    best clam_load 3 clamscan --no-summary -d "$work/db" "$work/tiny.txt"
    best assay_load 5 "$assay" scan -q -d "$work/bench.adb" "$work/tiny.txt"
    measure clam_scan clamscan -r --no-summary -d "$work/db" "$work/corpus"
    best assay_scan 3 "$assay" scan -q -d "$work/bench.adb" "$work/corpus"
    best assay_scan1 3 "$assay" scan -q --threads 1 -d "$work/bench.adb" "$work/corpus"
} | tee "$results"
bytes=$(du -sb "$work/corpus" | cut -f1)
python3 - "$results" "$bytes" "$compile" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    k, s, m = line.split()
    r[k] = (float(s), int(m))
mb = int(sys.argv[2]) / 1e6
cs, cm = sys.argv[3].split()[1:]
print(f"\ncorpus {mb:.0f} MB; assay db compile: {cs} s, {int(cm)//1024} MB peak")
print("| measure | clamscan | assay | ratio |")
print("|---|---|---|---|")
def row(name, c, a, unit, better_low=True):
    ratio = c / a if better_low else a / c
    print(f"| {name} | {c:.3f} {unit} | {a:.3f} {unit} | {ratio:.1f}x |")
row("load database (s)", r["clam_load"][0], r["assay_load"][0], "s")
row("peak memory, load (MB)", r["clam_load"][1] / 1024, r["assay_load"][1] / 1024, "MB")
row("peak memory, corpus scan (MB)", r["clam_scan"][1] / 1024, r["assay_scan"][1] / 1024, "MB")
row("scan corpus, load included (s)", r["clam_scan"][0], r["assay_scan"][0], "s")
print(f"| throughput (MB/s), default threads | {mb / r['clam_scan'][0]:.1f} | {mb / r['assay_scan'][0]:.1f} | {r['clam_scan'][0] / r['assay_scan'][0]:.1f}x |")
print(f"| throughput (MB/s), assay 1 thread | {mb / r['clam_scan'][0]:.1f} | {mb / r['assay_scan1'][0]:.1f} | {r['clam_scan'][0] / r['assay_scan1'][0]:.1f}x |")
PY
rm -f "$results"
