#!/usr/bin/env bash
# scan.sh — `assay scan` end to end: output formats, exit codes, walking rules,
# archives, standard input, large files.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/tree/sub" "$WORK/tree/skipme"
eicar "$WORK/tree/sub/eicar.com"
echo "harmless text" > "$WORK/tree/clean.txt"
eicar "$WORK/tree/skipme/eicar2.com"

# -- default database, text output, exit codes
run "$ASSAY" scan "$WORK/tree/clean.txt"
expect_status "clean file exits 0" 0
expect_out "summary printed" "SCAN SUMMARY"

run "$ASSAY" scan "$WORK/tree"
expect_status "infected tree exits 1" 1
expect_out "clamscan-style line" "^$WORK/tree/sub/eicar.com: Eicar-Test-Signature FOUND$"
expect_out "infected count" "^Infected files: 2$"

run "$ASSAY" scan --exclude 'skipme' "$WORK/tree"
expect_no_out "--exclude skips a folder by name" "eicar2"
expect_out "--exclude keeps the rest" "eicar.com: Eicar"

run "$ASSAY" scan --exclude '*.com' "$WORK/tree"
expect_status "--exclude by glob on names" 0

run "$ASSAY" scan --threads 1 -q "$WORK/tree"
expect_status "--threads 1 -q" 1
expect_no_out "-q prints no summary" "SCAN SUMMARY"

run "$ASSAY" scan --max-filesize 10 "$WORK/tree"
expect_status "--max-filesize skips larger files" 0
expect_out "skipped counted" "^Skipped: 3$"

# -- standard input
run sh -c "cat '$WORK/tree/sub/eicar.com' | '$ASSAY' scan -"
expect_status "stdin infected" 1
expect_out "stdin is named stdin" "^stdin: Eicar-Test-Signature FOUND$"

# -- JSON Lines
run "$ASSAY" scan --json "$WORK/tree/sub"
expect_status "json exit code" 1
python3 - "$OUT" <<'PY' && pass || fail "JSON Lines schema"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
f = [l for l in lines if l["type"] == "finding"]
assert len(f) == 1, lines
f = f[0]
for k in ("path", "verdict", "rule", "source", "sha256", "size", "evidence"):
    assert k in f, k
assert f["verdict"] == "malicious"
assert f["source"]["file"].endswith("assay-default.ndb") and f["source"]["line"] == 1
assert f["sha256"] == "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", f["sha256"]
ev = f["evidence"][0]
assert ev["kind"] == "signature" and ev["offset"] == 0 and ev["length"] == 68, ev
assert ev["bytes_hex"].startswith("58354f21"), ev
assert lines[-1]["type"] == "summary" and lines[-1]["findings"] == 1 and lines[-1]["files"] == 1, lines[-1]
PY

# -- hash signature evidence (clam.exe from clamav-testfiles, default db)
if [ -f /usr/share/clamav-testfiles/clam.exe ]; then
    run "$ASSAY" scan --json /usr/share/clamav-testfiles/clam.exe
    expect_status "clam.exe found by hash" 1
    expect_out "hash evidence" '"kind":"hash","strength":"strong","algorithm":"sha256","value":"71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"'
fi

# -- special files, symlinks, loops
mkfifo "$WORK/tree/fifo"
run timeout 20 "$ASSAY" scan "$WORK/tree"
expect_status "FIFO does not block the scan" 1
expect_out "FIFO counted as skipped" "^Skipped: 1$"
rm "$WORK/tree/fifo"

mkdir -p "$WORK/links/a"
eicar "$WORK/links/a/e.com"
ln -s .. "$WORK/links/a/up"
ln -s "$WORK/tree/sub/eicar.com" "$WORK/links/link.com"
run timeout 20 "$ASSAY" scan "$WORK/links"
expect_status "symlinks inside folders not followed by default" 1
expect_no_out "link not followed" "link.com"
run timeout 20 "$ASSAY" scan --follow-symlinks "$WORK/links"
expect_out "followed link scanned" "link.com: Eicar"
expect_err "loop reported" "symlink loop"
expect_status "loop is a reported limit" 2
run "$ASSAY" scan "$WORK/links/link.com"
expect_status "a named symlink is followed" 1

# -- --one-file-system: a folder on another device (tmpfs) reached through a symlink
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$WORK")" ]; then
    shm=$(mktemp -d /dev/shm/assay-e2e.XXXXXX)
    eicar "$shm/e.com"
    mkdir -p "$WORK/fs"
    ln -s "$shm" "$WORK/fs/other"
    run "$ASSAY" scan --follow-symlinks "$WORK/fs"
    expect_out "other file system scanned by default" "other/e.com: Eicar"
    run "$ASSAY" scan --follow-symlinks --one-file-system "$WORK/fs"
    expect_status "--one-file-system stays on the device" 0
    rm -rf "$shm"
fi

