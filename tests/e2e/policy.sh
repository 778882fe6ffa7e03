#!/usr/bin/env bash
# policy.sh — `assay policy lint` and `assay policy example` end to end: the
# example lints clean, each broken policy of tests/data/policy gives its
# compiler-style lines and exit status 1, warnings alone exit 0 (1 with
# --strict), unreadable input and bad usage exit 2, the catalog options.
. "$(dirname "$0")/lib.sh"

SRC=${ASSAY_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=$SRC/tests/data/policy
EXAMPLE=$SRC/data/policy/example.yaml

# -- the example policy
run "$ASSAY" policy lint "$EXAMPLE"
expect_status "example lints clean" 0
expect_out "example summary" "^$EXAMPLE: 0 errors, 0 warnings$"
expect_no_out "example has no error lines" ": (error|warning): "

run "$ASSAY" policy example
expect_status "policy example prints the built-in policy" 0
cmp -s "$OUT" "$EXAMPLE" && pass || fail "built-in example equals data/policy/example.yaml"
cp "$OUT" "$WORK/example.yaml"

run sh -c "'$ASSAY' policy lint - < '$WORK/example.yaml'"
expect_status "standard input" 0
expect_out "standard input is named stdin" "^stdin: 0 errors"

run "$ASSAY" policy lint --no-catalog "$EXAMPLE"
expect_status "--no-catalog" 0
expect_out "--no-catalog says the ids are not checked" "^$EXAMPLE: note: no vendor catalog loaded"

# -- broken policies: one line per problem, FILE:LINE:COL: error: ...
check_errors() { # NAME FILE EXPECTED-LINE-REGEX...
    local name=$1 file=$DATA/$2
    shift 2
    run "$ASSAY" policy lint --no-catalog "$file"
    expect_status "$name exits 1" 1
    for re in "$@"; do
        expect_out "$name: $re" "^$file:$re"
    done
}
check_errors "unknown fields" unknown_field.yaml \
    "4:1: error: unknown field 'colour' in policy" \
    "13:5: error: unknown field 'severity' in entry" \
    "16:7: error: unknown field 'bindng' in instrument"
check_errors "bad dates" bad_dates.yaml \
    "8:15: error: source accessed '2026-13-01' is not a date" \
    "15:16: error: effective '2023-02-30' is not a date" \
    "22:15: error: deadline 2024-07-19 is before the effective date 2024-07-20" \
    "28:16: error: effective 'next week' is not a date"
check_errors "duplicate ids" duplicate_ids.yaml \
    "8:9: error: duplicate source id 's1'" \
    "16:28: error: subject vendor: 'kaspersky' is listed twice" \
    "17:9: error: duplicate entry id 'same' \\(first at line 12\\)"
check_errors "exclude without instrument" exclude_without_instrument.yaml \
    "14:14: error: entry 'ban': exclude without an instrument"
check_errors "exclude without evidence" exclude_without_evidence.yaml \
    "16:14: error: entry 'ban': exclude without evidence" \
    "22:20: error: entry 'ban2': evidence 's2' is not a source id"
check_errors "unknown values" unknown_values.yaml \
    "7:14: error: unknown verdict 'ban'" \
    "8:19: error: unknown min_strength 'certain'" \
    "11:27: error: unknown kind 'floppy'" \
    "12:20: error: unknown category 'antivirus'" \
    "14:22: error: unknown evidence attribute 'package.colour'"
check_errors "YAML syntax" yaml_syntax.yaml "8:1: error: YAML syntax: .*from line 6"
check_errors "aliases" alias.yaml "11:5: error: YAML aliases"
expect_out "summary counts errors" "^$DATA/alias.yaml: 1 error, 0 warnings$"

# diagnostics come sorted by position
run "$ASSAY" policy lint -q --no-catalog "$DATA/bad_dates.yaml"
cut -d: -f2 "$OUT" | sort -n -c 2>/dev/null && pass || fail "diagnostics sorted by line"
expect_no_out "-q: no summary" "errors?, "

# -- warnings: exit 0, or 1 with --strict
run "$ASSAY" policy lint --no-catalog "$DATA/weak_evidence.yaml"
expect_status "warnings only exit 0" 0
expect_out "weak match warning" "^$DATA/weak_evidence.yaml:17:11: warning: .*registry.name, weak evidence"
expect_out "advisory exclusion warning" "^$DATA/weak_evidence.yaml:13:16: warning: .*advisory instrument"
expect_out "dead rule warning" "^$DATA/weak_evidence.yaml:25:11: warning: .*never matches"
expect_out "warning count" "^$DATA/weak_evidence.yaml: 0 errors, 5 warnings$"
run "$ASSAY" policy lint --no-catalog --strict "$DATA/weak_evidence.yaml"
expect_status "--strict: warnings exit 1" 1

# -- several files: the worst status wins
run "$ASSAY" policy lint --no-catalog "$EXAMPLE" "$DATA/alias.yaml"
expect_status "one bad file of two" 1
expect_out "both files summed up" "^$EXAMPLE: 0 errors"
run "$ASSAY" policy lint --no-catalog "$DATA/alias.yaml" "$WORK/missing.yaml"
expect_status "an unreadable file wins" 2
expect_err "unreadable file named" "missing.yaml"

# -- usage
run "$ASSAY" policy lint
expect_status "no file: usage" 2
run "$ASSAY" policy lint --bogus "$EXAMPLE"
expect_status "unknown option" 2
run "$ASSAY" policy frobnicate
expect_status "unknown subcommand" 2
run "$ASSAY" policy lint --help
expect_status "--help" 0
expect_out "--help documents the exit status" "exit status"

# -- catalogs
run "$ASSAY" policy lint --catalog "$WORK/no-such-catalog.yaml" "$EXAMPLE"
expect_status "unreadable --catalog" 2
{
    printf 'format: assay-policy/1\nid: named-catalog\ncatalog: missing-catalog.yaml\nentries: []\n'
} > "$WORK/named.yaml"
run "$ASSAY" policy lint "$WORK/named.yaml"
expect_status "a policy naming a missing catalog" 1
expect_out "the catalog line is the error" "^$WORK/named.yaml:3:10: error: catalog 'missing-catalog.yaml' cannot be loaded"

# the catalog-dependent checks, once the built-in catalog loads
run "$ASSAY" policy lint "$DATA/unknown_vendor.yaml"
if grep -q "catalog not available" "$OUT"; then
    echo "SKIP: built-in vendor catalog not available: catalog checks not run" >&2
else
    expect_status "unknown vendor id with the catalog" 1
    expect_out "unknown vendor" "^$DATA/unknown_vendor.yaml:9:17: error: .*unknown vendor 'no-such-vendor'"
    expect_out "unknown product" "^$DATA/unknown_vendor.yaml:10:18: error: .*unknown product 'no-such-product'"
    if [ -f "$SRC/data/catalog/vendors.yaml" ]; then
        run "$ASSAY" policy lint --catalog "$SRC/data/catalog/vendors.yaml" "$EXAMPLE"
        expect_status "example against the catalog file" 0
    fi
fi
run "$ASSAY" policy lint --no-catalog "$DATA/unknown_vendor.yaml"
expect_status "without a catalog the ids are not checked" 0

finish
