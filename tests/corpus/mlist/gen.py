#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the malformed (and a few valid) measurement lists of this folder
and their EXPECT manifest.  Run from anywhere: python3 gen.py"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u32(v):
    return struct.pack('<I', v)


def field(b):
    return u32(len(b)) + b


def d_ng(algo, digest):
    return algo.encode() + b':\0' + digest


def name(s):
    return s.encode() + b'\0'


def entry(tname, fields, pcr=10, digest=None, data_len=None, name_len=None):
    data = b''.join(field(f) for f in fields)
    if digest is None:
        digest = hashlib.sha1(data).digest()
    nl = len(tname) if name_len is None else name_len
    dl = len(data) if data_len is None else data_len
    return u32(pcr) + digest + u32(nl) + tname.encode() + u32(dl) + data


def legacy(fdigest, fname, name_len=None):
    n = fname.encode()
    digest = hashlib.sha1(fdigest + n + b'\0' * (256 - len(n))).digest() if len(n) < 256 else b'\1' * 20
    nl = len(n) if name_len is None else name_len
    return u32(10) + digest + u32(3) + b'ima' + fdigest + u32(nl) + n


SHA256 = hashlib.sha256(b'vigil').digest()
GOOD = entry('ima-ng', [d_ng('sha256', SHA256), name('/usr/bin/true')])
GOOD2 = entry('ima-ng', [d_ng('sha256', hashlib.sha256(b'2').digest()), name('/usr/bin/false')])
SIG = bytes([3, 2, 4]) + b'\x11\x22\x33\x44' + struct.pack('>H', 4) + b'sig!'

cases = []  # (file, bytes, status, index, offset, message)


def bad(fname, prefix_entries, tail, status, message):
    data = b''.join(prefix_entries) + tail
    off = sum(len(e) for e in prefix_entries)
    cases.append((fname, data, status, len(prefix_entries), off, message))


def ok(fname, entries):
    cases.append((fname, b''.join(entries), 'ok', len(entries), '-', '-'))


ok('empty.bin', [])
ok('mixed-templates.bin', [
    GOOD,
    entry('ima-sig', [d_ng('sha256', SHA256), name('/signed'), SIG]),
    entry('ima-buf', [d_ng('sha256', hashlib.sha256(b'6.1.0').digest()), name('kernel_version'), b'6.1.0']),
    entry('d-ng|n-ng|iuid|igid|imode', [d_ng('sha512', hashlib.sha512(b'x').digest()), name('/etc/x'),
                                        u32(1000), u32(100), struct.pack('<H', 0o100644)]),
    legacy(hashlib.sha1(b'legacy').digest(), '/bin/legacy'),
    entry('ima-ngv2', [b'verity:sha256:\0' + SHA256, name('/verity')]),
    entry('ima-modsig', [d_ng('sha256', SHA256), name('/mod'), b'', b'', b'']),
    entry('ima-ng', [d_ng('sha256', bytes(32)), name('/violation')], digest=bytes(20)),
    entry('ima-ng', [d_ng('sha256', bytes(20)), name('/old-violation')], digest=bytes(20)),
])
bad('trunc-header.bin', [GOOD], GOOD2[:10], 'invalid', 'truncated entry header: 10 of 28 bytes')
bad('trunc-data.bin', [GOOD, GOOD2], GOOD[:-5], 'invalid',
    'template data length %d exceeds the remaining %d bytes' % (len(GOOD) - 38, len(GOOD) - 43))
bad('trunc-name.bin', [GOOD], GOOD2[:30], 'invalid', 'template name length 6 exceeds the remaining 2 bytes')
bad('trunc-data-length.bin', [GOOD], GOOD2[:36], 'invalid', 'truncated template data length: 2 of 4 bytes')
bad('name-len-0.bin', [GOOD], entry('ima-ng', [b''], name_len=0)[:28], 'invalid', 'template name length 0')
bad('name-len-huge.bin', [GOOD], u32(10) + bytes(20) + u32(0xffffffff) + b'ima-ng', 'invalid',
    'template name length 4294967295 exceeds 255')
bad('name-longer-than-entry.bin', [GOOD, GOOD2], u32(10) + bytes(20) + u32(200) + b'ima-ng' + bytes(30),
    'invalid', 'template name length 200 exceeds the remaining 36 bytes')
bad('data-len-4g.bin', [GOOD], u32(10) + bytes(20) + u32(6) + b'ima-ng' + u32(0xffffffff) + bytes(120),
    'invalid', 'template data length 4294967295 exceeds the remaining 120 bytes')
