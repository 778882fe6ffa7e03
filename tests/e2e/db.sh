#!/usr/bin/env bash
# db.sh — `assay db compile` / `db info` and scanning with compiled databases,
# every source format, CVD containers and IOC lists.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/src" "$WORK/files"
eicar "$WORK/files/eicar.com"
printf 'hello world, this is a sample\n' > "$WORK/files/hello.txt"
printf 'abc' > "$WORK/files/abc"
sha_abc=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
md5_abc=900150983cd24fb0d6963f7d28e17f72
cat > "$WORK/src/t.ndb" <<'N'
Hello.Body:0:*:68656c6c6f20776f726c64
Sample.Wild:7:*:73616d??6c65
N
echo "$md5_abc:3:Abc.Md5" > "$WORK/src/t.hdb"
echo "$sha_abc:3:Abc.Sha256" > "$WORK/src/t.hsb"

# -- sources straight from a folder
run "$ASSAY" scan -d "$WORK/src" "$WORK/files"
expect_status "folder of sources" 1
expect_out "ndb" "hello.txt: Hello.Body FOUND"
expect_out "ndb target 7" "hello.txt: Sample.Wild FOUND"
expect_out "hdb" "abc: Abc.Md5 FOUND"
expect_out "hsb" "abc: Abc.Sha256 FOUND"
expect_no_out "no default db when -d is given" "Eicar"

# -- compile, then scan with the compiled file: same detections
run "$ASSAY" db compile -o "$WORK/all.adb" "$WORK/src"
expect_status "compile" 0
expect_out "compile reports counts" "body signatures: +2"
run "$ASSAY" scan -d "$WORK/src" --no-summary "$WORK/files"
sort "$OUT" > "$WORK/from-source"
run "$ASSAY" scan -d "$WORK/all.adb" --no-summary "$WORK/files"
sort "$OUT" > "$WORK/from-compiled"
cmp -s "$WORK/from-source" "$WORK/from-compiled" && pass || fail "compiled db finds the same"
run "$ASSAY" db info "$WORK/all.adb"
expect_out "info on compiled" "hash signatures: +2"

# -- a corrupt compiled database: clear error, exit 2
cp "$WORK/all.adb" "$WORK/bad.adb"
printf '\xff' | dd of="$WORK/bad.adb" bs=1 seek=700 conv=notrunc status=none
run "$ASSAY" scan -d "$WORK/bad.adb" "$WORK/files"
expect_status "corrupt compiled db exit 2" 2
expect_err "corrupt named" "bad.adb: corrupt compiled database"
head -c 100 "$WORK/all.adb" > "$WORK/short.adb"
run "$ASSAY" scan -d "$WORK/short.adb" "$WORK/files"
expect_status "truncated compiled db exit 2" 2

# -- CVD container (gzip tar behind a 512-byte header whose MD5 covers the body)
python3 - "$WORK" <<'PY'
import hashlib, io, sys, tarfile
work = sys.argv[1]
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as t:
    for name in ("t.ndb", "t.hsb"):
        t.add(f"{work}/src/{name}", f"daily.{name.split('.')[1]}")
body = buf.getvalue()
md5 = hashlib.md5(body).hexdigest()
head = f"ClamAV-VDB:23 Nov 2026 12-00 +0000:27000:3:90:{md5}:X:test:1795000000".encode()
open(f"{work}/daily.cvd", "wb").write(head.ljust(512, b" ") + body)
open(f"{work}/trunc.cvd", "wb").write((head.ljust(512, b" ") + body)[:600])
PY
run "$ASSAY" scan --json -d "$WORK/daily.cvd" "$WORK/files/hello.txt"
expect_status "cvd loads" 1
expect_out "evidence names the member" '"file":"[^"]*daily.cvd!daily.ndb","line":1'
run "$ASSAY" scan -d "$WORK/trunc.cvd" "$WORK/files"
expect_status "truncated cvd exit 2" 2
expect_err "truncated cvd named" "trunc.cvd"

# -- allowlist and ignore
echo "$md5_abc:3:Abc.Known.Clean" > "$WORK/src/a.fp"
run "$ASSAY" scan -d "$WORK/src" --no-summary "$WORK/files/abc"
expect_status "fp allowlists a file" 0
rm "$WORK/src/a.fp"
echo "Hello.Body" > "$WORK/src/i.ign2"
run "$ASSAY" scan -d "$WORK/src" --no-summary "$WORK/files/hello.txt"
expect_no_out "ign2 drops a signature" "Hello.Body"
expect_out "ign2 keeps the others" "Sample.Wild"
rm "$WORK/src/i.ign2"

