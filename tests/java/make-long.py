#!/usr/bin/env python3
"""Writes a synthetic HPROF file whose references come late: a million
instances of class A (every other one pointing to the one before) and
then object arrays of a thousand elements each, every array a root.
heapsift guesses the number of references from a prefix of the file and
must make room for the rest as it reads them.  Prints what the summary
must say: "objects edges total_size".

usage: make-long.py FILE
"""
import struct
import sys

N, M, LEN = 1_100_000, 3000, 1000
A_BASE, A_SIZE = 0x10000000, 16          # 12-byte header + a 4-byte reference
ARR_BASE, ARR_SIZE = 0x30000000, 16 + 4 * LEN
ARR_CLASS = 0x500


def ident(v):
    return struct.pack('>Q', v)


def rec(tag, body):
    return struct.pack('>BII', tag, 0, len(body)) + body


def main():
    out = open(sys.argv[1], 'wb')
    out.write(b'JAVA PROFILE 1.0.2\0' + struct.pack('>IQ', 8, 0))
    out.write(rec(0x01, ident(1) + b'A') + rec(0x01, ident(2) + b'next') +
              rec(0x01, ident(3) + b'[Ljava/lang/Object;'))
    out.write(rec(0x02, struct.pack('>I', 1) + ident(0x100) + struct.pack('>I', 0) + ident(1)))
    out.write(rec(0x02, struct.pack('>I', 2) + ident(ARR_CLASS) + struct.pack('>I', 0) + ident(3)))
    cd = (bytes([0x20]) + ident(0x100) + struct.pack('>I', 0) + ident(0) + ident(0) * 5 +
          struct.pack('>IHH', 4, 0, 0) + struct.pack('>H', 1) + ident(2) + bytes([2]))
    subs = [cd]
    edges = 0
    head = bytes([0x21])
    for i in range(N):
        nxt = A_BASE + A_SIZE * (i - 1) if i % 2 else 0
        edges += 1 if nxt else 0
        subs.append(head + ident(A_BASE + A_SIZE * i) + b'\0\0\0\0' + ident(0x100) +
                    b'\0\0\0\x08' + ident(nxt))
        if len(subs) >= 100000:
            out.write(rec(0x1C, b''.join(subs)))
            subs = []
    for j in range(M):
        subs.append(bytes([0xFF]) + ident(ARR_BASE + ARR_SIZE * j))
        els = b''.join(ident(A_BASE + A_SIZE * ((j * LEN + k) % N)) for k in range(LEN))
        subs.append(bytes([0x22]) + ident(ARR_BASE + ARR_SIZE * j) + struct.pack('>II', 0, LEN) +
                    ident(ARR_CLASS) + els)
        edges += LEN
    out.write(rec(0x1C, b''.join(subs)))
    out.close()
    # nodes: the objects, class A's object, (GC roots) and its one group;
    # edges: the objects', the root's and the group's
    print(N + M + 3, edges + 1 + M, N * A_SIZE + M * ARR_SIZE)


main()