bad('data-len-near-4g.bin', [GOOD, GOOD], u32(10) + bytes(20) + u32(6) + b'ima-ng' + u32(0xfffffffc) + bytes(8),
    'invalid', 'template data length 4294967292 exceeds the remaining 8 bytes')
bad('field-len-near-4g.bin', [GOOD],
    entry('ima-ng', [d_ng('sha256', SHA256), name('/x')], data_len=None)[:38] + u32(0xfffffff0) +
    entry('ima-ng', [d_ng('sha256', SHA256), name('/x')])[42:],
    'invalid', 'field 0 (d-ng): length 4294967280 exceeds the remaining 47 bytes of template data')
bad('unknown-template.bin', [GOOD], entry('ima-foo', [d_ng('sha256', SHA256), name('/x')]),
    'unsupported', 'unknown template "ima-foo" (no template field "ima-foo")')
bad('unknown-field.bin', [GOOD, GOOD], entry('d-ng|n-ng|bogus', [d_ng('sha256', SHA256), name('/x'), b'']),
    'unsupported', 'no template field "bogus"')
bad('template-name-nul.bin', [], entry('ima\0ng', [d_ng('sha256', SHA256), name('/x')]),
    'invalid', 'template name contains a NUL byte')
bad('too-few-fields.bin', [GOOD], entry('ima-sig', [d_ng('sha256', SHA256), name('/x')]),
    'invalid', 'field 2 (sig): length missing at template data byte 51')
bad('trailing-data.bin', [GOOD], entry('ima-ng', [d_ng('sha256', SHA256), name('/x'), b'extra']),
    'invalid', '9 bytes of template data follow the last field')
bad('unknown-algo.bin', [GOOD], entry('ima-ng', [d_ng('sha257', SHA256), name('/x')]),
    'invalid', 'field 0 (d-ng): unknown hash algorithm "sha257"')
bad('digest-short.bin', [GOOD], entry('ima-ng', [d_ng('sha256', SHA256[:31]), name('/x')]),
    'invalid', 'field 0 (d-ng): sha256 digest of 31 bytes, expected 32')
bad('digest-no-nul.bin', [GOOD], entry('ima-ng', [b'sha256:' + SHA256, name('/x')]),
    'invalid', 'field 0 (d-ng): no NUL after the algorithm prefix')
bad('ngv2-bad-type.bin', [GOOD], entry('ima-ngv2', [b'fsv:sha256:\0' + SHA256, name('/x')]),
    'invalid', 'field 0 (d-ngv2): digest type is neither ima nor verity')
bad('name-no-nul.bin', [GOOD], entry('ima-ng', [d_ng('sha256', SHA256), b'/x']),
    'invalid', 'field 1 (n-ng): name is not NUL-terminated')
bad('name-inner-nul.bin', [GOOD], entry('ima-ng', [d_ng('sha256', SHA256), b'/x\0/y\0']),
    'invalid', 'field 1 (n-ng): name contains a NUL byte')
bad('sig-bad-type.bin', [GOOD], entry('ima-sig', [d_ng('sha256', SHA256), name('/x'), b'\x01abc']),
    'invalid', 'field 2 (sig): not a signature (type byte)')
bad('legacy-name-long.bin', [GOOD], legacy(bytes(20), 'x' * 300), 'invalid', '"ima" name length 300 exceeds 255')
bad('legacy-truncated.bin', [GOOD], legacy(bytes(20), '/bin/sh')[:40], 'invalid',
    'truncated "ima" digest and name length: 9 of 24 bytes')
bad('legacy-name-truncated.bin', [GOOD], legacy(bytes(20), '/bin/sh')[:-3], 'invalid',
    '"ima" name length 7 exceeds the remaining 4 bytes')
bad('xattrlengths-odd.bin', [GOOD], entry('d-ng|n-ng|xattrlengths', [d_ng('sha256', SHA256), name('/x'), b'abc']),
    'invalid', 'field 2 (xattrlengths): length is not a multiple of 4')
bad('too-many-fields.bin', [GOOD], entry('|'.join(['buf'] * 16), [b''] * 16),
    'invalid', 'template format has more than 15 fields')

with open(os.path.join(HERE, 'EXPECT'), 'w') as m:
    m.write('# Malformed measurement lists (SHA-1 template digests, little-endian).\n')
    m.write('# file  status  index  offset  message-substring\n')
    m.write('# status: vigil_status_name() of the error, or ok (index = entry count).\n')
    m.write('# Generated by gen.py.\n')
    for f, data, status, idx, off, msg in cases:
        with open(os.path.join(HERE, f), 'wb') as out:
            out.write(data)
        m.write('%s %s %d %s %s\n' % (f, status, idx, off, msg))
