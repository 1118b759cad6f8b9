#!/usr/bin/env bash
# Installs every build and test dependency from Debian's archive.
# Idempotent: installs only what is missing, runs apt-get update at most once.
set -euo pipefail

packages=(
	gcc clang libclang-rt-dev pkg-config meson ninja-build python3
	libssl-dev openssl libjson-c-dev libkeyutils-dev keyutils libblkid-dev libtss2-dev libcmocka-dev
	ima-evm-utils attr e2fsprogs util-linux xxd bc cpio
	swtpm swtpm-tools tpm2-tools
	qemu-system-x86 busybox-static libsqlite3-dev sqlite3 curl
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "setup: all ${#packages[@]} packages present"
	# The kernel suite fetches Debian's kernel package with apt-get download.
	if ! apt-cache show linux-image-amd64 >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
		echo "setup: no package lists: apt-get update (for the kernel suite)"
		apt-get update -qq || echo "setup: apt-get update failed; the kernel suite will skip"
	fi
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
