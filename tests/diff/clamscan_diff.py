#!/usr/bin/env python3
"""clamscan_diff.py ASSAY — differential tests of assay against clamscan.

1. Signatures of every supported ClamAV format (.ndb with each wildcard, offset and
   target type, .hdb/.hsb/.mdb/.msb, .fp, .ldb from tests/diff/clam/) are written at test
   time, with EP/section offsets computed from real PE and ELF files, and both tools scan
   the same inputs: the (file, signature) pairs must be equal.
2. On /usr/share/clamav-testfiles with one .hsb line for clam.exe, assay must find it in
   clam.exe and every container libarchive reads (the list in docs/signatures.md).
Prints "N passed, N failed".
"""
import hashlib, os, shutil, struct, subprocess, sys, tempfile

ASSAY = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
TESTFILES = "/usr/share/clamav-testfiles"
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}\n{detail}", file=sys.stderr)


def hexs(b):
    return b.hex()


def make_pe():
    """A small, valid PE32 executable: two sections of distinct bytes, the entry
    point 0x10 bytes into .text. Written here so the test needs no compiler."""
    import random
    rng = random.Random(7)
    file_align, sect_align = 0x200, 0x1000
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    coff = struct.pack("<HHIIIHH", 0x14C, 2, 0, 0, 0, 0xE0, 0x0102)
    opt = bytearray(0xE0)
    struct.pack_into("<HBBIIIIII", opt, 0, 0x10B, 1, 0, 0x200, 0x200, 0, 0x1010, 0x1000, 0x2000)
    struct.pack_into("<IIIHHHHHHIIIIHHIIIIII", opt, 28, 0x400000, sect_align, file_align, 4, 0, 0, 0, 4, 0, 0,
                     0x3000, 0x200, 0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    def section(name, va, raw):
        return struct.pack("<8sIIIIIIHHI", name, 0x200, va, 0x200, raw, 0, 0, 0, 0, 0x60000020)
    headers = dos + b"PE\0\0" + coff + opt + section(b".text", 0x1000, 0x200) + section(b".data", 0x2000, 0x400)
    headers = headers.ljust(0x200, b"\0")
    return bytes(headers) + bytes(rng.randrange(256) for _ in range(0x400))


def pe_layout(data):
    """(ep_offset, [(raw_offset, raw_size)]) of a PE file, the plain way."""
    e_lfanew = struct.unpack_from("<I", data, 0x3C)[0]
    nsec = struct.unpack_from("<H", data, e_lfanew + 6)[0]
    opt_size = struct.unpack_from("<H", data, e_lfanew + 20)[0]
    opt = e_lfanew + 24
    ep_rva = struct.unpack_from("<I", data, opt + 16)[0]
    secs, ep = [], None
    for i in range(nsec):
        s = opt + opt_size + 40 * i
        vsize, va, rsize, roff = struct.unpack_from("<IIII", data, s + 8)
        secs.append((roff, rsize))
        if va <= ep_rva < va + max(vsize, rsize):
            ep = roff + ep_rva - va
    return ep, secs


def elf_entry(data):
    """File offset of an ELF64 little-endian entry point."""
    entry = struct.unpack_from("<Q", data, 24)[0]
    phoff = struct.unpack_from("<Q", data, 32)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for i in range(phnum):
        p = phoff + i * phentsize
        ptype = struct.unpack_from("<I", data, p)[0]
        off, vaddr, _, filesz = struct.unpack_from("<QQQQ", data, p + 8)
        if ptype == 1 and vaddr <= entry < vaddr + filesz:
            return off + entry - vaddr
    return None


def elf_section_offset(data, i):
    """sh_offset of section i of an ELF64 little-endian file."""
    shoff = struct.unpack_from("<Q", data, 40)[0]
    shentsize = struct.unpack_from("<H", data, 58)[0]
    return struct.unpack_from("<Q", data, shoff + i * shentsize + 24)[0]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def detections(output, strip_unofficial):
    """{(basename of outer file, signature)} from 'path: NAME FOUND' lines."""
    found = set()
    for line in output.splitlines():
        if not line.endswith(" FOUND"):
            continue
        path, name = line[: -len(" FOUND")].rsplit(": ", 1)
        if strip_unofficial and name.endswith(".UNOFFICIAL"):
            name = name[: -len(".UNOFFICIAL")]
        found.add((os.path.basename(path.split("!")[0]), name))
    return found


def build_inputs(d):
    inp = os.path.join(d, "inputs")
    os.makedirs(inp)
    texts = {
        "exact.txt": b"assay differential marker one\n",
        "wild.bin": b"\x00\x01WILDxCARD\x02",
        "nibble.bin": b"\x00NIB\x5aBLE\x00",
        "nibble-no.bin": b"\x00NIB\x5bBLE\x00",
        "star.bin": b"\x00STARTS" + b"." * 500 + b"ENDMARK\x00",
        "range-yes.bin": b"\x00LEFT..RIGHT\x00",
        "range-no.bin": b"\x00LEFT.....RIGHT\x00",
        "alt.bin": b"\x00ONE2TWO\x00",
        "notalt.bin": b"\x00FOO3BAR\x00",
        "notalt-no.bin": b"\x00FOO1BAR\x00",
        "altmulti.bin": b"\x00PREbbbPOST\x00",
        "abs.bin": b"0123456789ABSOLUTE\x00",
        "abs-no.bin": b"012345678ABSOLUTE\x00",
        "eof.bin": b"\x00\x00\x00....THE-END",
        "float-yes.bin": b"\x00" * 12 + b"FLOATER\x00",
        "float-no.bin": b"\x00" * 40 + b"FLOATER\x00",
        "text.txt": b"some text with textmarker inside\n",
        "text-as-binary.bin": b"\x00\x01\x02\x03textmarker\x00\xff\xfe\x00\x00",
        "hash-me.bin": b"hash signature target file\n",
        "norm-case.txt": b"Some Text With UPPER Case Marker and more words\n",
        "norm-space.txt": b"spaced   out\t\t\r\n  words here, and plenty of other text\n",
        "norm-drop.txt": b"drop\x01ped\x80bytes in text files are gone entirely\n",
        "norm-utf16.txt": "utf sixteen Marker in a byte-order-marked file\n".encode("utf-16"),
        "allowlisted.txt": b"assay differential marker one -- but allowlisted\n",
        "allowlisted-sha.txt": b"assay differential marker one -- allowlisted by sha256\n",
        "ignored.bin": b"\x00\x01an ignored signature matches here\x00",
    }
    for n, b in texts.items():
        open(os.path.join(inp, n), "wb").write(b)
    open(os.path.join(inp, "pe.exe"), "wb").write(make_pe())
    shutil.copy("/bin/ls", os.path.join(inp, "elf.bin"))
    ldb_inputs = os.path.join(HERE, "clam", "inputs")
    if os.path.isdir(ldb_inputs):
        for n in os.listdir(ldb_inputs):
            shutil.copy(os.path.join(ldb_inputs, n), os.path.join(inp, "ldb-" + n))
    return inp


def build_sigs(d, inp):
    sig = os.path.join(d, "sigs")
    os.makedirs(sig)
    pe = open(os.path.join(inp, "pe.exe"), "rb").read()
    ep, secs = pe_layout(pe)
    elf = open(os.path.join(inp, "elf.bin"), "rb").read()
    eep = elf_entry(elf)
    s1 = elf_section_offset(elf, 1)
    h = lambda s: hexs(s.encode())
    ndb = [
        f"Diff.Exact:0:*:{h('assay differential marker one')}",
        f"Diff.Wild:0:*:{h('WILD')}??{h('CARD')}",
        f"Diff.Nibble:0:*:{h('NIB')}?a{h('BLE')}",
        f"Diff.Star:0:*:{h('STARTS')}*{h('ENDMARK')}",
        f"Diff.Range:0:*:{h('LEFT')}{{2-4}}{h('RIGHT')}",
        f"Diff.Alt:0:*:{h('ONE')}(31|32){h('TWO')}",
        f"Diff.NotAlt:0:*:{h('FOO')}!(31|32){h('BAR')}",
        f"Diff.AltMulti:0:*:{h('PRE')}(6161|626262){h('POST')}",
        f"Diff.Abs:0:10:{h('ABSOLUTE')}",
        f"Diff.Eof:0:EOF-7:{h('THE-END')}",
        f"Diff.Float:0:10,5:{h('FLOATER')}",
        f"Diff.Text:7:*:{h('textmarker')}",
        f"Diff.Norm.Case:7:*:{h('upper case marker')}",
        f"Diff.Norm.Case.Raw:7:*:{h('UPPER Case Marker')}",
        f"Diff.Norm.Any:0:*:{h('upper case marker')}",
        f"Diff.Norm.Space:7:*:{h('spaced out words')}",
        f"Diff.Norm.Drop:7:*:{h('dropped')}",
        f"Diff.Norm.Utf16:7:*:{h('sixteen marker')}",
        f"Diff.Norm.Abs:7:0:{h('some text')}",
        f"Diff.PE.EP:1:EP+0:{hexs(pe[ep:ep + 8])}",
        f"Diff.PE.EP.Plus:1:EP+4:{hexs(pe[ep + 4:ep + 10])}",
        f"Diff.PE.S0:1:S0+0:{hexs(pe[secs[0][0]:secs[0][0] + 8])}",
        f"Diff.PE.SL:1:SL+0:{hexs(pe[secs[-1][0]:secs[-1][0] + 8])}",
        f"Diff.PE.AnyType:6:*:{hexs(pe[ep:ep + 8])}",
        f"Diff.ELF.EP:6:EP+0:{hexs(elf[eep:eep + 8])}",
        f"Diff.ELF.S1:6:S1+0:{hexs(elf[s1:s1 + 8])}",
        f"Diff.Never:0:*:{h('this string is in no input at all')}",
        f"Diff.Ignored:0:*:{h('an ignored signature')}",
    ]
    open(os.path.join(sig, "diff.ndb"), "w").write("\n".join(ndb) + "\n")
    target = open(os.path.join(inp, "hash-me.bin"), "rb").read()
    open(os.path.join(sig, "diff.hdb"), "w").write(
        f"{hashlib.md5(target).hexdigest()}:{len(target)}:Diff.Hdb\n"
        f"{hashlib.md5(target).hexdigest()}:{len(target) + 1}:Diff.Hdb.WrongSize\n")
    open(os.path.join(sig, "diff.hsb"), "w").write(
        f"{hashlib.sha1(target).hexdigest()}:{len(target)}:Diff.Hsb.Sha1\n"
        f"{hashlib.sha256(target).hexdigest()}:{len(target)}:Diff.Hsb.Sha256\n")
    s0 = pe[secs[0][0]:secs[0][0] + secs[0][1]]
    open(os.path.join(sig, "diff.mdb"), "w").write(f"{len(s0)}:{hashlib.md5(s0).hexdigest()}:Diff.Mdb\n")
    open(os.path.join(sig, "diff.msb"), "w").write(f"{len(s0)}:{hashlib.sha256(s0).hexdigest()}:Diff.Msb\n")
    allowed = open(os.path.join(inp, "allowlisted.txt"), "rb").read()
    open(os.path.join(sig, "diff.fp"), "w").write(f"{hashlib.md5(allowed).hexdigest()}:{len(allowed)}:Diff.Allowed\n")
    allowed_sha = open(os.path.join(inp, "allowlisted-sha.txt"), "rb").read()
    open(os.path.join(sig, "diff.sfp"), "w").write(
        f"{hashlib.sha256(allowed_sha).hexdigest()}:{len(allowed_sha)}:Diff.Allowed.Sha\n")
    open(os.path.join(sig, "diff.ign2"), "w").write("Diff.Ignored\n")
    pe_ldb = [  # target description checks on the synthetic PE (EP at file offset ep, 2 sections)
        f"Diff.Ldb.PE.EntryPoint;Engine:51-255,Target:1,EntryPoint:{ep - 4}-{ep + 4};0;{hexs(pe[ep:ep + 6])}",
        f"Diff.Ldb.PE.EntryPoint.Miss;Engine:51-255,Target:1,EntryPoint:{ep + 100}-{ep + 200};0;{hexs(pe[ep:ep + 6])}",
        f"Diff.Ldb.PE.Sections;Engine:51-255,Target:1,NumberOfSections:2-2;0;{hexs(pe[ep:ep + 6])}",
        f"Diff.Ldb.PE.Sections.Miss;Engine:51-255,Target:1,NumberOfSections:3-9;0;{hexs(pe[ep:ep + 6])}",
        f"Diff.Ldb.PE.EPOffset;Engine:51-255,Target:1;0&1;EP+0:{hexs(pe[ep:ep + 4])};S1+0:{hexs(pe[secs[1][0]:secs[1][0] + 4])}",
    ]
    ldb_lines = list(pe_ldb)
    ldb = os.path.join(HERE, "clam", "sigs.ldb")
    if os.path.exists(ldb):
        ldb_lines += open(ldb).read().splitlines()
    open(os.path.join(sig, "diff.ldb"), "w").write("\n".join(ldb_lines) + "\n")
    return sig


def differential(d):
    inp = build_inputs(d)
    sig = build_sigs(d, inp)
    ref = run(["clamscan", "--allmatch", "--no-summary", "--stdout", "--scan-archive=no", "-d", sig, "-r", inp])
    got = run([ASSAY, "scan", "--no-summary", "--no-archive", "-d", sig, inp])
    check("clamscan ran", ref.returncode in (0, 1), ref.stderr)
    check("assay ran", got.returncode in (0, 1), got.stderr)
    want = detections(ref.stdout, True)
    have = detections(got.stdout, False)
    check("same detections as clamscan", want == have,
          f"  only clamscan: {sorted(want - have)}\n  only assay:    {sorted(have - want)}")
    # Each signature kind took part (a differential test that finds nothing proves nothing).
    names = {n for _, n in want}
    for must in ("Diff.Exact", "Diff.Star", "Diff.PE.EP", "Diff.ELF.EP", "Diff.Hdb", "Diff.Hsb.Sha256", "Diff.Mdb",
                 "Diff.Norm.Case", "Diff.Norm.Space", "Diff.ELF.S1", "Diff.Ldb.PE.EntryPoint",
                 "Diff.Ldb.PE.Sections", "Diff.Ldb.PE.EPOffset"):
        check(f"clamscan itself detects {must}", must in names, f"  clamscan found: {sorted(names)}")
    # The allowlists and the ignore list did something in the reference too.
    for f, n in (("allowlisted.txt", "Diff.Exact"), ("allowlisted-sha.txt", "Diff.Exact"), ("ignored.bin", "Diff.Ignored")):
        check(f"clamscan suppresses {n} in {f}", (f, n) not in want, "")
    print(f"differential: {len(want)} detections compared")


def testfiles(d):
    if not os.path.isdir(TESTFILES):
        return
    sig = os.path.join(d, "clamexe.hsb")
    open(sig, "w").write("71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n")
    got = run([ASSAY, "scan", "--no-summary", "-d", sig, TESTFILES])
    found = {p for p, _ in detections(got.stdout, False)}
    for f in ("clam.exe", "clam.zip", "clam.7z", "clam.tar.gz", "clam.exe.bz2", "clam.bz2.zip", "clam.newc.cpio",
              "clam.odc.cpio", "clam.bin-be.cpio", "clam.bin-le.cpio", "clam.cab", "clam_cache_emax.tgz"):
        check(f"clam.exe found in {f}", f in found, got.stdout + got.stderr)
    ref = run(["clamscan", "--no-summary", "--stdout", "-d", sig, TESTFILES])
    theirs = {p for p, _ in detections(ref.stdout, True)}
    print("clamav-testfiles: clamscan detects but assay does not:", " ".join(sorted(theirs - found)))
    check("assay finds nothing clamscan does not", not (found - theirs), f"  only assay: {sorted(found - theirs)}")


with tempfile.TemporaryDirectory(prefix="assay-diff-") as d:
    differential(d)
    testfiles(d)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
