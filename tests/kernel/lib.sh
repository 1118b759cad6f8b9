# shellcheck shell=bash
# Host side of the kernel interoperability suite (sourced by run.sh):
# prerequisites, the kernel package, the data disk, the initramfs, the boot.

PASSED=0
FAILED=0
SKIPPED=0
MNT=
SWTPM_PID=
QEMU_PID=
ACCEL=tcg
BOOT_SECONDS=0
KVER=
KDIR=

skip() { echo "SKIP: $*"; exit 77; }
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
skip_check() { SKIPPED=$((SKIPPED + 1)); echo "ok - $1 # SKIP $2"; }
finish() {
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
}

need_prereqs() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (loop mounts, security.* xattrs)"
	local tool
	for tool in qemu-system-x86_64 swtpm cpio mkfs.ext4 dpkg-deb apt-get \
		keyctl openssl xxd timeout ldd; do
		command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/setup.sh)"
	done
	[ -n "$VIGIL" ] && [ -x "$VIGIL" ] || skip "VIGIL is not set to the vigil binary"
	[ -r "$DATA/rsa2048.pem" ] && [ -r "$DATA/rsa2048-cert.der" ] ||
		skip "test keys not found in $DATA"
	# The guest's shell and tools: a static busybox, whatever is first in PATH.
	BUSYBOX=$(command -v busybox) || skip "busybox is not installed (busybox-static)"
	ldd "$BUSYBOX" >/dev/null 2>&1 && skip "$BUSYBOX is not static (install busybox-static)"
	losetup -f >/dev/null 2>&1 || skip "no free loop device"
}

cleanup() {
	stop_qemu
	[ -n "$SWTPM_PID" ] && kill -KILL "$SWTPM_PID" 2>/dev/null
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	if [ -n "${KEEP:-}" ]; then
		echo "# kept $WORK"
	else
		rm -rf "$WORK"
	fi
}

# --- the kernel ------------------------------------------------------------

# Modules /init loads, in dependency order; missing ones are built in.
WANTED_MODULES="virtio_pci virtio_blk crc32c_generic ext4"

kernel_package() { # the linux-image-6.1.*-amd64 that linux-image-amd64 pulls in
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n1
}

newest_cached_deb() { # [PACKAGE]
	local pattern=${1:-linux-image-6.1.*-amd64}
	# shellcheck disable=SC2086
	ls "$CACHE"/${pattern}_*_amd64.deb 2>/dev/null | sort -V | tail -n1
}

# fetch_kernel: sets KDIR (vmlinuz, config, modules/ with order) from the
# cache, downloading and unpacking the package only when it is not there.
fetch_kernel() {
	mkdir -p "$CACHE" || skip "cannot create the kernel cache $CACHE"
	local pkg deb
	pkg=$(kernel_package)
	if [ -n "$pkg" ]; then
		deb=$(newest_cached_deb "$pkg")
		if [ -z "$deb" ]; then
			echo "# downloading $pkg into $CACHE"
			(cd "$CACHE" && timeout -k 5 300 apt-get download "$pkg") >"$WORK/apt.log" 2>&1 ||
				sed 's/^/# apt: /' "$WORK/apt.log"
			deb=$(newest_cached_deb "$pkg")
		fi
	fi
	[ -n "$deb" ] || deb=$(newest_cached_deb)
	[ -n "$deb" ] || skip "cannot download the kernel package (${pkg:-linux-image-amd64 unknown to apt}; no network?)"
	KDIR=$CACHE/unpacked/$(basename "$deb" .deb)
	[ -f "$KDIR/modules/order" ] || unpack_kernel "$deb" "$KDIR" ||
		skip "cannot unpack $deb"
	KVER=$(cat "$KDIR/version")
	echo "# kernel $KVER from $(basename "$deb")"
}

