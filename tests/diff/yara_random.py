#!/usr/bin/env python3
"""yara_random.py — random differential test of `assay yara` against `yara` (4.2.3).

Each case is one rule file (1-4 random rules) and a small folder of inputs made of random
bytes with fragments of the rules' strings planted in them (plain, wide, xored, base64,
case-flipped, overlapping, at the offsets the conditions ask for). The reference `yara` and
the command under test run with the same arguments (`-s`, sometimes `-r`, `-p 2`, `-d`
externals, and on some cases a second run with other output flags: -g -m -n -c -f -t -i -z
-N -w -L -e -l); their standard output (normalized: grouped by scanned file, keeping yara's
order inside a file, which is deterministic) and exit codes must be equal.

Only rules that the reference accepts are used: a generated rule file the reference rejects
is a generator bug; it is counted, shown with --verbose, and skipped.

On a difference the case is reduced (one input file, fewest rules, shortest input) and a
reproducer is printed: the rule text, the arguments, the input as hex, both outputs.

Usage:
  yara_random.py --assay "CMD PREFIX" [--yara yara] [--seed N] [--count N] [-v]
The command under test is --assay, else $ASSAY_YARA, else "$ASSAY yara". Exit 0 when no
case differs, 1 otherwise, 2 on a usage error. Prints "N passed, N failed" at the end.
Python 3 standard library only.
"""
import argparse
import base64
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile

STD_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
WORDS = [b"kernel", b"driver", b"update", b"policy", b"http://", b"cmd.exe", b"GetProcAddress",
         b"VirtualAlloc", b"/bin/sh", b"password", b"MZ", b"PE\x00\x00", b"\x7fELF", b"admin",
         b"token", b"aaaa", b"abab", b"xyz", b"Zz9", b"\x00\x01\x02", b"\xff\xfe", b"a.b-c_d"]


# ----------------------------------------------------------------------------------------
# Rendering helpers

def text_literal(data):
    """Bytes as a YARA text string literal (with escapes)."""
    out = []
    for b in data:
        c = chr(b)
        if c == '"':
            out.append('\\"')
        elif c == '\\':
            out.append('\\\\')
        elif c == '\t':
            out.append('\\t')
        elif c == '\n':
            out.append('\\n')
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append('\\x%02x' % b)
    return '"' + ''.join(out) + '"'


def wide(data):
    return b"".join(bytes([b, 0]) for b in data)


def flip_case(rng, data):
    return bytes((b ^ 0x20) if (0x41 <= b <= 0x5a or 0x61 <= b <= 0x7a) and rng.random() < 0.5
                 else b for b in data)


def b64_encode(data, alphabet):
    enc = base64.b64encode(data)
    if alphabet != STD_B64:
        enc = enc.translate(bytes.maketrans(STD_B64, alphabet))
    return enc.rstrip(b"=")


# ----------------------------------------------------------------------------------------
# Strings. Each generated string knows its source text and can produce byte sequences
# that it matches ("instances"), used to seed the inputs.

class YString:
    def __init__(self, ident, source, instances):
        self.ident = ident          # "$a3" or "$" (anonymous)
        self.source = source        # text after "="
        self.instances = instances  # callable(rng) -> bytes that (probably) match
        self.offsets = []           # offsets the condition tests with "at" / "in"
        self.rule = None


