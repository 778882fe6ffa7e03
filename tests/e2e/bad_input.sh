#!/usr/bin/env bash
# bad_input.sh — malformed signatures and databases get a clear error naming
# file:line, exit 2; --skip-bad-signatures loads the rest and names what it skipped.
. "$(dirname "$0")/lib.sh"

echo "hello world" > "$WORK/hello.txt"
printf 'Good:0:*:68656c6c6f\nBad:0:*:68zz6c6c6f\nAlsoGood:0:*:776f726c64\n' > "$WORK/mixed.ndb"

run "$ASSAY" scan -d "$WORK/mixed.ndb" "$WORK/hello.txt"
expect_status "malformed line fails the load" 2
expect_err "error names file:line" "mixed.ndb:2: hex signature, column 3: invalid hex byte 'zz'"

run "$ASSAY" scan --skip-bad-signatures -d "$WORK/mixed.ndb" "$WORK/hello.txt"
expect_status "skip-bad loads the rest" 1
expect_out "good signatures work" "Good FOUND"
expect_out "later good signatures work" "AlsoGood FOUND"
expect_err "skipped one is named" "warning: .*mixed.ndb:2:"
expect_err "skipped count" "skipped 1 malformed"

: > "$WORK/empty.hdb"
run "$ASSAY" scan -d "$WORK/empty.hdb" "$WORK/hello.txt"
expect_status "empty database exit 2" 2
expect_err "empty database named" "empty.hdb: empty database"

printf '# only a comment\n' > "$WORK/comments.ndb"
run "$ASSAY" scan -d "$WORK/comments.ndb" "$WORK/hello.txt"
expect_status "database without signatures exit 2" 2

echo "something" > "$WORK/unknown.xyz"
run "$ASSAY" scan -d "$WORK/unknown.xyz" "$WORK/hello.txt"
expect_status "unknown format exit 2" 2
expect_err "unknown format named" "unknown.xyz: unknown database format"

run "$ASSAY" scan -d "$WORK/missing.ndb" "$WORK/hello.txt"
expect_status "missing database exit 2" 2
expect_err "missing database named" "missing.ndb: No such file"

printf 'not a cvd at all, just text padded out......\n' > "$WORK/foreign.cvd"
run "$ASSAY" scan -d "$WORK/foreign.cvd" "$WORK/hello.txt"
expect_status "foreign cvd exit 2" 2
expect_err "foreign cvd named" "foreign.cvd"

for bad in "Sig:0:*:" "Sig:0:EP+x:4142" "Sig:0:*:41{5-2}42" "Sig:0:*:(41|42" "::::" "Sig:abc:*:414243"; do
    printf '%s\n' "$bad" > "$WORK/b.ndb"
    run "$ASSAY" scan -d "$WORK/b.ndb" "$WORK/hello.txt"
    [ "$STATUS" -eq 2 ] && grep -q "b.ndb:1:" "$ERR" && pass || fail "malformed '$bad'"
done

run "$ASSAY" scan --threads 0 "$WORK/hello.txt"
expect_status "bad option value exit 2" 2
run "$ASSAY" scan --max-filesize 12Q "$WORK/hello.txt"
expect_status "bad size exit 2" 2
run "$ASSAY" scan
expect_status "no path exit 2" 2
run "$ASSAY" frobnicate
expect_status "unknown command exit 2" 2

finish