# -- an unreadable file: reported with the reason, the scan goes on, exit 2.
# Root reads everything, so the scan runs as nobody when the test runs as root.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    mkdir -p "$WORK/perm"
    chmod 755 "$WORK" "$WORK/perm"
    eicar "$WORK/perm/readable.com"
    chmod 644 "$WORK/perm/readable.com"
    echo secret > "$WORK/perm/secret.txt"
    chmod 600 "$WORK/perm/secret.txt"
    run setpriv --reuid=65534 --regid=65534 --clear-groups "$ASSAY" scan "$WORK/perm"
    expect_status "unreadable file is exit 2" 2
    expect_err "reason given" "secret.txt: cannot open: Permission denied"
    expect_out "the rest is scanned" "readable.com: Eicar"
fi

# -- missing file: reported, scan goes on, exit 2
run "$ASSAY" scan "$WORK/nope" "$WORK/tree/sub/eicar.com"
expect_status "missing path is exit 2" 2
expect_err "missing path named" "$WORK/nope: No such file"
expect_out "scan went on" "eicar.com: Eicar"

# -- archives
( cd "$WORK/tree/sub" && python3 - <<'PY'
import zipfile, tarfile, io, gzip
zipfile.ZipFile("e.zip", "w", zipfile.ZIP_DEFLATED).write("eicar.com", "inner/eicar.com")
with tarfile.open("nested.tar.gz", "w:gz") as t:
    t.add("e.zip", "deep/e.zip")
# 200 MB of zeros in a small zip: the ratio limit cuts it
with zipfile.ZipFile("bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.bin", "w") as f:
        block = bytes(1 << 20)
        for _ in range(200):
            f.write(block)
PY
)
rm "$WORK/tree/sub/eicar.com"
run "$ASSAY" scan "$WORK/tree/sub"
expect_out "zip member named outer!inner" "e.zip!inner/eicar.com: Eicar-Test-Signature FOUND"
expect_out "nested member" "nested.tar.gz!deep/e.zip!inner/eicar.com: Eicar-Test-Signature FOUND"
expect_err "bomb cut by a limit and reported" "bomb.zip.*(ratio|limit)"
expect_status "a limit hit is exit 2" 2

run "$ASSAY" scan --max-recursion 1 "$WORK/tree/sub/nested.tar.gz"
expect_err "recursion limit reported" "max-recursion"
expect_status "recursion limit exit 2" 2

( cd "$WORK" && python3 -c '
import zipfile
with zipfile.ZipFile("many.zip", "w") as z:
    for i in range(3000):
        z.writestr(f"m{i}.txt", "x")
' )
run "$ASSAY" scan --max-files 100 "$WORK/many.zip"
expect_err "member limit reported" "many.zip: .*member limit \(100\)"
expect_status "member limit exit 2" 2
expect_out "members up to the limit scanned" "^Scanned files: 101$"
rm "$WORK/many.zip"

run "$ASSAY" scan --no-archive "$WORK/tree/sub/e.zip"
expect_status "--no-archive" 0

# -- a file larger than 4 GiB (sparse) with EICAR beyond the 4 GiB mark
big="$WORK/big.bin"
if truncate -s 4400M "$big" 2>/dev/null; then
    eicar "$WORK/e.tmp"
    dd if="$WORK/e.tmp" of="$big" bs=1 seek=$((4400 * 1024 * 1024 - 1000)) conv=notrunc status=none
    run "$ASSAY" scan --json "$big"
    expect_status "file over 4 GiB scanned to the end" 1
    expect_out "offset past 4 GiB" "\"offset\":$((4400 * 1024 * 1024 - 1000)),"
    rm -f "$big"
fi

# -- YARA: a string with more than a million matches is capped with a warning
#    naming rule and string; the scan goes on and the rule still matches
python3 -c "import sys; sys.stdout.buffer.write(b'a' * 1100000)" > "$WORK/many.bin"
printf 'rule many { strings: $a = "a" condition: #a > 5 }\n' > "$WORK/many.yar"
run "$ASSAY" scan --no-summary -r "$WORK/many.yar" "$WORK/many.bin"
expect_status "capped YARA string: found, not an error" 1
expect_out "capped YARA string: rule reported" "many.bin: many FOUND"
expect_err "capped YARA string: warning names rule and string" "rule many: string \\\$a has more than 1000000 matches.* WARNING"
rm -f "$WORK/many.bin"

# A kernel pseudo file system met inside the walk is not entered (needs a
# proc mount: skipped where mounting is not allowed).
mkdir -p "$WORK/pseudo/sub/proc"
if mount -t proc proc "$WORK/pseudo/sub/proc" 2>/dev/null; then
    run "$ASSAY" scan --json "$WORK/pseudo"
    umount "$WORK/pseudo/sub/proc"
    expect_status "a folder holding a proc mount" 0
    expect_out "proc is skipped, not read" '"files":0,.*"skipped":1'
else
    echo "SKIP: cannot mount proc here"
fi

finish
