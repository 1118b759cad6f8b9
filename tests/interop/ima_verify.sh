#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Oracle test: ima_verify across vigil's evmctl personality and Debian's
# evmctl 1.4.  Each accepts what the other signs (RSA, ECDSA P-256/P-384,
# whose signatures are randomized and so only comparable this way), and
# both reject the same damage with the same exit code.
#
# Env: VIGIL_EVMCTL_LINK (the evmctl symlink to vigil), VIGIL_TEST_DATA.
set -u
. "$(dirname "$0")/lib.sh"
SAME_LABELS="expected got"

need_root
need_oracle
need_evmctl_link
need_keys
need_xattr_tools
DATA=$(cd "$DATA" && pwd)

make_tmp ima-verify
need_tmp_xattrs user

# rc CMD...: the exit code, output kept in $TMP/last.{out,err}
rc() {
	"$@" >"$TMP/last.out" 2>"$TMP/last.err"
	echo $?
}
# both_verify DESC WANT FILE ARGS...: both tools' ima_verify exit WANT
both_verify() {
	local desc=$1 want=$2 file=$3; shift 3
	same "$desc: evmctl exit code" "$want" "$(rc "$ORACLE" ima_verify "$@" "$file")"
	same "$desc: vigil exit code" "$want" "$(rc "$VEV" ima_verify "$@" "$file")"
}

F=$TMP/file
head -c 100000 /dev/urandom >"$F"

# signer:KEY:CERT:ALGO
cases="rsa2048.pem:rsa2048-cert.der:sha256 rsa2048.pem:rsa2048-cert.der:sha1
rsa2048.pem:rsa2048-cert.der:sha512 rsa4096.pem:rsa4096-cert.der:sha384
ec-p256.pem:ec-p256-cert.der:sha256 ec-p384.pem:ec-p384-cert.der:sha384
ec-p256.pem:ec-p256-cert.der:sha512"

