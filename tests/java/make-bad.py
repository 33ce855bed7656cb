#!/usr/bin/env python3
"""Writes malformed HPROF files, one per case, into DIR, with DIR/EXPECTED
listing "file<TAB>regex of the error" (heapsift must exit 2 with a message
matching it).  Also used to seed the fuzzer's corpus.

usage: make-bad.py DIR
"""
import os
import struct
import sys

ID = 8


def ident(v):
    return struct.pack('>Q', v)


def rec(tag, body):
    return struct.pack('>BII', tag, 0, len(body)) + body


def header(version=b'JAVA PROFILE 1.0.2', idsize=ID):
    return version + b'\0' + struct.pack('>IQ', idsize, 0)


def string(sid, text):
    return rec(0x01, ident(sid) + text)


def load_class(serial, cid, name_sid):
    return rec(0x02, struct.pack('>I', serial) + ident(cid) + struct.pack('>I', 0) + ident(name_sid))


def class_dump(cid, sup, fields=(), statics=()):
    b = bytes([0x20]) + ident(cid) + struct.pack('>I', 0) + ident(sup) + ident(0) * 5
    b += struct.pack('>I', 0) + struct.pack('>H', 0)
    b += struct.pack('>H', len(statics))
    for name, t, val in statics:
        b += ident(name) + bytes([t]) + val
    b += struct.pack('>H', len(fields))
    for name, t in fields:
        b += ident(name) + bytes([t])
    return b


def instance(oid, cid, data):
    return bytes([0x21]) + ident(oid) + struct.pack('>I', 0) + ident(cid) + struct.pack('>I', len(data)) + data


def heap(*subs):
    return rec(0x1C, b''.join(subs))


def good():
    """A tiny valid dump: class A (field next: A), two instances, a root."""
    return (header() + string(1, b'A') + string(2, b'next') + load_class(1, 0x100, 1) +
            heap(class_dump(0x100, 0, fields=[(2, 2)]),
                 bytes([0xFF]) + ident(0x200),
                 instance(0x200, 0x100, ident(0x208)),
                 instance(0x208, 0x100, ident(0))))


CASES = {
    'version': (b'JAVA PROFILE 9.9.9\0' + struct.pack('>IQ', 8, 0), 'offset 0: unknown HPROF version'),
    'idsize': (header(idsize=2), r'offset 19: identifier size 2'),
    'header-cut': (b'JAVA PROFILE 1.0.2\0\0\0', 'offset 19: header cut short'),
    'record-past-end': (header() + struct.pack('>BII', 0x01, 0, 1000) + b'xx',
                        'offset 31: record of 1000 bytes runs past the end'),
    'record-header-cut': (header() + b'\x01\x00', 'offset 31: record header cut short'),
    'unknown-subrecord': (header() + heap(b'\x42' + ident(1)), 'offset 40: unknown heap dump sub-record tag 0x42'),
    'instance-past-end': (header() + heap(bytes([0x21]) + ident(1) + struct.pack('>I', 0) + ident(2) +
                                          struct.pack('>I', 4000)),
                          'offset 40: INSTANCE DUMP: 4000 bytes of fields run past'),
    'objarray-past-end': (header() + heap(bytes([0x22]) + ident(1) + struct.pack('>II', 0, 1 << 30) + ident(2)),
                          'OBJ ARRAY DUMP: 1073741824 elements run past'),
    'primarray-type': (header() + heap(bytes([0x23]) + ident(1) + struct.pack('>II', 0, 1) + b'\x03'),
                       'PRIM ARRAY DUMP: unknown element type 3'),
    'root-cut': (header() + heap(bytes([0x08]) + ident(1)), 'heap dump sub-record 0x08 cut short'),
    'class-cycle': (header() + heap(class_dump(0x100, 0x300), class_dump(0x300, 0x100)),
                    'superclass chain is a cycle'),
    'fields-short': (header() + string(1, b'A') + string(2, b'next') + load_class(1, 0x100, 1) +
                     heap(class_dump(0x100, 0, fields=[(2, 2)]), instance(0x200, 0x100, b'\0\0\0')),
                     'INSTANCE DUMP of 0x200: 3 bytes of fields, but its class A declares 8'),
    'field-type': (header() + heap(class_dump(0x100, 0, fields=[(2, 13)])),
                   'CLASS DUMP: instance field of unknown type 13'),
    'static-cut': (header() + heap(class_dump(0x100, 0, statics=[(2, 11, b'\0\0')])[:-2] + b''),
                   'CLASS DUMP'),
    'truncated': (good()[:-5], 'record of .* bytes runs past the end'),
    'string-short': (header() + rec(0x01, b'\0\0'), 'STRING record shorter than an id'),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'EXPECTED'), 'w') as f:
        for name, (data, err) in sorted(CASES.items()):
            with open(os.path.join(out, name + '.hprof'), 'wb') as g:
                g.write(data)
            f.write(f'{name}.hprof\t{err}\n')
    with open(os.path.join(out, 'good.hprof'), 'wb') as g:
        g.write(good())


if __name__ == '__main__':
    main()