unpack_kernel() { # DEB DIR: only the kernel, its config and the modules needed
	local deb=$1 dir=$2 tmp
	tmp=$(mktemp -d "$CACHE/unpack.XXXXXX") || return 1
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards \
		'./boot/vmlinuz-*' './boot/config-*' \
		'./lib/modules/*/kernel/drivers/virtio/*' './lib/modules/*/kernel/drivers/block/*' \
		'./lib/modules/*/kernel/fs/*' './lib/modules/*/kernel/lib/*' \
		'./lib/modules/*/kernel/crypto/*' || { rm -rf "$tmp"; return 1; }
	mkdir -p "$tmp/out/modules"
	local vmlinuz
	vmlinuz=$(ls "$tmp"/boot/vmlinuz-* | head -n1)
	basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$tmp/out/version"
	mv "$vmlinuz" "$tmp/out/vmlinuz"
	mv "$tmp"/boot/config-* "$tmp/out/config"
	: >"$tmp/out/modules/order"
	local m
	for m in $WANTED_MODULES; do
		add_module "$tmp/lib/modules" "$m" "$tmp/out/modules" || { rm -rf "$tmp"; return 1; }
	done
	rm -rf "$dir"
	mkdir -p "$(dirname "$dir")" && mv "$tmp/out" "$dir"
	rm -rf "$tmp"
}

# add_module TREE NAME OUT: NAME's dependencies first (from the module's own
# .modinfo "depends=" string), then NAME; built-in modules have no file.
add_module() {
	local tree=$1 name=$2 out=$3 file dep
	grep -qx "$name" "$out/order" && return 0
	file=$(find "$tree" -name "$name.ko" -o -name "$(echo "$name" | tr _ -).ko" | head -n1)
	if [ -z "$file" ]; then
		echo "# module $name: not in the package, taken as built in"
		return 0
	fi
	for dep in $(grep -a -o 'depends=[a-z0-9_,-]*' "$file" | head -n1 | sed 's/^depends=//; s/,/ /g'); do
		add_module "$tree" "$dep" "$out" || return 1
	done
	cp "$file" "$out/$name.ko" && echo "$name" >>"$out/order"
}

# --- the data disk -----------------------------------------------------------

script() { # PATH: a small shell script naming itself, distinct content
	printf '#!/bin/sh\necho "%s"\n' "$1" >"$1" && chmod 0755 "$1"
}

sign() { "$VIGIL" sign -k "$DATA/rsa2048.pem" "$@" >/dev/null; }
sign_other() { "$VIGIL" sign -k "$DATA/rsa-other.pem" "$@" >/dev/null; }
hash_only() { "$VIGIL" sign --hash-only "$@" >/dev/null; }
evm_hmac() { "$VIGIL" evm hmac --hmackey "$1" "$2" >/dev/null; }

# shellcheck disable=SC2034 # read by checks.sh
# The expected outcome of each exec: NAME STATUS [CAUSE]; run.sh checks the
# guest's statuses and the kernel's audit causes against it.
EXPECTED_EXECS="
appraise/sig-ok.sh 0
appraise/hash-ok.sh 0
appraise/sig-tampered.sh 126 invalid-signature
appraise/hash-tampered.sh 126 invalid-hash
appraise/sig-wrongkey.sh 126 invalid-signature
appraise/unsigned.sh 126 missing-hash
evm/portable.sh 0
evm/hmac-sig.sh 0
evm/hmac-hash.sh 0
evm/hmac-wrongkey.sh 126 invalid-HMAC
evm/hmac-mode-changed.sh 126 invalid-HMAC
evm/portable-wrongkey.sh 126 invalid-fail-immutable
evm/no-evm.sh 126 missing-HMAC
"

build_data_disk() {
	local img=$WORK/data.img
	truncate -s 32M "$img" && mkfs.ext4 -q -F -U "$UUID" -I 256 "$img" ||
		skip "mkfs.ext4 failed"
	MNT=$WORK/mnt
	mkdir -p "$MNT"
	mount -o loop "$img" "$MNT" || skip "cannot loop-mount an ext4 image"
	populate_disk "$MNT" || { not_ok "preparing and signing the data disk"; exit 1; }
	umount "$MNT" || { not_ok "unmounting the data disk"; exit 1; }
	MNT=
}

