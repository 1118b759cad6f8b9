#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Oracle test: vigil's evmctl personality against Debian's evmctl 1.4 for
# ima_sign and sign_hash.  RSA PKCS#1 v1.5 is deterministic, so the same
# key and content must give byte-identical security.ima values, .sig files
# and sign_hash lines.  sign_hash --veritysig is newer than evmctl 1.4: its
# oracle is openssl, signing the same ima_file_id digest.
#
# Env: VIGIL_EVMCTL_LINK (the evmctl symlink to vigil), VIGIL_TEST_DATA.
set -u
. "$(dirname "$0")/lib.sh"
SAME_LABELS="evmctl vigil"

need_root
need_oracle
need_evmctl_link
need_keys
need_xattr_tools
DATA=$(cd "$DATA" && pwd)

make_tmp ima-sign
need_tmp_xattrs user

run() {
	local tag=$1; shift
	"$@" >"$TMP/$tag.out" 2>"$TMP/$tag.err"
	echo $? >"$TMP/$tag.rc"
}
# Messages are compared when both succeed (errors are worded by vigil).
compare_runs() {
	same "$1: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
	same "$1: stdout" "$(cat "$TMP/e.out")" "$(cat "$TMP/v.out")"
	if [ "$(cat "$TMP/e.rc")" = 0 ] && [ "$(cat "$TMP/v.rc")" = 0 ]; then
		same "$1: stderr" "$(cat "$TMP/e.err")" "$(cat "$TMP/v.err")"
	fi
}
fresh() {
	rm -rf "$TMP/e" "$TMP/v"; mkdir "$TMP/e" "$TMP/v"
	cp "$TMP/src/$1" "$TMP/e/$1"; cp "$TMP/src/$1" "$TMP/v/$1"
}
# sign_both DESC FILE ARGS...: ima_sign FILE in both trees, compare everything.
sign_both() {
	local desc=$1 name=$2; shift 2
	fresh "$name"
	(cd "$TMP/e" && run e "$ORACLE" ima_sign "$@" "$name")
	(cd "$TMP/v" && run v "$VEV" ima_sign "$@" "$name")
	compare_runs "$desc"
	same "$desc: security.ima" "$(xhex "$TMP/e/$name" security.ima)" \
		"$(xhex "$TMP/v/$name" security.ima)"
}

mkdir "$TMP/src"
: >"$TMP/src/empty"
echo "hello, vigil" >"$TMP/src/text"
head -c 1500001 /dev/urandom >"$TMP/src/binary"

# Every RSA-capable algorithm evmctl 1.4 handles here.
algos=""
for a in md5 sha1 rmd160 sha224 sha256 sha384 sha512; do
	"$ORACLE" ima_sign -n -a "$a" -k "$DATA/rsa2048.pem" "$TMP/src/text" >/dev/null 2>&1 &&
		algos="$algos $a"
done

for key in rsa2048.pem rsa4096.pem; do
	for a in $algos; do
		for name in empty binary; do
			sign_both "ima_sign -a $a $key $name" "$name" -a "$a" -k "$DATA/$key"
		done
	done
done
[ -n "$(xhex "$TMP/v/binary" security.ima)" ] && ok "vigil wrote security.ima" ||
	nok "vigil wrote no security.ima"

# The keyid: from the certificate in the key file, --keyid, --keyid-from-cert.
sign_both "ima_sign key+cert file (SKID keyid)" text -k "$DATA/rsa2048-with-cert.pem"
sign_both "ima_sign --keyid" text -k "$DATA/rsa2048.pem" --keyid aabbccdd
sign_both "ima_sign --keyid-from-cert" text -k "$DATA/rsa2048.pem" \
	--keyid-from-cert "$DATA/rsa2048-skid-cert.pem"
sign_both "ima_sign --keyid-from-cert DER" text -k "$DATA/rsa2048.pem" \
	--keyid-from-cert "$DATA/rsa2048-cert.der"