for c in $cases; do
	IFS=: read -r key cert algo <<<"$c"
	for signer in vigil evmctl; do
		tool=$VEV; [ $signer = evmctl ] && tool=$ORACLE
		head -c 100000 /dev/urandom >"$F"
		same "$signer ima_sign $key $algo" 0 \
			"$(rc "$tool" ima_sign -a "$algo" -k "$DATA/$key" "$F")"
		both_verify "$signer-signed $key $algo" 0 "$F" -k "$DATA/$cert"
		grep -q "^$F: verification is OK\$" "$TMP/last.err" &&
			ok "$signer-signed $key $algo: vigil says verification is OK" ||
			nok "$signer-signed $key $algo: vigil says verification is OK"
		both_verify "$signer-signed $key $algo, key list" 0 "$F" \
			-k "$DATA/rsa-other-cert.der,$DATA/$cert"
		both_verify "$signer-signed $key $algo, wrong key" 1 "$F" -k "$DATA/rsa-other-cert.der"
		value=$(xhex "$F" security.ima)

		# Corrupt the last signature byte.
		last=$(( 0x${value: -2} ^ 0x01 ))
		setfattr -n security.ima -v "0x${value:0:${#value}-2}$(printf %02x $last)" "$F"
		both_verify "$signer-signed $key $algo, corrupted signature" 1 "$F" -k "$DATA/$cert"
		# A signature byte in the middle.
		mid=$(( ${#value} / 2 ))
		byte=$(( 0x${value:$mid:2} ^ 0x80 ))
		setfattr -n security.ima -v "0x${value:0:$mid}$(printf %02x $byte)${value:$mid+2}" "$F"
		both_verify "$signer-signed $key $algo, flipped middle byte" 1 "$F" -k "$DATA/$cert"
		# Truncated: 10 bytes short, and header only.
		setfattr -n security.ima -v "0x${value:0:${#value}-20}" "$F"
		both_verify "$signer-signed $key $algo, truncated" 1 "$F" -k "$DATA/$cert"
		setfattr -n security.ima -v "0x${value:0:18}" "$F"
		both_verify "$signer-signed $key $algo, header only" 1 "$F" -k "$DATA/$cert"
		# Tampered content, intact xattr.
		setfattr -n security.ima -v "0x$value" "$F"
		both_verify "$signer-signed $key $algo, restored" 0 "$F" -k "$DATA/$cert"
		printf x >>"$F"
		both_verify "$signer-signed $key $algo, tampered content" 1 "$F" -k "$DATA/$cert"
	done
done

# A hash is not a signature; no xattr; no such file.
head -c 5000 /dev/urandom >"$F"
"$VEV" ima_hash "$F" >/dev/null 2>&1
both_verify "hash instead of signature" 1 "$F" -k "$DATA/rsa2048-cert.der"
setfattr -x security.ima "$F"
both_verify "no security.ima" 1 "$F" -k "$DATA/rsa2048-cert.der"
both_verify "no such file" 1 "$TMP/nonexistent" -k "$DATA/rsa2048-cert.der"
# Unknown hash algorithm id / unknown signature version in the header.
"$VEV" ima_sign -k "$DATA/rsa2048.pem" "$F" >/dev/null 2>&1
value=$(xhex "$F" security.ima)
setfattr -n security.ima -v "0x0302ee${value:6}" "$F"
both_verify "unknown hash algorithm id" 1 "$F" -k "$DATA/rsa2048-cert.der"
setfattr -n security.ima -v "0x0307${value:4}" "$F"
both_verify "unknown signature version" 1 "$F" -k "$DATA/rsa2048-cert.der"
# No key at all (the default /etc/keys/x509_evm.der is normally absent).
setfattr -n security.ima -v "0x$value" "$F"
if [ ! -e /etc/keys/x509_evm.der ]; then
	both_verify "no key" 1 "$F"
fi

# Several files: 1 if any fails, 0 if all pass.
G=$TMP/second
head -c 777 /dev/urandom >"$G"
"$ORACLE" ima_sign -k "$DATA/rsa2048.pem" "$G" >/dev/null 2>&1
same "two good files: evmctl" 0 "$(rc "$ORACLE" ima_verify -k "$DATA/rsa2048-cert.der" "$F" "$G")"
same "two good files: vigil" 0 "$(rc "$VEV" ima_verify -k "$DATA/rsa2048-cert.der" "$F" "$G")"
printf y >>"$G"
same "one bad of two: evmctl" 1 "$(rc "$ORACLE" ima_verify -k "$DATA/rsa2048-cert.der" "$F" "$G")"
same "one bad of two: vigil" 1 "$(rc "$VEV" ima_verify -k "$DATA/rsa2048-cert.der" "$F" "$G")"

# --sigfile: the signature in FILE.sig, none in the xattr.
for signer in vigil evmctl; do
	tool=$VEV; [ $signer = evmctl ] && tool=$ORACLE
	rm -f "$F.sig"; setfattr -x security.ima "$F" 2>/dev/null
	"$tool" ima_sign -n --sigfile -k "$DATA/ec-p256.pem" "$F" >/dev/null 2>&1
	[ -s "$F.sig" ] && ok "$signer ima_sign -n --sigfile wrote FILE.sig" ||
		nok "$signer ima_sign -n --sigfile wrote FILE.sig"
	both_verify "$signer --sigfile" 0 "$F" --sigfile -k "$DATA/ec-p256-cert.der"
	both_verify "$signer --sigfile, xattr not used" 1 "$F" -k "$DATA/ec-p256-cert.der"
	# ima_setxattr moves it into the xattr.
	same "$signer sigfile: ima_setxattr" 0 "$(rc "$VEV" ima_setxattr "$F")"
	both_verify "$signer sigfile after ima_setxattr" 0 "$F" -k "$DATA/ec-p256-cert.der"
done
# --xattr-user
"$VEV" ima_sign --xattr-user -k "$DATA/rsa4096.pem" "$F" >/dev/null 2>&1
both_verify "--xattr-user" 0 "$F" --xattr-user -k "$DATA/rsa4096-cert.der"

# import: a certificate into a keyring (a private session keyring here).
if command -v keyctl >/dev/null && keyctl session - true >/dev/null 2>&1; then
	for tool in "$ORACLE" "$VEV"; do
		name=vigil; [ "$tool" = "$ORACLE" ] && name=evmctl
		out=$(keyctl session - "$tool" import "$DATA/rsa2048-cert.der" @s 2>/dev/null)
		[[ "$out" =~ ^[0-9]+$ ]] && ok "$name import: prints the key's serial" ||
			nok "$name import: prints the key's serial ($out)"
		desc=$(keyctl session - sh -c "'$tool' import '$DATA/rsa2048-cert.der' @s \
			>/dev/null 2>&1; keyctl show @s" | grep -c 'asymmetric:.*fe808e41')
		same "$name import: an asymmetric key in the keyring" 1 "$desc"
	done
	same "import of a missing file: exit code" \
		"$(keyctl session - "$ORACLE" import "$TMP/nonexistent" @s >/dev/null 2>&1; echo $?)" \
		"$(keyctl session - "$VEV" import "$TMP/nonexistent" @s >/dev/null 2>&1; echo $?)"
else
	ok "# SKIP import: no keyctl or no session keyrings"
fi

# Usage errors.
same "no file: evmctl" 125 "$(rc "$ORACLE" ima_verify -k "$DATA/rsa2048-cert.der")"
same "no file: vigil" 125 "$(rc "$VEV" ima_verify -k "$DATA/rsa2048-cert.der")"

finish
