#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds seed directories for the fuzzers from tests/corpus (each value
# prefixed with the kind byte the harnesses read first: 00 = security.ima,
# 01 = security.evm), plus real signatures over "vigil-fuzz\n" (the digest
# fuzz_sig verifies against): made by evmctl when it is installed, and a v3
# (fs-verity) one made with openssl.
#   fuzz/make-seeds.sh OUTDIR   ->  OUTDIR/xattr  OUTDIR/sig
set -euo pipefail

out=${1:?usage: make-seeds.sh OUTDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
data=$src/tests/data
corpus=$src/tests/corpus/xattr
mkdir -p "$out/xattr" "$out/sig"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# seed NAME KIND-BYTE HEX|@FILE
seed() {
	local f
	for dir in "$out/xattr" "$out/sig"; do
		f=$dir/$1
		printf "\\x$2" > "$f"
		case $3 in
		@*) cat "${3#@}" >> "$f" ;;
		*) printf '%s' "$3" | xxd -r -p >> "$f" ;;
		esac
	done
}

while read -r name kind _; do
	case $name in '#'*|'') continue ;; esac
	[ "$kind" = evm ] && k=01 || k=00
	seed "corpus-$kind-${name%.bin}" "$k" "@$corpus/$name"
done < "$corpus/EXPECT"

printf 'vigil-fuzz\n' > "$tmp/f"
if command -v evmctl >/dev/null; then
	for spec in rsa2048.pem:sha256 rsa2048.pem:sha1 rsa4096.pem:sha512 \
		    ec-p256.pem:sha256 ec-p384.pem:sha384 sm2.pem:sm3; do
		key=${spec%%:*} algo=${spec##*:}
		hex=$(evmctl ima_sign -n -a "$algo" --key "$data/$key" "$tmp/f" 2>/dev/null) || continue
		seed "evmctl-ima-${key%.pem}-$algo" 00 "$hex"
		seed "evmctl-evm-${key%.pem}-$algo" 01 "$hex"
		seed "evmctl-portable-${key%.pem}-$algo" 01 "05${hex:2}"
	done
else
	echo "make-seeds.sh: evmctl not found, no real v2 signatures in the seeds" >&2
fi

# v3: RSA PKCS#1 over sha256(06 04 verity-digest), keyid = last 4 bytes of the SKID.
digest=$(sha256sum "$tmp/f" | cut -d' ' -f1)
printf '0604%s' "$digest" | xxd -r -p > "$tmp/file_id"
openssl dgst -sha256 -sign "$data/rsa2048.pem" -out "$tmp/sig" "$tmp/file_id"
skid=$(openssl x509 -inform der -in "$data/rsa2048-cert.der" -noout -ext subjectKeyIdentifier |
       tail -1 | tr -d ' :\n')
size=$(stat -c %s "$tmp/sig")
seed openssl-ima-v3-rsa2048 00 "060304${skid: -8}$(printf '%04x' "$size")$(xxd -p "$tmp/sig" | tr -d '\n')"
echo "seeds in $out: $(ls "$out/xattr" | wc -l) xattr, $(ls "$out/sig" | wc -l) sig"
