#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Oracle test: EVM (security.evm) across vigil's evmctl personality and
# Debian's evmctl 1.4: sign (byte-identical for RSA, with every option that
# shapes the EVM data), verify in both directions, rejection of tampering,
# and hmac.  The EVM data covers the inode number and generation, so both
# tools sign the same file in turn, starting from the same xattrs.
#
# evmctl 1.4 reads the HMAC key only from /etc/keys/evm-key-plain: its runs
# get the test key bind-mounted there in a private mount namespace.  The
# filesystem-UUID check loop-mounts an ext4 image, also in a private
# namespace.  Parts that cannot run here are reported as skipped.
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
VEV=$(cd "$(dirname "$VEV")" && pwd)/$(basename "$VEV")

make_tmp evm
made_etc_keys=0
# Only the empty mount point this test made, never anything else.
at_exit '[ $made_etc_keys = 1 ] && rmdir /etc/keys 2>/dev/null'
need_tmp_xattrs user

UUID=01234567-89ab-cdef-0123-456789abcdef
KEY=$DATA/rsa2048.pem
CERT=$DATA/rsa2048-cert.der

run() {
	local tag=$1; shift
	"$@" >"$TMP/$tag.out" 2>"$TMP/$tag.err"
	echo $? >"$TMP/$tag.rc"
}
rc() {
	"$@" >"$TMP/last.out" 2>"$TMP/last.err"
	echo $?
}
compare_runs() {
	same "$1: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
	same "$1: stdout" "$(cat "$TMP/e.out")" "$(cat "$TMP/v.out")"
	if [ "$(cat "$TMP/e.rc")" = 0 ] && [ "$(cat "$TMP/v.rc")" = 0 ]; then
		same "$1: stderr" "$(cat "$TMP/e.err")" "$(cat "$TMP/v.err")"
	fi
}

# Saves and restores the security.*/user.* xattrs of a file, so both tools
# start from the same state.
save_xattrs() { getfattr --absolute-names -d -m '^(security|user)\.' -e hex "$1" >"$TMP/saved"; }
restore_xattrs() {
	local n
	for n in security.ima security.evm user.ima user.evm; do setfattr -x $n "$1" 2>/dev/null; done
	setfattr --restore="$TMP/saved" 2>/dev/null
}

F=$TMP/file
new_file() {
	rm -f "$F"
	head -c 4321 /dev/urandom >"$F"
	chmod 0644 "$F"
}

# sign_case DESC [--no-verify] ARGS...: vigil and evmctl sign the same file
# with ARGS; values, output and exit codes must agree; then each tool
# verifies evmctl's signature.
sign_case() {
	local desc=$1 verify=1; shift
	[ "$1" = --no-verify ] && { verify=0; shift; }
	local vargs=() a
	for a in "$@"; do
		case $a in --imasig|--imahash|-n|-s|-d) ;; *) vargs+=("$a");; esac
	done
	save_xattrs "$F"
	run v "$VEV" sign "$@" "$F"
	local vv vi
	vv=$(xhex "$F" security.evm)$(xhex "$F" user.evm); vi=$(xhex "$F" security.ima)
	restore_xattrs "$F"
	run e "$ORACLE" sign "$@" "$F"
	compare_runs "sign $desc"
	same "sign $desc: security.evm" "$(xhex "$F" security.evm)$(xhex "$F" user.evm)" "$vv"
	same "sign $desc: security.ima" "$(xhex "$F" security.ima)" "$vi"
	[ $verify = 1 ] || return
	same "sign $desc: evmctl verifies" 0 "$(rc "$ORACLE" verify "${vargs[@]}" -k "$CERT" "$F")"
	same "sign $desc: vigil verifies" 0 "$(rc "$VEV" verify "${vargs[@]}" -k "$CERT" "$F")"
}

