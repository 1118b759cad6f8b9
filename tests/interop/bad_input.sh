#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vigil's native command line on hostile input: malformed security.ima
# values, bad keys, paths that do not exist or vanish, odd file names.
# Every case must end in a clear message naming the file and the problem,
# and an exit code below 128: never a crash, a hang or a sanitizer report.
#
# Env: VIGIL (the vigil binary), VIGIL_TEST_DATA (tests/data).
set -u
. "$(dirname "$0")/lib.sh"
# checkrc DESC RC CMD...: the last run exited with RC, and CMD succeeds
checkrc() {
	local d=$1 want=$2; shift 2
	if [ "$rc" = "$want" ] && "$@"; then ok "$d"; else
		nok "$d (exit $rc)"; sed 's/^/#   /' "$TMP/out" "$TMP/err" | head -5
	fi
}

need_vigil
need_data
need_root
command -v setfattr >/dev/null || skip "no setfattr"
need_python3

make_tmp bad
need_tmp_xattrs

KEY=$DATA/rsa2048.pem CERT=$DATA/rsa2048-cert.der

# run CMD...: stdout in $TMP/out, stderr in $TMP/err, exit code in $rc,
# under a timeout; a signal, a timeout or a sanitizer report fails on its own.
run() {
	timeout 60 "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/err" || [ "$rc" -ge 124 ]; then
		nok "no crash, hang or sanitizer report: ${*##*/} (exit $rc)"
		sed 's/^/#   /' "$TMP/err" | head -20
	fi
}
# rc_in CODE...: the last run exited with one of the CODEs
rc_in() { local c; for c; do [ "$rc" = "$c" ] && return 0; done; return 1; }
both() { cat "$TMP/out" "$TMP/err"; }
says() { both | grep -q -F -e "$1"; }
# says_all TEXT...: every TEXT appears on one line of the output
says_line() {
	local pat=$1; shift
	both | grep -F -e "$pat" | { l=$(cat); for t in "$@"; do
		grep -q -F -e "$t" <<<"$l" || return 1; done; }
}

# ---- malformed security.ima values ----
sig256=$(head -c 256 /dev/zero | od -An -v -tx1 | tr -d ' \n')
huge=$(head -c 3000 /dev/zero | od -An -v -tx1 | tr -d ' \n')
declare -A values=(
	[truncated-signature]="0x030204fe808e410100${sig256:0:40}"
	[wrong-sig-size]="0x030204fe808e410005aabbcc"
	[header-only]="0x0302"
	[unknown-type]="0x09aabbccdd"
	[unknown-algo]="0x04ff${sig256:0:64}"
	[short-digest]="0x0404aabbccdd"
	[signature-v9]="0x0309"
	[huge]="0x030204fe808e410bb8$huge"
	[huge-digest]="0x0404$huge"
)
declare -A words=(
	[truncated-signature]="sig_size"
	[wrong-sig-size]="sig_size"
	[header-only]="truncated"
	[unknown-type]="type 0x09"
	[unknown-algo]="algorithm"
	[short-digest]="digest"
	[signature-v9]="version"
	[huge]="3009"
	[huge-digest]="3002"
)
# A kernel with IMA refuses some of these in security.ima (unknown algorithms,
# lengths that do not add up): those go to user.ima, read with --xattr-user.
for name in "${!values[@]}"; do
	f=$TMP/ima-$name
	echo "content" >"$f"
	ns=security xu=()
	if ! setfattr -n security.ima -v "${values[$name]}" "$f" 2>/dev/null; then
		ns=user xu=(--xattr-user)
		setfattr -n user.ima -v "${values[$name]}" "$f" || { nok "set $name"; continue; }
	fi
	run "$VIGIL" verify "${xu[@]}" -k "$CERT" "$f"
	checkrc "verify, $name security.ima: exit 1, the file named with a cause" 1 \
		grep -q "^$f: FAILED ([a-zA-Z-]*: " "$TMP/out"
	check "verify, $name: the message says what is wrong (${words[$name]})" \
		says_line "$f" "${words[$name]}"
	run "$VIGIL" show "${xu[@]}" "$f"
	checkrc "show, $name $ns.ima: exit 1, MALFORMED under the file's name" 1 \
		says_line "$ns.ima: MALFORMED" "${words[$name]}"
	check "show, $name: the file named" says "$f:"
	run "$VIGIL" show "${xu[@]}" --json "$f"
	check "show --json, $name: parses" python3 -c 'import json,sys; json.load(sys.stdin)' \
		<"$TMP/out"
	run "$VIGIL" hash "${xu[@]}" --check "$f"
	check "hash --check, $name: exit 1 or 2, no crash" rc_in 1 2
