#!/bin/sh
# shellcheck shell=dash disable=SC1091
# /init of the kernel interoperability guest (busybox sh, PID 1).
#
# run.sh builds the initramfs around this script; /etc/kernel-test.conf holds
# the data disk's UUID and which phases to run.  Nothing here decides whether
# a check passed: the guest only runs the workload and records what the
# kernel did (exit statuses, measurement lists, PCRs, firmware event log,
# kernel messages) in /out, which it writes as a tar archive to the second
# virtio disk before powering off.  The host judges.
#
# Phases, in this order because the IMA policy can be written only once
# (CONFIG_IMA_WRITE_POLICY is off in Debian's kernel):
#   tcb     the workload under the kernel's ima_policy=tcb (command line)
#   vigild  the same workload under vigild with the same policy; then
#           again with vigild extending the guest's TPM (PCR 11)
#   appraise  write a custom policy (appraisal of the data disk, measure
#           rules with the ima-sig, ima-ng and ima templates), exec the
#           signed, hashed, tampered and wrong-key files
#   evm     turn EVM on (X.509 key in the EVM keyring + an HMAC key loaded
#           as an encrypted key), exec the EVM-protected files
#   vigild (again)  vigild appraises the same files with the same keys

/bin/busybox mkdir -p /proc /sys /dev /tmp /mnt /out /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
# Audit records of refused files go to the console through printk's limiter.
echo 1000 >/proc/sys/kernel/printk_ratelimit_burst

. /etc/kernel-test.conf
OUT=/out
SEC=/sys/kernel/security

note() { echo "guest: $*" | tee -a $OUT/guest.log >/dev/console; }

finish() {
	dmesg >$OUT/dmesg.txt
	tar -cf /dev/vdb -C $OUT . && sync
	note "results written, powering off"
	poweroff -f
}

load_modules() {
	local m
	for m in $(cat /modules/order); do
		insmod /modules/"$m".ko || note "insmod $m failed"
	done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -b /dev/vda ] && [ -b /dev/vdb ] && return 0
		sleep 0.5
	done
	note "virtio disks did not appear"
	return 1
}

# The workload compared between the kernel's IMA and vigild: every script
# under work/bin is executed, every file under work/data read, as root.
workload() {
	local f
	for f in /mnt/work/bin/*; do "$f" >/dev/null 2>&1; done
	for f in /mnt/work/data/*; do cat "$f" >/dev/null; done
}

# start_vigild NAME: vigild with /tmp/vigild/NAME.conf, its output in
# $OUT/vigild-NAME.log; fails when it does not get ready.
VPID=
start_vigild() {
	mkdir -p /tmp/vigild/run-"$1" /tmp/vigild/state
	timeout -s KILL 60 /opt/vigild/vigild -c /tmp/vigild/"$1".conf >$OUT/vigild-"$1".log 2>&1 &
	VPID=$!
	for _ in $(seq 100); do
		grep -q 'vigild: ready' $OUT/vigild-"$1".log && return 0
		kill -0 $VPID 2>/dev/null || break
		sleep 0.2
	done
	note "vigild ($1) did not get ready"
	return 1
}

stop_vigild() { # NAME: SIGTERM, then its exit status in $OUT/vigild-NAME.status
	local pid
	pid=$(sed -n 's/.*vigild: ready (pid \([0-9]*\)).*/\1/p' $OUT/vigild-"$1".log)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	wait $VPID
	echo $? >$OUT/vigild-"$1".status
}

vigild_conf() { # NAME EXTRA-LINES
	cat >/tmp/vigild/"$1".conf <<-EOF
		mode = log
		mark = /mnt
		run_dir = /tmp/vigild/run-$1
		state_dir = /tmp/vigild/state
		$2
	EOF
}