class RegexGen:
    """Random regular expressions (YARA 4.2.3 syntax) with a sampler."""
    META = set(b"\\/^$.|?*+()[]{}")

    def __init__(self, rng):
        self.rng = rng

    def lit_char(self):
        r = self.rng.random()
        if r < 0.7:
            return self.rng.choice(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        if r < 0.85:
            return self.rng.choice(b" -_:=,;'\"#%&<>!@~`")
        if r < 0.93:
            return self.rng.choice(b".*+?()[]{}|^$/\\")
        return self.rng.randrange(256)

    def render_lit(self, b):
        if b in self.META:
            return "\\" + chr(b)
        if b == 0x0a:
            return "\\n"
        if b == 0x09:
            return "\\t"
        if 0x20 <= b < 0x7f:
            return chr(b)
        return "\\x%02x" % b

    def gen_class(self):
        rng = self.rng
        members, parts = set(), []
        for _ in range(rng.randint(1, 3)):
            k = rng.random()
            if k < 0.4:
                lo = rng.choice(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                hi = min(lo + rng.randint(0, 8), 0x7e)
                if chr(lo).isalpha() and not chr(hi).isalpha() or chr(lo).isdigit() and not chr(hi).isdigit():
                    hi = lo
                parts.append(self.class_char(lo) + ("-" + self.class_char(hi) if hi > lo else ""))
                members.update(range(lo, hi + 1))
            elif k < 0.55:
                lo = rng.randrange(256)
                hi = min(255, lo + rng.randint(0, 30))
                parts.append("\\x%02x-\\x%02x" % (lo, hi))
                members.update(range(lo, hi + 1))
            elif k < 0.75:
                sh = rng.choice("dwsDWS")
                parts.append("\\" + sh)
                members.update(shorthand_set(sh))
            else:
                c = self.lit_char()
                parts.append(self.class_char(c))
                members.add(c)
        neg = rng.random() < 0.2
        if neg:
            members = set(range(256)) - members
        if not members:
            members = {0x41}
            parts.append("A")
            neg = False
        return ("[" + ("^" if neg else "") + "".join(parts) + "]", sorted(members))

    def class_char(self, b):
        if chr(b) in "]\\^-[/":
            return "\\" + chr(b)
        if 0x20 <= b < 0x7f:
            return chr(b)
        return "\\x%02x" % b

    def node(self, depth):
        """Returns (text, sampler(icase, dotall) -> bytes, can_repeat, nullable); nullable:
        the node can match the empty string."""
        rng = self.rng
        r = rng.random()
        if depth <= 0 or r < 0.45:
            c = self.lit_char()
            return self.render_lit(c), (lambda ic, s, c=c: bytes([c ^ 0x20]) if ic and chr(c).isalpha()
                                         and rng.random() < 0.5 else bytes([c])), True, False
        if r < 0.55:
            return ".", (lambda ic, s: bytes([rng.choice([x for x in range(256) if s or x != 10])])), True, False
        if r < 0.68:
            text, members = self.gen_class()
            return text, (lambda ic, s, m=members: bytes([rng.choice(m)])), True, False
        if r < 0.74:
            sh = rng.choice("dwsDWS")
            m = sorted(shorthand_set(sh))
            return "\\" + sh, (lambda ic, s, m=m: bytes([rng.choice(m)])), True, False
        if r < 0.77:
            # \b \B between two characters, never at an end of the data: there 4.2.3
            # takes a boundary as found whatever the byte (\b true, \B false), 4.5
            # and assay look at the byte
            b = rng.choice(["\\b", "\\B"])
            c1, c2 = self.lit_char(), self.lit_char()

            def samp(ic, s, c1=c1, c2=c2):
                return bytes((c ^ 0x20) if ic and chr(c).isalpha() and rng.random() < 0.5 else c for c in (c1, c2))
            return "(" + self.render_lit(c1) + b + self.render_lit(c2) + ")", samp, True, False
        if r < 0.88:
            branches = [self.seq(depth - 1, rng.randint(1, 3)) for _ in range(rng.randint(2, 3))]
            text = "(" + "|".join(t for t, _, _ in branches) + ")"
            return text, (lambda ic, s, br=branches: rng.choice(br)[1](ic, s)), True, any(nl for _, _, nl in branches)
        text, samp, nullable = self.seq(depth - 1, rng.randint(2, 4))
        return "(" + text + ")", samp, True, nullable

    def quantified(self, depth):
        text, samp, can, nullable = self.node(depth)
        rng = self.rng
        if not can or rng.random() < 0.6:
            return text, samp, nullable
        k = rng.random()
        if text.startswith("(") and (any(c in text for c in "*+{?") or "\\b" in text or "\\B" in text):
            # a repeated group that holds repetitions: bounded and small, else yara 4.2.3
            # may stop the scan with "too many fibers" (error 46) on some inputs
            k = rng.choice([0.5, 0.6, 0.9])
        if k < 0.2:
            q, lo, hi = "*", 0, 3
        elif k < 0.4:
            q, lo, hi = "+", 1, 3
        elif k < 0.55:
            q, lo, hi = "?", 0, 1
        elif k < 0.7:
            # What can match empty is repeated at most {3} / {2,}: YARA runs the middle
            # iterations of a counted repeat through one copy of its code and never takes
            # the same split twice at one input position, so 4.2.3 and 4.5 miss some
            # matches of such groups; assay finds them (a known difference, docs/yara.md).
            n = rng.randint(1, 3 if nullable else 4)
            q, lo, hi = "{%d}" % n, n, n
        elif k < 0.8:
            n = rng.randint(0, 2 if nullable else 3)
            q, lo, hi = "{%d,}" % n, n, n + 2
        elif k < 0.93:
            n = rng.randint(0, 2)
            m = n + rng.randint(0, 2)
            if m == 0:
                m = 1
            q, lo, hi = "{%d,%d}" % (n, m), n, m
        else:
            m = rng.randint(1, 4)
            q, lo, hi = "{,%d}" % m, 0, m
        if self.lazy and text == "." and q.endswith(",}"):
            # `.{n,}?` is a jump YARA cuts the string at (chained fragments, like hex
            # [n-]); 4.2.3 never reports an empty first fragment (`^`, `x?`): bounded
            q, hi = q[:-1] + "%d}" % (lo + 2), lo + 2
        if self.lazy:
            q += "?"    # lazy: YARA 4.2.3 rejects mixing lazy and greedy in one regex
        return text + q, (lambda ic, s: b"".join(samp(ic, s) for _ in range(rng.randint(lo, hi)))), \
            nullable or lo == 0

    def seq(self, depth, n):
        items = [self.quantified(depth) for _ in range(n)]
        return "".join(t for t, _, _ in items), (lambda ic, s: b"".join(f(ic, s) for _, f, _ in items)), \
            all(nl for _, _, nl in items)

    def regex(self, need_literal=False):
        rng = self.rng
        self.lazy = rng.random() < 0.2
        text, samp, nullable = self.seq(2, rng.randint(2, 6))
        # Make sure there is some literal text most of the time (atoms), like real rules.
        # A regex that can match the empty string always gets one: YARA 4.5 (which assay
        # follows) reports empty matches, 4.2.3 does not (docs/yara-differential.md).
        if nullable or need_literal or rng.random() < 0.7:
            lit = rng.choice(WORDS)
            lt = "".join(self.render_lit(b) for b in lit)
            if rng.random() < 0.5:
                text, samp = lt + text, (lambda ic, s, f=samp, lit=lit: lit + f(ic, s))
            else:
                text, samp = text + lt, (lambda ic, s, f=samp, lit=lit: f(ic, s) + lit)
        pre = post = ""
        if rng.random() < 0.08:
            pre = "^"
        if rng.random() < 0.08:
            post = "$"
        flags = ""
        icase = rng.random() < 0.2
        dotall = rng.random() < 0.2
        if icase:
            flags += "i"
        if dotall:
            flags += "s"
        self.anchors = (pre, post)
        return "/" + pre + text + post + "/" + flags, (lambda: samp(icase, dotall))


def shorthand_set(sh):
    word = set(range(0x30, 0x3a)) | set(range(0x41, 0x5b)) | set(range(0x61, 0x7b)) | {0x5f}
    sets = {"d": set(range(0x30, 0x3a)), "w": word, "s": {9, 10, 11, 12, 13, 32}}
    base = sets[sh.lower()]
    return base if sh.islower() else set(range(256)) - base


class HexGen:
    """Random hex strings: bytes, ??, nibbles, jumps and (nested) alternatives. No '~' and
    no jumps inside alternatives: YARA 4.2.3 rejects both."""

    def __init__(self, rng):
        self.rng = rng

    def byte_tok(self, fixed_pool):
        rng = self.rng
        r = rng.random()
        if r < 0.72:
            b = rng.choice(fixed_pool) if fixed_pool and rng.random() < 0.7 else rng.randrange(256)
            return "%02X" % b, (lambda b=b: bytes([b])), True
        if r < 0.84:
            return "??", (lambda: bytes([rng.randrange(256)])), False
        b = rng.randrange(256)
        if rng.random() < 0.5:
            return "%X?" % (b >> 4), (lambda b=b: bytes([(b & 0xF0) | rng.randrange(16)])), False
        return "?%X" % (b & 15), (lambda b=b: bytes([(rng.randrange(16) << 4) | (b & 15)])), False

    def alt(self, depth, pool):
        rng = self.rng
        branches = []
        for _ in range(rng.randint(2, 3)):
            toks = []
            for _ in range(rng.randint(1, 3)):
                if depth > 0 and rng.random() < 0.15:
                    toks.append(self.alt(depth - 1, pool))
                else:
                    toks.append(self.byte_tok(pool)[:2])
            branches.append(toks)
        text = "( " + " | ".join(" ".join(t for t, _ in br) for br in branches) + " )"
        return text, (lambda br=branches: b"".join(f() for _, f in rng.choice(br)))

    def jump(self):
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            n = rng.randint(1, 6)
            return "[%d]" % n, (lambda n=n: rng.randbytes(n))
        if r < 0.75:
            n = rng.randint(0, 4)
            m = n + rng.randint(0, 6)
            return "[%d-%d]" % (n, m), (lambda n=n, m=m: rng.randbytes(rng.randint(n, m)))
        if r < 0.9:
            n = rng.randint(0, 5)
            return "[%d-]" % n, (lambda n=n: rng.randbytes(rng.randint(n, n + 8)))
        return "[-]", (lambda: rng.randbytes(rng.randint(0, 8)))

    def hexstring(self):
        rng = self.rng
        pool = list(rng.choice(WORDS)) + [0, 0xff, 0x90, 0xcc]
        toks = []
        # first token: a fixed byte (so that most hex strings have an atom)
        b = rng.choice(pool)
        toks.append(("%02X" % b, (lambda b=b: bytes([b]))))
        fixed = 1
        n = rng.randint(1, 8)
        for i in range(n):
            r = rng.random()
            last = i == n - 1
            if not last and r < 0.15 and toks and not toks[-1][0].startswith("["):
                # no two jumps in a row: 4.2.3 aborts on some ([6] [3-]), 4.5 merges them
                toks.append(self.jump())
                continue
            if r < 0.27:
                toks.append(self.alt(1, pool))
                continue
            t, f, isfixed = self.byte_tok(pool)
            fixed += isfixed
            toks.append((t, f))
        if toks[-1][0].startswith("["):
            toks.append(("%02X" % pool[0], (lambda b=pool[0]: bytes([b]))))
        if fixed < 2:
            # keep at least two fixed bytes next to each other: an atom for the scanner
            b1, b2 = rng.choice(pool), rng.choice(pool)
            toks.append(("%02X %02X" % (b1, b2), (lambda b1=b1, b2=b2: bytes([b1, b2]))))
        text = "{ " + " ".join(t for t, _ in toks) + " }"
        return text, (lambda: b"".join(f() for _, f in toks))


# ----------------------------------------------------------------------------------------
# Rules and conditions

class Case:
    def __init__(self):
        self.rules = []        # rendered rule texts
        self.rule_names = []   # public and private names in declaration order
        self.tags = set()
        self.strings = []      # all YString of all rules
        self.externals = {}    # name -> value text for -d
        self.int_plants = []   # (offset, bytes) to write into some inputs

    def text(self):
        return "\n".join(self.rules) + "\n"


class RuleGen:
    def __init__(self, rng, case):
        self.rng = rng
        self.case = case
        self.rx = RegexGen(rng)
        self.hx = HexGen(rng)

    # --- strings ---
    def text_string(self, ident):
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            data = rng.choice(WORDS)
            if len(data) < 3 or rng.random() < 0.4:
                data = data + bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789_ ") for _ in range(rng.randint(1, 5)))
        elif r < 0.8:
            data = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-")
                         for _ in range(rng.randint(2, 10)))
        else:
            data = bytes(rng.choice([rng.randrange(256), rng.choice(b'"\\\t\n'), rng.randrange(0x20, 0x7f)])
                         for _ in range(rng.randint(2, 8)))
        mods = []
        kind = rng.random()
        if kind < 0.15 and len(data) >= 3:
            # base64 family: may combine with each other and with ascii/wide? no: only
            # base64 + base64wide; custom alphabet sometimes.
            alpha = STD_B64
            if rng.random() < 0.35:
                lst = list(STD_B64)
                rng.shuffle(lst)
                alpha = bytes(lst)
            which = rng.choice([["base64"], ["base64wide"], ["base64", "base64wide"]])
            for w in which:
                mods.append(w + ("(" + text_literal(alpha) + ")" if alpha != STD_B64 else ""))

            def inst(data=data, which=which, alpha=alpha):
                pre = rng.randbytes(rng.randint(0, 2))
                post = rng.randbytes(rng.randint(0, 2))
                enc = b64_encode(pre + data + post, alpha)
                return wide(enc) if rng.choice(which) == "base64wide" else enc
            return YString(ident, text_literal(data) + " " + " ".join(mods), inst)
        if kind < 0.35:
            k = rng.random()
            if k < 0.3:
                lo, hi, mod = 0, 255, "xor"
            elif k < 0.55:
                lo = hi = rng.randrange(256)
                mod = "xor(%s)" % (hex(lo) if rng.random() < 0.5 else str(lo))
            else:
                lo = rng.randrange(256)
                hi = min(255, lo + rng.randint(0, 40))
                mod = "xor(%d-%d)" % (lo, hi)
            mods.append(mod)
            ascii_, wide_ = self.width_mods(mods)
            if rng.random() < 0.2:
                mods.append("fullword")
            rng.shuffle(mods)

            def inst(data=data, lo=lo, hi=hi, a=ascii_, w=wide_):
                key = rng.randint(lo, hi)
                d = wide(data) if (w and (not a or rng.random() < 0.5)) else data
                return bytes(b ^ key for b in d)
            return YString(ident, text_literal(data) + " " + " ".join(mods), inst)
        nocase = rng.random() < 0.3
        if nocase:
            mods.append("nocase")
        ascii_, wide_ = self.width_mods(mods)
        fullword = rng.random() < 0.25
        if fullword:
            mods.append("fullword")
        if rng.random() < 0.05:
            mods.append("private")
        rng.shuffle(mods)

        def inst(data=data, nocase=nocase, a=ascii_, w=wide_, fw=fullword):
            d = flip_case(rng, data) if nocase else data
            if w and (not a or rng.random() < 0.5):
                d = wide(d)
            if fw and rng.random() < 0.7:
                d = rng.choice([b" ", b"\x00", b".", b"\n"]) + d + rng.choice([b" ", b"\x00", b"/"])
            return d
        src = text_literal(data) + ((" " + " ".join(mods)) if mods else "")
        return YString(ident, src, inst)

    def width_mods(self, mods):
        r = self.rng.random()
        if r < 0.6:
            return True, False
        if r < 0.75:
            mods.append("wide")
            return False, True
        if r < 0.9:
            mods += ["wide", "ascii"]
            return True, True
        mods.append("ascii")
        return True, False

    def hex_string(self, ident):
        text, f = self.hx.hexstring()
        if self.rng.random() < 0.05:
            text += " private"
        return YString(ident, text, f)

    def regex_string(self, ident):
        rng = self.rng
        mods = []
        nocase = rng.random() < 0.15
        if nocase:
            mods.append("nocase")
        ascii_, wide_ = self.width_mods(mods)
        # `ascii wide` regexes always hold a literal of 2+ bytes, which YARA takes as
        # atom over any single byte: behind a 1-byte atom 4.2.3 tries the wide form
        # only when the ascii forward part fails and so misses wide matches; 4.5
        # (and assay) check both forms (YARA issue #1933).
        text, samp = self.rx.regex(need_literal=ascii_ and wide_)
        fullword = rng.random() < 0.15
        if fullword:
            mods.append("fullword")
        if rng.random() < 0.04:
            mods.append("private")
        rng.shuffle(mods)

        def inst(samp=samp, nocase=nocase, a=ascii_, w=wide_):
            d = samp()
            if nocase:
                d = flip_case(rng, d)
            if w and (not a or rng.random() < 0.5):
                d = wide(d)
            return d
        s = YString(ident, text + ((" " + " ".join(mods)) if mods else ""), inst)
        if self.rx.anchors[0]:
            s.offsets.append(0)
        if self.rx.anchors[1]:
            s.offsets.append("end")
        return s

    # --- conditions ---
    def int_lit(self):
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            return str(rng.randint(0, 10))
        if r < 0.8:
            return str(rng.randint(0, 300))
        if r < 0.9:
            return hex(rng.randint(0, 0xffff))
        return rng.choice(["1KB", "0x7f", "0o17", "-1", "-5"])

    def offset(self, s):
        """An offset for `at` / `in` tests of string s; planted there by some inputs."""
        o = self.rng.choice([0, 0, 1, 2, 4, 8, 16, 64, 100, self.rng.randint(0, 600)])
        s.offsets.append(o)
        return o

    def int_expr(self, depth, strs, loopvars, anon=False):
        rng = self.rng
        r = rng.random()
        if depth <= 0 or r < 0.25:
            return self.int_lit()
        if r < 0.35:
            return "filesize"
        if r < 0.42 and loopvars:
            return rng.choice(loopvars)
        named = [s for s in strs if s.ident != "$"]
        if r < 0.55 and (named or anon and strs):
            s = rng.choice(named or strs)
            n = s.ident[1:]
            k = rng.random()
            if anon:
                return rng.choice(["#", "@[1]", "![1]", "@[%s]" % self.small_index(loopvars), "!"+"[%s]" % self.small_index(loopvars)])
            if k < 0.35:
                return "#" + n
            if k < 0.5:
                a = self.offset(s)
                return "#%s in (%d..%d)" % (n, a, a + rng.randint(0, 200))
            if k < 0.75:
                return "@%s[%s]" % (n, self.small_index(loopvars))
            if k < 0.9:
                return "!%s[%s]" % (n, self.small_index(loopvars))
            return rng.choice(["@", "!"]) + n
        if r < 0.65:
            fn = rng.choice(["uint8", "uint16", "uint32", "int8", "int16", "int32",
                             "uint16be", "uint32be", "int16be", "int32be"])
            if rng.random() < 0.6:
                off = rng.choice([0, 0, 1, 2, 4, 8, 60, rng.randint(0, 300)])
                return "%s(%d)" % (fn, off)
            return "%s(%s)" % (fn, self.int_expr(depth - 1, strs, loopvars, anon))
        if r < 0.7 and self.case.externals and any(v.lstrip("-").isdigit() for v in self.case.externals.values()):
            names = [k for k, v in self.case.externals.items() if v.lstrip("-").isdigit()]
            return rng.choice(names)
        if r < 0.75:
            return "-" + self.paren(self.int_expr(depth - 1, strs, loopvars, anon)) if rng.random() < 0.5 \
                else "~" + self.paren(self.int_expr(depth - 1, strs, loopvars, anon))
        a = self.int_expr(depth - 1, strs, loopvars, anon)
        op = rng.choice(["+", "-", "*", "\\", "%", "&", "|", "^", "<<", ">>"])
        if op in ("\\", "%"):
            b = str(rng.randint(1, 17))
        elif op in ("<<", ">>"):
            # not 1 << 63 (INT64_MIN): yara 4.2.3 misses the overflow of INT64_MIN * n (its
            # llabs(INT64_MIN) is negative), later YARA and assay report it (cases.json)
            b = str(rng.choice([0, 1, 2, 3, 4, 8, 16, 31, 32, 62 if op == "<<" else 63]))
        elif op == "*":
            b = str(rng.randint(-3, 5))
        else:
            b = self.int_expr(depth - 1, strs, loopvars, anon)
        return "(%s %s %s)" % (a, op, b)

    def small_index(self, loopvars):
        if loopvars and self.rng.random() < 0.5:
            return self.rng.choice(loopvars)
        return str(self.rng.choice([1, 1, 1, 2, 3, 0, -1, 5]))

    def paren(self, e):
        return e if e.replace("_", "").isalnum() else "(" + e + ")"

    def cmp(self, a, b):
        return "%s %s %s" % (a, self.rng.choice(["==", "!=", "<", "<=", ">", ">="]), b)

    def string_set(self, strs):
        rng = self.rng
        r = rng.random()
        named = [s for s in strs if s.ident != "$"]
        if r < 0.35 or not named:
            return "them", list(strs)
        if r < 0.55:
            # a prefix wildcard
            s = rng.choice(named)
            pre = s.ident[:rng.randint(2, len(s.ident))]
            if pre == "$":
                pre = "$"
            return "(%s*)" % pre, [t for t in strs if t.ident.startswith(pre) and (t.ident != "$" or pre == "$")]
        k = rng.randint(1, len(named))
        pick = rng.sample(named, k)
        return "(" + ", ".join(s.ident for s in pick) + ")", pick

    def quantifier(self, n):
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return "any"
        if r < 0.5:
            return "all"
        if r < 0.6:
            return "none"
        if r < 0.75:
            return "%d%%" % rng.choice([1, 25, 50, 66, 100])
        return str(rng.randint(0, max(n, 1) + 1))

    def bool_expr(self, depth, strs, prev_rules, loopvars, anon=False):
        rng = self.rng
        r = rng.random()
        if depth <= 0:
            r = rng.random() * 0.45
        named = [s for s in strs if s.ident != "$"]
        if anon:
            k = rng.random()
            if k < 0.3:
                return "$"
            if k < 0.5:
                return "$ at %d" % rng.choice([0, 1, 4, 8, 16])
            if k < 0.65:
                return "$ in (%d..%d)" % (rng.randint(0, 50), rng.randint(50, 700))
            return self.cmp(self.int_expr(depth, strs, loopvars, True), self.int_lit())
        if r < 0.2 and named:
            s = rng.choice(named)
            k = rng.random()
            if k < 0.5:
                return s.ident
            if k < 0.75:
                return "%s at %s" % (s.ident, self.offset(s))
            a = self.offset(s)
            return "%s in (%d..%s)" % (s.ident, a, rng.choice([str(a + rng.randint(0, 300)), "filesize"]))
        if r < 0.3 and strs:
            setx, members = self.string_set(strs)
            q = self.quantifier(len(members))
            if rng.random() < 0.2 and q[-1] != "%":
                return "%s of %s in (%d..%d)" % (q, setx, 0, rng.randint(0, 800))
            return "%s of %s" % (q, setx)
        if r < 0.38 and strs:
            setx, members = self.string_set(strs)
            q = self.quantifier(len(members))
            if q.endswith("%"):
                q = "any"
            if q in ("none", "0"):
                # `for none of` / `for 0 of`: 4.2.3 takes the quantity as "at least 0"
                # (always true), YARA 4.5 (which assay follows) as "none"
                q = rng.choice(["any", "all", "1"])
            return "for %s of %s : ( %s )" % (q, setx, self.bool_expr(depth - 1, strs, prev_rules, loopvars, True))
        if r < 0.45:
            return self.cmp(self.int_expr(depth, strs, loopvars), self.int_expr(depth - 1, strs, loopvars))
        if r < 0.5:
            v = "i%d" % len(loopvars)
            # no `none` / `0`: 4.2.3 takes them as "at least 0" here, 4.5 as "none"
            q = rng.choice(["any", "all", str(rng.randint(1, 3))])
            if named and rng.random() < 0.5:
                s = rng.choice(named)
                rngx = "(1..#%s)" % s.ident[1:]
                body = self.cmp("@%s[%s]" % (s.ident[1:], v), self.int_expr(depth - 1, strs, loopvars + [v])) \
                    if rng.random() < 0.6 else self.bool_expr(depth - 1, strs, prev_rules, loopvars + [v])
            else:
                if rng.random() < 0.8:
                    # Two constant bounds: lower >= 0 and lower <= upper. 4.2.3 accepts
                    # (-1..5) and (10..1), YARA 4.5 rejects them (ERROR_INVALID_VALUE);
                    # with a non-constant upper bound neither checks.
                    if rng.random() < 0.5:
                        a = rng.randint(0, 20)
                        rngx = "(%d..%d)" % (a, a + rng.randint(0, 30))
                    else:
                        rngx = "(%d..filesize)" % rng.randint(-2, 20)
                else:
                    rngx = "(" + ", ".join(self.int_lit() for _ in range(rng.randint(1, 4))) + ")"
                body = self.cmp("%s(%s)" % (rng.choice(["uint8", "uint16", "int8", "uint32be"]), v),
                                self.int_expr(depth - 1, strs, loopvars + [v])) \
                    if rng.random() < 0.6 else self.bool_expr(depth - 1, strs, prev_rules, loopvars + [v])
            return "for %s %s in %s : ( %s )" % (q, v, rngx, body)
        if r < 0.55 and prev_rules:
            if rng.random() < 0.75:
                return rng.choice(prev_rules)
            # "rK" prefixes only: a later rule whose name matches an earlier wildcard set
            # is a compile error
            pre = rng.choice(prev_rules)[:rng.randint(2, 4)]
            if rng.random() < 0.5:
                return "%s of (%s*)" % (rng.choice(["any", "all", "1"]), pre)
            return "any of (%s)" % ", ".join(rng.sample(prev_rules, rng.randint(1, len(prev_rules))))
        if r < 0.6:
            return self.string_op()
        if r < 0.64:
            return self.cmp("filesize", str(rng.choice([0, 1, 16, 100, 512, 1024, 2000])))
        if r < 0.67:
            return rng.choice(["true", "false"])
        if r < 0.7:
            bools = [k for k, v in self.case.externals.items() if v in ("true", "false")]
            if bools:
                return rng.choice(bools)
            return "true"
        if r < 0.73 and named:
            s = rng.choice(named)
            return "defined @%s[%s]" % (s.ident[1:], self.small_index(loopvars))
        if r < 0.8:
            return "not " + self.wrap(self.bool_expr(depth - 1, strs, prev_rules, loopvars))
        op = rng.choice(["and", "or"])
        return "(%s %s %s)" % (self.bool_expr(depth - 1, strs, prev_rules, loopvars), op,
                               self.bool_expr(depth - 1, strs, prev_rules, loopvars))

    def wrap(self, e):
        return e if e.startswith("(") and e.endswith(")") else "(" + e + ")"

    def string_op(self):
        rng = self.rng
        strs_ext = [k for k, v in self.case.externals.items() if v not in ("true", "false")
                    and not v.lstrip("-").isdigit()]

        def operand():
            if strs_ext and rng.random() < 0.6:
                return rng.choice(strs_ext)
            return text_literal(bytes(rng.choice(b"abcABC xyz.") for _ in range(rng.randint(0, 5))))
        op = rng.choice(["contains", "icontains", "startswith", "istartswith", "endswith",
                         "iendswith", "iequals", "==", "!=", "matches", "<", ">"])
        if op == "matches":
            return "%s matches /%s/%s" % (operand(), rng.choice(["a", "b+", "^ab", "c$", "[a-c]{2}", "x.z", "A"]),
                                          rng.choice(["", "i", "s", "is"]))
        return "%s %s %s" % (operand(), op, operand())

    def rule(self, idx):
        rng = self.rng
        case = self.case
        name = "r%d_%s" % (idx, rng.choice(["a", "b", "ab", "x"]))
        nstr = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 6])
        strs = []
        for i in range(nstr):
            if rng.random() < 0.06:
                ident = "$"
            else:
                ident = "$%s%d" % (rng.choice(["a", "b", "s"]), i)
            k = rng.random()
            if k < 0.5:
                s = self.text_string(ident)
            elif k < 0.75:
                s = self.hex_string(ident)
            else:
                s = self.regex_string(ident)
            strs.append(s)
        prev = list(case.rule_names)
        cond = self.bool_expr(rng.randint(1, 3), strs, prev, [])
        # every string must be used by the condition (YARA rejects unreferenced strings)
        unused = [s for s in strs if not self.references(cond, s, strs)]
        if unused:
            extra = []
            for s in unused:
                if s.ident == "$" or rng.random() < 0.2:
                    extra = None
                    break
                extra.append(s.ident if rng.random() < 0.7 else "%s at %d" % (s.ident, self.offset(s)))
            if extra is None:
                cond = "(%s) %s %s of them" % (cond, rng.choice(["and", "or"]), self.quantifier(len(strs)))
            else:
                cond = "(%s) %s (%s)" % (cond, rng.choice(["and", "or", "or"]),
                                        (" %s " % rng.choice(["and", "or"])).join(extra))
        mods = ""
        r = rng.random()
        if r < 0.07:
            mods = "private "
        elif r < 0.1:
            mods = "global "
        tags = ""
        if rng.random() < 0.4:
            t = rng.sample(["t1", "t2", "mal", "Tag_X"], rng.randint(1, 2))
            case.tags.update(t)
            tags = " : " + " ".join(t)
        meta = ""
        if rng.random() < 0.4:
            items = []
            for j in range(rng.randint(1, 3)):
                words = [w for w in WORDS[:12] if META_WITH_NUL or 0 not in w]
                v = rng.choice([text_literal(rng.choice(words + [b'q"uote', b"back\\slash", b"tab\tnl\n"])),
                                str(rng.randint(-100, 100000)), "true", "false"])
                items.append("    m%d = %s" % (j, v))
            meta = "  meta:\n" + "\n".join(items) + "\n"
        body = "%srule %s%s {\n%s" % (mods, name, tags, meta)
        if strs:
            body += "  strings:\n" + "".join("    %s = %s\n" % (s.ident, s.source) for s in strs)
        body += "  condition:\n    %s\n}\n" % cond
        case.rules.append(body)
        case.rule_names.append(name)
        for s in strs:
            s.rule = name
        case.strings.extend(strs)

    @staticmethod
    def references(cond, s, strs):
        if " them" in cond or "($*)" in cond:
            return True
        if s.ident == "$":
            return False
        n = s.ident[1:]
        for p in ("$", "#", "@", "!"):
            i = cond.find(p + n)
            while i >= 0:
                j = i + 1 + len(n)
                if j >= len(cond) or not (cond[j].isalnum() or cond[j] == "_"):
                    return True
                i = cond.find(p + n, i + 1)
        # prefix sets like ($a*)
        for k in range(2, len(s.ident) + 1):
            if "(%s*)" % s.ident[:k] in cond:
                return True
        return False


