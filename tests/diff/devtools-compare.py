#!/usr/bin/env python3
"""heapsift diff --format csv against DevTools' Comparison of the same pair.

    devtools-compare.py EXPECTED.tsv HEAPSIFT.csv

EXPECTED.tsv is what tests/data/v8/diff/dt-diff.mjs wrote from DevTools' own
code: one row per DevTools class key.  Every class of either side must have
a heapsift row with the same numbers:

    DevTools                      heapsift
    listed (has a Comparison row) new_count or deleted_count is not 0
    addedCount   (# New)          new_count
    removedCount (# Deleted)      deleted_count
    countDelta   (# Delta)        count_delta
    addedSize    (Alloc. Size)    new_size
    removedSize  (Freed Size)     deleted_size
    sizeDelta    (Size Delta)     new_size - deleted_size
    baseCount, baseSize           base_count, base_size
    targetCount, targetSize       target_count, target_size
    targetSize - baseSize         size_delta

(heapsift's size_delta is the class's growth, target_size - base_size: it
also counts objects of both dumps whose size changed, which DevTools' Size
Delta leaves out; see heapsift(1), DIFFS.)  DevTools keys classes by name
and, for objects, their constructor's location; heapsift's CSV has the name
only, so the rows of one name are compared as sets.
Exit status 1 and one line per difference when anything differs.
"""
import csv
import json
import sys
from collections import defaultdict

FIELDS = ('listed', 'new', 'deleted', 'count_delta', 'new_size', 'deleted_size', 'new_minus_deleted',
          'base_count', 'base_size', 'target_count', 'target_size', 'size_delta')


def key_name(key):
    """The class name in a DevTools class key (',NAME' or 'S,L,C,NAME')."""
    if key.startswith(','):
        return key[1:]
    return key.split(',', 3)[3]


def devtools_rows(path):
    rows = defaultdict(list)
    with open(path, encoding='utf-8') as f:
        for r in csv.DictReader(f, delimiter='\t', quoting=csv.QUOTE_NONE):
            key = json.loads('"' + r['key'] + '"')
            v = {k: int(r[k]) for k in r if k not in ('key', 'name')}
            rows[key_name(key)].append((
                v['listed'], v['addedCount'], v['removedCount'], v['countDelta'], v['addedSize'],
                v['removedSize'], v['sizeDelta'], v['baseCount'], v['baseSize'], v['targetCount'],
                v['targetSize'], v['targetSize'] - v['baseSize']))
    return rows


def heapsift_rows(path):
    rows = defaultdict(list)
    with open(path, encoding='utf-8', newline='') as f:
        for r in csv.DictReader(f):
            if r.get('depth', '0') != '0':
                continue
            v = {k: int(r[k]) for k in r if k not in ('depth', 'class')}
            rows[r['class']].append((
                int(v['new_count'] != 0 or v['deleted_count'] != 0), v['new_count'], v['deleted_count'],
                v['count_delta'], v['new_size'], v['deleted_size'], v['new_size'] - v['deleted_size'],
                v['base_count'], v['base_size'], v['target_count'], v['target_size'], v['size_delta']))
    return rows


def main():
    want = devtools_rows(sys.argv[1])
    have = heapsift_rows(sys.argv[2])
    bad = 0
    listed = same = grew_in_place = 0
    for name in sorted(set(want) | set(have)):
        w, h = sorted(want.get(name, [])), sorted(have.get(name, []))
        if w == h:
            same += len(w)
            listed += sum(t[0] for t in w)
            grew_in_place += sum(1 for t in w if t[6] != t[11])
            continue
        bad += 1
        if not h:
            print(f'class {name!r}: only in DevTools: {w}')
        elif not w:
            print(f'class {name!r}: only in heapsift: {h}')
        else:
            print(f'class {name!r}: DevTools {w}')
            print(f'{"":>{len(repr(name)) + 7}}heapsift {h}')
    if bad:
        print('(fields: ' + ', '.join(FIELDS) + ')')
    print(f'{same} classes agree ({listed} in the Comparison, {grew_in_place} whose size_delta '
          f'differs from the Size Delta by objects of both dumps that changed size); {bad} names differ')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