new_file
sign_case "-u (no UUID)" -u -k "$KEY"
sign_case "--uuid" --uuid=$UUID -k "$KEY"
sign_case "-u$UUID" -u$UUID -k "$KEY"
sign_case "--imasig -u" --imasig -u -k "$KEY"
sign_case "--imahash --uuid" --imahash --uuid=$UUID -k "$KEY"
sign_case "--imasig --portable" --imasig --portable -k "$KEY"
sign_case "-o with a hash" --imahash -o -k "$KEY"
sign_case "--generation" --generation=7 -u -k "$KEY"
sign_case "--m32" --m32 -u -k "$KEY"
sign_case "--m64" --m64 --uuid=$UUID -k "$KEY"
sign_case "--ino --uid --gid --mode" --ino=4242 --uid=1000 --gid=100 --mode=33261 -u -k "$KEY"
sign_case "--selinux --caps=" --selinux=system_u:object_r:bin_t:s0 --caps= -u -k "$KEY"
sign_case "--caps=value" --caps=xyz -u -k "$KEY"
sign_case "--ima" --ima=0404aabbccdd -u -k "$KEY"
sign_case "-a sha1 --imasig" -a sha1 --imasig -u -k "$KEY"
sign_case "-a sha512 --imasig" -a sha512 --imasig --uuid=$UUID -k "$KEY"
CERT=$DATA/rsa4096-cert.der sign_case "rsa4096" --imasig -u -k "$DATA/rsa4096.pem"
CERT=$DATA/rsa2048-cert.der
openssl x509 -in "$DATA/rsa2048-skid-cert.pem" -outform DER -out "$TMP/skid-cert.der" 2>/dev/null
sign_case "key with certificate (SKID keyid)" --no-verify -u -k "$DATA/rsa2048-with-cert.pem"
# The kernel finds the key by the certificate's SKID, and so does vigil;
# evmctl 1.4 keys its certificates by SHA-1 of the public key only.
same "SKID keyid: vigil verifies" 0 "$(rc "$VEV" verify -u -k "$TMP/skid-cert.der" "$F")"
same "SKID keyid: evmctl 1.4 cannot (unknown keyid)" 125 \
	"$(rc "$ORACLE" verify -u -k "$TMP/skid-cert.der" "$F")"
sign_case "--keyid" --no-verify -u --keyid 0badcafe -k "$KEY"
setfattr -x security.evm "$F"
sign_case "-n" --no-verify -n --imasig -u -k "$KEY"
[ -z "$(xhex "$F" security.evm)" ] && ok "sign -n: nothing set" || nok "sign -n: nothing set"
sign_case "--xattr-user" --xattr-user -u -k "$KEY"
sign_case "--xattr-user -o" --no-verify --xattr-user --imasig -o -k "$KEY"
same "--xattr-user -o: evmctl verifies" 0 \
	"$(rc "$ORACLE" verify --xattr-user -k "$CERT" "$F")"
same "--xattr-user -o: vigil verifies" 0 "$(rc "$VEV" verify --xattr-user -k "$CERT" "$F")"

# The LSM xattrs, SMACK's extras (--smack), capabilities.
new_file
setfattr -n security.selinux -v system_u:object_r:bin_t:s0 "$F"
setfattr -n security.SMACK64 -v _ "$F"
setfattr -n security.SMACK64EXEC -v exec "$F"
setfattr -n security.SMACK64MMAP -v mmap "$F"
setfattr -n security.apparmor -v unconfined "$F"
setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 "$F"
sign_case "LSM xattrs" --imasig -u -k "$KEY"
sign_case "LSM xattrs --smack" --smack --imasig --uuid=$UUID -k "$KEY"
sign_case "LSM xattrs --smack -o" --smack --imasig -o -k "$KEY"
sign_case "LSM xattrs --caps (left out)" --caps -u -k "$KEY"

# A directory (no IMA, generation not read).
mkdir "$TMP/dir"
F=$TMP/dir sign_case "a directory" -u -k "$KEY"
F=$TMP/file

# -r: each file of a tree (compared after each tool's run on the same tree).
mkdir -p "$TMP/tree/sub"
echo a >"$TMP/tree/a"; echo b >"$TMP/tree/sub/b"
run v "$VEV" sign -r --imasig -u -k "$KEY" "$TMP/tree"
va=$(xhex "$TMP/tree/a" security.evm); vb=$(xhex "$TMP/tree/sub/b" security.evm)
run e "$ORACLE" sign -r --imasig -u -k "$KEY" "$TMP/tree"
same "sign -r: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
same "sign -r: stdout (sorted)" "$(sort "$TMP/e.out")" "$(sort "$TMP/v.out")"
same "sign -r: a" "$(xhex "$TMP/tree/a" security.evm)" "$va"
same "sign -r: sub/b" "$(xhex "$TMP/tree/sub/b" security.evm)" "$vb"
[ -n "$va" ] && ok "sign -r: signed" || nok "sign -r: signed"

# ECDSA is randomized: each verifies the other's.
for k in ec-p256 ec-p384; do
	for signer in vigil evmctl; do
		tool=$VEV; [ $signer = evmctl ] && tool=$ORACLE
		new_file
		same "$signer sign $k" 0 "$(rc "$tool" sign --imasig -a sha384 -u -k "$DATA/$k.pem" "$F")"
		same "$signer-signed $k: evmctl verify" 0 \
			"$(rc "$ORACLE" verify -u -k "$DATA/$k-cert.der" "$F")"
		same "$signer-signed $k: vigil verify" 0 "$(rc "$VEV" verify -u -k "$DATA/$k-cert.der" "$F")"
		grep -q "^$F: verification is OK\$" "$TMP/last.err" &&
			ok "$signer-signed $k: vigil says verification is OK" ||
			nok "$signer-signed $k: vigil says verification is OK"
	done
