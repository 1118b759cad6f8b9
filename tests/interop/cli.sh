#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vigil's native command line, end to end, with Debian's evmctl 1.4 as the
# oracle: what vigil signs evmctl verifies, hashes and keyids agree, RSA
# signatures (deterministic) are the same bytes, and the exit codes, --json,
# -j, -L/-0 and --help behave as vigil(1) says.
#
# Env: VIGIL (the vigil binary), VIGIL_TEST_DATA (tests/data),
#      VIGIL_EVMCTL_LINK (optional: the evmctl symlink to vigil).
set -u
. "$(dirname "$0")/lib.sh"
# checkrc DESC RC CMD...: the last run exited with RC, and CMD succeeds
checkrc() {
	local d=$1 want=$2; shift 2
	if [ "$rc" = "$want" ] && "$@"; then ok "$d"; else nok "$d (exit $rc)"; fi
}

need_vigil
need_data
need_root
need_oracle
need_xattr_tools
need_python3

make_tmp cli
at_exit 'umount "$TMP/tree/mnt" 2>/dev/null'
at_exit '[ -n "${ring:-}" ] && keyctl unlink "$ring" @u >/dev/null 2>&1'
need_tmp_xattrs

KEY=$DATA/rsa2048.pem CERT=$DATA/rsa2048-cert.der
ECKEY=$DATA/ec-p256.pem ECCERT=$DATA/ec-p256-cert.der

# run CMD...: stdout in $out, stderr in $err, exit code in $rc; a sanitizer
# report or a signal (rc >= 128) is a failure of its own.
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out") err=$(cat "$TMP/err")
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/err" || [ "$rc" -ge 128 ]; then
		nok "no crash or sanitizer report: $* (rc $rc)"
		sed 's/^/#   /' "$TMP/err" | head -20
	fi
}

# ---- a small tree ----
T=$TMP/tree
mkdir -p "$T/sub/deeper" "$T/mnt"
echo "first file" >"$T/a.txt"
head -c 150000 /dev/urandom >"$T/sub/b.bin"
echo "deep" >"$T/sub/deeper/c"
: >"$T/empty"
ln -s a.txt "$T/link"
files=("$T/a.txt" "$T/empty" "$T/sub/b.bin" "$T/sub/deeper/c")

run "$VIGIL" sign -k "$KEY" -r "$T"
same "sign -r: exit 0" 0 "$rc"
same "sign -r: silent" "" "$out$err"
for f in "${files[@]}"; do
	check "sign -r: $f has a signature" [ "$(xhex "$f" security.ima | cut -c1-4)" = 0302 ]
done
check "sign -r: symlink inside the tree not followed (no xattr set through it)" \
	[ -z "$(getfattr -h --absolute-names -n security.ima "$T/link" 2>/dev/null)" ]

run "$VIGIL" verify -k "$CERT" -r "$T"
same "verify -r: exit 0" 0 "$rc"
same "verify -r: one ok line per regular file, in name order" \
	"$(printf '%s: ok\n' "${files[@]}")" "$out"
same "verify -r: summary on stderr" "4 files: 4 ok, 0 failed" "$err"

for f in "${files[@]}"; do
	run "$ORACLE" ima_verify --key "$CERT" "$f"
	same "evmctl ima_verify accepts vigil's signature: ${f#$TMP/}" 0 "$rc"
done

