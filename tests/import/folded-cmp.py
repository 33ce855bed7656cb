#!/usr/bin/env python3
"""Compares two sets of flame-graph stacks ("a;b;c WEIGHT" lines), one from
heaptrack_print -F (frames may carry " (file)" and the line may end in ";")
and one from heapsift export --format folded.  Stacks are cut to start at
"main" when they contain it (heaptrack_print stops there) and compared as
multisets of function names (heaptrack_print writes an inline frame before
the function it is inlined into, heapsift after).  Prints the differences;
exit status 1 if any."""
import re
import sys
from collections import Counter


def load(path):
    sums = Counter()
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        stack, _, w = line.rpartition(" ")
        frames = [re.sub(r" \([^()]*\)$", "", f) for f in stack.split(";") if f]
        if "main" in frames:
            frames = frames[frames.index("main"):]
        sums[tuple(sorted(frames))] += int(w)
    return {k: v for k, v in sums.items() if v}


a, b = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for k in sorted(set(a) | set(b)):
    if a.get(k, 0) != b.get(k, 0):
        bad += 1
        if bad <= 10:
            print(f"  {';'.join(k)}: {sys.argv[1]} {a.get(k, 0)}, {sys.argv[2]} {b.get(k, 0)}")
if not a:
    print("  no stacks in", sys.argv[1])
    bad += 1
sys.exit(1 if bad else 0)
