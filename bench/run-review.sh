#!/usr/bin/env bash
# run-review.sh [WORKDIR] — the review benchmarks of issue 4, figures for
# docs/performance.md:
#   1. `assay inventory` of this machine, warm cache (bar: < 1 s wall);
#   2. PE attribution (version info + Authenticode signer, chain checked)
#      over a folder of executables (bar: >= 5,000 files/s): WORKDIR/pe holds
#      PE_COPIES copies of every PE of ../shared/yara-tests/data, of
#      clamav-testfiles and of the signed fixture PEs
#      (tests/fixtures/root-executables.sh); `assay inventory --root
#      WORKDIR/pe --exec-dir /` attributes them all;
#   3. `assay review` of the 1 GB corpus (../shared/bench/make-corpus.sh, in
#      WORKDIR/corpus, shared with run.sh) with the example policy and the
#      bundled signatures, against `assay scan` of the same corpus (bar:
#      review costs at most 20% more).
# Each measure: BENCH_RUNS runs (default 3), the fastest kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=${1:-$root/../bench-data}
assay=${ASSAY:-$root/build/src/assay}
shared=${ASSAY_SHARED:-$root/../shared}
runs=${BENCH_RUNS:-3}
copies=${PE_COPIES:-100}
mkdir -p "$work"
[ -d "$work/corpus" ] || bash "$shared/bench/make-corpus.sh" "$work/corpus" 1000

best() { # best CMD...: the fastest wall time of $runs runs, in seconds
    local t b="" tf
    tf=$(mktemp)
    for _ in $(seq "$runs"); do
        /usr/bin/time -o "$tf" -f "%e" "$@" >/dev/null 2>&1 || true
        t=$(tail -1 "$tf")
        if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
    done
    rm -f "$tf"
    echo "$b"
}

# 1. inventory of this machine
"$assay" inventory -o /dev/null 2>/dev/null || true # warm the cache
inv_s=$(best "$assay" inventory -o /dev/null)
inv_items=$("$assay" inventory --format text 2>/dev/null | grep -vc '^problem:' || true)

# 2. PE attribution
pe=$work/pe
if [ ! -f "$pe/.complete-$copies" ]; then
    rm -rf "$pe"
    mkdir -p "$pe/src" "$pe/fixture"
    bash "$root/tests/fixtures/root-executables.sh" "$pe/fixture/root" >/dev/null
    find "$pe/fixture/root" -type f -name '*.exe' -exec cp {} "$pe/src/" \;
    for f in "$shared"/yara-tests/data/* /usr/share/clamav-testfiles/*; do
        [ -f "$f" ] && [ "$(head -c 2 "$f" | od -An -c | tr -d ' ')" = MZ ] && cp "$f" "$pe/src/" || true
    done
    mkdir -p "$pe/root/exes"
    for i in $(seq "$copies"); do
        mkdir -p "$pe/root/exes/$i"
        cp "$pe/src/"* "$pe/root/exes/$i/"
    done
    touch "$pe/.complete-$copies"
fi
pe_files=$(find "$pe/root/exes" -type f | wc -l)
pe_s=$(best "$assay" inventory --root "$pe/root" --exec-dir / -o /dev/null)
pe_rate=$(awk -v n="$pe_files" -v s="$pe_s" 'BEGIN{printf "%.0f", n / (s > 0 ? s : 0.001)}')

# 3. review vs scan of the corpus
scan_s=$(best "$assay" scan -q "$work/corpus")
review_s=$(best "$assay" review --root "$work/corpus" --no-store --format json -o /dev/null)
ratio=$(awk -v r="$review_s" -v s="$scan_s" 'BEGIN{printf "%.2f", r / s}')

cat <<EOF
| measure | figure | bar |
|---|---|---|
| assay inventory of this machine ($inv_items items), warm | ${inv_s} s | < 1 s |
| PE attribution: $pe_files PE files (version info + signer, chain checked) | ${pe_s} s = ${pe_rate} files/s | >= 5,000 files/s |
| assay scan of the corpus (bundled signatures) | ${scan_s} s | |
| assay review of the corpus (example policy, bundled signatures) | ${review_s} s = ${ratio}x scan | <= 1.20x |
EOF
