#!/usr/bin/env python3
"""heapsift's numbers for pprof heap profiles against go tool pprof's.

  pprof-compare.py top PPROF_TOP HEAPSIFT_CSV COLUMN [SUMMARY_CSV]
      PPROF_TOP: `go tool pprof -top -unit=B -nodefraction=0 ...` of one
      sample index; HEAPSIFT_CSV: heapsift's callsites (or diff) export as
      CSV.  Every function's flat value in pprof equals the sum of COLUMN
      over heapsift's rows of that function (pprof -top aggregates by
      function; heapsift's call sites are function, file and line), and
      pprof's total equals SUMMARY_CSV's row COLUMN (the summary view).
      With -base, pprof's flat is the difference: compare a diff export's
      *_delta column.

  pprof-compare.py raw PPROF_RAW SAMPLE_INDEX HEAPSIFT_CSV COLUMN
      PPROF_RAW: `go tool pprof -raw -symbolize=none` of a profile whose
      locations are addresses only.  Each sample's leaf address is
      symbolized with llvm-symbolizer through its mapping; the value of
      SAMPLE_INDEX (a number) summed by innermost function and file:line
      must equal heapsift's rows (function, location) of COLUMN.

Prints what differs and exits 1, or one line and exits 0.
"""
import csv
import os
import re
import subprocess
import sys
from collections import defaultdict

ROW = re.compile(r'^\s*(-?\d+)B?\s+\S+%\s+\S+%\s+(-?\d+)B?\s+\S+%\s+(.*?)'
                 r'(?: \((?:partial-)?inline\))?$')


def parse_top(path):
    total, flat = None, defaultdict(int)
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            m = re.search(r' of (-?\d+)B? total', line)
            if m:
                total = int(m.group(1))
                continue
            m = ROW.match(line)
            if m:
                flat[m.group(3)] += int(m.group(1))
    return total, flat


def csv_sums(path, keys, col):
    sums = defaultdict(int)
    with open(path, encoding='utf-8') as f:
        for r in csv.DictReader(f):
            sums[tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]] += int(r[col])
    return sums


def compare(want, got, what):
    want = {k: v for k, v in want.items() if v}
    got = {k: v for k, v in got.items() if v}
    bad = []
    for k in sorted(set(want) | set(got), key=str):
        if want.get(k, 0) != got.get(k, 0):
            bad.append(f'  {k}: pprof {want.get(k, 0)}, heapsift {got.get(k, 0)}')
    if bad:
        print(f'{what}: {len(bad)} differ\n' + '\n'.join(bad[:30]))
        return False
    return True


def cmd_top(argv):
    top, hs_csv, col = argv[:3]
    total, flat = parse_top(top)
    ok = compare(flat, csv_sums(hs_csv, ['function'], col), f'{col} by function')
    if len(argv) > 3:
        with open(argv[3], encoding='utf-8') as f:
            rows = {r['name']: r['value'] for r in csv.DictReader(f)}
        if total is None or str(total) != rows.get(col):
            print(f'{col} total: pprof {total}, heapsift {rows.get(col)}')
            ok = False
    if ok:
        print(f'{col}: {len([v for v in flat.values() if v])} functions agree'
              + (f', total {total}' if len(argv) > 3 else ''))
    return 0 if ok else 1


def parse_raw(path):
    samples, locs, maps = [], {}, {}
    section = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            s = line.strip()
            if s in ('Samples:', 'Locations', 'Mappings'):
                section = s
                continue
            if section == 'Samples:':
                m = re.match(r'^([-\d\s]+):\s*([\d\s]*)$', s)
                if m:
                    samples.append(([int(v) for v in m.group(1).split()],
                                    [int(v) for v in m.group(2).split()]))
            elif section == 'Locations':
                m = re.match(r'^(\d+): (0x[0-9a-f]+) M=(\d+)', s)
                if m:
                    locs[int(m.group(1))] = (int(m.group(2), 16), int(m.group(3)))
            elif section == 'Mappings':
                m = re.match(r'^(\d+): (0x[0-9a-f]+)/(0x[0-9a-f]+)/(0x[0-9a-f]+) (\S+)', s)
                if m:
                    maps[int(m.group(1))] = (int(m.group(2), 16), int(m.group(3), 16),
                                             int(m.group(4), 16), m.group(5))
    return samples, locs, maps


def symbolize(path, addrs):
    """addresses of path -> (innermost function, file basename:line)"""
    out = subprocess.run(['llvm-symbolizer', '--obj=' + path, '--inlining', '--demangle']
                         + [hex(a) for a in addrs], capture_output=True, text=True,
                         check=True).stdout
    groups = [g.split('\n') for g in out.strip('\n').split('\n\n')]
    res = {}
    for a, g in zip(addrs, groups):
        file, line = g[1].rsplit(':', 2)[0], g[1].rsplit(':', 2)[1]
        res[a] = (g[0], f'{os.path.basename(file)}:{line}')
    return res


def cmd_raw(argv):
    raw, si, hs_csv, col = argv[0], int(argv[1]), argv[2], argv[3]
    samples, locs, maps = parse_raw(raw)
    leaf = {}
    for values, ids in samples:
        if not ids or not values[si]:
            continue
        addr, mid = locs[ids[0]]
        start, limit, offset, path = maps[mid]
        # the file's address: gcc's executables map their segments at
        # virtual addresses equal to their file offsets
        leaf.setdefault(path, set()).add(addr - start + offset)
    names = {p: symbolize(p, sorted(a)) for p, a in leaf.items()}
    want = defaultdict(int)
    for values, ids in samples:
        if not ids or not values[si]:
            continue
        addr, mid = locs[ids[0]]
        start, limit, offset, path = maps[mid]
        want[names[path][addr - start + offset]] += values[si]
    got = defaultdict(int)
    for (fn, loc), v in csv_sums(hs_csv, ['function', 'location'], col).items():
        got[(fn, os.path.basename(loc))] += v
    if not compare(want, got, f'{col} by symbolized call site'):
        return 1
    print(f'{col}: {len(want)} symbolized call sites agree with llvm-symbolizer')
    return 0


if __name__ == '__main__':
    if len(sys.argv) < 2 or sys.argv[1] not in ('top', 'raw'):
        sys.exit(__doc__)
    sys.exit((cmd_top if sys.argv[1] == 'top' else cmd_raw)(sys.argv[2:]))