# -- YARA rules compiled (with an external defined), alone and with ClamAV signatures
mkdir -p "$WORK/yara"
cat > "$WORK/yara/a.yar" <<'Y'
import "pe"
rule Yara_Hello : greeting { meta: author = "e2e" strings: $h = "hello" nocase $w = "world" wide ascii condition: any of them }
rule Yara_Hex { strings: $x = { 73 61 6d ?? 6c 65 } condition: $x and not pe.is_pe }
private rule Yara_Private { strings: $a = "abc" condition: $a at 0 }
rule Yara_Uses_Private { condition: Yara_Private and filesize < 10 }
Y
printf 'rule Yara_External { condition: tag == "on" and filesize > 0 }\n' > "$WORK/yara/b.yara"
run "$ASSAY" db compile -d tag=on -o "$WORK/yara.adb" "$WORK/yara/a.yar" "$WORK/yara/b.yara" "$WORK/src/t.ndb"
expect_status "compile YARA rules with a define and ClamAV signatures" 0
expect_out "compile counts YARA rules" "YARA rules: +5"
run "$ASSAY" db info "$WORK/yara.adb"
expect_out "info counts YARA rules" "YARA rules: +5"
expect_out "info counts YARA strings" "YARA strings: +4"
expect_out "info counts body signatures too" "body signatures: +2"
run "$ASSAY" scan --no-summary -d "$WORK/yara.adb" "$WORK/files"
expect_status "compiled YARA rules find" 1
expect_out "YARA string rule" "hello.txt: Yara_Hello FOUND"
expect_out "YARA hex rule" "hello.txt: Yara_Hex FOUND"
expect_out "rule using a private rule" "abc: Yara_Uses_Private FOUND"
expect_no_out "private rule not reported" "Yara_Private FOUND"
expect_out "external defined at compile time" "Yara_External FOUND"
expect_out "ClamAV signature in the same file" "hello.txt: Hello.Body FOUND"
run "$ASSAY" db compile -d tag=off -o "$WORK/yara-off.adb" "$WORK/yara/b.yara"
run "$ASSAY" scan --no-summary -d "$WORK/yara-off.adb" "$WORK/files"
expect_no_out "external's other value" "Yara_External FOUND"
run "$ASSAY" db compile -o "$WORK/yara-undef.adb" "$WORK/yara/b.yara"
expect_status "undefined external: compile error" 2
expect_err "undefined external named" "tag"
# the same findings, evidence included, from source and from the compiled file
run "$ASSAY" db compile -o "$WORK/yara-a.adb" "$WORK/src/t.ndb" "$WORK/yara/a.yar"
run "$ASSAY" scan --json --no-summary -d "$WORK/src/t.ndb" -r "$WORK/yara/a.yar" "$WORK/files"
grep -v '"type":"summary"' "$OUT" | sort > "$WORK/yara-from-source"
run "$ASSAY" scan --json --no-summary -d "$WORK/yara-a.adb" "$WORK/files"
grep -v '"type":"summary"' "$OUT" | sort > "$WORK/yara-from-compiled"
[ -s "$WORK/yara-from-source" ] && cmp -s "$WORK/yara-from-source" "$WORK/yara-from-compiled" && pass ||
    fail "compiled YARA rules report the same JSON findings as their source"
# a compiled file whose YARA section is damaged: refused, the file named
cp "$WORK/yara.adb" "$WORK/yara-bad.adb"
size=$(stat -c %s "$WORK/yara-bad.adb")
printf '\x5a' | dd of="$WORK/yara-bad.adb" bs=1 seek=$((size - 300)) conv=notrunc status=none
run "$ASSAY" scan -d "$WORK/yara-bad.adb" "$WORK/files"
expect_status "damaged compiled YARA rules exit 2" 2
expect_err "damaged file named" "yara-bad.adb: corrupt compiled database"

# -- IOC lists (LOKI/THOR)
mkdir -p "$WORK/ioc" "$WORK/files/Temp"
printf '# comment\n%s;Abc test hash\n' "$md5_abc" > "$WORK/ioc/hash-iocs.txt"
printf '# comment\n\\\\Temp\\\\[^\\\\]+\\.evil$;80\n\\\\lowscore\\.txt$;40\n' > "$WORK/ioc/filename-iocs.txt"
echo x > "$WORK/files/Temp/dropper.evil"
echo x > "$WORK/files/lowscore.txt"
run "$ASSAY" scan --json -d "$WORK/ioc" "$WORK/files"
expect_out "hash IOC (any size)" '"rule":"Abc test hash"'
expect_out "filename IOC with weak evidence" '"path":"[^"]*Temp/dropper.evil".*"kind":"filename","strength":"weak"'
expect_no_out "scores below --ioc-min-score dropped" "lowscore"
run "$ASSAY" scan --json --ioc-min-score 10 -d "$WORK/ioc" "$WORK/files"
expect_out "lower threshold keeps it" "lowscore"

# -- the real signature-base IOC lists load
IOCS=${ASSAY_SHARED:-$(dirname "$0")/../../../shared}/rules/signature-base/iocs
if [ -d "$IOCS" ]; then
    run "$ASSAY" db info "$IOCS/hash-iocs.txt" "$IOCS/filename-iocs.txt"
    expect_status "signature-base IOC lists parse" 0
    run "$ASSAY" scan -q -d "$IOCS/hash-iocs.txt" -d "$IOCS/filename-iocs.txt" "$WORK/files/hello.txt"
    expect_status "signature-base IOC lists build" 0
    expect_err "unusable IOC regexes are named" "filename-iocs.txt:[0-9]+: filename IOC skipped"
fi

finish
