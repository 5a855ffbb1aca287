#!/usr/bin/env python3
"""How many function bodies of one wasm module are byte-identical to a body of another.

    scripts/shared-bodies.py a.wasm b.wasm

Prints, for the second module, the number of bodies (and their bytes) that also occur in the
first: what a per-function code cache keyed by body bytes could share between two Go binaries.
Standard library only.
"""
import hashlib
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def bodies(path):
    b = open(path, "rb").read()
    if b[:4] != b"\0asm":
        sys.exit(f"{path}: not a wasm module")
    i, out = 8, []
    while i < len(b):
        sid = b[i]
        n, i = leb(b, i + 1)
        if sid == 10:  # code section
            count, j = leb(b, i)
            for _ in range(count):
                size, j = leb(b, j)
                out.append(b[j : j + size])
                j += size
        i += n
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    first = {hashlib.sha1(x).digest() for x in bodies(sys.argv[1])}
    second = bodies(sys.argv[2])
    shared = [x for x in second if hashlib.sha1(x).digest() in first]
    print(
        f"{len(shared)} of {len(second)} bodies of {sys.argv[2]} occur in {sys.argv[1]} "
        f"({sum(map(len, shared))} of {sum(map(len, second))} bytes)"
    )


main()