# RSA PKCS#1 v1.5 is deterministic: the same value as evmctl, byte for byte.
for a in sha1 sha256 sha384 sha512; do
	run "$VIGIL" sign -n -a "$a" -k "$KEY" "$T/sub/b.bin"
	v=${out##* }
	run "$ORACLE" ima_sign -n -a "$a" --key "$KEY" "$T/sub/b.bin"
	same "sign -n -a $a: same bytes as evmctl ima_sign -n" "$out" "$v"
done

# ECDSA signatures are randomized: verify across the tools instead.
cp "$T/a.txt" "$TMP/ec"
run "$VIGIL" sign -k "$ECKEY" "$TMP/ec"
run "$ORACLE" ima_verify --key "$ECCERT" "$TMP/ec"
same "ECDSA: evmctl ima_verify accepts vigil's signature" 0 "$rc"
run "$ORACLE" ima_sign --key "$ECKEY" "$TMP/ec"
run "$VIGIL" verify -k "$ECCERT" "$TMP/ec"
same "ECDSA: vigil verify accepts evmctl's signature" 0 "$rc"

# Encrypted key: -p, and EVMCTL_KEY_PASSWORD when -p is absent.
cp "$T/a.txt" "$TMP/enc"
run "$VIGIL" sign -k "$DATA/rsa2048-enc.pem" -p vigil-test-pass "$TMP/enc"
same "sign -p with an encrypted key: exit 0" 0 "$rc"
setfattr -x security.ima "$TMP/enc"
run env EVMCTL_KEY_PASSWORD=vigil-test-pass "$VIGIL" sign -k "$DATA/rsa2048-enc.pem" "$TMP/enc"
same "sign with EVMCTL_KEY_PASSWORD: exit 0" 0 "$rc"
run "$VIGIL" verify -k "$CERT" "$TMP/enc"
same "signature made with the encrypted key verifies" 0 "$rc"

# ---- failures: tamper one file ----
echo tampered >>"$T/sub/b.bin"
run "$VIGIL" verify -k "$CERT" -r "$T"
same "tampered: exit 1" 1 "$rc"
check "tampered: the file is named with cause invalid-signature" \
	grep -q "^$T/sub/b.bin: FAILED (invalid-signature: " "$TMP/out"
check "tampered: the others still ok" grep -q "^$T/sub/deeper/c: ok$" "$TMP/out"
same "tampered: summary" "4 files: 3 ok, 1 failed" "$err"
run "$ORACLE" ima_verify --key "$CERT" "$T/sub/b.bin"
check "tampered: evmctl agrees it fails" [ "$rc" -ne 0 ]

run "$VIGIL" verify -q -k "$CERT" -r "$T"
same "verify -q: only the failure, no summary" \
	"$T/sub/b.bin: FAILED" "$(cut -d' ' -f1-2 "$TMP/out")$err"

run "$VIGIL" verify --json -k "$CERT" -r "$T"
same "verify --json: exit 1" 1 "$rc"
cp "$TMP/out" "$TMP/verify.json"
check "verify --json: parses" python3 -c 'import json,sys; json.load(sys.stdin)' <"$TMP/verify.json"
check "verify --json: the failing file with its cause, the rest ok" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [f for f in d["files"] if f["status"] != "ok"]
assert len(d["files"]) == 4 and len(bad) == 1, d
assert bad[0]["path"] == sys.argv[2] and bad[0]["cause"] == "invalid-signature", bad
assert bad[0]["keyid"] == "fe808e41" and bad[0]["error"], bad
assert d["summary"] == {"files": 4, "ok": 3, "failed": 1, "errors": 0}, d["summary"]
' "$TMP/verify.json" "$T/sub/b.bin"

run "$VIGIL" verify -k "$DATA/rsa-other-cert.der" "$T/a.txt"
same "wrong key: exit 1" 1 "$rc"
check "wrong key: invalid-signature naming the unknown keyid" \
	grep -q "FAILED (invalid-signature: .*fe808e41" "$TMP/out"

cp "$T/a.txt" "$TMP/plain"
run "$VIGIL" verify -k "$CERT" "$TMP/plain"
same "no security.ima: exit 1" 1 "$rc"
check "no security.ima: missing-hash" grep -q "$TMP/plain: FAILED (missing-hash: " "$TMP/out"

run "$VIGIL" sign --hash-only "$TMP/plain"
same "sign --hash-only needs no key: exit 0" 0 "$rc"
run "$VIGIL" verify -k "$CERT" "$TMP/plain"
same "hash-only value verifies" 0 "$rc"
run "$VIGIL" verify --require-sig -k "$CERT" "$TMP/plain"
checkrc "--require-sig on a hash: exit 1, IMA-signature-required" 1 \
	grep -q "FAILED (IMA-signature-required: " "$TMP/out"

# ---- exit code 2 ----
run "$VIGIL" verify -k "$CERT" "$T/a.txt" "$TMP/does-not-exist" "$T/sub/deeper/c"
same "nonexistent file among good ones: exit 2" 2 "$rc"
check "nonexistent file: named" grep -q "does-not-exist: ERROR (" "$TMP/out"
check "nonexistent file: the files after it still checked" grep -q "deeper/c: ok" "$TMP/out"
run "$VIGIL" verify -k "$CERT" "$T"
checkrc "directory without -r: exit 2, says use -r" 2 \
	grep -q "is a directory (use -r" "$TMP/out"
run "$VIGIL" verify --no-such-option x
same "unknown option: exit 2" 2 "$rc"
run "$VIGIL" frobnicate
same "unknown command: exit 2" 2 "$rc"
run "$VIGIL" verify
same "no files: exit 2" 2 "$rc"

# ---- hash ----
run "$VIGIL" hash -r "$T"
same "hash -r: exit 0" 0 "$rc"
same "hash -r: the digests sha256sum computes" \
	"$(cd / && sha256sum "${files[@]}" | sed 's/^/sha256:/')" "$out"
for a in sha1 sha512; do
	run "$VIGIL" hash -a "$a" "$T/sub/b.bin"
	same "hash -a $a: as ${a}sum" "$a:$(${a}sum "$T/sub/b.bin")" "$out"
done

for a in md5 sha1 sha256 sha384 sha512; do
	cp "$T/sub/b.bin" "$TMP/hv"; cp "$T/sub/b.bin" "$TMP/he"
	run "$VIGIL" hash --set -a "$a" "$TMP/hv"
	run "$ORACLE" ima_hash -a "$a" "$TMP/he"
	same "hash --set -a $a: same security.ima as evmctl ima_hash" \
		"$(xhex "$TMP/he" security.ima)" "$(xhex "$TMP/hv" security.ima)"
done
run "$VIGIL" hash --check "$TMP/hv"
same "hash --check of a stored hash: exit 0" 0 "$rc"
echo x >>"$TMP/hv"
run "$VIGIL" hash --check "$TMP/hv"
checkrc "hash --check after a change: exit 1, invalid-hash" 1 \
	grep -q "FAILED (invalid-hash: " "$TMP/out"

# ---- -j: same output for any number of workers ----
mkdir "$TMP/many"
for i in $(seq 1 300); do echo "file $i" >"$TMP/many/f$i"; done
run "$VIGIL" sign -k "$KEY" -r "$TMP/many" -j 4
same "sign -j 4: exit 0" 0 "$rc"
echo changed >>"$TMP/many/f150"
for cmd in "verify -k $CERT" "hash" "show" "verify --json -k $CERT"; do
	run "$VIGIL" $cmd -r "$TMP/many" -j 1; o1=$out
	run "$VIGIL" $cmd -r "$TMP/many" -j 4; o4=$out
	check "${cmd%% *}${cmd##*-k*}: -j 1 and -j 4 give identical output" [ "$o1" == "$o4" ]
done
check "-j 4: every file, reported in name order" python3 -c '
import json, sys
p = [f["path"] for f in json.loads(sys.argv[1])["files"]]
assert len(p) == 300 and p == sorted(p)' "$o4"

# ---- -L and -0 ----
printf '%s\n' "$T/a.txt" "" "$T/sub/deeper/c" >"$TMP/list"
run "$VIGIL" hash -L "$TMP/list"
same "hash -L: the listed files, empty lines skipped" \
	"$(sha256sum "$T/a.txt" "$T/sub/deeper/c" | sed 's/^/sha256:/')" "$out"
run "$VIGIL" hash -L - <"$TMP/list"
same "hash -L -: from standard input" \
	"$(sha256sum "$T/a.txt" "$T/sub/deeper/c" | sed 's/^/sha256:/')" "$out"
nl=$'new\nline'
echo content >"$TMP/$nl"
printf '%s\0' "$T/a.txt" "$TMP/$nl" >"$TMP/list0"
run "$VIGIL" hash -L "$TMP/list0" -0
same "hash -L -0: NUL-separated, a newline in a name escaped as sha256sum does" \
	"$(sha256sum "$T/a.txt" "$TMP/$nl" | sed 's/^\(\\\?\)/\1sha256:/')" "$out"
run "$VIGIL" hash "$T/a.txt" -L "$TMP/list"
check "paths first, then the list" [ "$(echo "$out" | wc -l)" = 3 ]

# ---- keyid ----
for k in rsa2048.pem ec-p256.pem rsa4096.pem; do
	run "$ORACLE" -v ima_sign -n --key "$DATA/$k" "$T/a.txt"
	want=$(sed -n 's/^keyid: //p' "$TMP/err" | head -1)
	run "$VIGIL" keyid "$DATA/$k"
	same "keyid $k: as evmctl -v ima_sign -n says" "$want  $DATA/$k" "$out"
done
run "$VIGIL" keyid "$CERT" "$ECCERT"
same "keyid of certificates: those of their keys" \
	"fe808e41  $CERT"$'\n'"bf17dd94  $ECCERT" "$out"
run "$VIGIL" keyid -p vigil-test-pass "$DATA/rsa2048-enc.pem"
same "keyid of an encrypted key with -p" "fe808e41  $DATA/rsa2048-enc.pem" "$out"
# evmctl words this case differently; the keyid field of its signature says it.
run "$ORACLE" ima_sign -n --key "$DATA/rsa2048-with-cert.pem" "$T/a.txt"
want=$(cut -c7-14 <<<"$out")
run "$VIGIL" keyid "$DATA/rsa2048-with-cert.pem"
same "keyid of a key file holding a certificate: the certificate's, as evmctl" \
	"$want  $DATA/rsa2048-with-cert.pem" "$out"
run "$VIGIL" sign -n --keyid 0x11223344 -k "$KEY" "$T/a.txt"
same "sign --keyid puts that keyid in" "11223344" "$(echo "${out##* }" | cut -c7-14)"
run "$VIGIL" sign -n --keyid-from-cert "$DATA/rsa2048-skid-cert.pem" -k "$KEY" "$T/a.txt"
run "$VIGIL" keyid "$DATA/rsa2048-skid-cert.pem"
same "sign --keyid-from-cert: the certificate's SKID" "${out%% *}" "$(
	"$VIGIL" sign -n --keyid-from-cert "$DATA/rsa2048-skid-cert.pem" -k "$KEY" "$T/a.txt" |
	sed 's/.* //' | cut -c7-14)"

# ---- EVM ----
cp "$T/a.txt" "$TMP/evm"
run "$VIGIL" sign --evm --portable -k "$KEY" "$TMP/evm"
same "sign --evm --portable: exit 0" 0 "$rc"
same "sign --evm --portable: a 0x05 security.evm" 0502 "$(xhex "$TMP/evm" security.evm | cut -c1-4)"
run "$ORACLE" verify --key "$CERT" "$TMP/evm"
same "evmctl verify accepts the portable EVM signature (made after security.ima)" 0 "$rc"
run "$VIGIL" verify --evm -k "$CERT" "$TMP/evm"
same "vigil verify --evm: exit 0" 0 "$rc"
run "$VIGIL" sign -n --evm --portable -k "$KEY" "$TMP/evm"
same "sign -n --evm: the EVM value written is the one printed (RSA)" \
	"$(xhex "$TMP/evm" security.evm)" "${out##* }"
chmod 600 "$TMP/evm"
run "$VIGIL" verify --evm -k "$CERT" "$TMP/evm"
checkrc "verify --evm after chmod: exit 1, invalid-fail-immutable (a portable signature)" 1 \
	grep -q "FAILED (invalid-fail-immutable: " "$TMP/out"
run "$VIGIL" evm hmac --hmackey "$DATA/evm-hmac-key.bin" "$TMP/evm"
run "$VIGIL" evm verify --hmackey "$DATA/evm-hmac-key.bin" "$TMP/evm"
same "evm hmac, then evm verify: exit 0" 0 "$rc"
run "$VIGIL" evm sign --no-uuid -k "$KEY" "$TMP/evm"
run "$VIGIL" evm verify --no-uuid -k "$CERT" "$TMP/evm"
same "evm sign --no-uuid, then evm verify --no-uuid: exit 0" 0 "$rc"
run "$ORACLE" verify --uuid --key "$CERT" "$TMP/evm"
same "evmctl verify -u (no UUID) accepts it" 0 "$rc"

# ---- show and clear ----
run "$VIGIL" show "$T/a.txt"
check "show: decodes the signature (type, algo, keyid, size)" \
	grep -q "security.ima: 0x03 signature v2, algo sha256, keyid fe808e41, sig_size 256" "$TMP/out"
run "$VIGIL" show --json "$T/a.txt"
check "show --json: parses, with the keyid" python3 -c '
import json, sys
d = json.load(sys.stdin)
ima = d["files"][0]["ima"]
assert ima["keyid"] == "fe808e41" and ima["algo"] == "sha256" and ima["sig_size"] == 256, ima
assert d["files"][0]["evm"] == {"present": False}, d
' <"$TMP/out"
run "$VIGIL" show --hex "0x0404$(sha256sum </dev/null | cut -c1-64)"
check "show --hex: a sha256 digest value" \
	grep -q "0x04 digest-ng, algo sha256, digest e3b0c442" "$TMP/out"
run "$VIGIL" clear "$TMP/evm"
check "clear: both attributes gone" \
	[ -z "$(xhex "$TMP/evm" security.ima)$(xhex "$TMP/evm" security.evm)" ]
run "$VIGIL" clear "$TMP/evm"
same "clear of a file without them: exit 0" 0 "$rc"

# ---- -x: one filesystem ----
if mount -t tmpfs -o size=1m vigil-test "$T/mnt" 2>/dev/null; then
	echo other >"$T/mnt/other"
	run "$VIGIL" hash -r -x "$T"
	check "-x: files on another filesystem are left out" not grep -q "mnt/other" "$TMP/out"
	run "$VIGIL" hash -r "$T"
	check "without -x they are walked" grep -q "mnt/other" "$TMP/out"
	umount "$T/mnt"
else
	echo "# -x not checked: cannot mount a tmpfs here"
fi

# ---- import, into a keyring of the test's own ----
ring=""
if command -v keyctl >/dev/null && ring=$(keyctl newring "vigil-test-$$" @u 2>/dev/null); then
	run "$VIGIL" import "$CERT" "$ring"
	same "import CERT KEYRING: exit 0" 0 "$rc"
	check "import: the printed serial is an asymmetric key with the keyid" \
		bash -c 'keyctl describe "$1" | grep -q "asymmetric: .*fe808e41$"' _ "$out"
	run "$VIGIL" import --keyring "$ring" "$TMP/plain"
	checkrc "import of a file that is no certificate: exit 2, named" 2 grep -q "$TMP/plain" "$TMP/err"
	keyctl unlink "$ring" @u >/dev/null
else
	echo "# import not checked: no keyctl, or no keyring to use"
fi

# ---- help ----
declare -A opts=(
	[sign]="--key --pass --hashalgo --keyid --keyid-from-cert --hash-only --evm --portable --uuid --no-uuid --print --xattr-user"
	[verify]="--key --require-sig --evm --hmackey --keyring-key --uuid --no-uuid --xattr-user"
	[hash]="--hashalgo --set --check --xattr-user"
	["evm sign"]="--key --pass --keyid --keyid-from-cert --hashalgo --portable --print --uuid --no-uuid --ino --generation --uid --gid --mode --smack --xattr-user"
	["evm verify"]="--key --hmackey --keyring-key --uuid --no-uuid --ino --generation --uid --gid --mode --smack --xattr-user"
	["evm hmac"]="--hmackey --keyring-key --print --uuid --no-uuid --ino --generation --uid --gid --mode --smack --xattr-user"
	[show]="--hex --evm --xattr-user"
	[clear]="--ima --evm --xattr-user"
	[keyid]="--pass --help"
	[import]="--keyring --help"
	[evm]="sign verify hmac"
)
walkopts="--recursive --one-file-system --list --null --jobs --quiet --verbose --json --help"
for cmd in "${!opts[@]}"; do
	want=${opts[$cmd]}
	case $cmd in keyid|import|evm) ;; *) want="$want $walkopts";; esac
	run "$VIGIL" $cmd --help
	missing=""
	for o in $want; do grep -q -e "$o\b" "$TMP/out" || missing="$missing $o"; done
	checkrc "$cmd --help: exit 0, every option explained${missing:+ (missing:$missing)}" 0 \
		[ -z "$missing" ]
	run "$VIGIL" help $cmd
	same "help $cmd: the same text" "$(cat "$TMP/out")" "$("$VIGIL" $cmd --help)"
done
run "$VIGIL" --help
checkrc "--help: exit 0, lists the commands" 0 grep -q "^  verify " "$TMP/out"
run "$VIGIL" --version
checkrc "--version" 0 grep -q "^vigil [0-9]" "$TMP/out"

# ---- the evmctl personality is picked by name ----
if [ -n "${VIGIL_EVMCTL_LINK:-}" ] && [ -x "$VIGIL_EVMCTL_LINK" ]; then
	cp "$T/a.txt" "$TMP/pe"; cp "$T/a.txt" "$TMP/pv"; cp "$T/a.txt" "$TMP/pa"
	"$ORACLE" ima_hash "$TMP/pe" >/dev/null 2>&1
	run "$VIGIL_EVMCTL_LINK" ima_hash "$TMP/pv"
	same "run as evmctl: evmctl's ima_hash" "$(xhex "$TMP/pe" security.ima)" \
		"$(xhex "$TMP/pv" security.ima)"
	run "$VIGIL" evmctl ima_hash "$TMP/pa"
	same "vigil evmctl ARGS: evmctl's ima_hash" "$(xhex "$TMP/pe" security.ima)" \
		"$(xhex "$TMP/pa" security.ima)"
fi

finish
