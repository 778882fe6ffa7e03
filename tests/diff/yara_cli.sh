#!/usr/bin/env bash
# yara_cli.sh ASSAY — differential test of `assay yara` against Debian's yara
# (4.2.3): the rules of tests/diff/yara/*.yar over inputs written here, with
# the flags people use; the outputs must be identical (lines sorted, since
# yara prints a folder's files in thread order). Skipped when yara is absent.
source "$(dirname "$0")/../e2e/lib.sh"
RULES=$(dirname "$(readlink -f "$0")")/yara
if ! command -v yara >/dev/null; then
    echo "yara not installed: skipped"
    echo "0 passed, 0 failed"
    exit 77
fi
D=$WORK/in
mkdir -p "$D/sub"
printf 'hello world, hello\n' > "$D/hello.txt"
printf 'w\0o\0r\0l\0d\0 HeLLo shell' > "$D/wide.bin"
printf 'axbxb abbb mississippi' > "$D/regex.txt"
printf 'MZ\x90\x00\x01 ab ab cd' > "$D/sub/mz.bin"
python3 -c "import sys; sys.stdout.buffer.write(b'A'*200+b'\x01\x02\"\\\\'+b'B'*300)" > "$D/long.bin"
python3 -c "import sys,base64; sys.stdout.buffer.write(b'x'+base64.b64encode(b'..This program cannot be run'))" > "$D/b64.txt"
python3 -c "import sys; sys.stdout.buffer.write(bytes(c ^ 2 for c in b'secret'))" > "$D/xor.bin"
printf 'W\0O\0r\0L\0d\0 \0' > "$D/sub/wide2.bin"
: > "$D/empty"

compare() { # NAME ARGS...
    local name=$1
    shift
    yara "$@" 2>/dev/null | sort > "$WORK/yara.out"
    local ys=${PIPESTATUS[0]}
    "$ASSAY" yara "$@" 2>/dev/null | sort > "$WORK/assay.out"
    local as=${PIPESTATUS[0]}
    if [ "$ys" = "$as" ] && cmp -s "$WORK/yara.out" "$WORK/assay.out"; then
        pass
    else
        FAILED=$((FAILED + 1))
        echo "FAIL: $name: yara status $ys, assay status $as" >&2
        diff "$WORK/yara.out" "$WORK/assay.out" | head -20 >&2
    fi
}

R=$RULES/strings.yar
compare "plain" -w "$R" "$D"
compare "strings" -w -s "$R" "$D"
compare "recursive strings" -w -s -r "$R" "$D"
compare "lengths" -w -s -L -r "$R" "$D"
compare "tags and meta" -w -g -m -r "$R" "$D"
compare "namespace" -w -e -r "$R" "$D"
compare "count" -w -c -r "$R" "$D"
compare "negate" -w -n -r "$R" "$D"
compare "negate with strings" -w -n -s -r "$R" "$D"
compare "tag filter" -w -t t1 -r "$R" "$D"
compare "identifier filter" -w -i hex_forms -s -r "$R" "$D"
compare "threads" -w -s -r -p 2 "$R" "$D"
compare "one file" -w -s "$R" "$D/long.bin"
compare "one file count" -w -c "$R" "$D/hello.txt"
compare "skip larger" -w -r -z 100 "$R" "$D"
compare "fast" -w -f -r "$R" "$D"
compare "externals" -w -d ext=5 -r "$R" "$D"
compare "missing file" -w "$R" "$D/nope"

# Strings whose result depends on YARA's split at its atoms, chains at long
# jumps and `at` offsets (tests/diff/yara/split.yar).
S=$RULES/split.yar
P=$WORK/split
mkdir -p "$P"
python3 - "$P" <<'PY'
import sys
d = sys.argv[1]
s = b"ABCD\x01\x02 xyzwab " + bytes.fromhex("7fe06da90bdc904c2e4c00") + b" xab QQRSTU xyzwxyzw"
s += bytes.fromhex("0000fe00fe4142") + b" .PE\x00\x00off qqqqqq"
open(d + "/split.bin", "wb").write(s)
open(d + "/chain.bin", "wb").write(b"ab" + b"\x00" * 33000 + b"cd" + bytes.fromhex("72696490656400"))
x = lambda k: bytes(c ^ k for c in b"aaaa")
open(d + "/fast.bin", "wb").write(x(0x61) + x(0x0a) + b"qq.qq.qqqq")
PY
compare "split strings" -w -s "$S" "$P"
compare "split fast" -w -s -f "$S" "$P"
compare "split threads" -w -s -r -p 2 "$S" "$P"

# Strings found through a longer run than YARA's atom (tests/diff/yara/relocate.yar).
L=$WORK/relocate
mkdir -p "$L"
python3 - "$L" <<'PY'
import sys
h = bytes.fromhex
d = b"\x8b\x4c\x24\x00mnopq" + b"." * 5                     # at 0
d += h("4889442401") + b"1234567" + h("4889442401") + b"123456"  # one whole, one cut
d += h("48897424aabb") + b"ABCDEF" + h("48894424") + b"zzABCDEF"  # masked nibble
d += b"abcdefg." + h("4883ec") + b"abcdefg" + h("4883ed")          # before: one, one miss
d += b"qrstuv..." + h("488d0500") + b"qrstuv" + h("488d05")       # last cut short
for _ in range(3):
    d += b"PQRSTU.." + h("8b4c24")
d += h("4883ec") + b"!lmnopq" + b"uvwxyz!" + h("8b4c24") + b"7"
d += h("4883ec") + b"..abcdef" + b"abcdef..." + h("4883ec")
d += b" Z[\\]^_ " + h("8d7424")                                   # run, then atom cut by the end
d += b"Z[\\]^_!" + h("8d7424")
open(sys.argv[1] + "/relocate.bin", "wb").write(d)
PY
compare "relocated literals" -w -s "$RULES/relocate.yar" "$L"
compare "relocated literals fast" -w -s -f "$RULES/relocate.yar" "$L"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