done
run "$VIGIL" verify -k "$CERT" "$TMP/ima-unknown-type"
check "unknown type: cause unknown-ima-data" grep -q "FAILED (unknown-ima-data: " "$TMP/out"

# The same malformations in security.evm.
for v in 0x02aabb 0x0302 0x07aa 0x0502ff0102030400010a; do
	f=$TMP/evm-$v
	echo content >"$f"
	setfattr -n security.evm -v "$v" "$f"
	run "$VIGIL" verify --evm --hmackey "$DATA/evm-hmac-key.bin" -k "$CERT" "$f"
	# A portable signature with a whole header is verified, and fails immutable.
	cause=invalid-HMAC
	[ "$v" = 0x0502ff0102030400010a ] && cause=invalid-fail-immutable
	checkrc "verify --evm, security.evm $v: exit 1, $cause" 1 says "$cause"
	run "$VIGIL" show "$f"
	checkrc "show, security.evm $v: exit 1, MALFORMED" 1 says "security.evm: MALFORMED"
done

for v in zz 0x123 ""; do
	run "$VIGIL" show --hex "$v"
	checkrc "show --hex '$v': exit 2, not a hex value" 2 says "not a hex value"
done

# ---- bad keys ----
echo "content" >"$TMP/file"
head -c 2000 /dev/urandom >"$TMP/garbage.pem"
head -c 600 "$KEY" >"$TMP/truncated.pem"
: >"$TMP/empty.pem"
for k in garbage.pem truncated.pem empty.pem; do
	run "$VIGIL" sign -k "$TMP/$k" "$TMP/file"
	checkrc "sign with a $k key: exit 2, the key file named" 2 says "$TMP/$k"
	run "$VIGIL" verify -k "$TMP/$k" "$TMP/file"
	checkrc "verify with a $k certificate: exit 2, the file named" 2 says "$TMP/$k"
	run "$VIGIL" keyid "$TMP/$k"
	checkrc "keyid of $k: exit 2" 2 says "$TMP/$k"
done
run "$VIGIL" sign -k "$TMP/no-such-key.pem" "$TMP/file"
checkrc "sign with a missing key: exit 2, named" 2 says "no-such-key.pem"
run env -u EVMCTL_KEY_PASSWORD "$VIGIL" sign -k "$DATA/rsa2048-enc.pem" "$TMP/file"
checkrc "encrypted key, no password: exit 2, says a password is needed" 2 says "password"
run "$VIGIL" sign -k "$DATA/rsa2048-enc.pem" -p wrong "$TMP/file"
checkrc "encrypted key, wrong password: exit 2, says so" 2 says "password"
run env EVMCTL_KEY_PASSWORD=wrong "$VIGIL" sign -k "$DATA/rsa2048-enc.pem" "$TMP/file"
checkrc "encrypted key, wrong EVMCTL_KEY_PASSWORD: exit 2" 2 says "password"
check "no signature was written by the failed runs" \
	[ -z "$(getfattr --absolute-names -n security.ima "$TMP/file" 2>/dev/null)" ]
head -c 31 /dev/urandom >"$TMP/short.key"
run "$VIGIL" evm hmac --hmackey "$TMP/short.key" "$TMP/file"
checkrc "31-byte HMAC key: exit 2, says the size" 2 says "31 bytes"
head -c 200 /dev/urandom >"$TMP/long.key"
run "$VIGIL" evm hmac --hmackey "$TMP/long.key" "$TMP/file"
checkrc "200-byte HMAC key: exit 2" 2 says "longer than 128"
run "$VIGIL" sign --keyid 12345 -k "$KEY" "$TMP/file"
checkrc "bad --keyid: exit 2" 2 says "keyid"
run "$VIGIL" sign -a nosuchalgo -k "$KEY" "$TMP/file"
checkrc "unknown algorithm: exit 2, named" 2 says "nosuchalgo"
for j in 0 -1 abc 100000; do
	run "$VIGIL" hash -j "$j" "$TMP/file"
	checkrc "-j $j: exit 2" 2 says "job count"
done

# ---- paths ----
run "$VIGIL" verify -k "$CERT" "$TMP/nonexistent"
checkrc "nonexistent file: exit 2, named" 2 says_line "$TMP/nonexistent" "No such file"
run "$VIGIL" hash "$TMP/nonexistent" "$TMP/file"
checkrc "nonexistent then a good file: exit 2, the good one still hashed" 2 \
	grep -q "  $TMP/file\$" "$TMP/out"
