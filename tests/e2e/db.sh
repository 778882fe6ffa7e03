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