# Encrypted key: --pass=, -p, EVMCTL_KEY_PASSWORD; and a wrong password.
sign_both "ima_sign encrypted key --pass=" text -k "$DATA/rsa2048-enc.pem" --pass=vigil-test-pass
sign_both "ima_sign encrypted key -p" text -k "$DATA/rsa2048-enc.pem" -pvigil-test-pass
export EVMCTL_KEY_PASSWORD=vigil-test-pass
sign_both "ima_sign encrypted key EVMCTL_KEY_PASSWORD" text -k "$DATA/rsa2048-enc.pem"
EVMCTL_KEY_PASSWORD=wrong-pass
sign_both "ima_sign encrypted key, wrong password" text -k "$DATA/rsa2048-enc.pem"
unset EVMCTL_KEY_PASSWORD
sign_both "ima_sign encrypted key, --pass overrides the environment" text \
	-k "$DATA/rsa2048-enc.pem" --pass=vigil-test-pass

# -n prints and sets nothing; --sigfile writes FILE.sig (and the xattr).
sign_both "ima_sign -n" text -n -k "$DATA/rsa2048.pem"
[ -z "$(xhex "$TMP/v/text" security.ima)" ] && ok "ima_sign -n: vigil set nothing" ||
	nok "ima_sign -n: vigil set security.ima"
for extra in "" "-n"; do
	# shellcheck disable=SC2086
	sign_both "ima_sign --sigfile $extra" binary --sigfile $extra -k "$DATA/rsa2048.pem"
	same "ima_sign --sigfile $extra: FILE.sig bytes" "$(xxd -p -c0 "$TMP/e/binary.sig" 2>&1)" \
		"$(xxd -p -c0 "$TMP/v/binary.sig" 2>&1)"
	[ -n "$extra" ] || same "ima_sign --sigfile: FILE.sig is the xattr value" \
		"$(xhex "$TMP/v/binary" security.ima)" "$(xxd -p -c0 "$TMP/v/binary.sig")"
done
# --xattr-user
sign_both "ima_sign --xattr-user" text --xattr-user -k "$DATA/rsa2048.pem"
same "ima_sign --xattr-user: user.ima" "$(xhex "$TMP/e/text" user.ima)" \
	"$(xhex "$TMP/v/text" user.ima)"

# -r
for t in e v; do
	rm -rf "${TMP:?}/${t:?}"; mkdir -p "$TMP/$t/d/sub"
	cp "$TMP/src/text" "$TMP/$t/d/a"; cp "$TMP/src/binary" "$TMP/$t/d/sub/b"
done
run e "$ORACLE" ima_sign -r -a sha384 -k "$DATA/rsa2048.pem" "$TMP/e/d"
run v "$VEV" ima_sign -r -a sha384 -k "$DATA/rsa2048.pem" "$TMP/v/d"
same "ima_sign -r: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
same "ima_sign -r: stdout (sorted)" "$(sort "$TMP/e.out")" "$(sort "$TMP/v.out")"
for f in d/a d/sub/b; do
	same "ima_sign -r: $f" "$(xhex "$TMP/e/$f" security.ima)" "$(xhex "$TMP/v/$f" security.ima)"
done

# Failures: the exit codes agree.
fresh text
for args in "ima_sign -k $DATA/nonexistent.pem text" "ima_sign -k $DATA/rsa2048.pem nonexistent" \
	"ima_sign -k $DATA/rsa2048.pem" "ima_sign -k $DATA/rsa2048-cert.der text" \
	"ima_sign --keyid xyz -k $DATA/rsa2048.pem text" \
	"ima_sign --keyid-from-cert $DATA/nonexistent.der -k $DATA/rsa2048.pem text"; do
	# shellcheck disable=SC2086
	(cd "$TMP/e" && run e "$ORACLE" $args)
	# shellcheck disable=SC2086
	(cd "$TMP/v" && run v "$VEV" $args)
	same "evmctl $args: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
done

