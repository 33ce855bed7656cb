#!/usr/bin/env python3
"""HPROF dumps no JDK 17 writes, made here from the format's rules, and what
heapsift must read from them (tests/cli/hprof.sh runs it):

- old: "JAVA PROFILE 1.0.1", 4-byte identifiers, a JDK 6 java.lang.String
  (char[] value, offset, count), STRING records in modified UTF-8 (two- and
  three-byte characters, a supplementary one as a surrogate pair), array classes "[C" and "[[Ljava/lang/String;", an inner class, a
  thread whose Java frame holds a String (the frame's method and line come
  from the STACK TRACE and STACK FRAME records).
- art: "JAVA PROFILE 1.0.3" as Android's ART writes it: 4-byte
  identifiers, HEAP DUMP INFO (0xFE) between objects, ART's root kinds
  (0x89 interned string, 0x8A finalizing, 0x8B debugger, 0x8C reference
  cleanup, 0x8D VM internal, 0x8E JNI monitor), UNREACHABLE (0x90) and
  PRIM ARRAY NODATA (0xC3: a length, no elements).

The expected numbers are worked out here from the rules the man page gives
(HotSpot's layout forced to 4/12 with --java-layout: instance =
align8(12 + fields), array = align8(16 + n x element)).

usage: variants.py HEAPSIFT DIR   (exit status 1 and a line a failure)
"""
import csv
import io
import struct
import subprocess
import sys

I = 4   # identifier size of both dumps

T_OBJ, T_BOOL, T_CHAR, T_FLOAT, T_DOUBLE, T_BYTE, T_SHORT, T_INT, T_LONG = 2, 4, 5, 6, 7, 8, 9, 10, 11
SIZE = {T_OBJ: 4, T_BOOL: 1, T_CHAR: 2, T_FLOAT: 4, T_DOUBLE: 8, T_BYTE: 1, T_SHORT: 2, T_INT: 4, T_LONG: 8}


def align8(n):
    return (n + 7) & ~7


def ident(v):
    return struct.pack('>I', v)


def rec(tag, body):
    return struct.pack('>BII', tag, 0, len(body)) + body


def mutf8(text):
    """Java's modified UTF-8: supplementary characters as two three-byte
    surrogates (and NUL as C0 80, which no name holds)."""
    out = bytearray()
    for ch in text:
        c = ord(ch)
        if c < 0x10000:
            out += ch.encode('utf-8')
        else:
            c -= 0x10000
            for u in (0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)):
                out += bytes([0xE0 | u >> 12, 0x80 | (u >> 6) & 0x3F, 0x80 | u & 0x3F])
    return bytes(out)


class Dump:
    def __init__(self, version):
        self.out = version + b'\0' + struct.pack('>IQ', I, 0)
        self.sids = {}
        self.serial = 0

    def sid(self, text):
        if text not in self.sids:
            self.sids[text] = 0x10 + len(self.sids)
            self.out += rec(0x01, ident(self.sids[text]) + mutf8(text))
        return self.sids[text]

    def load_class(self, cid, name):
        self.serial += 1
        sid = self.sid(name)    # writes the STRING record first
        self.out += rec(0x02, struct.pack('>I', self.serial) + ident(cid) + struct.pack('>I', 0) + ident(sid))
        return self.serial

    def class_dump(self, cid, sup, fields=(), statics=()):
        b = bytes([0x20]) + ident(cid) + struct.pack('>I', 0) + ident(sup) + ident(0) * 5
        b += struct.pack('>IH', 0, 0) + struct.pack('>H', len(statics))
        for name, t, val in statics:
            b += ident(self.sid(name)) + bytes([t]) + val
        b += struct.pack('>H', len(fields))
        for name, t in fields:
            b += ident(self.sid(name)) + bytes([t])
        return b


def instance(oid, cid, data):
    return bytes([0x21]) + ident(oid) + struct.pack('>I', 0) + ident(cid) + struct.pack('>I', len(data)) + data


def obj_array(oid, cid, elems):
    return bytes([0x22]) + ident(oid) + struct.pack('>II', 0, len(elems)) + ident(cid) + b''.join(map(ident, elems))


def prim_array(oid, t, data, n=None):
    n = len(data) // SIZE[t] if n is None else n
    return bytes([0x23]) + ident(oid) + struct.pack('>IIB', 0, n, t) + data


def chars(text):
    return text.encode('utf-16-be')


