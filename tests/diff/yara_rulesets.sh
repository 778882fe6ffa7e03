#!/usr/bin/env bash
# yara_rulesets.sh [--quick] [--strict] [--sets "elastic ..."] ASSAY_BINARY
#
# Differential test of `assay yara` against Debian's `yara` 4.2.3 over the four shared rule
# sets (../shared/rules/{elastic,signature-base,reversinglabs,yara-rules}). For each set,
# both tools run with the same arguments, `-s -r -p 2 RULE_FILES... TARGET` (signature-base
# also with its external variables `-d filename= -d filepath= -d extension= -d filetype=
# -d owner=`), on each target:
#   corpus    a corpus from ../shared/bench/make-corpus.sh (cached; --quick: a 4 MB slice)
#   crafted   files written here from the set's own strings (text strings with their
#             ascii/wide/base64 variants, hex strings with wildcards and jumps filled in),
#             behind an MZ/PE or ELF header when the rules test for one, so rules do fire
#   samples   copies of /usr/share/clamav-testfiles (PE, ELF, documents) and of
#             ../shared/yara-tests/data (PE, ELF, Mach-O, DEX; less x.txt, see below) when
#             present, for the pe/elf/math/hash rules
# Standard output is compared after normalization (each string line is keyed by its file and
# rule line, then all lines are sorted; --strict keeps yara's order inside each file), and so
# are the exit codes. Prints the differences and "N passed, N failed"; exit 0 when identical,
# 1 otherwise, 77 (skipped) when yara is missing or the assay binary has no `yara` command.
#
# Rule files: every .yar/.yara file of the set, in byte order (yara-rules needs that order:
# seven malware/ files use the private rule is__elf of malware/000_common_rules.yar), less
#   - files importing a module listed in YARA_DIFF_SKIP_MODULES (default: cuckoo, which
#     needs a sandbox report through -x and is not planned for assay);
#   - files the reference refuses when the whole set is compiled with yarac (the offending
#     file named by each error is dropped and the set compiled again; none today).
# The lists used and the files dropped (with the reason) are written to the work folder.
#
# Environment:
#   ASSAY_YARA            command prefix that replaces "ASSAY_BINARY yara" (e.g. "yara" to
#                         test this script with the reference standing in for assay)
#   YARA, YARAC           reference commands (default yara, yarac)
#   ASSAY_SHARED          the shared folder (default ../shared beside the source tree)
#   ASSAY_YARA_DIFF_CACHE cache for corpora (default ${TMPDIR:-/tmp}/assay-yara-diff)
#   YARA_DIFF_CORPUS_MB   corpus size for make-corpus.sh (default 20; it makes at least ~40 MB)
#   YARA_DIFF_SKIP_MODULES modules whose files are left out (default "cuckoo")
#   YARA_DIFF_KEEP        keep the work folder (outputs of both tools, lists) and print it
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
quick=0 strict=0 sets="elastic signature-base reversinglabs yara-rules"
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --strict) strict=1 ;;
        --sets) sets=$2; shift ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "yara_rulesets: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
assay_bin=${1:-}
shared=${ASSAY_SHARED:-$root/../shared}
yara=${YARA:-yara}
yarac=${YARAC:-yarac}
cache=${ASSAY_YARA_DIFF_CACHE:-${TMPDIR:-/tmp}/assay-yara-diff}
mb=${YARA_DIFF_CORPUS_MB:-20}
skip_modules=${YARA_DIFF_SKIP_MODULES:-cuckoo}
# yara-tests/data/x.txt is 1 MB of 'X' (a regex stress input): yara 4.2.3 needs minutes on
# it with yara-rules' packers/Javascript_exploit_and_obfuscation.yar ($fff, a quadratic
# /([A-Za-z0-9]{4})*.../), so it is not among the samples.
sample_excludes="x.txt"

if ! command -v "$yara" >/dev/null || ! command -v "$yarac" >/dev/null; then
    echo "yara_rulesets: $yara/$yarac not installed (scripts/deps.sh): skipped"; exit 77
