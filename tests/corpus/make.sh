#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Regenerates the malformed-input corpus and its manifests, deterministically:
#   tests/corpus/xattr/*.bin + EXPECT  security.ima / security.evm values
#   tests/corpus/keys/*      + EXPECT  broken keys and certificates
# "Random" bytes come from SHA-256 in counter mode, so every run writes the
# same files.  Needs python3; the key inputs are cut from tests/data.
#
# EXPECT lines: `name kind status message-substring` (substring "-" = none).
# test_corpus.c checks every file gives exactly that status and message.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data

rm -rf "$here/xattr" "$here/keys"
mkdir -p "$here/xattr" "$here/keys"

python3 - "$here" "$data" <<'PY'
import hashlib, os, sys

root, data = sys.argv[1], sys.argv[2]

def noise(n, seed):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"vigil-corpus:{seed}:{i}".encode()).digest()
        i += 1
    return out[:n]

def h(s):
    return bytes.fromhex(s.replace(" ", ""))

def be16(v):
    return v.to_bytes(2, "big")

KEYID = h("7f795984")

def sig2(typ, ver, algo, sig, size=None):
    size = len(sig) if size is None else size
    return bytes([typ, ver, algo]) + KEYID + be16(size) + sig

def sig1(nmpi, body, hash_algo=2):
    return h("03 01 5f5e0ff1 00") + bytes([hash_algo]) + h("0102030405060708") + bytes([nmpi]) + body

# name, kind, status, message substring, bytes
X = []
def x(name, kind, status, msg, value):
    X.append((name, kind, status, msg, value))

d20, d32 = noise(20, "d20"), noise(32, "d32")
s256 = noise(256, "s256")

x("empty", "ima", "invalid", "security.ima: empty value", b"")
x("empty-evm", "evm", "invalid", "security.evm: empty value", b"")
x("one-byte-digest", "ima", "invalid", "type 0x01 digest of 0 bytes at offset 1", h("01"))
x("one-byte-sig", "ima", "invalid", "type 0x03 (signature) value of 1 byte has no version byte", h("03"))
x("one-byte-ng", "ima", "invalid", "type 0x04 value of 1 byte has no algorithm byte", h("04"))
x("one-byte-hmac", "evm", "invalid", "type 0x02 HMAC of 0 bytes", h("02"))
x("one-byte-portable", "evm", "invalid", "type 0x05 (portable-signature) value of 1 byte has no version byte", h("05"))
x("type-00", "ima", "invalid", "security.ima: type 0x00 (unknown) at offset 0 is not valid in security.ima", h("00") + d32)
x("type-07", "ima", "invalid", "security.ima: type 0x07 (unknown) at offset 0", h("07") + d32)
x("type-ff", "ima", "invalid", "security.ima: type 0xff (unknown) at offset 0", h("ff"))
x("type-00-evm", "evm", "invalid", "security.evm: type 0x00 (unknown) at offset 0", h("00"))
x("type-07-evm", "evm", "invalid", "security.evm: type 0x07 (unknown)", h("07") + d20)
x("type-ff-evm", "evm", "invalid", "security.evm: type 0xff (unknown)", h("ff") + s256)
x("ng-algo-17", "ima", "invalid", "security.ima: type 0x04: unknown hash algorithm id 23 at offset 1", h("04 17") + d32)
x("ng-algo-ff", "ima", "invalid", "unknown hash algorithm id 255 at offset 1", h("04 ff") + d32)
x("ng-algo-ff-nodigest", "ima", "invalid", "unknown hash algorithm id 255", h("04 ff"))
x("ng-tgr192", "ima", "ok", "-", h("04 10") + noise(24, "tgr"))
x("ng-tgr192-short", "ima", "invalid", "tgr192 digest of 20 bytes at offset 2, expected 24", h("04 10") + d20)
x("ng-sha256", "ima", "ok", "-", h("04 04") + d32)
x("ng-sha256-short", "ima", "invalid", "sha256 digest of 31 bytes at offset 2, expected 32", h("04 04") + d32[:31])
x("ng-sha256-long", "ima", "invalid", "sha256 digest of 33 bytes at offset 2, expected 32", h("04 04") + d32 + h("00"))
x("ng-sha256-empty", "ima", "invalid", "sha256 digest of 0 bytes at offset 2, expected 32", h("04 04"))
x("ng-sha512-as-sha256", "ima", "invalid", "sha512 digest of 32 bytes at offset 2, expected 64", h("04 06") + d32)
x("ng-sha1", "ima", "ok", "-", h("04 02") + d20)
x("ng-sm3", "ima", "ok", "-", h("04 11") + d32)
x("digest-sha1", "ima", "ok", "-", h("01") + d20)
x("digest-md5", "ima", "ok", "-", h("01") + d20[:16])
x("digest-19", "ima", "invalid", "type 0x01 digest of 19 bytes at offset 1, expected 20 (sha1) or 16 (md5)", h("01") + d20[:19])
x("digest-21", "ima", "invalid", "type 0x01 digest of 21 bytes at offset 1", h("01") + d20 + h("00"))
x("digest-32", "ima", "invalid", "type 0x01 digest of 32 bytes", h("01") + d32)
for n in range(2, 9):
    x(f"sigv2-trunc-{n}", "ima", "invalid",
      f"security.ima: signature v2 header truncated: {n} of 9 bytes",
      sig2(3, 2, 4, b"", 256)[:n])