def string_features(src):
    """Feature names of a string's source text, for --stats."""
    f = []
    if src.startswith("{"):
        body = src[:src.rindex("}")]
        f.append("hex")
        if "[" in body:
            f.append("hex-jump")
        if "[-]" in body or "-]" in body:
            f.append("hex-open-jump")
        if "(" in body:
            f.append("hex-alternative")
        if "??" in body:
            f.append("hex-??")
        if any(len(t) == 2 and "?" in t and t != "??" for t in body.split()):
            f.append("hex-nibble")
        return f
    if src.startswith("/"):
        end = src.rindex("/")
        body, flags = src[1:end], src[end + 1:].split(" ")[0]
        f.append("regex")
        f += ["regex-flag-" + c for c in flags]
        for tok, name in (("*?", "lazy"), ("+?", "lazy"), ("??", "lazy"), ("|", "alternation"), ("[", "class"),
                          ("[^", "negated-class"), ("\\b", "word-boundary"), ("{", "counted-repeat"),
                          ("\\d", "shorthand"), ("\\w", "shorthand"), (".", "dot")):
            if tok in body:
                f.append("regex-" + name)
        if body.startswith("^") or body.endswith("$") and not body.endswith("\\$"):
            f.append("regex-anchor")
        mods = src[end + 1:].split()[1:] if " " in src[end + 1:] else []
    else:
        f.append("text")
        i = 1
        while src[i] != '"':
            i += 2 if src[i] == "\\" else 1
        mods = src[i + 1:].split()
        if "\\" in src:
            f.append("text-escape")
    for m in mods:
        name = m.split("(")[0]
        f.append("mod-" + name)
        if "(" in m:
            f.append("mod-%s(%s)" % (name, "range" if "-" in m and name == "xor" else "arg"))
    return f