done

# both_verify DESC WANT ARGS...: both tools' verify of $F exit WANT
both_verify() {
	local desc=$1 want=$2; shift 2
	same "$desc: evmctl exit code" "$want" "$(rc "$ORACLE" verify "$@" "$F")"
	same "$desc: vigil exit code" "$want" "$(rc "$VEV" verify "$@" "$F")"
}

# Tampering after signing: both reject, with the same exit code.
for mode in "-u" "--uuid=$UUID" "-o"; do
	for signer in vigil evmctl; do
		tool=$VEV; [ $signer = evmctl ] && tool=$ORACLE
		new_file
		"$tool" sign --imasig $mode -k "$KEY" "$F" >/dev/null 2>&1
		both_verify "$signer $mode: intact" 0 $mode -k "$CERT"
		evm=$(xhex "$F" security.evm) ima=$(xhex "$F" security.ima)
		both_verify "$signer $mode: wrong key" 125 $mode -k "$DATA/rsa-other-cert.der"
		setfattr -n security.ima -v 0x0404e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "$F"
		both_verify "$signer $mode: security.ima changed" 1 $mode -k "$CERT"
		setfattr -n security.ima -v "0x$ima" "$F"
		chmod 0600 "$F"
		both_verify "$signer $mode: mode changed" 1 $mode -k "$CERT"
		chmod 0644 "$F"
		chown 1:1 "$F"
		both_verify "$signer $mode: owner changed" 1 $mode -k "$CERT"
		chown 0:0 "$F"
		setfattr -n security.selinux -v unconfined_u:object_r:user_home_t:s0 "$F"
		both_verify "$signer $mode: selinux label added" 1 $mode -k "$CERT"
		setfattr -x security.selinux "$F"
		both_verify "$signer $mode: restored" 0 $mode -k "$CERT"
		last=$(( 0x${evm: -2} ^ 0x01 ))
		setfattr -n security.evm -v "0x${evm:0:${#evm}-2}$(printf %02x $last)" "$F"
		both_verify "$signer $mode: corrupted signature" 1 $mode -k "$CERT"
		setfattr -n security.evm -v "0x$evm" "$F"
	done
done
# A UUID other than the one signed; content is not EVM's business.
new_file
"$ORACLE" sign --imahash --uuid=$UUID -k "$KEY" "$F" >/dev/null 2>&1
both_verify "other UUID" 1 --uuid=fedcba98-7654-3210-fedc-ba9876543210 -k "$CERT"
both_verify "no UUID" 1 -u -k "$CERT"
printf z >>"$F"
both_verify "content changed (security.ima kept)" 0 --uuid=$UUID -k "$CERT"
# Portable signatures survive a copy to a new inode, others do not.
for mode in -o -u; do
	new_file
	"$ORACLE" sign --imasig $mode -k "$KEY" "$F" >/dev/null 2>&1
	save_xattrs "$F"
	cp "$F" "$F.copy"; chmod 0644 "$F.copy"
	sed "s|^# file: .*|# file: $F.copy|" "$TMP/saved" >"$TMP/saved.copy"
	setfattr --restore="$TMP/saved.copy"
	want=1; [ $mode = -o ] && want=0
	F=$F.copy both_verify "copy to a new inode ($mode)" $want $mode -k "$CERT"
	rm -f "$F.copy"
done
# No security.evm; an HMAC where a signature is expected; no file argument.
new_file
both_verify "no security.evm" 125 -u -k "$CERT"
setfattr -n security.evm -v 0x023440875cccd12425937c4beaf335aa3988d5dc27 "$F"
both_verify "HMAC, not a signature" 125 -u -k "$CERT"
same "verify without file: evmctl" 125 "$(rc "$ORACLE" verify -k "$CERT")"
same "verify without file: vigil" 125 "$(rc "$VEV" verify -k "$CERT")"

# Signing failures: same exit codes.
new_file
for args in "-u -k $DATA/nonexistent.pem" "--uuid=not-a-uuid -k $KEY" "-o -k $KEY"; do
	# shellcheck disable=SC2086
	same "sign $args: exit code" "$(rc "$ORACLE" sign $args "$F")" "$(rc "$VEV" sign $args "$F")"
done
same "sign nonexistent file: exit code" "$(rc "$ORACLE" sign -u -k "$KEY" "$TMP/nonexistent")" \
	"$(rc "$VEV" sign -u -k "$KEY" "$TMP/nonexistent")"