# sign_hash: sha*sum lines in, "line hexsig" lines out.
(cd "$TMP/src" && sha256sum empty text binary) >"$TMP/sums256"
(cd "$TMP/src" && sha512sum empty text binary) >"$TMP/sums512"
(cd "$TMP/src" && sha1sum text) >"$TMP/sums1"
awk '{print $1}' "$TMP/sums256" >"$TMP/bare256"
for spec in "sums256:" "sums512:-a sha512" "sums1:-a sha1" "bare256:" \
	"sums256:-k $DATA/rsa4096.pem" "sums256:-k $DATA/rsa2048-with-cert.pem" \
	"sums256:--keyid 01020304"; do
	input=${spec%%:*} args=${spec#*:}
	[[ "$args" == *-k* ]] || args="$args -k $DATA/rsa2048.pem"
	# shellcheck disable=SC2086
	run e "$ORACLE" sign_hash $args <"$TMP/$input"
	# shellcheck disable=SC2086
	run v "$VEV" sign_hash $args <"$TMP/$input"
	compare_runs "sign_hash $args < $input"
done
# Hash length not that of -a; no input.
run e "$ORACLE" sign_hash -a sha1 -k "$DATA/rsa2048.pem" <"$TMP/sums256"
run v "$VEV" sign_hash -a sha1 -k "$DATA/rsa2048.pem" <"$TMP/sums256"
same "sign_hash: wrong hash length: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
run e "$ORACLE" sign_hash -k "$DATA/rsa2048.pem" </dev/null
run v "$VEV" sign_hash -k "$DATA/rsa2048.pem" </dev/null
compare_runs "sign_hash: no input"

# sign_hash --veritysig: "algo:hexdigest path" -> 06 03 algo keyid size sig,
# where sig = RSA-PKCS#1(H_algo(06 || algo || digest)).
verity_expect() { # ALGO_NAME ALGO_ID HEXDIGEST KEY KEYID -> hex of the whole value
	local name=$1 id=$2 hex=$3 key=$4 keyid=$5 sig
	printf '06%02x%s' "$id" "$hex" | xxd -r -p | openssl dgst "-$name" -binary >"$TMP/fileid"
	openssl pkeyutl -sign -inkey "$key" -pkeyopt "digest:$name" -in "$TMP/fileid" \
		-out "$TMP/vsig" 2>/dev/null || return 1
	sig=$(xxd -p -c0 "$TMP/vsig")
	printf '0603%02x%s%04x%s' "$id" "$keyid" $((${#sig} / 2)) "$sig"
}
if command -v openssl >/dev/null && command -v xxd >/dev/null; then
	d256=$(sha256sum <"$TMP/src/binary" | cut -d' ' -f1)
	d512=$(sha512sum <"$TMP/src/binary" | cut -d' ' -f1)
	printf 'sha256:%s binary\nsha512:%s binary\n' "$d256" "$d512" >"$TMP/verity"
	run v "$VEV" sign_hash --veritysig -k "$DATA/rsa2048.pem" <"$TMP/verity"
	same "sign_hash --veritysig: exit code" 0 "$(cat "$TMP/v.rc")"
	e1=$(verity_expect sha256 4 "$d256" "$DATA/rsa2048.pem" fe808e41)
	e2=$(verity_expect sha512 6 "$d512" "$DATA/rsa2048.pem" fe808e41)
	same "sign_hash --veritysig: lines (openssl oracle)" \
		"$(printf 'sha256:%s binary %s\nsha512:%s binary %s' "$d256" "$e1" "$d512" "$e2")" \
		"$(cat "$TMP/v.out")"
	printf 'nonsense\nsha256:%s binary\n' "$d256" >"$TMP/verity-bad"
	run v "$VEV" sign_hash --veritysig -k "$DATA/rsa2048.pem" <"$TMP/verity-bad"
	same "sign_hash --veritysig: a bad line is skipped" \
		"0:sha256:$d256 binary $e1" "$(cat "$TMP/v.rc"):$(cat "$TMP/v.out")"
	run e "$ORACLE" sign_hash --veritysig -k "$DATA/rsa2048.pem" <"$TMP/verity"
	[ "$(cat "$TMP/e.rc")" != 0 ] && ok "evmctl 1.4 has no --veritysig (openssl is the oracle)" ||
		ok "evmctl has --veritysig"
else
	ok "# SKIP sign_hash --veritysig: no openssl/xxd"
fi

finish