COND_FEATURES = [("at", " at "), ("in-range", " in ("), ("count", "#"), ("offset", "@"), ("length", "!"),
                 ("of", " of "), ("percent-of", "% of"), ("for-of", "for "), ("for-in", " in (1..#"),
                 ("int-reader", "int"), ("filesize", "filesize"), ("rule-ref", "r0_"), ("defined", "defined"),
                 ("string-op", "contains"), ("matches", "matches"), ("bitwise", " & "), ("shift", "<<"),
                 ("arith-div", " \\ "), ("arith-mod", " % "), ("not", "not "), ("external", "ext_"),
                 ("them", "them"), ("anonymous", "$ ")]


def make_case(rng):
    case = Case()
    for i in range(rng.choice([0, 0, 1, 1, 2, 3])):
        kind = rng.random()
        if kind < 0.4:
            case.externals["ext_i%d" % i] = str(rng.randint(-5, 100))
        elif kind < 0.7:
            case.externals["ext_b%d" % i] = rng.choice(["true", "false"])
        else:
            case.externals["ext_s%d" % i] = "".join(rng.choice("abcABC xyz.") for _ in range(rng.randint(1, 8)))
    g = RuleGen(rng, case)
    for i in range(rng.randint(1, 4)):
        g.rule(i)
    # int readers: sometimes the inputs must carry a known value at a known offset
    for _ in range(rng.randint(0, 2)):
        case.int_plants.append((rng.choice([0, 1, 2, 4, 8, 60]), rng.randbytes(rng.choice([1, 2, 4]))))
    return case