fi
if [ -n "${ASSAY_YARA:-}" ]; then
    read -r -a assay_cmd <<<"$ASSAY_YARA"
else
    [ -n "$assay_bin" ] || { echo "usage: yara_rulesets.sh [--quick] [--strict] [--sets LIST] ASSAY_BINARY" >&2; exit 2; }
    if "$assay_bin" yara --help 2>&1 | grep -q "unknown command"; then
        echo "yara_rulesets: $assay_bin has no 'yara' command yet: skipped"; exit 77
    fi
    assay_cmd=("$assay_bin" yara)
fi
[ -d "$shared/rules" ] || { echo "yara_rulesets: no rule sets in $shared/rules" >&2; exit 2; }
shared=$(cd "$shared" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/yara_rulesets.XXXXXX")
if [ -n "${YARA_DIFF_KEEP:-}" ]; then echo "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$cache"

# --- the helper: rule-file selection, crafted inputs, normalization and comparison ------
helper=$work/helper.py
cat >"$helper" <<'PY'
import base64, os, re, subprocess, sys

def rule_files(setdir):
    out = []
    for d, _, names in os.walk(setdir):
        for n in names:
            if n.endswith((".yar", ".yara")):
                out.append(os.path.join(d, n))
    return sorted(out, key=lambda p: p.encode())

def select(setdir, skip_modules, yarac, defines, listfile, dropfile):
    """Writes the rule files to use (one a line) and the dropped ones with the reason."""
    files = rule_files(setdir)
    dropped = []
    skip = [m for m in skip_modules.split() if m]
    keep = []
    for f in files:
        text = open(f, encoding="latin-1").read()
        mods = re.findall(r'^\s*import\s+"(\w+)"', text, re.M)
        bad = [m for m in mods if m in skip]
        if bad:
            dropped.append((f, "imports module %s (YARA_DIFF_SKIP_MODULES)" % ",".join(bad)))
        else:
            keep.append(f)
    for _ in range(20):
        p = subprocess.run([yarac, "-w"] + defines + keep + [os.devnull], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode == 0:
            break
        msg = p.stdout.decode("utf-8", "replace")
        culprits = set()
        for line in msg.splitlines():
            m = re.match(r"^(.*?)\(\d+\): error", line) or re.match(r'^error: rule ".*?" in (.*?)\(\d+\)', line)
            if m and m.group(1) in keep:
                culprits.add(m.group(1))
        if not culprits:
            sys.exit("yarac fails on the set and names no file:\n" + msg)
        for c in sorted(culprits):
            why = [l for l in msg.splitlines() if c in l][:1]
            dropped.append((c, "rejected by yarac: " + (why[0] if why else "?")))
            keep.remove(c)
    with open(listfile, "w") as f:
        f.write("".join(k + "\n" for k in keep))
    with open(dropfile, "w") as f:
        f.write("".join("%s\t%s\n" % d for d in dropped))
    print("%d rule files, %d left out" % (len(keep), len(dropped)))

# --- crafted inputs --------------------------------------------------------------------
STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
MODS = {"ascii", "wide", "nocase", "fullword", "private", "xor", "base64", "base64wide"}

def read_text(s, i):
    """s[i] is '"'; returns (bytes, index after the closing quote)."""
    out, i = bytearray(), i + 1
    while i < len(s) and s[i] != '"':
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x" and i + 3 < len(s):
                try:
                    out.append(int(s[i + 2:i + 4], 16)); i += 4; continue
                except ValueError:
                    pass
            out += {"n": b"\n", "t": b"\t", "r": b"\r", '"': b'"', "\\": b"\\"}.get(n, n.encode("latin-1"))
            i += 2
            continue
        out += c.encode("latin-1")
        i += 1
    return bytes(out), i + 1

def hex_instance(body):
    body = re.sub(r"/\*.*?\*/", " ", body, flags=re.S)
    body = re.sub(r"//[^\n]*", " ", body)
    toks = re.findall(r"\[[^\]]*\]|\(|\)|\||~?[0-9A-Fa-f?]{2}", body)
    pos = 0
    def seq():
        nonlocal pos
        out = bytearray()
        while pos < len(toks) and toks[pos] not in (")", "|"):
            t = toks[pos]; pos += 1
            if t == "(":
                alts = [seq()]
                while pos < len(toks) and toks[pos] == "|":
                    pos += 1
                    alts.append(seq())
                pos += 1  # ")"
                out += alts[0]
            elif t.startswith("["):
                lo = t[1:-1].split("-")[0].strip()
                out += bytes(int(lo) if lo.isdigit() else 0)
            else:
                neg = t.startswith("~")
                t = t.lstrip("~").replace("?", "0")
                out.append(int(t, 16) ^ (0x01 if neg else 0))
        return out
    return bytes(seq())

def string_instances(line_rest):
    """line_rest starts at the string's value; returns byte sequences that match it."""
    s = line_rest
    if s.startswith('"'):
        data, end = read_text(s, 0)
        rest = s[end:]
        words = re.findall(r'(\w+)(\(\s*(?:"(?:[^"\\]|\\.)*"|[^)]*)\))?', rest.split("//")[0])
        mods = {}
        for w, arg in words:
            if w not in MODS:
                break
            mods[w] = arg
        if not data:
            return []
        out = []
        if "base64" in mods or "base64wide" in mods:
            for m in ("base64", "base64wide"):
                if m not in mods:
                    continue
                alpha = STD
                arg = mods[m]
                if arg and '"' in arg:
                    a, _ = read_text(arg[arg.index('"'):], 0)
                    if len(a) == 64:
                        alpha = a
                for pre in (b"", b"x", b"xy"):
                    enc = base64.b64encode(pre + data + b"  ").translate(bytes.maketrans(STD, alpha))
                    out.append(bytes(b for c in enc for b in (c, 0)) if m == "base64wide" else enc)
            return out
        key = 0
        if "xor" in mods and mods["xor"]:
            lo = re.findall(r"0x[0-9a-fA-F]+|\d+", mods["xor"])
            key = int(lo[0], 0) if lo else 0
        variants = []
        if "wide" in mods:
            variants.append(bytes(b for c in data for b in (c, 0)))
        if "ascii" in mods or "wide" not in mods:
            variants.append(data)
        return [bytes(b ^ key for b in v) for v in variants]
    if s.startswith("{"):
        return [hex_instance(s[1:s.index("}")] if "}" in s else s[1:])]
    return []  # regular expressions: not sampled

MZ = bytearray(0x140)
MZ[0:2] = b"MZ"; MZ[0x3c:0x40] = (0x40).to_bytes(4, "little"); MZ[0x40:0x44] = b"PE\0\0"
MZ[0x44:0x46] = (0x14c).to_bytes(2, "little")
ELF = b"\x7fELF\x02\x01\x01" + bytes(57)

def craft(setdir, listfile, outdir, per_file=20):
    os.makedirs(outdir, exist_ok=True)
    n = 0
    for path in open(listfile).read().split():
        text = open(path, encoding="latin-1").read()
        rules = re.split(r"(?m)^\s*(?:(?:private|global)\s+)*rule\s+", text)[1:]
        base = os.path.relpath(path, setdir).replace("/", "_")
        for c in range(0, len(rules), per_file):
            chunk = rules[c:c + per_file]
            body = bytearray()
            wants_mz = wants_elf = False
            for r in chunk:
                cond = r.split("condition:")[-1].lower()
                wants_mz |= "0x5a4d" in cond or "pe." in cond or "mz" in cond
                wants_elf |= "0x464c457f" in cond or "elf." in cond or "is__elf" in cond
                src = r
                i = 0
                while True:
                    m = re.compile(r"\$\w*\s*=\s*").search(src, i)
                    if not m:
                        break
                    j = m.end()
                    if j < len(src) and src[j] == "{":
                        val = src[j:src.find("}", j) + 1]
                    else:
                        val = src[j:src.find("\n", j) if "\n" in src[j:] else len(src)]
                    try:
                        for inst in string_instances(val):
                            body += b"\n" + inst + b"\n"
                    except (ValueError, IndexError):
                        pass
                    i = j
            if not body:
                continue
            kinds = [("txt", b"")] + ([("mz", bytes(MZ))] if wants_mz else []) + ([("elf", ELF)] if wants_elf else [])
            for ext, head in kinds:
                with open(os.path.join(outdir, "%s.%d.%s" % (base, c // per_file, ext)), "wb") as f:
                    f.write(head + bytes(body))
                n += 1
    print("%d crafted files" % n)

def slice_corpus(corpus, outdir, mb):
    """A fixed slice of the corpus: files in byte order of their path until mb MB."""
    os.makedirs(outdir, exist_ok=True)
    files = []
    for d, _, names in os.walk(corpus):
        for nm in names:
            p = os.path.join(d, nm)
            if os.path.isfile(p) and not os.path.islink(p):
                files.append(p)
    files.sort(key=lambda p: p.encode())
    total, budget = 0, mb << 20
    for p in files[::7]:
        sz = os.path.getsize(p)
        if total + sz > budget or sz > budget // 4:
            continue
        dst = os.path.join(outdir, os.path.relpath(p, corpus).replace("/", "_"))
        os.link(p, dst) if os.stat(p).st_dev == os.stat(outdir).st_dev else open(dst, "wb").write(open(p, "rb").read())
        total += sz
    print("slice: %d bytes" % total)

# --- normalization ---------------------------------------------------------------------
def records(path, target):
    """[(file, [lines of that file's records, in order])] from a yara -s output."""
    groups, cur_file, cur = {}, None, None
    for line in open(path, encoding="utf-8", errors="replace").read().splitlines():
        if line.startswith("0x") and cur is not None:
            # Empty matches (a regex like /a|b|/ that can match nothing) are
            # reported by YARA 4.5, assay's target, not by the 4.2.3 reference.
            if not re.match(r"0x[0-9a-f]+:(\d+:)?\$[^:]*: $", line):
                cur.append(line)
            continue
        i = line.rfind(target)
        f = line[i:] if i >= 0 else line.rsplit(" ", 1)[-1]
        cur = [line]
        groups.setdefault(f, []).append(cur)
    return groups

def compare(ref_out, ref_rc, out, rc, target, strict, label, limit=40):
    a, b = records(ref_out, target), records(out, target)
    def flat(g):
        if strict:
            return {f: ["\t".join([r[0]] + r[1:]) for r in v] for f, v in g.items()}
        lines = []
        for f, v in g.items():
            for r in v:
                lines.append(r[0])
                lines += [r[0] + "\t" + s for s in r[1:]]
        return sorted(lines)
    fa, fb = flat(a), flat(b)
    nrule = sum(len(v) for v in a.values())
    nstr = sum(len(r) - 1 for v in a.values() for r in v)
    info = "%d files matched, %d rule lines, %d string lines" % (len(a), nrule, nstr)
    if fa == fb and ref_rc == rc:
        print("  ok   %s: %s" % (label, info))
        return 0
    print("  FAIL %s: %s; exit codes yara %s, assay %s" % (label, info, ref_rc, rc))
    if strict:
        files = sorted(set(fa) | set(fb))
        shown = 0
        for f in files:
            if fa.get(f) != fb.get(f):
                print("    file %s\n      yara:  %s\n      assay: %s" % (f, str(fa.get(f)).replace(target, ""),
                                                                 str(fb.get(f)).replace(target, "")))
                shown += 1
                if shown >= limit:
                    break
        return 1
    from collections import Counter
    ca, cb = Counter(fa), Counter(fb)
    only_a, only_b = sorted((ca - cb).elements()), sorted((cb - ca).elements())
    print("    %d lines only in yara's output, %d only in assay's" % (len(only_a), len(only_b)))
    for l in only_a[:limit]:
        print("    - " + l.replace(target, ""))
    for l in only_b[:limit]:
        print("    + " + l.replace(target, ""))
    return 1

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "select":
        select(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[7:], sys.argv[5], sys.argv[6])
    elif cmd == "craft":
        craft(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "slice":
        slice_corpus(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7] == "1", sys.argv[8]))
PY

# --- targets ---------------------------------------------------------------------------
corpus=$cache/corpus-$mb
if [ ! -d "$corpus" ]; then
    echo "making a ${mb} MB corpus in $corpus"
    bash "$shared/bench/make-corpus.sh" "$corpus.tmp" "$mb" >/dev/null && mv "$corpus.tmp" "$corpus" || exit 2
fi
targets=()
if [ $quick = 1 ]; then
    slice=$cache/slice-$mb-4
    if [ ! -d "$slice" ]; then
        python3 "$helper" slice "$corpus" "$slice.tmp" 4 >/dev/null && mv "$slice.tmp" "$slice" || exit 2
    fi
    targets+=("corpus-slice=$slice")
else
    targets+=("corpus=$corpus")
fi
# samples: copies, so that both tools see plain files (no symlinks), less the excluded ones
samples=$cache/samples
if [ ! -d "$samples" ]; then
    mkdir -p "$samples.tmp/clamav-testfiles" "$samples.tmp/yara-tests-data"
    [ -d /usr/share/clamav-testfiles ] && cp -L /usr/share/clamav-testfiles/* "$samples.tmp/clamav-testfiles/"
    if [ -d "$shared/yara-tests/data" ]; then
        for f in "$shared/yara-tests/data"/*; do
            case ${f##*/} in $sample_excludes) continue ;; esac
            cp -rL "$f" "$samples.tmp/yara-tests-data/"
        done
    fi
    chmod -R u+w "$samples.tmp" && mv "$samples.tmp" "$samples"
fi
targets+=("samples=$samples")

echo "# yara_rulesets: reference $("$yara" -v), under test: ${assay_cmd[*]}, mode $([ $quick = 1 ] && echo quick || echo full)"
passed=0 failed=0
for set in $sets; do
    setdir=$shared/rules/$set
    [ -d "$setdir" ] || { echo "no rule set $setdir" >&2; failed=$((failed + 1)); continue; }
    defines=()
    [ "$set" = signature-base ] && defines=(-d filename= -d filepath= -d extension= -d filetype= -d owner=)
    list=$work/$set.files dropped=$work/$set.dropped
    echo "$set: $(python3 "$helper" select "$setdir" "$skip_modules" "$yarac" "$list" "$dropped" "${defines[@]}")"
    sed 's/^/  left out: /' "$dropped"
    mapfile -t files <"$list"
    crafted=$work/crafted-$set
    echo "  $(python3 "$helper" craft "$setdir" "$list" "$crafted")"
    for t in "${targets[@]}" "crafted=$crafted"; do
        name=${t%%=*} dir=${t#*=}
        out=$work/$set.$name
        "$yara" -s -r -p 2 "${defines[@]}" "${files[@]}" "$dir" >"$out.yara" 2>"$out.yara.err"
        yrc=$?
        start=$EPOCHREALTIME
        "${assay_cmd[@]}" -s -r -p 2 "${defines[@]}" "${files[@]}" "$dir" >"$out.assay" 2>"$out.assay.err"
        arc=$?
        secs=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }")
        if python3 "$helper" compare "$out.yara" "$yrc" "$out.assay" "$arc" "$dir/" "$strict" "$set / $name (assay $secs s)"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            [ -s "$out.assay.err" ] && { echo "    assay stderr (first lines):"; head -5 "$out.assay.err" | sed 's/^/      /'; }
        fi
    done
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
