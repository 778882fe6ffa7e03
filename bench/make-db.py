#!/usr/bin/env python3
"""make-db.py DIR [HSB_LINES] [NDB_LINES] — the synthetic benchmark database.

Writes DIR/bench.hsb (SHA-256 lines with random sizes) and DIR/bench.ndb (body
signatures of 16-40 random bytes; a third of them with '??' or '{n-m}'), from a
fixed seed so every run builds the same database. Defaults: 1,000,000 and 50,000,
as the foundation issue specifies.
"""
import os, random, sys

out = sys.argv[1]
n_hsb = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
n_ndb = int(sys.argv[3]) if len(sys.argv) > 3 else 50_000
os.makedirs(out, exist_ok=True)
rng = random.Random(20261123)

with open(os.path.join(out, "bench.hsb"), "w") as f:
    for i in range(n_hsb):
        size = rng.randrange(1, 16 << 20)
        f.write(f"{rng.randbytes(32).hex()}:{size}:Bench.Hash.{i}\n")

with open(os.path.join(out, "bench.ndb"), "w") as f:
    for i in range(n_ndb):
        body = rng.randbytes(rng.randrange(16, 41)).hex()
        kind = i % 3
        if kind == 1:   # a '??' somewhere inside
            at = 2 * rng.randrange(4, len(body) // 2 - 4)
            body = body[:at] + "??" + body[at + 2:]
        elif kind == 2:  # a {n-m} gap somewhere inside
            at = 2 * rng.randrange(4, len(body) // 2 - 4)
            lo = rng.randrange(0, 8)
            body = body[:at] + f"{{{lo}-{lo + rng.randrange(1, 16)}}}" + body[at:]
        f.write(f"Bench.Body.{i}:0:*:{body}\n")
print(f"{out}: {n_hsb} .hsb lines, {n_ndb} .ndb lines")