def make_input(rng, case):
    r = rng.random()
    if r < 0.05:
        return b""
    size = rng.choice([16, 64, 200, 512, 1024, 3000])
    if r < 0.5:
        data = bytearray(rng.randbytes(size))
    elif r < 0.8:
        data = bytearray(rng.choice(b"abcdefgh ijklmnop\nqrstuvwxyz.,ABC0123") for _ in range(size))
    else:
        data = bytearray(size)
    if case.int_plants and rng.random() < 0.5:
        off, val = rng.choice(case.int_plants)
        data[off:off + len(val)] = val
    for s in case.strings:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            try:
                frag = s.instances()
            except (IndexError, ValueError):
                continue
            if not frag:
                continue
            k = rng.random()
            if k < 0.15 and len(frag) > 1:
                frag = frag[:rng.randint(1, len(frag) - 1)]            # near miss
            elif k < 0.3:
                shift = rng.randint(1, max(1, len(frag) - 1))
                frag = frag[:shift] + frag                              # overlapping copies
            if s.offsets and rng.random() < 0.5:
                off = rng.choice(s.offsets)
                if off == "end":
                    data += frag
                    continue
            else:
                off = rng.randint(0, max(0, len(data)))
            if rng.random() < 0.5:
                data[off:off] = frag                                    # insert
            else:
                data[off:off + len(frag)] = frag                        # overwrite
    return bytes(data)