def old_dump():
    d = Dump(b'JAVA PROFILE 1.0.1')
    OBJ, STR, CARR, SARR2, INNER, CAFE, THREAD, CLS = 0x100, 0x110, 0x120, 0x130, 0x140, 0x150, 0x160, 0x170
    for cid, name in ((OBJ, 'java/lang/Object'), (STR, 'java/lang/String'), (CARR, '[C'),
                      (SARR2, '[[Ljava/lang/String;'), (INNER, 'Outer$Inner'), (CAFE, 'Café名前\U0001F600'),
                      (THREAD, 'java/lang/Thread'), (CLS, 'java/lang/Class')):
        d.load_class(cid, name)
    # a stack trace for thread 1: Outer$Inner.run (T.java:7)
    frame = 0x900
    names = ident(d.sid('run')) + ident(d.sid('()V')) + ident(d.sid('T.java'))
    d.out += rec(0x04, ident(frame) + names + struct.pack('>Ii', 5, 7))
    d.out += rec(0x05, struct.pack('>III', 1, 1, 1) + ident(frame))
    s1, s2, a1, a2, arr, inner, cafe, thr = 0x2000, 0x2010, 0x2020, 0x2040, 0x2060, 0x2070, 0x2080, 0x2090
    subs = [
        d.class_dump(OBJ, 0),
        d.class_dump(STR, OBJ, fields=[('value', T_OBJ), ('offset', T_INT), ('count', T_INT), ('hash', T_INT)]),
        d.class_dump(CARR, OBJ), d.class_dump(SARR2, OBJ),
        d.class_dump(INNER, OBJ, fields=[('name', T_OBJ), ('n', T_INT)],
                     statics=[('INSTANCE', T_OBJ, ident(inner))]),
        d.class_dump(CAFE, INNER, fields=[('x', T_LONG)]),
        d.class_dump(THREAD, OBJ, fields=[('name', T_OBJ)]),
        d.class_dump(CLS, OBJ, fields=[('name', T_OBJ)]),
        bytes([0x05]) + ident(INNER),                               # sticky class
        bytes([0x08]) + ident(thr) + struct.pack('>II', 1, 1),      # thread object, serial 1
        bytes([0x03]) + ident(s2) + struct.pack('>II', 1, 0),       # java frame 0 of thread 1
        instance(s1, STR, ident(a1) + struct.pack('>iii', 0, 5, 0)),
        prim_array(a1, T_CHAR, chars('héllo')),
        instance(s2, STR, ident(a2) + struct.pack('>iii', 0, 3, 0)),
        prim_array(a2, T_CHAR, chars('\U0001F600x')),
        obj_array(arr, SARR2, [0, s1]),
        instance(inner, INNER, ident(s1) + struct.pack('>i', 3)),
        instance(cafe, CAFE, struct.pack('>q', 1) + ident(0) + struct.pack('>i', 0)),
        instance(thr, THREAD, ident(0)),
    ]
    d.out += rec(0x0C, b''.join(subs))
    classes = {
        'java.lang.String': (2, 2 * align8(12 + 4 + 12)),
        'char[]': (2, align8(16 + 10) + align8(16 + 6)),
        'java.lang.String[][]': (1, align8(16 + 2 * 4)),
        'Outer$Inner': (1, align8(12 + 4 + 4)),
        'Café名前\U0001F600': (1, align8(12 + 8 + 4 + 4)),
        'java.lang.Thread': (1, align8(12 + 4)),
        # class objects: java.lang.Class's instance size plus their statics
        'java.lang.Class': (8, 7 * align8(12 + 4) + align8(align8(12 + 4) + 4)),
    }
    labels = {s1: '"héllo"', s2: '"\U0001F600x"'}
    # the String in thread 1's frame: held by the thread, with the frame's place
    path = {s2: ('Java Local', 'Outer$Inner.run (T.java:7)', thr)}
    return d.out, classes, labels, path, {}