populate_disk() { # DIR
	local d=$1 f
	mkdir -p "$d/work/bin" "$d/work/data" "$d/appraise" "$d/evm" "$d/templates"
	# The workload compared between the kernel and vigild.
	script "$d/work/bin/w1.sh" && script "$d/work/bin/w2.sh" || return 1
	echo "workload data 1" >"$d/work/data/d1.txt"
	head -c 65536 /dev/urandom >"$d/work/data/d2.bin"
	# Read by root under the custom policy's template= rules (by owner).
	echo "ima-ng template" >"$d/templates/ng.txt" && chown 1001 "$d/templates/ng.txt"
	echo "ima template" >"$d/templates/ima.txt" && chown 1002 "$d/templates/ima.txt"

	for f in sig-ok hash-ok sig-tampered hash-tampered sig-wrongkey unsigned; do
		script "$d/appraise/$f.sh" || return 1
	done
	sign "$d/appraise/sig-ok.sh" "$d/appraise/sig-tampered.sh" &&
		hash_only "$d/appraise/hash-ok.sh" "$d/appraise/hash-tampered.sh" &&
		sign_other "$d/appraise/sig-wrongkey.sh" || return 1
	echo "# tampered after signing" >>"$d/appraise/sig-tampered.sh"
	echo "# tampered after hashing" >>"$d/appraise/hash-tampered.sh"

	for f in portable hmac-sig hmac-hash hmac-wrongkey hmac-mode-changed portable-wrongkey no-evm; do
		script "$d/evm/$f.sh" || return 1
	done
	"$VIGIL" sign --evm --portable -k "$DATA/rsa2048.pem" "$d/evm/portable.sh" >/dev/null &&
		"$VIGIL" sign --evm --portable -k "$DATA/rsa-other.pem" "$d/evm/portable-wrongkey.sh" >/dev/null &&
		sign "$d/evm/hmac-sig.sh" &&
		hash_only "$d/evm/hmac-hash.sh" "$d/evm/hmac-wrongkey.sh" \
			"$d/evm/hmac-mode-changed.sh" "$d/evm/no-evm.sh" || return 1
	head -c 64 /dev/urandom >"$WORK/other-hmac-key.bin"
	evm_hmac "$DATA/evm-hmac-key.bin" "$d/evm/hmac-sig.sh" &&
		evm_hmac "$DATA/evm-hmac-key.bin" "$d/evm/hmac-hash.sh" &&
		evm_hmac "$DATA/evm-hmac-key.bin" "$d/evm/hmac-mode-changed.sh" &&
		evm_hmac "$WORK/other-hmac-key.bin" "$d/evm/hmac-wrongkey.sh" || return 1
	# EVM covers the mode: changing it after the HMAC must be caught.
	chmod 0750 "$d/evm/hmac-mode-changed.sh"
}

# --- the EVM HMAC key ---------------------------------------------------------

# evm_key_blob MASTER_KEY EVM_KEY: the "default user:kmk LEN HEX" payload
# with which `keyctl add encrypted evm-key "load ..."` gives the kernel
# EVM_KEY.  The kernel's encrypted-key format (security/keys/encrypted-keys):
# AES-256-CBC of the key under SHA-256("ENC_KEY\0" master "\0"), then an
# HMAC-SHA256 under SHA-256("AUTH_KEY\0" master) of the datablob
# "default\0user:kmk\0LEN\0" IV "\0" CIPHERTEXT; HEX = IV 00 CIPHERTEXT HMAC.
# The kernel only lets the key be generated randomly ("new") unless built
# with CONFIG_USER_DECRYPTED_DATA, which Debian's is not; "load" of a blob
# made here is how the guest gets a key that vigil also knows.
evm_key_blob() {
	local master=$1 key=$2 t=$WORK/enckey iv enc auth len
	mkdir -p "$t"
	len=$(stat -c %s "$key")
	[ $((len % 16)) -eq 0 ] || { echo "EVM key length $len is not a multiple of 16" >&2; return 1; }
	iv=000102030405060708090a0b0c0d0e0f
	{ printf 'ENC_KEY\0'; cat "$master"; printf '\0'; } >"$t/enc-in"
	{ printf 'AUTH_KEY\0'; cat "$master"; } >"$t/auth-in"
	enc=$(openssl dgst -sha256 -binary "$t/enc-in" | xxd -p -c 256)
	auth=$(openssl dgst -sha256 -binary "$t/auth-in" | xxd -p -c 256)
	openssl enc -aes-256-cbc -nopad -K "$enc" -iv "$iv" -in "$key" -out "$t/cipher" || return 1
	{
		printf 'default\0user:kmk\0%s\0' "$len"
		echo "$iv" | xxd -r -p
		printf '\0'
		cat "$t/cipher"
	} >"$t/datablob"
	openssl dgst -sha256 -mac HMAC -macopt hexkey:"$auth" -binary "$t/datablob" >"$t/hmac" || return 1
	printf 'default user:kmk %s %s00%s%s\n' "$len" "$iv" \
		"$(xxd -p -c 4096 "$t/cipher")" "$(xxd -p -c 256 "$t/hmac")"
}

