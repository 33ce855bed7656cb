#!/usr/bin/env python3
"""Compare `jcmd PID GC.class_histogram` with heapsift's classes view.

usage: histo-compare.py BEFORE AFTER CLASSES_CSV [--exact-min PCT] [--total-tol PCT]
                        [--exact NAME,...]

BEFORE and AFTER: histograms taken right before and right after the dump.
Classes whose counts differ between them changed because of the attach
machinery itself and are left out.  Every other class both list must have
the same instance count (java.lang.Class aside: jcmd counts the mirrors of
array and primitive classes, which a dump has no CLASS DUMP for).  Total bytes over all classes but java.lang.Class
must agree within --total-tol percent (default 0.5), and at least
--exact-min percent of the classes (default 90) must have exactly jcmd's
bytes.  --exact names classes that must be in both, with jcmd's count and
bytes.  Prints the classes whose bytes differ.  Exit 0 when it holds, 1 if
not.
"""
import csv
import re
import sys

PRIM = {'Z': 'boolean', 'C': 'char', 'F': 'float', 'D': 'double', 'B': 'byte',
        'S': 'short', 'I': 'int', 'J': 'long'}


def java_name(vm):
    dims = len(vm) - len(vm.lstrip('['))
    if not dims:
        return vm
    e = vm[dims:]
    if e in PRIM:
        base = PRIM[e]
    elif e.startswith('L') and e.endswith(';'):
        base = e[1:-1]
    else:
        base = e
    return base + '[]' * dims


def read_histogram(path):
    out = {}
    for line in open(path, encoding='utf-8'):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m:
            name = java_name(m.group(3))
            c, b = out.get(name, (0, 0))
            out[name] = (c + int(m.group(1)), b + int(m.group(2)))
    return out


def read_classes(path):
    out = {}
    with open(path, encoding='utf-8') as f:
        for row in csv.DictReader(f):
            out[row['name']] = (int(row['count']), int(row['shallow_size']))
    return out


def main():
    args = sys.argv[1:]
    exact_min, total_tol = 90.0, 0.5
    if '--exact-min' in args:
        i = args.index('--exact-min'); exact_min = float(args[i + 1]); del args[i:i + 2]
    if '--total-tol' in args:
        i = args.index('--total-tol'); total_tol = float(args[i + 1]); del args[i:i + 2]
    must = []
    if '--exact' in args:
        i = args.index('--exact'); must = args[i + 1].split(','); del args[i:i + 2]
    before, after, ours = read_histogram(args[0]), read_histogram(args[1]), read_classes(args[2])
    jcmd = {n: v for n, v in before.items() if after.get(n) == v}
    skip = {'java.lang.Class'}
    failed = False
    both = [n for n in jcmd if n in ours and n not in skip]
    jt = sum(b for n, (c, b) in jcmd.items() if n not in skip)
    ot = sum(b for n, (c, b) in ours.items() if n not in skip and n in jcmd)
    exact = 0
    for n in sorted(both):
        (jc, jb), (oc, ob) = jcmd[n], ours[n]
        if jc != oc:
            print(f'count differs: {n}: jcmd {jc}, heapsift {oc}')
            failed = True
        elif jb == ob:
            exact += 1
        else:
            print(f'bytes differ: {n}: jcmd {jb} ({jb // jc}/instance), heapsift {ob} ({ob // oc}/instance)')
    missing = [n for n in jcmd if n not in ours and n not in skip]
    for n in missing:
        print(f'missing in heapsift: {n} {jcmd[n]}')
    failed |= bool(missing)
    pct = 100.0 * exact / max(1, len(both))
    dev = 100.0 * abs(ot - jt) / max(1, jt)
    print(f'{len(both)} classes compared: counts equal for all but the lines above; '
          f'bytes exact for {exact} ({pct:.1f}%); total {ot} vs jcmd {jt} ({dev:.3f}% off)')
    if pct < exact_min:
        print(f'FAIL: fewer than {exact_min}% of the classes have exact bytes')
        failed = True
    if dev > total_tol:
        print(f'FAIL: total bytes more than {total_tol}% off')
        failed = True
    for n in must:
        if n not in jcmd or n not in ours or jcmd[n] != ours[n]:
            print(f'FAIL: {n}: jcmd {jcmd.get(n)}, heapsift {ours.get(n)} (--exact)')
            failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