# ----------------------------------------------------------------------------------------
# Running and comparing

def normalize(stdout, roots):
    """Groups output records by the scanned file. A record is a rule line (or a -c count
    line) followed by its string lines; the order inside a file is kept (yara's is
    deterministic: rules in declaration order, strings in declaration order, matches by
    offset); the order of files is not (threads, directory order)."""
    groups = {}
    cur = None
    for line in stdout.splitlines():
        if line.startswith("0x") and cur is not None:
            cur.append(line)
            continue
        key = None
        for r in roots:
            i = line.rfind(r)
            if i >= 0:
                key = line[i:]
                break
        if key is None:
            key = line.rsplit(" ", 1)[-1]
        cur = [line]
        groups.setdefault(key, []).append(cur)
    return {k: [tuple(rec) for rec in v] for k, v in groups.items()}


def run(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", ""
    except OSError as e:
        return "oserror", "", str(e)


class Runner:
    def __init__(self, yara, assay, strict):
        self.yara = yara
        self.assay = assay
        self.strict = strict
        self.runs = 0

    def both(self, args, rules_paths, target, roots):
        """Runs both tools: ARGS RULE_FILE... TARGET."""
        if isinstance(rules_paths, str):
            rules_paths = [rules_paths]
        self.runs += 2
        y = run(self.yara + args + rules_paths + [target])
        a = run(self.assay + args + rules_paths + [target])
        return y, a, self.differs(y, a, roots)

    def differs(self, y, a, roots):
        if y[0] != a[0]:
            return True
        ny, na = normalize(y[1], roots), normalize(a[1], roots)
        if not self.strict:
            ny = {k: sorted(tuple(sorted(r)) for r in v) for k, v in ny.items()}
            na = {k: sorted(tuple(sorted(r)) for r in v) for k, v in na.items()}
        return ny != na


def rejected(res):
    """The reference rejected the rules (compile error), as opposed to a scan result."""
    rc, out, err = res
    return rc != 0 and ("error: rule" in err or "syntax error" in err or "error:" in err and not out)


# Command-line behaviours of yara (4.2.3 and 4.5 alike, cli/yara.c) that `assay yara`
# (src/cmd_yara.c, lib/engine/match.c) once did not follow; each switch turns the
# combination on (False keeps it out of the cases, should one regress).
# -c counts every matching rule, whatever -t / -i / -n say (counted before filtering):
COUNT_WITH_FILTERS = True
# -i replaces the -t filter (a rule named by -i is shown whatever its tags):
TAG_WITH_IDENTIFIER = True
# -n -s shows the matches of a non-matching rule even when a cheap guard (filesize,
# header reads) failed, which makes assay skip its strings (yscan.all_strings):
NEGATE_WITH_STRINGS = True
# -m prints a string metadata value up to its first NUL byte (a C string):
META_WITH_NUL = True
# -L (lengths, capped at 512, with or without -s), -e (namespaces), -l N (N matching
# rules of the whole scan, counted before filtering, checked after every rule), several
# -t / -i:
MORE_OUTPUT_FLAGS = True


def extra_flags(rng, case):
    """Other output flags for a second run of the same case."""
    opts = []
    for flag, p in (("-g", 0.3), ("-m", 0.3), ("-f", 0.15), ("-w", 0.3), ("-N", 0.3)):
        if rng.random() < p:
            opts.append(flag)
    r = rng.random()
    if r < 0.15:
        opts.append("-n")
    elif r < 0.3:
        opts.append("-c")
    if rng.random() < 0.2 and case.tags:
        opts += ["-t", rng.choice(sorted(case.tags))]
    if rng.random() < 0.2:
        opts += ["-i", rng.choice(case.rule_names)]
    if "-c" in opts and not COUNT_WITH_FILTERS:
        opts = strip_opt(opts, ("-t", "-i"))
    if "-t" in opts and "-i" in opts and not TAG_WITH_IDENTIFIER:
        opts = strip_opt(opts, ("-t",))
    if rng.random() < 0.2:
        opts += ["-z", str(rng.choice([1, 100, 1000, 2000]))]
    if "-c" not in opts and rng.random() < 0.8 and ("-n" not in opts or NEGATE_WITH_STRINGS):
        opts.append("-s")
    if MORE_OUTPUT_FLAGS:
        if rng.random() < 0.2:
            opts.append("-L")
        if rng.random() < 0.15:
            opts.append("-e")
        if rng.random() < 0.1:
            # yara counts -l over the whole scan: files must come in one order (-p 1)
            opts += ["-l", str(rng.randint(1, 3)), "-p", "1"]
        if "-t" in opts and rng.random() < 0.3:
            opts += ["-t", rng.choice(sorted(case.tags))]
        if "-i" in opts and rng.random() < 0.3:
            opts += ["-i", rng.choice(case.rule_names)]
    return opts


def write_inputs(folder, inputs, link):
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(os.path.join(folder, "sub"))
    for name, data in inputs:
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    if link:
        os.symlink(os.path.join(folder, inputs[0][0]), os.path.join(folder, "link.bin"))


def reduce_case(runner, case_rules, args, data, work):
    """Fewest rules and shortest input that still differ, for one input file."""
    rules_path = os.path.join(work, "min.yar")
    fpath = os.path.join(work, "min.bin")
    roots = [fpath]

    def still(rules, d):
        with open(rules_path, "w") as f:
            f.write("\n".join(rules) + "\n")
        with open(fpath, "wb") as f:
            f.write(d)
        y, a, diff = runner.both(args, rules_path, fpath, roots)
        return diff and not rejected(y) and "error scanning" not in y[2] and not (isinstance(y[0], int) and y[0] < 0)

    rules = list(case_rules)
    budget = 250
    if not still(rules, data):
        return None
    # drop rules, last first (later rules may reference earlier ones)
    i = len(rules) - 1
    while i >= 0 and len(rules) > 1 and budget > 0:
        trial = rules[:i] + rules[i + 1:]
        budget -= 1
        if still(trial, data):
            rules = trial
        i -= 1
    # drop string definitions that the condition does not need (sets like `them`); a
    # trial that yara rejects (string still referenced) just fails
    for ri in range(len(rules)):
        lines = rules[ri].split("\n")
        j = 0
        while j < len(lines) and budget > 0:
            if lines[j].startswith("    $") and sum(l.startswith("    $") for l in lines) > 1:
                trial_lines = lines[:j] + lines[j + 1:]
                budget -= 1
                if still(rules[:ri] + ["\n".join(trial_lines)] + rules[ri + 1:], data):
                    lines = trial_lines
                    rules[ri] = "\n".join(lines)
                    continue
            j += 1
    # shrink the input: remove chunks, halving their size
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and budget > 0:
        pos, changed = 0, False
        while pos < len(data) and budget > 0:
            trial = data[:pos] + data[pos + chunk:]
            budget -= 1
            if still(rules, trial):
                data, changed = trial, True
            else:
                pos += chunk
        if not changed:
            chunk //= 2
    still(rules, data)  # leave the reduced files in place
    y = run(runner.yara + args + [rules_path, fpath])
    a = run(runner.assay + args + [rules_path, fpath])
    return rules, data, y, a


def report(runner, opt, n, case, inputs, link, run_args, folder, work, y, a, nparts):
    print("=" * 78)
    print("DIFFERENCE seed=%d case=%d args: %s" % (opt.seed, n, " ".join(shlex.quote(x) for x in run_args)))
    ny = normalize(y[1], [folder + "/"])
    na = normalize(a[1], [folder + "/"])
    cands = [name for name, _ in inputs
             if ny.get(os.path.join(folder, name)) != na.get(os.path.join(folder, name))]
    if not cands or y[0] != a[0]:
        cands = [name for name, _ in inputs]
    one_args = strip_opt([x for x in run_args if x not in ("-r", "-N")], ("-p", "-z"))
    red = None
    for name in cands:
        red = reduce_case(runner, case.rules, one_args, dict(inputs)[name], work)
        if red:
            break
    if red:
        rules, data, yy, aa = red
        print("reproducer (one file):\n--- rules ---\n%s--- args: %s RULES FILE" %
              ("\n".join(rules) + "\n", " ".join(shlex.quote(x) for x in one_args)))
        print("--- input (%d bytes, hex) ---\n%s" % (len(data), data.hex()))
        print("--- yara (rc %s) ---\n%s--- assay (rc %s) ---\n%s%s" %
              (yy[0], yy[1], aa[0], aa[1], ("stderr: " + aa[2]) if aa[2] else ""))
        return
    print("(the difference needs the whole folder; full case follows)")
    if nparts > 1:
        print("(the rules were given as %d files: run `yara_random.py --seed %d --count %d --keep DIR`)"
              % (nparts, opt.seed, n + 1))
    print("--- rules ---\n%s" % case.text())
    for name, data in inputs:
        print("--- %s (%d bytes, hex) ---\n%s" % (name, len(data), data.hex()))
    if link:
        print("--- link.bin -> %s" % inputs[0][0])
    print("--- yara (rc %s) ---\n%s--- assay (rc %s) ---\n%s%s" %
          (y[0], y[1], a[0], a[1], ("stderr: " + a[2]) if a[2] else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=100, help="number of cases")
    ap.add_argument("--yara", default=os.environ.get("YARA", "yara"), help="reference command")
    ap.add_argument("--assay", default=None, help="command prefix under test (e.g. 'build/src/assay yara')")
    ap.add_argument("--inputs", type=int, default=3, help="input files per case")
    ap.add_argument("--loose", action="store_true", help="ignore the order of lines inside one file's output")
    ap.add_argument("--max-failures", type=int, default=5, help="stop after this many differing cases")
    ap.add_argument("--keep", help="write every case to this folder (rules + inputs)")
    ap.add_argument("--stats", action="store_true", help="print per-feature counts: generated / matched")
    ap.add_argument("-v", "--verbose", action="store_true")
    opt = ap.parse_args()

    assay = opt.assay or os.environ.get("ASSAY_YARA")
    if not assay and os.environ.get("ASSAY"):
        assay = shlex.quote(os.environ["ASSAY"]) + " yara"
    if not assay:
        ap.error("no command under test: give --assay, ASSAY_YARA or ASSAY")
    runner = Runner(shlex.split(opt.yara), shlex.split(assay), not opt.loose)
    if not shutil.which(runner.yara[0]):
        print("yara_random: reference %r not found" % opt.yara, file=sys.stderr)
        return 2

    work = tempfile.mkdtemp(prefix="yara_random.")
    passed = failed = rejected_n = scanerr_n = 0
    stats = {}
    rules_total = strings_total = 0
    try:
        for n in range(opt.count):
            rng = random.Random("%d/%d" % (opt.seed, n))
            case = make_case(rng)
            inputs = [("f%d.bin" % i if i < 2 else "sub/f%d.bin" % i, make_input(rng, case))
                      for i in range(opt.inputs)]
            link = rng.random() < 0.15
            folder = os.path.join(work, "in")
            write_inputs(folder, inputs, link)
            # several rule files on some cases (same default namespace, in order, so that
            # references to earlier rules still resolve)
            parts = [case.rules]
            if len(case.rules) > 1 and rng.random() < 0.25:
                k = rng.randint(1, len(case.rules) - 1)
                parts = [case.rules[:k], case.rules[k:]]
            rules_paths = []
            for i, part in enumerate(parts):
                rules_paths.append(os.path.join(work, "case%d.yar" % i))
                with open(rules_paths[-1], "w") as f:
                    f.write("\n".join(part) + "\n")
            if opt.keep:
                d = os.path.join(opt.keep, "case%04d" % n)
                os.makedirs(d, exist_ok=True)
                for rp in rules_paths:
                    shutil.copy(rp, d)
                for name, data in inputs:
                    with open(os.path.join(d, name.replace("/", "_")), "wb") as f:
                        f.write(data)
            args = []
            for k, v in case.externals.items():
                args += ["-d", "%s=%s" % (k, v)]
            base = args + ["-s"] + (["-r"] if rng.random() < 0.7 else []) + \
                (["-p", rng.choice(["1", "2"])] if rng.random() < 0.5 else [])
            runs = [base]
            if rng.random() < 0.4:
                runs.append(args + extra_flags(rng, case) + (["-r"] if rng.random() < 0.5 else []))
            status = "passed"
            for run_args in runs:
                y, a, diff = runner.both(run_args, rules_paths, folder, [folder + "/"])
                if run_args is base:
                    y0 = y
                if rejected(y):
                    status = "rejected"
                    if opt.verbose:
                        print("generator bug (yara rejects), case %d:\n%s\n%s" % (n, y[2].strip(), case.text()),
                              file=sys.stderr)
                    break
                if "error scanning" in y[2] or y[0] == "timeout" or (isinstance(y[0], int) and y[0] < 0):
                    status = "refscanerror"
                    if opt.verbose:
                        print("yara could not scan, case %d (skipped):\n%s\n%s" % (n, y[2].strip()[:300], case.text()),
                              file=sys.stderr)
                    break
                if diff:
                    status = "failed"
                    report(runner, opt, n, case, inputs, link, run_args, folder, work, y, a, len(parts))
                    break
            if status == "rejected":
                rejected_n += 1
                continue
            if status == "refscanerror":
                scanerr_n += 1
                continue
            if opt.stats:
                tally(stats, case, y0)
            rules_total += len(case.rules)
            strings_total += len(case.strings)
            if status == "passed":
                passed += 1
                continue
            failed += 1
            if failed >= opt.max_failures:
                print("stopping after %d differing cases" % failed)
                break
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("yara_random: seed %d, %d cases, %d rules and %d strings compared, %d cases rejected by yara "
          "(generator bugs, skipped), %d cases yara could not scan (its regex limits, skipped), %d tool runs"
          % (opt.seed, opt.count, rules_total, strings_total, rejected_n, scanerr_n, runner.runs))
    if opt.stats:
        print("%-28s %9s %9s" % ("feature", "generated", "matched"))
        for k in sorted(stats):
            print("%-28s %9d %9d" % (k, stats[k][0], stats[k][1]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def tally(stats, case, ref):
    """Counts generated strings / rules by feature, and those the reference reported."""
    matched_strings, matched_rules = set(), set()
    for recs in normalize(ref[1], ["/"]).values():
        for rec in recs:
            rule = rec[0].split(" ")[0]
            matched_rules.add(rule)
            for line in rec[1:]:
                matched_strings.add((rule, line.split(":")[1]))
    for s in case.strings:
        hit = (s.rule, s.ident) in matched_strings
        for f in string_features(s.source):
            e = stats.setdefault("string " + f, [0, 0])
            e[0] += 1
            e[1] += hit
    for text, name in zip(case.rules, case.rule_names):
        cond = text[text.index("condition:"):]
        hit = name in matched_rules
        for f, tok in COND_FEATURES:
            if tok in cond:
                e = stats.setdefault("condition " + f, [0, 0])
                e[0] += 1
                e[1] += hit
        e = stats.setdefault("rules", [0, 0])
        e[0] += 1
        e[1] += hit


def strip_opt(args, names):
    out, skip = [], False
    for x in args:
        if skip:
            skip = False
            continue
        if x in names:
            skip = True
            continue
        out.append(x)
    return out


if __name__ == "__main__":
    sys.exit(main())
