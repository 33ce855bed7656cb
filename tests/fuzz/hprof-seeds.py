#!/usr/bin/env python3
"""Seeds for fuzz_hprof that reach the lazy String labels (hprof.c,
lazy_make): a small dump of java.lang.String instances, like check_hprof.c's
strings_dump: values before and after their Strings, in two heap dump
segments, a duplicate id, a class dump and roots between objects, UTF-16
values, an int[] value, a null one and an absent one.  Also the same
dumps compressed as jcmd GC.heap_dump -gz=1 does it (gzip members of a
block each, the first with the comment "HPROF BLOCKSIZE=..."), small
blocks, to reach io.c's inflating of members on every core.

usage: hprof-seeds.py DIR   (writes DIR/strings-N.hprof, strings-N.hprof.gz)"""
import struct
import sys
import zlib


def rec(tag, body):
    return struct.pack(">BII", tag, 0, len(body)) + body


def dump(n):
    out = b"JAVA PROFILE 1.0.2\0" + struct.pack(">IQ", 8, 0)
    for sid, s in ((1, b"java/lang/String"), (2, b"value"), (3, b"coder"), (4, b"hash"),
                   (5, b"Other")):
        out += rec(0x01, struct.pack(">Q", sid) + s)
    out += rec(0x02, struct.pack(">IQIQ", 1, 0x500, 0, 1))
    out += rec(0x02, struct.pack(">IQIQ", 2, 0x510, 0, 5))
    h = b"\x20" + struct.pack(">QI", 0x500, 0) + b"\0" * 48 + struct.pack(">IHH", 24, 0, 0)
    h += struct.pack(">HQBQBQB", 3, 2, 2, 3, 8, 4, 10)
    segs = []
    for i in range(n):
        sid, aid = 0x100000 + 16 * i, 0x800000 + 16 * i
        v = b"v%d" % i
        utf16 = i % 5 == 1
        if i == n // 2:
            segs.append(h)
            h = b"\x05" + struct.pack(">Q", 0x500)
        if i == n // 2 + 3:
            h += b"\x20" + struct.pack(">QI", 0x510, 0) + b"\0" * 48 + struct.pack(">I", 0)
            h += struct.pack(">HHBIHBQ", 2, 0, 10, 7, 1, 11, 8)
            h += struct.pack(">HQBI", 1, 4, 10, 42) + struct.pack(">H", 0)
            h += b"\x01" + struct.pack(">QQ", sid, 0x77)
        val = 0 if i == 9 else 0x999990 if i == 11 else aid
        h += b"\x21" + struct.pack(">QIQIQBI", sid, 0, 0x500, 13, val, utf16, i)
        if i == 3:
            h += b"\x21" + struct.pack(">QIQIQBI", sid, 0, 0x500, 13, aid + 16, 0, 0)
        if i % 4 == 0 and i != 7:
            continue
        if i == 7:
            h += b"\x23" + struct.pack(">QIIBI", aid, 0, 1, 10, 7)
            continue
        data = b"".join(bytes([c]) + b"\0" for c in v) if utf16 else v
        h += b"\x23" + struct.pack(">QIIB", aid, 0, len(data), 8) + data
    segs.append(h)
    h = b""
    for i in range(0, n, 4):
        v = b"v%d" % i
        h += b"\x23" + struct.pack(">QIIB", 0x800000 + 16 * i, 0, len(v), 8) + v
    segs.append(h)
    for s in segs:
        out += rec(0x1C, s)
    return out + rec(0x2C, b"")


def member(data, comment):
    """One gzip member as HotSpot writes them (MTIME 0, XFL 4, OS 3)."""
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    head = b"\x1f\x8b\x08" + (b"\x10" if comment else b"\x00") + b"\0\0\0\0\x04\x03"
    if comment:
        head += comment + b"\0"
    return head + body + struct.pack("<II", zlib.crc32(data), len(data))


def hotspot_gz(data, block):
    tag = b"HPROF BLOCKSIZE=%d" % block
    return b"".join(member(data[i:i + block], tag if i == 0 else None)
                    for i in range(0, len(data), block))


if __name__ == "__main__":
    for n in (20, 70, 140):
        with open("%s/strings-%d.hprof" % (sys.argv[1], n), "wb") as f:
            f.write(dump(n))
        with open("%s/strings-%d.hprof.gz" % (sys.argv[1], n), "wb") as f:
            f.write(hotspot_gz(dump(n), 512))
