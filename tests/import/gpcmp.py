#!/usr/bin/env python3
"""Compares heapsift's reading of a gperftools/jemalloc heap profile with
google-pprof's.

usage: gpcmp.py HEAPSIFT PROGRAM PROFILE [MEASURE...]
       gpcmp.py HEAPSIFT --totals PPROF_OUTPUT PROFILE

For each of pprof's four measures (--inuse_space, --inuse_objects,
--alloc_space, --alloc_objects; or those named) it runs `google-pprof --text --show_bytes
--MEASURE PROGRAM PROFILE` and compares, with heapsift's numbers:
  - the Total line with the summary's total;
  - every function's flat value (the stacks whose innermost frame is in
    it) and cum value (the stacks it is in, once each), from heapsift's
    stacks (export --format folded).
Function names are compared as pprof shortens them (no arguments or
template arguments), without pprof's " (inline)" and " [clone ...]", and
without leading underscores and glibc's "__GI_" (binutils' addr2line names
glibc's functions by their internal aliases: __GI___strdup for strdup).
A cum value is compared when both name the function (glibc's start-up
functions have other aliases still: __libc_start_main_impl); every
function with a flat value must be in both.

With --totals, only the totals, against PPROF_OUTPUT: the four outputs,
each after a line "# google-pprof ... --MEASURE ..." (the fixtures' NAME.pprof,
made when the program was there; totals need no symbols).

Sampled profiles (heap_v2): pprof sums unrounded estimates and truncates
the sum; heapsift truncates each stack's.  Its number must then be at most
pprof's and less than it by less than the number of stacks summed (n
truncations each lose less than 1).
Prints what differs; exit status 1 if anything does.
"""
import csv
import io
import re
import subprocess
import sys
from collections import defaultdict

heapsift = sys.argv[1]
if sys.argv[2] == "--totals":
    program, saved, profile = None, sys.argv[3], sys.argv[4]
else:
    program, saved, profile = sys.argv[2], None, sys.argv[3]
only = sys.argv[4:] if not saved else []
errors = []
checked = defaultdict(int)  # what was compared: Total, flat, cum

MEASURES = [  # pprof option, heapsift measure, summary row (pprof's name)
    ("inuse_space", "leaked_bytes", "inuse_space"),
    ("inuse_objects", "leaked", "inuse_objects"),
    ("alloc_space", "bytes", "alloc_space"),
    ("alloc_objects", "allocations", "alloc_objects"),
]


def short(f):
    """pprof's ShortFunctionName"""
    while True:
        g = re.sub(r"\([^()]*\)(\s*const)?", "", f)
        if g == f:
            break
        f = g
    while True:
        g = re.sub(r"<[^<>]*>", "", f)
        if g == f:
            break
        f = g
    return re.sub(r"^.*\s+(\w+::)", r"\1", f)


def canon(name):
    if re.fullmatch(r"0x[0-9a-fA-F]+", name):
        return "0x%x" % int(name, 16)
    name = re.sub(r" \(inline\)$", "", name)
    name = re.sub(r" \[clone [^\]]*\]", "", name)
    name = short(name).strip().lstrip("_")
    if name.startswith("GI_"):
        name = name[3:].lstrip("_")
    return name


def run(*args):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if r.returncode != 0:
        errors.append("%s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()[:400]))
    return r.stdout


def pprof(option):
    total, flat, cum = None, {}, {}
    if saved:
        part = open(saved, encoding="utf-8").read().split("# google-pprof ")
        out = "".join(p for p in part if re.match(r"[^\n]*--%s " % option, p))
    else:
        out = run("google-pprof", "--text", "--show_bytes", "--" + option, program, profile)
    for line in out.splitlines():
        m = re.match(r"Total: (\d+) ", line)
        if m:
            total = int(m.group(1))
            continue
        m = re.match(r"\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(.*)$", line)
        if m:
            name = canon(m.group(3))
            flat[name] = flat.get(name, 0) + int(m.group(1))
            cum[name] = cum.get(name, 0) + int(m.group(2))
    if total is None:
        errors.append("google-pprof --%s printed no total" % option)
    return total, flat, cum


def heapsift_stacks(measure):
    flat, cum = defaultdict(int), defaultdict(int)
    nflat, ncum = defaultdict(int), defaultdict(int)
    out = run(heapsift, "export", profile, "--format", "folded", "--sort", measure)
    for line in out.splitlines():
        path, w = line.rsplit(" ", 1)
        w = int(w)
        names = [canon(f) for f in path.split(";")]
        flat[names[-1]] += w
        nflat[names[-1]] += 1
        for f in set(names):
            cum[f] += w
            ncum[f] += 1
    return flat, cum, nflat, ncum


summary = {r["name"]: r["value"] for r in csv.DictReader(io.StringIO(
    run(heapsift, "export", profile, "--view", "summary", "--format", "csv")))}
sampled = int(summary.get("sample_bytes", "0") or 0) > 0


def close(what, got, want, n):
    """equal, or for a sampled profile: at most want, by less than n"""
    checked[what.split(":")[1].split()[0]] += 1
    if got == want:
        return
    if sampled and got <= want and want - got < max(n, 1):
        return
    errors.append("%s: heapsift %s, google-pprof %s%s" % (
        what, got, want, " (sampled, %d stacks)" % n if sampled else ""))


for option, measure, row in MEASURES:
    if only and option not in only:
        continue
    total, pflat, pcum = pprof(option)
    hflat, hcum, nflat, ncum = heapsift_stacks(measure)
    if row not in summary:
        errors.append("the summary has no %s row" % row)
    elif total is not None:
        close("%s: Total" % option, int(summary[row]), total, sum(nflat.values()))
    if saved:
        continue
    for f in sorted(set(pflat) | set(hflat)):
        if pflat.get(f, 0) == 0 and hflat.get(f, 0) == 0:
            continue
        if f not in pflat or f not in hflat:
            errors.append("%s: %s has flat %s in %s only" % (
                option, f, pflat.get(f, hflat.get(f)),
                "google-pprof" if f in pflat else "heapsift"))
            continue
        close("%s: flat %s" % (option, f), hflat[f], pflat[f], nflat[f])
    for f in sorted(set(pcum) & set(hcum)):
        close("%s: cum %s" % (option, f), hcum[f], pcum[f], ncum[f])

if not saved and checked["flat"] == 0:
    errors.append("no function compared")

for e in errors:
    print("gpcmp: %s: %s" % (profile, e))
print("gpcmp: %s: %d totals, %d flat and %d cum values compared, %d differ" % (
    profile, checked["Total"], checked["flat"], checked["cum"], len(errors)))
sys.exit(1 if errors else 0)