x("sigv2-trunc-evm-5", "evm", "invalid", "security.evm: signature v2 header truncated: 5 of 9 bytes", sig2(3, 2, 4, b"", 256)[:5])
x("sigv2-portable-trunc-8", "evm", "invalid", "security.evm: signature v2 header truncated: 8 of 9 bytes", sig2(5, 2, 4, b"", 256)[:8])
x("sigv3-trunc-4", "ima", "invalid", "security.ima: signature v3 header truncated: 4 of 9 bytes", sig2(6, 3, 4, b"", 256)[:4])
x("sigv2-size-larger", "ima", "invalid", "security.ima: signature v2 sig_size 256 but 250 bytes follow the header", sig2(3, 2, 4, s256[:250], 256))
x("sigv2-size-smaller", "ima", "invalid", "security.ima: signature v2 sig_size 200 but 256 bytes follow the header", sig2(3, 2, 4, s256, 200))
x("sigv2-size-ffff", "ima", "invalid", "sig_size 65535 but 256 bytes follow the header", sig2(3, 2, 4, s256, 0xffff))
x("sigv2-size-0", "ima", "invalid", "security.ima: signature v2 sig_size 0 at offset 7: empty signature", sig2(3, 2, 4, b""))
x("sigv2-size-0-trailing", "ima", "invalid", "signature v2 sig_size 0 at offset 7: empty signature", sig2(3, 2, 4, s256, 0))
x("sigv2-size-larger-evm", "evm", "invalid", "security.evm: signature v2 sig_size 256 but 255 bytes follow the header", sig2(3, 2, 4, s256[:255], 256))
x("sigv2-portable-size-smaller", "evm", "invalid", "security.evm: signature v2 sig_size 1 but 256 bytes follow the header", sig2(5, 2, 4, s256, 1))
x("sigv2-version-0", "ima", "invalid", "type 0x03 (signature) signature version 0 at offset 1, expected 2", sig2(3, 0, 4, s256))
x("sigv2-version-4", "ima", "invalid", "type 0x03 (signature) signature version 4 at offset 1, expected 2", sig2(3, 4, 4, s256))
x("sigv2-version-ff", "ima", "invalid", "signature version 255 at offset 1", sig2(3, 0xff, 4, s256))
x("sigv2-version-3", "ima", "invalid", "type 0x03 (signature) signature version 3 at offset 1", sig2(3, 3, 4, s256))
x("sigv2-version-0-evm", "evm", "invalid", "security.evm: type 0x03 (signature) signature version 0 at offset 1, expected 2", sig2(3, 0, 4, s256))
x("sigv2-version-1-evm", "evm", "invalid", "security.evm: type 0x03 (signature) signature version 1 at offset 1, expected 2", sig2(3, 1, 4, s256))
x("sigv2-portable-version-3", "evm", "invalid", "type 0x05 (portable-signature) signature version 3 at offset 1, expected 2", sig2(5, 3, 4, s256))
x("sigv2-algo-17", "ima", "invalid", "security.ima: signature v2: unknown hash algorithm id 23 at offset 2", sig2(3, 2, 0x17, s256))
x("sigv2-algo-ff-evm", "evm", "invalid", "security.evm: signature v2: unknown hash algorithm id 255 at offset 2", sig2(3, 2, 0xff, s256))
x("sigv2-ok", "ima", "ok", "-", sig2(3, 2, 4, s256))
x("sigv2-tgr192", "ima", "ok", "-", sig2(3, 2, 16, s256))
x("sigv2-evm-ok", "evm", "ok", "-", sig2(3, 2, 4, s256))
x("sigv2-portable-ok", "evm", "ok", "-", sig2(5, 2, 4, s256))
x("sigv2-one-byte-sig", "ima", "ok", "-", sig2(3, 2, 4, b"\x00"))
x("sigv3-ok", "ima", "ok", "-", sig2(6, 3, 4, s256))
x("sigv3-version-2", "ima", "invalid", "security.ima: type 0x06 (verity-signature) signature version 2 at offset 1, expected 3", sig2(6, 2, 4, s256))
x("sigv3-version-0", "ima", "invalid", "type 0x06 (verity-signature) signature version 0 at offset 1, expected 3", sig2(6, 0, 4, s256))
x("sigv3-size-larger", "ima", "invalid", "security.ima: signature v3 sig_size 300 but 256 bytes follow the header", sig2(6, 3, 4, s256, 300))
x("hmac-ok", "evm", "ok", "-", h("02") + d20)
x("hmac-19", "evm", "invalid", "security.evm: type 0x02 HMAC of 19 bytes at offset 1, expected 20 (HMAC-SHA1)", h("02") + d20[:19])
x("hmac-21", "evm", "invalid", "security.evm: type 0x02 HMAC of 21 bytes at offset 1", h("02") + d20 + h("00"))
x("hmac-in-ima", "ima", "invalid", "security.ima: type 0x02 (hmac) at offset 0 is not valid in security.ima", h("02") + d20)
x("ng-in-evm", "evm", "invalid", "security.evm: type 0x04 (digest-ng) at offset 0 is not valid in security.evm", h("04 04") + d32)
x("digest-in-evm", "evm", "invalid", "security.evm: type 0x01 (digest) at offset 0 is not valid in security.evm", h("01") + d20)
x("verity-in-evm", "evm", "invalid", "security.evm: type 0x06 (verity-signature) at offset 0 is not valid in security.evm", sig2(6, 3, 4, s256))
x("portable-in-ima", "ima", "invalid", "security.ima: type 0x05 (portable-signature) at offset 0 is not valid in security.ima", sig2(5, 2, 4, s256))
mpi = be16(2048) + s256
x("sigv1-ok", "ima", "ok", "-", sig1(1, mpi))
x("sigv1-in-evm", "evm", "invalid", "security.evm: type 0x03 (signature) signature version 1 at offset 1, expected 2", sig1(1, mpi))
for n in (2, 9, 16):
    x(f"sigv1-trunc-{n}", "ima", "invalid", f"security.ima: signature v1 header truncated: {n} of 17 bytes", sig1(1, mpi)[:n])