def art_dump():
    d = Dump(b'JAVA PROFILE 1.0.3')
    OBJ, ITEM, IARR, THREAD = 0x100, 0x110, 0x120, 0x130
    for cid, name in ((OBJ, 'java/lang/Object'), (ITEM, 'Item'), (IARR, '[I'), (THREAD, 'java/lang/Thread')):
        d.load_class(cid, name)
    d.out += rec(0x05, struct.pack('>III', 1, 1, 0))
    objs = list(range(0x3000, 0x3000 + 8 * 16, 16))
    roots = {0x89: 'Interned String', 0x8A: 'Finalizable', 0x8B: 'Debugger', 0x8C: 'Reference Cleanup',
             0x8D: 'VM Internal'}
    heap_info = lambda n, name: bytes([0xFE]) + struct.pack('>I', n) + ident(d.sid(name))
    thr, nodata, gone = 0x4000, 0x4010, 0x4020
    subs = [heap_info(ord('Z'), 'zygote'),
            d.class_dump(OBJ, 0), d.class_dump(ITEM, OBJ, fields=[('next', T_OBJ)]), d.class_dump(IARR, OBJ),
            d.class_dump(THREAD, OBJ),
            heap_info(ord('A'), 'app')]
    by_root = {}
    for (tag, name), oid in zip(sorted(roots.items()), objs):
        subs.append(bytes([tag]) + ident(oid))
        by_root[oid] = name
    subs.append(bytes([0x08]) + ident(thr) + struct.pack('>II', 1, 1))
    subs.append(bytes([0x8E]) + ident(objs[5]) + struct.pack('>II', 1, 0))   # JNI monitor of thread 1
    subs.append(bytes([0x90]) + ident(gone))
    for oid in objs:
        subs.append(instance(oid, ITEM, ident(0)))
    subs.append(instance(thr, THREAD, b''))
    subs.append(heap_info(ord('I'), 'image'))
    subs.append(bytes([0xC3]) + ident(nodata) + struct.pack('>IIB', 0, 1000, T_INT))
    subs.append(instance(gone, ITEM, ident(nodata)))
    d.out += rec(0x1C, b''.join(subs[:7])) + rec(0x1C, b''.join(subs[7:])) + rec(0x2C, b'')
    classes = {
        'Item': (9, 9 * align8(12 + 4)),
        'int[]': (1, align8(16 + 4 * 1000)),
        'java.lang.Thread': (1, align8(12)),
    }
    path = {oid: (name, None, None) for oid, name in by_root.items()}
    path[objs[5]] = ('JNI Monitor', None, thr)
    # 0x90 lists an object no root reaches (a root only in ART's own terms):
    # it and what it alone holds are unreachable
    reach = {gone: 'unreachable', nodata: 'unreachable', objs[0]: 'reachable'}
    return d.out, classes, {}, path, reach


def run(heapsift, *args):
    r = subprocess.run([heapsift, *args], capture_output=True)
    if r.returncode != 0:
        raise SystemExit(f'heapsift {" ".join(args)}: status {r.returncode}: {r.stderr.decode(errors="replace")}')
    return list(csv.DictReader(io.StringIO(r.stdout.decode('utf-8'))))


def main():
    heapsift, out = sys.argv[1], sys.argv[2]
    bad = []
    for name, make in (('old', old_dump), ('art', art_dump)):
        data, classes, labels, paths, reach = make()
        f = f'{out}/{name}.hprof'
        open(f, 'wb').write(data)
        rows = {r['name']: r for r in run(heapsift, 'export', f, '--view', 'classes', '--format', 'csv',
                                          '--top', '0', '--java-layout', '4/12')}
        for cls, (n, size) in classes.items():
            r = rows.get(cls)
            got = (int(r['count']), int(r['shallow_size'])) if r else None
            if got != (n, size):
                bad.append(f'{name}: class {cls}: (count, bytes) {got}, not {(n, size)}')
        objs = {int(r['id'], 0): r for r in run(heapsift, 'export', f, '--view', 'objects', '--format', 'csv',
                                             '--top', '0')}
        for oid, label in labels.items():
            got = objs.get(oid, {}).get('name')
            if got != label:
                bad.append(f'{name}: String @{oid:#x} shown as {got!r}, not {label!r}')
        for oid, want in reach.items():
            got = objs.get(oid, {}).get('reach')
            if got != want:
                bad.append(f'{name}: @{oid:#x} is {got!r}, not {want!r}')
        for oid, (group, where, thread) in paths.items():
            ret = run(heapsift, 'export', f, '--view', 'retainers', '--object', str(oid), '--depth', '4',
                      '--format', 'csv', '--top', '0')
            # the first path: the holder of the object, then the holder's...
            chain = []
            for r in ret:
                if int(r['depth']) != len(chain):
                    break
                chain.append(r)
            names = [r['name'] for r in chain]
            text = ' / '.join(f'{r["edge"]} {r["name"]}' for r in chain)
            if thread is not None:
                ok = chain and int(chain[0]['id'], 0) == thread and group in chain[0]['edge'] and \
                    (where is None or where in chain[0]['edge'])
            else:
                ok = chain and group in names[0] and chain[-1]['type'] == 'synthetic'
            if not ok:
                bad.append(f'{name}: @{oid:#x} held by {text!r}, not by {group} '
                           f'{where or ""} {"of its thread" if thread else ""}')
    for b in bad:
        print(b)
    print(f'hprof variants: {len(bad)} failed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
