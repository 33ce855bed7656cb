#!/usr/bin/env python3
"""Allocation traces (heapsift-trace(5)) written event by event: valid ones
of each version that cover every event, and malformed ones, each with the
error heapsift must give.

  trace-seeds.py DIR           every trace as DIR/NAME.trace, and
                               DIR/expect.tsv: NAME.trace, the exit status
                               of heapsift report, the message after
                               "heapsift: FILE: " (empty when it loads)
  trace-seeds.py --corpus DIR  every trace into a libFuzzer corpus (files
                               named by their SHA-1, as libFuzzer names
                               them): tests/fuzz/corpus/trace

tests/trace/trace.sh runs the first; the second refreshes the fuzz_trace
seed corpus after a format change.  Blocks are Zstandard frames of raw
(stored) blocks, so nothing but Python is needed."""
import hashlib
import os
import struct
import sys

MAGIC = b"HSTRACE1"
STACK, ALLOC, REALLOC, FREE, MAPS_BEGIN, MAP, END, MODULE = 1, 2, 3, 4, 5, 6, 7, 8


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def zigzag(v):
    return (v << 1) ^ (v >> 63) if v >= 0 else ((-v) << 1) - 1


def zstd_stored(data):
    """One Zstandard frame holding data in raw blocks (RFC 8878): single
    segment, 4-byte content size, no checksum."""
    out = bytearray(struct.pack("<I", 0xFD2FB528))
    out.append(0xA0)  # content size: 4 bytes; single segment
    out += struct.pack("<I", len(data))
    chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)] or [b""]
    for i, c in enumerate(chunks):
        last = 1 if i == len(chunks) - 1 else 0
        h = last | (0 << 1) | (len(c) << 3)
        out += struct.pack("<I", h)[:3] + c
    return bytes(out)


class Block:
    """The events of one block; addresses as deltas from the previous."""

    def __init__(self):
        self.b = bytearray()
        self.addr = 0

    def tag(self, ev):
        self.at = len(self.b)
        self.b.append(ev)
        return self

    def u(self, *vs):
        for v in vs:
            self.b += varint(v)
        return self

    def a(self, addr):
        self.b += varint(zigzag(addr - self.addr))
        self.addr = addr
        return self

    def raw(self, data):
        self.b += data
        return self

    def stack(self, parent, ip):
        return self.tag(STACK).u(parent, ip)

    def alloc(self, stack, size, addr, dt=1):
        return self.tag(ALLOC).u(stack, size).a(addr).u(dt)

    def realloc(self, old, stack, size, addr, dt=1):
        return self.tag(REALLOC).a(old).u(stack, size).a(addr).u(dt)

    def free(self, addr):
        return self.tag(FREE).a(addr)

    def maps_begin(self, dt=0):
        return self.tag(MAPS_BEGIN).u(dt)

    def map(self, start, end, offset, path):
        p = path.encode()
        return self.tag(MAP).u(start, end, offset, len(p)).raw(p)

    def module(self, bias, build_id, path, segs):
        p = path.encode() if isinstance(path, str) else path
        self.tag(MODULE).u(bias, len(build_id)).raw(build_id).u(len(p)).raw(p).u(len(segs))
        for vaddr, memsz, flags in segs:
            self.u(vaddr, memsz, flags)
        return self

    def end(self, dt=1):
        return self.tag(END).u(dt)


def header(version=2, sample=0):
    return MAGIC + struct.pack("<II", version, sample)


def block(events, raw_size=None):
    data = bytes(events.b if isinstance(events, Block) else events)
    z = zstd_stored(data)
    return struct.pack("<II", len(z), len(data) if raw_size is None else raw_size) + z


BID = bytes(range(1, 21))  # a 20-byte build ID no file has
SEGS = [(0, 0x1000, 4), (0x1000, 0x2000, 5), (0x3000, 0x1000, 6)]
LIB = "/nonexistent/heapsift-seed/libseed.so"
OTHER = "/nonexistent/heapsift-seed/libother.so"


def valid():
    """name -> bytes: traces that load."""
    out = {}
    # version 2: two module lists, a library replaced at the same address,
    # every event, over two blocks
    b1 = Block().maps_begin(0)
    b1.module(0x400000, BID, "/proc/self/exe", SEGS)
    b1.module(0x7f0000000000, BID[:8], LIB, SEGS)
    b1.stack(0, 0x401010).stack(1, 0x7f0000001234).stack(1, 0x401020)
    b1.alloc(2, 100, 0x10000).alloc(3, 50, 0x10100).free(0x10100)
    b1.realloc(0x10000, 2, 200, 0x10200).alloc(3, 1 << 20, 0x20000).free(0x20000)
    b2 = Block().maps_begin(5)
    b2.module(0x400000, b"", "/proc/self/exe", SEGS)
    b2.module(0x7f0000000000, BID[::-1], OTHER, SEGS[:2])
    b2.stack(1, 0x7f0000001234).alloc(4, 64, 0x30000).alloc(3, 0, 0x30100).free(0x30100)
    b2.end(3)
    out["v2-modules"] = header() + block(b1) + block(b2)
    # sampled
    b = Block().maps_begin(0).module(0, b"", "/nonexistent/heapsift-seed/prog", [(0x400000, 0x1000, 5)])
    b.stack(0, 0x400100).alloc(1, 16, 0x5000).alloc(1, 1 << 20, 0x6000).free(0x5000).end()
    out["v2-sampled"] = header(2, 4096) + block(b)
    # version 1: mappings by file offset
    b = Block().maps_begin(0).map(0x400000, 0x401000, 0, "/proc/self/exe")
    b.map(0x7f0000000000, 0x7f0000002000, 0x1000, LIB)
    b.stack(0, 0x400100).stack(1, 0x7f0000000100).alloc(2, 10, 0x9000).alloc(1, 20, 0x9100)
    b.free(0x9000).maps_begin(2).map(0x400000, 0x401000, 0, "/proc/self/exe").end()
    out["v1-maps"] = header(1) + block(b)
    # cut in the last block: loads up to the block before
    out["v2-cut"] = out["v2-modules"][:-7]
    return out