# The filesystem's UUID: vigil reads it itself (evmctl 1.4 runs blkid on
# /dev/block/M:m, which containers lack), so compare with evmctl given it.
fs_uuid_case() {
	local img=$TMP/fs.img mnt=$TMP/mnt uuid=11223344-5566-7788-99aa-bbccddeeff00
	command -v mkfs.ext4 >/dev/null && command -v unshare >/dev/null || return 1
	truncate -s 8M "$img" && mkfs.ext4 -q -U $uuid "$img" 2>/dev/null || return 1
	mkdir -p "$mnt"
	# shellcheck disable=SC2016
	unshare -m sh -c '
		mount -o loop "$1" "$2" || exit 99
		echo content >"$2/f"
		"$3" sign -n --imahash -k "$5" "$2/f" >"$2.v" 2>/dev/null
		"$4" sign -n --imahash --uuid="$6" -k "$5" "$2/f" >"$2.e" 2>/dev/null
		umount "$2"' sh "$img" "$mnt" "$VEV" "$ORACLE" "$KEY" $uuid
	[ $? = 99 ] && return 1
	same "filesystem UUID (loop-mounted ext4)" "$(cat "$mnt.e")" "$(cat "$mnt.v")"
}
fs_uuid_case || ok "# SKIP filesystem UUID: cannot loop-mount an ext4 image here"

# ---- hmac ----
HKEY=$DATA/evm-hmac-key.bin
# evmctl_hmac ARGS...: evmctl with the test key at /etc/keys/evm-key-plain,
# visible to it only.
mkdir "$TMP/etckeys"
cp "$HKEY" "$TMP/etckeys/evm-key-plain"
evmctl_hmac() {
	# shellcheck disable=SC2016
	unshare -m sh -c 'mount --bind "$1" /etc/keys && shift && exec "$@"' sh \
		"$TMP/etckeys" "$@"
}
hmac_ready() {
	command -v unshare >/dev/null || return 1
	if [ ! -d /etc/keys ]; then
		mkdir /etc/keys 2>/dev/null || return 1
		made_etc_keys=1
	fi
	evmctl_hmac true 2>/dev/null
}
# hmac_case DESC ARGS...: vigil (--hmackey) and evmctl (-a sha1: the kernel's
# HMAC; evmctl 1.4's default would be HMAC-SHA256) on the same file.
hmac_case() {
	local desc=$1 vv; shift
	save_xattrs "$F"
	run v "$VEV" hmac -a sha1 --hmackey "$HKEY" "$@" "$F"
	vv=$(xhex "$F" security.evm)
	restore_xattrs "$F"
	run e evmctl_hmac "$ORACLE" hmac -a sha1 "$@" "$F"
	# the key's path differs (--hmackey), the rest must not
	sed -i "s|^Reading to $HKEY\$|Reading to /etc/keys/evm-key-plain|" "$TMP/v.err"
	compare_runs "hmac $desc"
	same "hmac $desc: security.evm" "$(xhex "$F" security.evm)" "$vv"
}
if hmac_ready; then
	new_file
	"$VEV" ima_hash "$F" >/dev/null 2>&1
	hmac_case "(hash present)"
	same "hmac: 0x02 and 20 bytes" 42 "$(xhex "$F" security.evm | tr -d '\n' | wc -c)"
	hmac_case "--m32" --m32
	hmac_case "--imasig" --imasig -k "$KEY"
	setfattr -n security.selinux -v system_u:object_r:bin_t:s0 "$F"
	setfattr -n security.SMACK64EXEC -v exec "$F"
	hmac_case "LSM xattrs"
	hmac_case "LSM xattrs --smack" --smack
	hmac_case "-u (ignored, as by evmctl)" --uuid=$UUID
	hmac_case "-n" -n
	# vigil's default key path is evmctl's.
	save_xattrs "$F"
	evmctl_hmac "$VEV" hmac "$F" >/dev/null 2>&1
	vv=$(xhex "$F" security.evm)
	restore_xattrs "$F"
	evmctl_hmac "$ORACLE" hmac -a sha1 "$F" >/dev/null 2>&1
	same "hmac: default key /etc/keys/evm-key-plain" "$(xhex "$F" security.evm)" "$vv"
	if [ ! -e /etc/keys/evm-key-plain ]; then
		same "hmac: no key file: exit code" "$(rc "$ORACLE" hmac -a sha1 "$F")" \
			"$(rc "$VEV" hmac --hmackey "$TMP/nonexistent" "$F")"
	fi
else
	ok "# SKIP hmac: cannot give evmctl a private /etc/keys (unshare -m)"
fi

finish
