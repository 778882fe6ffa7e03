# lib.sh — a tiny harness for the end-to-end tests: each check runs a command,
# compares its exit status (and optionally its output), and the script ends with
# "N passed, N failed" and a non-zero status if anything failed.
set -u
ASSAY=${1:?usage: $0 PATH_TO_ASSAY}
ASSAY=$(readlink -f "$ASSAY")
WORK=$(mktemp -d /tmp/assay-e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0
OUT=$WORK/.out
ERR=$WORK/.err

# run CMD...: run it, keep stdout in $OUT, stderr in $ERR, status in $STATUS
run() {
    "$@" >"$OUT" 2>"$ERR"
    STATUS=$?
}

pass() { PASSED=$((PASSED + 1)); }
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $1" >&2
    echo "  status: $STATUS" >&2
    sed 's/^/  stdout: /' "$OUT" | head -20 >&2
    sed 's/^/  stderr: /' "$ERR" | head -20 >&2
}

# expect_status NAME CODE
expect_status() { [ "$STATUS" -eq "$2" ] && pass || fail "$1 (wanted status $2)"; }
# expect_out NAME REGEX: stdout has a line matching REGEX
expect_out() { grep -Eq -- "$2" "$OUT" && pass || fail "$1 (stdout lacks /$2/)"; }
expect_no_out() { ! grep -Eq -- "$2" "$OUT" && pass || fail "$1 (stdout has /$2/)"; }
expect_err() { grep -Eq -- "$2" "$ERR" && pass || fail "$1 (stderr lacks /$2/)"; }

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

eicar() { printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$1"; }