# vigild_phase: vigild with the kernel's tcb policy and defaults (ima-ng,
# sha256), in log mode, marking the data disk; the same workload again.
# The kernel measured these files already in the tcb phase and does not
# measure them twice, so vigild's reads add nothing to the kernel's list.
vigild_phase() {
	mkdir -p /tmp/vigild
	vigild_conf tcb "policy_builtin = tcb
		template = ima-ng
		hash = sha256"
	if start_vigild tcb; then
		workload
		note "vigild workload done"
	fi
	stop_vigild tcb
	mkdir -p $OUT/vigild
	cp /tmp/vigild/run-tcb/* $OUT/vigild/ 2>/dev/null
}

# vigild_tpm_phase: vigild extending the guest's TPM (the kernel's driver,
# /dev/tpmrm0) in PCR 11, as PCR 10 is the kernel's; the same workload.
vigild_tpm_phase() {
	vigild_conf tpm "policy_builtin = tcb
		tpm = device:/dev/tpmrm0
		tpm_pcr = 11"
	if start_vigild tpm; then
		workload
	fi
	stop_vigild tpm
	mkdir -p $OUT/vigild-tpm
	cp /tmp/vigild/run-tpm/* $OUT/vigild-tpm/ 2>/dev/null
}

# vigild_appraise_phase: after the kernel's verdicts, vigild's on the same
# files with the same keys (log mode: the kernel alone refuses).  fanotify's
# exec permission event comes at open, before the kernel's bprm check, so
# vigild sees the files the kernel refuses too.
vigild_appraise_phase() {
	echo "appraise func=BPRM_CHECK" >/tmp/vigild/appraise.policy
	vigild_conf ima "policy = /tmp/vigild/appraise.policy
		keys = /keys/ima.der"
	vigild_conf evm "policy = /tmp/vigild/appraise.policy
		keys = /keys/ima.der
		evm_keys = /keys/evm.der
		evm_hmac_key = /keys/evm-hmac-key.bin"
	local f
	if start_vigild ima; then
		for f in /mnt/appraise/*; do "$f" >/dev/null 2>&1; done
	fi
	stop_vigild ima
	if start_vigild evm; then
		for f in /mnt/evm/*; do "$f" >/dev/null 2>&1; done
	fi
	stop_vigild evm
}

# load_cert KEYRING FILE: the kernel names it ".ima"/".evm", or "_ima"/"_evm"
# without CONFIG_INTEGRITY_TRUSTED_KEYRING; a "_NAME" keyring made here is
# found by the kernel's request_key when neither exists.
load_cert() {
	local ring
	for ring in ".$1" "_$1"; do
		if keyctl padd asymmetric "" %keyring:"$ring" <"$2" >/dev/null 2>&1; then
			echo "$1 $ring" >>$OUT/keyrings.txt
			return 0
		fi
	done
	keyctl newring _"$1" @u >/dev/null &&
		keyctl padd asymmetric "" %keyring:_"$1" <"$2" >/dev/null &&
		echo "$1 _$1(new)" >>$OUT/keyrings.txt
}

# try NAME: execute /mnt/NAME, recording its exit status and error message.
try() {
	/mnt/"$1" >/dev/null 2>/tmp/exec.err
	echo "$1 $? $(head -n1 /tmp/exec.err)" >>$OUT/exec.txt
}

appraise_phase() {
	load_cert ima /keys/ima.der || note "could not load the IMA certificate"
	cat /etc/ima.policy >$SEC/ima/policy || note "policy write failed"
	local f
	for f in /mnt/appraise/*; do try appraise/"${f##*/}"; done
	for f in /mnt/templates/*; do cat "$f" >/dev/null; done
}

evm_phase() {
	load_cert evm /keys/evm.der || note "could not load the EVM certificate"
	keyctl padd user kmk @u </keys/kmk.bin >/dev/null || note "kmk not loaded"
	keyctl add encrypted evm-key "load $(cat /keys/evm-key.blob)" @u >/dev/null ||
		note "evm-key not loaded"
	# EVM_INIT_HMAC | EVM_INIT_X509 in one write: after the HMAC key,
	# EVM accepts no further setup.
	echo 3 >$SEC/evm || note "EVM setup write failed"
	cat $SEC/evm >$OUT/evm-state.txt
	local f
	for f in /mnt/evm/*; do try evm/"${f##*/}"; done
}

collect() {
	cp $SEC/ima/binary_runtime_measurements $OUT/binary_runtime_measurements
	local bank pcr
	for bank in /sys/class/tpm/tpm0/pcr-*; do
		[ -d "$bank" ] || continue
		for pcr in 0 1 2 3 4 5 6 7 8 9 10 11; do
			printf 'PCR-%02d: %s\n' $pcr "$(tr A-F a-f <"$bank/$pcr")"
		done >$OUT/pcrs-"${bank##*/pcr-}".txt
	done
	cp $SEC/ima/ascii_runtime_measurements $OUT/ascii_runtime_measurements
	cp $SEC/tpm0/binary_bios_measurements $OUT/binary_bios_measurements 2>/dev/null
}

: >$OUT/exec.txt
load_modules || { collect; finish; }
mount -o ro /dev/vda /mnt || { note "cannot mount the data disk"; collect; finish; }
case " $PHASES " in *" tcb "*) workload; note "tcb workload done" ;; esac
case " $PHASES " in *" vigild "*) vigild_phase; vigild_tpm_phase ;; esac
case " $PHASES " in *" appraise "*) appraise_phase; note "appraisal done" ;; esac
case " $PHASES " in *" evm "*) evm_phase; note "evm done" ;; esac
case " $PHASES " in *" vigild "*) vigild_appraise_phase; note "vigild appraisal done" ;; esac
collect
finish
