#!/usr/bin/env python3
"""Makes tracemalloc snapshots of a known workload and what Python itself
says about them, for tests/import/tracemalloc.sh (and, with --fixture, the
committed files of tests/data/tracemalloc/).

    tracemalloc-snap.py OUTDIR NAME LIMIT [--fixture]

Starts tracemalloc with traceback limit LIMIT, runs the workload (two
files, /srv/app/shop.py and /srv/app/cart.py, compiled under those names so
that the snapshots do not depend on where this runs), takes a snapshot,
grows and frees some, takes another, and writes into OUTDIR:

  NAME-1.pickle, NAME-2.pickle   Snapshot.dump() of the two
  NAME-2-pP.pickle               the second pickled with protocol P (2-4)
  NAME-dom.pickle                the second with blocks of two other
                                 domains added, one over 4 GiB
and for each pickle X:
  X.lineno     statistics('lineno'): "file:line<TAB>size<TAB>count"
  X.traceback  statistics('traceback'): the frames from the oldest as
               heapsift labels them (basename:line, ';'-separated), TAB,
               size, TAB, count (tracebacks with the same labels summed)
  X.totals     "size<TAB>N" and "count<TAB>N"
  X.top        the sizes of the first 10 statistics('lineno'), in order
and NAME.compare: NAME-2's compare_to(NAME-1, 'lineno') as
  "file:line<TAB>size<TAB>size_diff<TAB>count<TAB>count_diff".

--fixture keeps only the traces with a frame in /srv/app, shows this
script's frames as /srv/app/run.py and makes a tenth of the objects (small
files that do not tell where they were made)."""
import os
import pickle
import sys
import tracemalloc

SHOP = '''\
import json
from cart import Cart

STORE = []

def make_rows(n):
    return [bytearray(100 + i % 7) for i in range(int(n * SCALE))]

def make_names(n):
    return ["item-%06d" % i * 3 for i in range(int(n * SCALE))]

def deep(k, n):
    if k == 0:
        return [list(range(8)) for _ in range(n)]
    return deep(k - 1, n)

def grow(phase):
    STORE.append(make_rows(200 * phase))
    STORE.append(make_names(150))
    STORE.append(deep(14, int(50 * SCALE)))
    STORE.append(json.dumps({"k%d" % i: i for i in range(int(300 * SCALE))}))
    STORE.append([Cart(i) for i in range(int(40 * phase * SCALE))])
    STORE.append(bytes(300000 * phase))

def shrink():
    del STORE[0]
    del STORE[1]
'''

CART = '''\
class Cart:
    def __init__(self, n):
        self.items = [n] * (n % 5 + 1)
        self.meta = {"id": n, "tags": ["t%d" % n]}
'''


def label(frame):
    """heapsift's frame label: the file's basename and the line."""
    base = frame.filename
    for i, c in enumerate(frame.filename):
        if c in "/\\" and i + 1 < len(frame.filename):
            base = frame.filename[i + 1:]
    return "%s:%d" % (base, frame.lineno)


def renamed(snap):
    """snap with this script's frames under /srv/app/run.py: the fixture
    does not tell where it was made."""
    me = os.path.abspath(__file__)
    done = {}  # tracebacks stay shared, as tracemalloc shares them

    def frames(tb):
        if id(tb) not in done:
            done[id(tb)] = tuple(("/srv/app/run.py", fr[1]) if fr[0] == me else fr for fr in tb)
        return done[id(tb)]

    return tracemalloc.Snapshot([(t[0], t[1], frames(t[2])) + tuple(t[3:])
                                 for t in snap.traces._traces], snap.traceback_limit)


def write_stats(snap, path):
    lineno = snap.statistics("lineno")
    with open(path + ".lineno", "w", encoding="utf-8") as f:
        for s in lineno:
            f.write("%s\t%d\t%d\n" % (s.traceback[0], s.size, s.count))
    with open(path + ".top", "w", encoding="utf-8") as f:
        for s in lineno[:10]:
            f.write("%d\n" % s.size)
    paths = {}
    for s in snap.statistics("traceback"):
        # Traceback lists the oldest frame first since Python 3.7, the
        # most recent first before (the pickled frames: the most recent)
        frames = list(s.traceback) if sys.version_info >= (3, 7) else list(s.traceback)[::-1]
        key = ";".join(label(fr) for fr in frames)
        size, count = paths.get(key, (0, 0))
        paths[key] = (size + s.size, count + s.count)
    with open(path + ".traceback", "w", encoding="utf-8") as f:
        for key, (size, count) in paths.items():
            f.write("%s\t%d\t%d\n" % (key, size, count))
    with open(path + ".totals", "w", encoding="utf-8") as f:
        f.write("size\t%d\n" % sum(s.size for s in lineno))
        f.write("count\t%d\n" % sum(s.count for s in lineno))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, name, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fixture = "--fixture" in sys.argv[4:]
    base = os.path.join(out, name)

    cart = {"__name__": "cart"}
    shop = {"__name__": "shop", "SCALE": 0.1 if fixture else 1}
    tracemalloc.start(limit)
    exec(compile(CART, "/srv/app/cart.py", "exec"), cart)
    sys.modules["cart"] = type(sys)("cart")
    sys.modules["cart"].Cart = cart["Cart"]
    exec(compile(SHOP, "/srv/app/shop.py", "exec"), shop)
    shop["grow"](1)
    s1 = tracemalloc.take_snapshot()
    shop["grow"](2)
    shop["shrink"]()
    s2 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    if fixture:
        keep = [tracemalloc.Filter(True, "/srv/app/*", all_frames=True)]
        s1 = renamed(s1.filter_traces(keep))
        s2 = renamed(s2.filter_traces(keep))

    snaps = {base + "-1.pickle": s1, base + "-2.pickle": s2}
    s1.dump(base + "-1.pickle")
    s2.dump(base + "-2.pickle")
    for proto in (2, 3, 4):
        with open(base + "-2-p%d.pickle" % proto, "wb") as f:
            pickle.dump(s2, f, proto)
        snaps[base + "-2-p%d.pickle" % proto] = s2
    # other domains (memory tracked with PyTraceMalloc_Track), one block
    # over 4 GiB: the statistics count them with the rest
    raw = list(s2.traces._traces)
    t0 = raw[0]
    extra = [(389047, 5000000000) + tuple(t0[2:]), (2 ** 32 - 1, 24) + tuple(t0[2:])]
    dom = tracemalloc.Snapshot(raw + extra, s2.traceback_limit)
    dom.dump(base + "-dom.pickle")
    snaps[base + "-dom.pickle"] = dom

    for path, snap in snaps.items():
        write_stats(snap, path)
    with open(base + ".compare", "w", encoding="utf-8") as f:
        for d in s2.compare_to(s1, "lineno"):
            f.write("%s\t%d\t%d\t%d\t%d\n" % (d.traceback[0], d.size, d.size_diff, d.count,
                                              d.count_diff))


if __name__ == "__main__":
    main()
