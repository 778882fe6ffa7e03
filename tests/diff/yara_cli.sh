#!/usr/bin/env bash
# yara_cli.sh ASSAY — differential test of `assay yara` against Debian's yara
# (4.2.3): the rules of tests/diff/yara/*.yar and rules written here, over
# inputs written here, with the flags people use; the outputs and exit codes
# must be identical (lines sorted, since yara prints a folder's files in thread
# order). compare_err also compares standard error (messages); compare_shape
# compares it up to the location of a rule error ("FILE(LINE): error:" or
# "error: rule "R" in FILE(LINE):"), since the message texts are assay's own.
# Checks of unreadable files run as nobody (setpriv) when run as root.
# Skipped when yara is absent.
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

# run_both MODE ARGS...: both tools (under $AS, e.g. setpriv, when set); sorted
# stdout and, by MODE (none, err, shape), stderr as is or cut at the location.
AS=""
run_both() {
    local mode=$1
    shift
    $AS yara "$@" 2>"$WORK/yara.err" | sort > "$WORK/yara.out"
    YS=${PIPESTATUS[0]}
    $AS "$ASSAY" yara "$@" 2>"$WORK/assay.err" | sort > "$WORK/assay.out"
    AS_STATUS=${PIPESTATUS[0]}
    if [ "$mode" = shape ]; then
        for t in yara assay; do
            # warnings left out: which strings "may slow down scanning" is each tool's guess
            grep -v '^warning: ' "$WORK/$t.err" |
                sed -E 's/^(error: rule "[^"]*" in .*\([0-9]+\)|.*\([0-9]+\): error): .*/\1/' > "$WORK/$t.err2"
            mv "$WORK/$t.err2" "$WORK/$t.err"
        done
    fi
    if [ "$mode" != none ]; then
        { echo "--- stderr"; cat "$WORK/yara.err"; } >> "$WORK/yara.out"
        { echo "--- stderr"; cat "$WORK/assay.err"; } >> "$WORK/assay.out"
    fi
}

check() { # NAME: after run_both
    if [ "$YS" = "$AS_STATUS" ] && cmp -s "$WORK/yara.out" "$WORK/assay.out"; then
        pass
    else
        FAILED=$((FAILED + 1))
        echo "FAIL: $1: yara status $YS, assay status $AS_STATUS" >&2
        diff "$WORK/yara.out" "$WORK/assay.out" | head -20 >&2
    fi
}

compare() { # NAME ARGS...: stdout and exit code
    local name=$1
    shift
    run_both none "$@"
    check "$name"
}

compare_err() { # NAME ARGS...: stdout, stderr and exit code
    local name=$1
    shift
    run_both err "$@"
    check "$name"
}

