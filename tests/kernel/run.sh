#!/usr/bin/env bash
# Kernel interoperability: vigil against the real Linux IMA/EVM.
#
# Boots Debian 12's stock kernel (the linux-image-6.1.*-amd64 package that
# linux-image-amd64 depends on, downloaded with apt-get and unpacked, never
# installed) under qemu with swtpm as its TPM 2.0, a busybox initramfs and an
# ext4 data disk prepared and signed here by vigil.  One boot runs every
# phase (see guest-init.sh); this script then checks, from what the guest
# wrote to its result disk:
#   1. appraisal: vigil's IMA signatures, hashes, EVM portable signatures
#      and EVM HMACs are accepted; tampered, wrong-key, unsigned ones are
#      refused with the kernel's reason in the audit records;
#   2. the kernel's measurement list (ima-ng, ima-sig, ima templates) is
#      rendered byte for byte by `vigil log show --ascii` and replays to
#      PCR 10 of every TPM bank;
#   3. vigild under the same tcb policy measures the workload as the kernel;
#   4. `vigil boot-aggregate` equals the kernel's boot_aggregate entry.
#
# Environment: VIGIL, VIGILD, VIGIL_TEST_DATA (tests/meson.build sets them);
# VIGIL_KERNEL_CACHE (default /var/cache/vigil-kernel) keeps the package;
# VIGIL_KERNEL_ACCEL=kvm|tcg forces the accelerator; KEEP=1 keeps the
# work directory.

set -u
# The settings below are read by lib.sh and checks.sh.
# shellcheck disable=SC2034

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA=${VIGIL_TEST_DATA:-$HERE/../data}
CACHE=${VIGIL_KERNEL_CACHE:-/var/cache/vigil-kernel}
VIGIL=${VIGIL:-}
VIGILD=${VIGILD:-}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
# Fixed, so that the guest's policy can name the data disk by fsuuid=.
UUID=6b1d0c3e-5f2a-4c7e-9d41-0a2b3c4d5e6f

# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh" || { echo "not ok - loading lib.sh"; exit 1; }
# shellcheck source=tests/kernel/checks.sh
. "$HERE/checks.sh" || { echo "not ok - loading checks.sh"; exit 1; }

need_prereqs
WORK=$(mktemp -d /tmp/vigil-kernel.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM
START=$(date +%s)

fetch_kernel
build_data_disk
build_initramfs || { not_ok "building the initramfs"; finish; exit 1; }
boot_guest

RES=$WORK/res
check_appraisal
check_logs
check_boot_aggregate
check_vigild
echo "# run time $(($(date +%s) - START)) s (boot $BOOT_SECONDS s, accel $ACCEL)"
finish