def malformed():
    """(name, bytes, message after "FILE: ") of traces that must not load."""
    out = []

    def ev(name, b, why, version=2):
        out.append((name, header(version) + block(b), "offset 16: event at byte %d of the block: %s" % (b.at, why)))

    def listed():
        return Block().maps_begin(0)

    ev("module-id-long", listed().module(0, bytes(65), LIB, SEGS),
       "a module's build ID is longer than 64 bytes")
    b = listed().tag(MODULE).u(0, 20).raw(bytes(5))
    ev("module-id-past", b, "a module's build ID runs past its block")
    ev("module-path-empty", listed().module(0, BID, "", SEGS),
       "a module's path is empty or longer than 4096 bytes")
    ev("module-path-long", listed().module(0, BID, "/" * 4097, SEGS),
       "a module's path is empty or longer than 4096 bytes")
    b = listed().tag(MODULE).u(0, 0, 100).raw(b"/lib/x")
    ev("module-path-past", b, "a module's path runs past its block")
    ev("module-path-nul", listed().module(0, BID, b"/lib\0x", SEGS), "a module's path holds a NUL byte")
    ev("module-no-segment", listed().module(0, BID, LIB, []), "a module has no segment, or more than 256")
    ev("module-segments", listed().module(0, BID, LIB, [(0, 1, 4)] * 257),
       "a module has no segment, or more than 256")
    ev("module-unlisted", Block().module(0, BID, LIB, SEGS),
       "a module outside a module list (no MAPS_BEGIN before it)")
    ev("module-segment-wraps", listed().module(1 << 63, BID, LIB, [(1 << 63, 0x1000, 5)]),
       "a module's segment ends past the address space")
    ev("module-vaddr-wraps", listed().module(0, BID, LIB, [((1 << 64) - 16, 0x1000, 5)]),
       "a module's segment ends past the address space")
    b = listed().tag(MODULE).u(0, 0, 3).raw(b"/xy").u(1, 0x1000)
    ev("module-cut", b, "a module cut short in a block")
    b = listed().tag(MODULE).raw(b"\xff" * 11)
    ev("module-overlong-varint", b, "a module cut short in a block")
    ev("stack-parent", Block().stack(0, 1).stack(5, 2), "a stack node's parent is not defined yet")
    ev("alloc-stack", Block().stack(0, 1).alloc(2, 8, 0x1000), "an allocation names a stack not defined yet")
    ev("realloc-stack", Block().realloc(0x1000, 1, 8, 0x2000), "an allocation names a stack not defined yet")
    ev("unknown-event", Block().stack(0, 1).tag(9), "unknown event")
    ev("event-cut", Block().stack(0, 1).tag(ALLOC).u(1), "event cut short in a block")
    b = Block().maps_begin(0).tag(MAP).u(0x1000, 0x2000, 0, 50).raw(b"/lib")
    ev("map-path-past", b, "a mapping's path runs past its block", 1)
    good = Block().maps_begin(0).end()
    out.append(("block-raw-zero", header() + block(good, 0), "offset 16: block size out of range"))
    out.append(("block-raw-big", header() + block(good, (1 << 20) + 1), "offset 16: block size out of range"))
    out.append(("block-raw-wrong", header() + block(good, 2), "offset 16: block does not decompress to its size"))
    out.append(("block-garbage", header() + struct.pack("<II", 16, 32) + b"garbagegarbage!!",
                "offset 16: block does not decompress to its size"))
    second = Block().stack(0, 1).tag(ALLOC).u(7)
    data = header() + block(good)
    out.append(("second-block", data + block(second),
                "offset %d: event at byte %d of the block: event cut short in a block" % (len(data), second.at)))
    out.append(("version-9", header(9), "offset 8: trace version 9: this heapsift reads versions 1 to 2"))
    out.append(("version-0", header(0), "offset 8: trace version 0: this heapsift reads versions 1 to 2"))
    out.append(("header-cut", header()[:12], "offset 12: the trace header is cut short"))
    return out


def main(argv):
    corpus = len(argv) == 3 and argv[1] == "--corpus"
    if len(argv) != 2 and not corpus:
        sys.stderr.write(__doc__)
        return 1
    d = argv[-1]
    os.makedirs(d, exist_ok=True)
    traces = [(n, data, "") for n, data in valid().items()] + malformed()
    if corpus:
        for _, data, _ in traces:
            with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
                f.write(data)
        return 0
    with open(os.path.join(d, "expect.tsv"), "w") as tsv:
        for name, data, msg in traces:
            with open(os.path.join(d, name + ".trace"), "wb") as f:
                f.write(data)
            tsv.write("%s.trace\t%d\t%s\n" % (name, 2 if msg else 0, msg))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