run "$VIGIL" sign -k "$KEY" -L "$TMP/no-list"
checkrc "missing list file: exit 2, named" 2 says "$TMP/no-list"
mkfifo "$TMP/fifo"
run "$VIGIL" hash "$TMP/fifo"
checkrc "FIFO: exit 2, not a regular file (and no hang)" 2 says "not a regular file"
run "$VIGIL" hash /dev/null
checkrc "device: exit 2, not a regular file" 2 says "not a regular file"
ln -s "$TMP/nowhere" "$TMP/dangling"
run "$VIGIL" hash "$TMP/dangling"
checkrc "dangling symlink: exit 2, named" 2 says "$TMP/dangling"
mkdir "$TMP/dir"
run "$VIGIL" sign -k "$KEY" "$TMP/dir"
checkrc "directory without -r: exit 2" 2 says "is a directory"
mkdir "$TMP/locked" && echo x >"$TMP/locked/f" && chmod 000 "$TMP/locked"
run "$VIGIL" hash -r "$TMP/locked"
check "unreadable directory (as root it is readable): exit 0 or 2" rc_in 0 2
chmod 700 "$TMP/locked"

# 0-byte file
: >"$TMP/zero"
run "$VIGIL" sign -k "$KEY" "$TMP/zero"
same "0-byte file: signed" 0 "$rc"
run "$VIGIL" verify -k "$CERT" "$TMP/zero"
same "0-byte file: verifies" 0 "$rc"
run "$VIGIL" hash "$TMP/zero"
same "0-byte file: the empty hash" \
	"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  $TMP/zero" \
	"$(cat "$TMP/out")"

# ---- a name with a newline and invalid UTF-8, through --json ----
mkdir "$TMP/names"
odd=$(printf 'odd\nname\xff\xfe.bin')
quote='q"uote\back'
echo one >"$TMP/names/$odd"
echo two >"$TMP/names/$quote"
echo three >"$TMP/names/plain"
run "$VIGIL" sign -k "$KEY" -r "$TMP/names"
same "odd names: signed" 0 "$rc"
echo tampered >>"$TMP/names/$odd"
run "$VIGIL" verify --json -k "$CERT" -r "$TMP/names"
same "odd names: verify --json exit 1" 1 "$rc"
check "odd names: JSON parses, the exact bytes of the failing name come back" python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
byname = {os.fsencode(f["path"]): f for f in d["files"]}
odd = os.fsencode(sys.argv[2]) + b"/odd\nname\xff\xfe.bin"
assert byname[odd]["status"] == "failed", byname
assert bytes.fromhex(byname[odd]["path_hex"]) == odd
assert byname[odd]["cause"] == "invalid-signature"
quote = os.fsencode(sys.argv[2]) + b"/q\"uote\\back"
assert byname[quote]["status"] == "ok" and "path_hex" not in byname[quote]
assert d["summary"]["failed"] == 1 and d["summary"]["ok"] == 2
' "$TMP/out" "$TMP/names"
run "$VIGIL" verify -k "$CERT" -r "$TMP/names"
check "odd names in text: escaped on one line that starts with a backslash" \
	env LC_ALL=C grep -a -q '^\\'"$TMP"'/names/odd\\nname.*: FAILED (invalid-signature' "$TMP/out"
run "$VIGIL" hash --json -r "$TMP/names"
check "hash --json with odd names parses" python3 -c 'import json,sys; json.load(sys.stdin)' \
	<"$TMP/out"

# ---- files vanishing while a tree is walked (best effort) ----
mkdir "$TMP/vanish"
python3 -c '
import os, sys
for i in range(20000):
    open(os.path.join(sys.argv[1], "f%05d" % i), "w").write("x")' "$TMP/vanish"
( sleep 0.2; find "$TMP/vanish" -name 'f*[13579]' -delete ) &
run "$VIGIL" hash -r -j 4 "$TMP/vanish"
wait
check "files removed mid-walk: exit 0 or 2, no crash" rc_in 0 2
if [ "$rc" = 2 ]; then
	check "files removed mid-walk: each error names its file" \
		bash -c '! grep -v "^vigil hash: .*/vanish/f[0-9]*: " "$1"' _ "$TMP/err"
fi
check "files removed mid-walk: the files that stay are hashed" \
	grep -q "  $TMP/vanish/f19998\$" "$TMP/out"
run "$VIGIL" hash -r "$TMP/vanish"
same "after the removal: 10000 files, exit 0" "0 10000" "$rc $(wc -l <"$TMP/out")"

# ---- output that cannot be written ----
if [ -w /dev/full ]; then
	"$VIGIL" hash "$TMP/file" >/dev/full 2>"$TMP/err"
	rc=$?
	checkrc "stdout is /dev/full: exit 2, says so" 2 grep -q "cannot write" "$TMP/err"
fi

finish