compare_shape() { # NAME ARGS...: stdout, exit code and the location of the error
    local name=$1
    shift
    run_both shape "$@"
    check "$name"
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
d += h("c605e941824305aabb894101") + h("c61fe9418243050000894f01")      # masked: two
d += h("c620e941824305aabb894101") + h("e9e9e9")                        # one miss
d += h("8b442400894c24003d") + h("8b442400894c2401023d") + h("8b4424")  # short: two
d += h("3141516171e9") + h("3141516171e8") + h("e9")                    # tail: one
d += h("41518b4c24008941007745") + h("8b4c2400894177")                  # run inside: one
d += h("41518b4c24")                                                    # window cut by the end
open(sys.argv[1] + "/relocate.bin", "wb").write(d)
PY
compare "relocated literals" -w -s "$RULES/relocate.yar" "$L"
compare "relocated literals fast" -w -s -f "$RULES/relocate.yar" "$L"
# Strings used only as `$s at N`: checked at N, not searched (tests/diff/yara/fixed.yar).
X=$WORK/fixed
mkdir -p "$X"
python3 - "$X" <<'PY'
import sys
files = {"gzip": b"\x1f\x8b\x08\x08\x00\x00update ... \x1f\x8b\x08\x08\x00\x00update",
         "moved": b"...\x1f\x8b\x08\x08\x00\x00update", "upper": b"xxxxUPDATE",
         "wide": b"xxxxu\0p\0d\0a\0t\0e\0", "late": b"xxxxxupdate", "word": b"a word", "glued": b"aaword",
         "twice": b"0123456789twice", "gated": b"\xf1\xe2\xd3\xc4\xb5\xa6\x97\x88 and gated text",
         "gate_moved": b"  \xf1\xe2\xd3\xc4\xb5\xa6\x97\x88 and gated text", "short": b"tail"}
for name, data in files.items():
    open(sys.argv[1] + "/" + name, "wb").write(data)
PY
compare "fixed-offset strings" -w -s -r "$RULES/fixed.yar" "$X"
compare "fixed-offset strings, no match shown" -w -s -n -r "$RULES/fixed.yar" "$X"

# ---- the command line itself (src/cmd_yara.c) ----------------------------------------
Y=$WORK/cli
mkdir -p "$Y/in/sub" "$Y/links"
cat > "$Y/r.yar" <<'YAR'
rule first : t1 {
    meta:
        s = "ab\x00cd"
        e = "x\x01\x7f\xff\t\n\"q\\'"
        n = 5
        b = true
    strings: $x = "hello"
    condition: $x
}
rule second : t2 { strings: $y = "world" condition: $y }
rule third { strings: $z = "zzz" condition: $z }
rule guarded : t1 t2 { strings: $w = "hello" condition: filesize > 1000000 and $w }
rule header { strings: $m = "hello" condition: uint16(0) == 0x5A4D and $m }
rule long_match { strings: $l = { 41 41 [0-1000] 42 } $r = /A+B/ condition: any of them }
YAR
printf 'hello world hello' > "$Y/in/hello.txt"
python3 -c "import sys; sys.stdout.buffer.write(b'A'*600+b'B hello')" > "$Y/in/long.bin"
printf 'hello again' > "$Y/in/sub/deep.txt"
python3 -c "import sys; sys.stdout.buffer.write(b'hello'*40)" > "$Y/in/sub/big.txt"
ln -s ../in/hello.txt "$Y/links/link.txt"
ln -s nowhere "$Y/links/dangling"
: > "$Y/empty.yar"
R=$Y/r.yar
F=$Y/in/hello.txt
# -c counts every matching rule whatever -t, -i, -n say; -i replaces -t; -l counts
# matching rules before filtering and stops the file there
compare "count with tag" -c -t t1 "$R" "$F"
compare "count with identifier" -c -i second "$R" "$F"
compare "count negated" -c -n "$R" "$F"
compare "count folder with filters" -c -r -t t2 -i third "$R" "$Y/in"
compare "tag and identifier" -t t1 -i second "$R" "$F"
compare "two tags" -t t1 -t t2 -r "$R" "$Y/in"
compare "two identifiers" -i first -i third -n "$R" "$F"
compare "max rules" -l 1 "$R" "$F"
compare "max rules filtered" -l 1 -t t2 "$R" "$F"
compare "max rules negated" -l 1 -n "$R" "$F"
compare "max rules count" -l 1 -c "$R" "$F"
# -l counts over the whole scan: later files stop at their first matching rule
compare "max rules folder" -l 2 -p 1 -r "$R" "$Y/in"
compare "max rules folder count" -l 2 -p 1 -r -c "$R" "$Y/in"
# metadata strings up to their NUL, with yara's escapes
compare "meta NUL and escapes" -m -g "$R" "$F"
# -L with and without -s (lengths capped at 512), -n -s on rules whose guard failed
compare "lengths only" -w -L "$R" "$Y/in/long.bin"
compare "lengths and strings" -w -s -L "$R" "$Y/in/long.bin"
compare "negate strings guarded" -w -n -s "$R" "$F"
compare "negate strings lengths" -w -n -s -L -r "$R" "$Y/in"
# targets: a folder named with a trailing '/', symlinks (-N), a broken one
compare "folder with slash" -w -s -r "$R" "$Y/in/"
compare "symlinks followed" -w "$R" "$Y/links"
compare "symlinks not followed" -w -N "$R" "$Y/links"
compare "named symlink with -N" -w -N "$R" "$Y/links/link.txt"
compare_err "broken symlink named" -w "$R" "$Y/links/dangling"
compare_err "missing target" -w "$R" "$Y/nope"
# -z and -p apply to folders only; their messages
compare_err "skip larger folder" -w -r -z 100 "$R" "$Y/in"
compare_err "skip larger count" -w -r -c -z 100 "$R" "$Y/in"
compare_err "skip larger file" -w -z 5 "$R" "$F"
compare_err "no threads folder" -w -p 0 "$R" "$Y/in"
compare_err "no threads file" -w -p 0 "$R" "$F"
compare_err "too many threads" -w -p 33 "$R" "$F"
compare_err "bad integer" -w -p x "$R" "$F"
compare_err "bad long integer" -w --threads=x "$R" "$F"
compare_err "bad size" -w -z 1x "$R" "$F"
compare_err "fast" -w -f -s -r "$R" "$Y/in"
# warnings and -w; several rule files with namespaces
printf 'rule slow { strings: $a = "ab" condition: $a }\n' > "$Y/warn.yar"
compare_err "no warnings" -w "$Y/warn.yar" "$F"
compare_err "namespaces" -w -e ns1:"$R" ns2:"$Y/warn.yar" "$F"
compare_err "namespace and default" -w -e -s ns1:"$Y/warn.yar" "$R" "$F"
compare_err "empty rules" -c "$Y/empty.yar" "$Y/in"
# options and arguments
compare_err "missing rules file" -w "$Y/nope.yar" "$F"
compare_err "missing namespaced rules file" -w ns:"$Y/nope.yar" "$F"
compare_err "unknown option" --bogus "$R" "$F"
compare_err "unknown short option" -Q "$R" "$F"
compare_err "repeated option" -s -s "$R" "$F"
compare_err "missing argument" "$R" "$F" -t
compare_err "define without value" -w -d novalue "$R" "$F"
compare "define twice" -w -d a=1 -d a=2 "$R" "$F"
compare "wrong number of arguments" "$R"
T33=()
for i in $(seq 1 33); do T33+=(-t "x$i"); done
compare_err "too many tags" "${T33[@]}" "$R" "$F"
# rule errors: exit code and location ("FILE(LINE): error:" or "error: rule "R" in FILE(LINE):")
E=$Y/errors
mkdir -p "$E/inc"
printf 'rule x {\n condition: tru\n}\n' > "$E/undefined.yar"
printf 'rule x {\n condition: (true }\n' > "$E/syntax.yar"
printf 'rule x { condition: true }\nrule x { condition: true }\n' > "$E/duplicate.yar"
printf 'include "nope.yar"\nrule x { condition: true }\n' > "$E/include.yar"
printf 'rule a { condition: true }\n}\n' > "$E/after.yar"
printf 'rule a : {\n condition: true }\n' > "$E/header.yar"
printf 'rule a { strings: $a = { 4G } condition: $a }\n' > "$E/hex.yar"
printf 'rule a {\n strings: $a = "{" $b = /x}/ // }\n condition: $a and $b and c }\n' > "$E/tricky.yar"
printf 'rule y {\n condition: tru\n}\n' > "$E/inc/inner.yar"
printf 'include "inc/inner.yar"\nrule z { condition: true }\n' > "$E/outer.yar"
# several errors: yara goes on at the next rule and reports each, in order
printf 'rule a { condition: true }\nrule b { condition: tru }\nrule c { condition: x }\n' > "$E/several.yar"
printf 'rule a { condition: true }\nrule b { condition: tru e}\nrule c {\n condition: ) }\nrule d { condition: true }\n' > "$E/resync.yar"
printf 'rule test rule test { condition: true }\n' > "$E/declared.yar"
for f in undefined syntax duplicate include after header hex tricky outer several resync declared; do
    compare_shape "rule error $f" "$E/$f.yar" "$F"
done
compare_shape "rule error second file" "$R" "$E/undefined.yar" "$F"
# -C: a compiled assay database (assay db compile); yara's messages for other files
compare_err "compiled: source file" -C "$R" "$F"
compare_err "compiled: missing file" -C "$Y/nope.adb" "$F"
compare_err "compiled: folder" -C "$Y/in" "$F"
compare_err "compiled: two files" -C "$R" "$R" "$F"
if "$ASSAY" db compile -o "$Y/r.adb" "$R" >/dev/null 2>&1; then
    yara -w -s -r "$R" "$Y/in" 2>/dev/null | sort > "$WORK/yara.out"
    YS=${PIPESTATUS[0]}
    "$ASSAY" yara -w -s -r -C "$Y/r.adb" "$Y/in" 2>/dev/null | sort > "$WORK/assay.out"
    AS_STATUS=${PIPESTATUS[0]}
    check "compiled rules"
else
    echo "note: assay db compile does not take YARA rules yet: -C scan not compared"
fi
printf 'Test.Sig:0:*:68656c6c6f\n' > "$Y/clam.ndb"
run "$ASSAY" db compile -o "$Y/clam.adb" "$Y/clam.ndb"
run "$ASSAY" yara -C -c "$Y/clam.adb" "$F"
[ "$STATUS" = 0 ] && [ "$(cat "$OUT")" = 0 ] && pass || fail "compiled database without YARA rules"
head -c 100 "$Y/clam.adb" > "$Y/cut.adb"
run "$ASSAY" yara -C "$Y/cut.adb" "$F"
expect_status "compiled: truncated" 1
expect_err "compiled: truncated message" "^corrupt compiled rules file"
# unreadable files and folders, as nobody: a named file fails; in a folder the file is
# reported (and counted 0 with -c) without failing; an unreadable folder is passed over
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups "$ASSAY" yara --help >/dev/null 2>&1; then
    chmod 755 "$WORK"
    chmod -R a+rX "$Y"
    U=$Y/unreadable
    mkdir -p "$U/closed"
    printf 'hello' > "$U/open.txt"
    printf 'hello' > "$U/shut.txt"
    printf 'hello' > "$U/closed/inner.txt"
    chmod 000 "$U/shut.txt" "$U/closed"
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    compare_err "unreadable named file" -w "$R" "$U/shut.txt"
    compare_err "unreadable file in folder" -w -r "$R" "$U"
    compare_err "unreadable file counted" -w -r -c "$R" "$U"
    compare_err "unreadable folder named" -w "$R" "$U/closed"
    AS=""
    chmod 755 "$U/closed"
else
    echo "note: not root or no setpriv: unreadable-file checks skipped"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