x("sigv1-nmpi-0", "ima", "invalid", "security.ima: signature v1 nmpi 0 at offset 16: no MPI", sig1(0, b""))
x("sigv1-mpi-len-trunc", "ima", "invalid", "security.ima: signature v1 MPI 1 of 1: length truncated at offset 17", sig1(1, h("08")))
x("sigv1-mpi-trunc", "ima", "invalid", "security.ima: signature v1 MPI 1 of 1: 2048 bits (256 bytes) at offset 19 but 200 bytes remain", sig1(1, mpi[:202]))
x("sigv1-mpi2-missing", "ima", "invalid", "security.ima: signature v1 MPI 2 of 2: length truncated at offset 275", sig1(2, mpi))
x("sigv1-trailing", "ima", "invalid", "security.ima: signature v1: 2 trailing bytes at offset 275 after 1 MPI", sig1(1, mpi + h("0000")))
x("sigv1-algo-17", "ima", "invalid", "security.ima: signature v1: unknown hash algorithm id 23 at offset 7", sig1(1, mpi, 0x17))
x("max-size", "ima", "ok", "-", sig2(3, 2, 6, noise(1024, "max")))
x("max-size-plus-1", "ima", "too-big", "security.ima: value of 1034 bytes exceeds the 1033-byte limit", sig2(3, 2, 6, noise(1025, "max")))
x("big-64k", "ima", "too-big", "security.ima: value of 65536 bytes exceeds the 1033-byte limit", sig2(3, 2, 4, noise(65536 - 9, "big"), 65536 - 9))
x("big-64k-evm", "evm", "too-big", "security.evm: value of 65536 bytes exceeds the 1033-byte limit", h("02") + noise(65535, "big"))
x("noise-1k", "ima", "invalid", "security.ima: type 0x4f (unknown) at offset 0", noise(1000, "n1k"))

