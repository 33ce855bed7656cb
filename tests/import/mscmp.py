#!/usr/bin/env python3
"""Compares heapsift's reading of a massif file with what ms_print prints.

usage: mscmp.py HEAPSIFT MASSIF_FILE MS_PRINT_OUTPUT

MS_PRINT_OUTPUT is `ms_print --threshold=0 MASSIF_FILE` (every node of the
file's trees shown; massif's own below-threshold lines stay).  Checked:
  - the snapshots table (time, useful heap) against heapsift's timeline
    (snapshots at the same time are one point, the highest), the last
    time against duration, the peak snapshot's useful heap and time
    against peak_bytes and peak_<unit>;
  - the peak snapshot's tree against heapsift's stacks weighted by
    peak_bytes (export --format folded: each stack, root first, with the
    bytes that reached no deeper caller), and per allocating function
    (the callsites view);
  - when the last snapshot is detailed, its tree the same way against
    leaked_bytes; when it is not, that heapsift gives no leaked_bytes.
Prints what differs; exit status 1 if anything does.
"""
import csv
import io
import re
import subprocess
import sys
from collections import defaultdict

BELOW = "(below massif's threshold)"

heapsift, massif_file, ms_text = sys.argv[1:4]
errors = []


def fail(msg):
    errors.append(msg)


def num(s):
    return int(s.replace(",", ""))


def function_of(desc):
    """The function of an ms_print node description, as heapsift names it."""
    if re.match(r"in \d+ places?,", desc) and "below massif's threshold" in desc:
        return BELOW
    m = re.match(r"0x[0-9A-Fa-f]+: (.*)$", desc)
    if not m:
        return desc
    rest = m.group(1)
    m = re.match(r"(.*?) \((?:in .*|[^()]*:\d+)\)$", rest)
    fn = m.group(1) if m else rest
    return "??" if fn == "???" else fn


# --- ms_print's output ---------------------------------------------------------
unit = None
rows = []           # (n, time, useful)
peak_n = None
trees = {}          # snapshot n -> [(depth, bytes, desc)]
cur = None
row_re = re.compile(r"^\s*(\d+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s*$")
root_re = re.compile(r"^\d+\.\d+% \(([\d,]+)B\) (.*)$")
node_re = re.compile(r"^([| ]*)->\d+\.\d+% \(([\d,]+)B\) (.*)$")
for line in open(ms_text, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    m = re.search(r"time\((\w+)\)", line)
    if m and unit is None:
        unit = m.group(1)
    m = re.match(r"\s*Detailed snapshots: \[(.*)\]", line)
    if m:
        for part in m.group(1).split(","):
            if "(peak)" in part:
                peak_n = int(part.split()[0])
        continue
    m = row_re.match(line)
    if m:
        rows.append((int(m.group(1)), num(m.group(2)), num(m.group(4))))
        cur = None
        continue
    m = root_re.match(line)
    if m and rows:
        cur = trees.setdefault(rows[-1][0], [])
        cur.append((0, num(m.group(1)), m.group(2)))
        continue
    m = node_re.match(line)
    if m and cur is not None:
        if "below ms_print's threshold" in line:
            fail("ms_print hid nodes: run it with --threshold=0")
        cur.append((len(m.group(1)) // 2 + 1, num(m.group(2)), m.group(3)))

if not rows:
    sys.exit("mscmp: no snapshots in %s" % ms_text)


def stacks(tree):
    """folded path (root first) -> own bytes, and innermost function -> bytes"""
    folded = defaultdict(int)
    sites = defaultdict(int)
    nodes = []      # [bytes, child_sum, path]
    stack = []
    for depth, b, desc in tree:
        while len(stack) > depth:
            stack.pop()
        path = (stack[-1][2] if stack else []) + ([function_of(desc)] if depth > 0 else [])
        node = [b, 0, path]
        if stack:
            stack[-1][1] += b
        stack.append(node)
        nodes.append(node)
    for b, children, path in nodes:
        own = b - children
        if own and path:
            folded[";".join(reversed(path))] += own
            sites[path[0]] += own
    return folded, sites


def run(*args):
    r = subprocess.run([heapsift, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if r.returncode != 0:
        fail("heapsift %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


def export_csv(view):
    return list(csv.DictReader(io.StringIO(run("export", massif_file, "--view", view,
                                               "--format", "csv"))))


def folded(measure):
    out = defaultdict(int)
    for line in run("export", massif_file, "--format", "folded", "--sort", measure).splitlines():
        path, w = line.rsplit(" ", 1)
        out[path] += int(w)
    return out


def compare(what, got, want):
    for k in sorted(set(got) | set(want)):
        if got.get(k, 0) != want.get(k, 0):
            fail("%s %s: heapsift %d, ms_print %d" % (what, k, got.get(k, 0), want.get(k, 0)))


summary = {r["name"]: r["value"] for r in export_csv("summary")}
callsites = export_csv("callsites")

# the timeline
points = []
for n, t, useful in rows:
    if points and points[-1][0] == t:
        points[-1][1] = max(points[-1][1], useful)
    else:
        points.append([t, useful])
timeline = [[int(r["time_" + unit]), int(r["heap_bytes"])] for r in export_csv("timeline")]
if timeline != points:
    fail("timeline: heapsift %s, ms_print %s" % (timeline, points))
if summary.get("duration_" + unit) != str(rows[-1][1]):
    fail("duration_%s: heapsift %s, ms_print %d" % (unit, summary.get("duration_" + unit),
                                                   rows[-1][1]))

# the peak
bynum = {n: (t, useful) for n, t, useful in rows}
if peak_n is None:
    fail("ms_print shows no peak snapshot")
else:
    t, useful = bynum[peak_n]
    if summary.get("peak_bytes") != str(useful):
        fail("peak_bytes: heapsift %s, ms_print %d" % (summary.get("peak_bytes"), useful))
    if summary.get("peak_" + unit) != str(t):
        fail("peak_%s: heapsift %s, ms_print %d" % (unit, summary.get("peak_" + unit), t))
    want_folded, want_sites = stacks(trees[peak_n])
    compare("peak stack", folded("peak_bytes"), want_folded)
    got_sites = defaultdict(int)
    for r in callsites:
        got_sites[r["function"]] += int(r["peak_bytes"])
    compare("peak function", got_sites, want_sites)

# the end
last_n = rows[-1][0]
if last_n in trees:
    if summary.get("leaked_bytes") != str(rows[-1][2]):
        fail("leaked_bytes: heapsift %s, last snapshot %d" % (summary.get("leaked_bytes"),
                                                             rows[-1][2]))
    want_folded, want_sites = stacks(trees[last_n])
    compare("end stack", folded("leaked_bytes"), want_folded)
    got_sites = defaultdict(int)
    for r in callsites:
        got_sites[r["function"]] += int(r["leaked_bytes"])
    compare("end function", got_sites, want_sites)
elif "leaked_bytes" in summary:
    fail("leaked_bytes given, but the last snapshot is not detailed")

for e in errors:
    print("mscmp: %s: %s" % (massif_file, e))
sys.exit(1 if errors else 0)