# --- the initramfs -------------------------------------------------------------

copy_with_libs() { # BINARY DEST-DIR STAGE: BINARY into DEST-DIR, its libraries at their paths
	local bin=$1 dest=$2 stage=$3 lib
	mkdir -p "$stage$dest" && cp -L "$bin" "$stage$dest/" || return 1
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		cp -L --parents "$lib" "$stage" || return 1
	done
}

build_initramfs() {
	local s=$WORK/stage
	mkdir -p "$s/bin" "$s/etc" "$s/keys" "$s/modules" || return 1
	cp "$BUSYBOX" "$s/bin/busybox" && ln -s busybox "$s/bin/sh" || return 1
	cp "$HERE/guest-init.sh" "$s/init" && chmod 0755 "$s/init" || return 1
	cp "$KDIR"/modules/* "$s/modules/" || return 1
	copy_with_libs "$(command -v keyctl)" /usr/bin "$s" || skip "cannot copy keyctl into the initramfs"
	cp "$DATA/rsa2048-cert.der" "$s/keys/ima.der"
	cp "$DATA/rsa2048-cert.der" "$s/keys/evm.der"
	cp "$DATA/evm-hmac-key.bin" "$s/keys/evm-hmac-key.bin"
	# A fixed master key: the EVM key it wraps is tests/data/evm-hmac-key.bin.
	printf 'vigil kernel test master key 32B' >"$s/keys/kmk.bin"
	evm_key_blob "$s/keys/kmk.bin" "$DATA/evm-hmac-key.bin" >"$s/keys/evm-key.blob" ||
		{ not_ok "building the encrypted EVM key blob"; exit 1; }
	cat >"$s/etc/ima.policy" <<-EOF
		measure func=BPRM_CHECK fsuuid=$UUID template=ima-sig
		measure func=FILE_CHECK mask=MAY_READ fsuuid=$UUID fowner=1001 template=ima-ng
		measure func=FILE_CHECK mask=MAY_READ fsuuid=$UUID fowner=1002 template=ima
		appraise func=BPRM_CHECK fsuuid=$UUID
	EOF
	local phases="tcb appraise evm"
	if [ -n "$VIGILD" ] && [ -x "$VIGILD" ] && copy_with_libs "$VIGILD" /opt/vigild "$s"; then
		phases="tcb vigild appraise evm"
		# tss2's TCTI loader opens the device TCTI by name at run time.
		local tcti
		tcti=$(ls /usr/lib/*/libtss2-tcti-device.so.0 /lib/*/libtss2-tcti-device.so.0 2>/dev/null | head -n1)
		[ -n "$tcti" ] && copy_with_libs "$tcti" "$(dirname "$tcti")" "$s"
	fi
	printf 'UUID=%s\nPHASES="%s"\n' "$UUID" "$phases" >"$s/etc/kernel-test.conf"
	(cd "$s" && find . | cpio -o -H newc --quiet) >"$WORK/initrd.cpio"
}

# --- the boot ------------------------------------------------------------------

start_swtpm() { # a fresh TPM for each boot
	rm -rf "$WORK/tpm" "$WORK/swtpm.sock" && mkdir -p "$WORK/tpm"
	swtpm socket --tpm2 --tpmstate dir="$WORK/tpm" \
		--ctrl type=unixio,path="$WORK/swtpm.sock" --terminate \
		--log file="$WORK/swtpm.log" &
	SWTPM_PID=$!
	for _ in $(seq 50); do
		[ -S "$WORK/swtpm.sock" ] && return 0
		sleep 0.1
	done
	skip "swtpm did not start: $(cat "$WORK/swtpm.log" 2>/dev/null)"
}

# KVM on this kind of machine (nested) cannot run the stock kernel: it hangs
# after "Probing EDD" before printing its banner.  So KVM is tried first
# when /dev/kvm is usable and VIGIL_KERNEL_ACCEL is not "tcg", and given
# KVM_GRACE seconds to print "Linux version"; otherwise TCG.
KVM_GRACE=${KVM_GRACE:-10}
pick_accel() {
	case ${VIGIL_KERNEL_ACCEL:-auto} in
	tcg) ACCEL=tcg ;;
	*) if [ -w /dev/kvm ]; then ACCEL=kvm; else ACCEL=tcg; fi ;;
	esac
}

# kernel_started: within KVM_GRACE seconds, the kernel printed its banner.
kernel_started() {
	for _ in $(seq $((KVM_GRACE * 10))); do
		grep -q 'Linux version' "$WORK/console.log" 2>/dev/null && return 0
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_qemu() { # timeout passes SIGTERM on to qemu
	[ -n "$QEMU_PID" ] || return 0
	kill -TERM "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
}

run_qemu() { # ACCEL
	local cmdline="console=ttyS0 ima_policy=tcb ima_template=ima-ng ima_hash=sha256"
	# lsm= without bpf: with an EVM HMAC key active, this kernel oopses
	# when the bpf LSM is on.
	cmdline+=" lsm=integrity audit=1 panic=-1 loglevel=6"
	rm -f "$WORK/out.img" "$WORK/console.log" && truncate -s 64M "$WORK/out.img"
	start_swtpm
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -M pc -accel "$1" -m 768 -smp 1 \
		-display none -monitor none -vga none -nic none -no-reboot \
		-serial file:"$WORK/console.log" \
		-kernel "$KDIR/vmlinuz" -initrd "$WORK/initrd.cpio" -append "$cmdline" \
		-drive file="$WORK/data.img",if=virtio,format=raw \
		-drive file="$WORK/out.img",if=virtio,format=raw \
		-chardev socket,id=chrtpm,path="$WORK/swtpm.sock" \
		-tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 \
		>"$WORK/qemu.log" 2>&1 &
	QEMU_PID=$!
	if [ "$1" = kvm ] && ! kernel_started; then
		stop_qemu
		kill "$SWTPM_PID" 2>/dev/null
		wait "$SWTPM_PID" 2>/dev/null
		SWTPM_PID=
		echo "# KVM: no kernel banner within $KVM_GRACE s; falling back to TCG"
		return 1
	fi
	wait "$QEMU_PID"
	local rc=$?
	QEMU_PID=
	wait "$SWTPM_PID" 2>/dev/null
	SWTPM_PID=
	mkdir -p "$WORK/res" && tar -xf "$WORK/out.img" -C "$WORK/res" 2>/dev/null
	[ -s "$WORK/res/binary_runtime_measurements" ] || {
		echo "# qemu ($1) exited $rc without results"
		return 1
	}
}

boot_guest() {
	pick_accel
	local t0
	t0=$(date +%s)
	if ! run_qemu "$ACCEL" && [ "$ACCEL" = kvm ]; then
		ACCEL=tcg
		run_qemu tcg
	fi
	BOOT_SECONDS=$(($(date +%s) - t0))
	if [ ! -s "$WORK/res/binary_runtime_measurements" ]; then
		sed 's/^/# console: /' "$WORK/console.log" | tail -n 40
		sed 's/^/# qemu: /' "$WORK/qemu.log"
		not_ok "the guest booted and wrote its results"
		finish
		exit 1
	fi
	ok "the guest booted Debian's kernel $KVER with a TPM and wrote its results ($BOOT_SECONDS s, $ACCEL)"
}