with open(os.path.join(root, "xattr", "EXPECT"), "w") as m:
    m.write("# name kind status message-substring (see ../make.sh)\n")
    for name, kind, status, msg, value in X:
        with open(os.path.join(root, "xattr", name + ".bin"), "wb") as f:
            f.write(value)
        m.write(f"{name}.bin {kind} {status} {msg}\n")

# --- keys: cut from the committed test keys -------------------------------
K = []
def k(name, kind, status, msg, value):
    K.append((name, kind, status, msg, value))

def read(name):
    with open(os.path.join(data, name), "rb") as f:
        return f.read()

def pem_body_corrupt(pem):
    lines = pem.split(b"\n")
    lines[3] = b"!!!!" + lines[3][4:]
    return b"\n".join(lines)

priv = read("rsa2048.pem")
cert_pem = read("rsa2048-cert.pem")
cert_der = bytearray(read("rsa2048-cert.der"))
import base64
# The TBSCertificate's SEQUENCE tag (offset 4) turned into a SET: not a certificate.
bad_der = bytes(cert_der[:4]) + b"\x31" + bytes(cert_der[5:])
bad_pem = (b"-----BEGIN CERTIFICATE-----\n" +
           b"\n".join(base64.encodebytes(bad_der).split(b"\n")) +
           b"-----END CERTIFICATE-----\n").replace(b"\n\n", b"\n")
relabel = lambda pem, old, new: pem.replace(b"BEGIN " + old, b"BEGIN " + new).replace(b"END " + old, b"END " + new)

k("empty.pem", "privkey", "invalid", "empty.pem: empty file", b"")
k("empty.der", "pubkey", "invalid", "empty.der: empty file", b"")
k("random.bin", "privkey", "invalid", "random.bin: not a private key (PEM PKCS#1, SEC1 or PKCS#8, or DER)", noise(1024, "key"))
k("random-pub.bin", "pubkey", "invalid", "random-pub.bin: not an X.509 certificate or public key (PEM or DER)", noise(1024, "pub"))
k("truncated.pem", "privkey", "invalid", "truncated.pem: malformed or unsupported private key", priv[:len(priv) // 2])
k("truncated-cert.pem", "pubkey", "invalid", "truncated-cert.pem: no certificate or public key found in PEM data", cert_pem[:len(cert_pem) // 2])
k("bad-base64.pem", "privkey", "invalid", "bad-base64.pem: malformed or unsupported private key", pem_body_corrupt(priv))
k("bad-base64-cert.pem", "pubkey", "invalid", "bad-base64-cert.pem: no certificate or public key found in PEM data", pem_body_corrupt(cert_pem))
k("cert-body-corrupt.der", "pubkey", "invalid", "cert-body-corrupt.der: not an X.509 certificate or public key (PEM or DER)", bad_der)
k("cert-body-corrupt.pem", "pubkey", "invalid", "cert-body-corrupt.pem: malformed certificate or public key", bad_pem)
k("one-byte.der", "pubkey", "invalid", "one-byte.der: not an X.509 certificate or public key (PEM or DER)", b"\x30")
k("one-byte-priv.der", "privkey", "invalid", "one-byte-priv.der: not a private key (PEM PKCS#1, SEC1 or PKCS#8, or DER)", b"\x30")
k("label-crl.pem", "pubkey", "invalid", "label-crl.pem: no certificate or public key found in PEM data", relabel(cert_pem, b"CERTIFICATE", b"X509 CRL"))
k("label-cert-as-key.pem", "privkey", "invalid", "label-cert-as-key.pem: not a private key (PEM PKCS#1, SEC1 or PKCS#8, or DER)", relabel(priv, b"PRIVATE KEY", b"CERTIFICATE"))
k("encrypted-nopass.pem", "privkey", "invalid", "encrypted-nopass.pem: the private key is encrypted and no password was given", read("rsa2048-enc.pem"))
k("cert-as-privkey.pem", "privkey", "invalid", "cert-as-privkey.pem: holds a certificate or public key, not a private key", cert_pem)
with open(os.path.join(root, "keys", "EXPECT"), "w") as m:
    m.write("# name privkey|pubkey status message-substring (see ../make.sh)\n")
    for name, kind, status, msg, value in K:
        with open(os.path.join(root, "keys", name), "wb") as f:
            f.write(value)
        m.write(f"{name} {kind} {status} {msg}\n")
PY
echo "corpus written to $here"
