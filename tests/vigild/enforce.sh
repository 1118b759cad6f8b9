#!/usr/bin/env bash
# vigild in enforce mode on a private loop-mounted ext4: signed binaries run;
# unsigned, tampered, wrong-key and hash-only (under imasig) ones get EPERM;
# #! scripts appraise script and interpreter; a changed file is measured
# again; the list replays to vigild's PCRs; kill -9 during an exec storm
# leaves nothing blocked (fanotify fails open).
# Needs root; exits 77 (skip) otherwise.  VIGILD=vigild binary, VIGIL=CLI.

. "$(dirname "$0")/lib.sh"

need_env
IMG_SIZE=640M setup_mount

# Binaries: dynamically linked ones from the host (ld.so and libc stay on
# the unmarked root), plus dash as a #! interpreter.
for f in true echo dash; do
	cp "$(type -P $f)" "$MNT/$f" || skip "no $f to copy"
done
cp "$MNT/true" "$MNT/unsigned"
cp "$MNT/true" "$MNT/tampered"
cp "$MNT/true" "$MNT/wrongkey"
cp "$MNT/true" "$MNT/hashonly"
cp "$MNT/true" "$MNT/relabel"
cp "$MNT/dash" "$MNT/dash-unsigned"
printf '#!%s\nexit 0\n' "$MNT/dash" >"$MNT/good.sh"
printf '#!%s\nexit 0\n' "$MNT/dash" >"$MNT/unsigned.sh"
printf '#!%s\nexit 0\n' "$MNT/dash-unsigned" >"$MNT/badinterp.sh"
printf '#!%s\nexit 0\n' "$MNT/dash" >"$MNT/changed.sh"
chmod +x "$MNT"/*.sh
for f in true echo dash tampered relabel good.sh badinterp.sh changed.sh; do
	sign_file "$KEY" "$MNT/$f"
done
printf 'x' >>"$MNT/tampered"   # content changed after signing
sign_file "$OTHER_KEY" "$MNT/wrongkey"
# A big binary (true with 300 MiB of random data after it) signed by an
# unknown key: hashing it takes a while, and every exec meanwhile must wait.
cp "$MNT/true" "$MNT/bigwrongkey"
head -c 300M /dev/urandom >>"$MNT/bigwrongkey"
sign_file "$OTHER_KEY" "$MNT/bigwrongkey"
hash_file "$MNT/hashonly"

write_config enforce 'dont_measure fsmagic=0x01021994
measure func=BPRM_CHECK mask=MAY_EXEC
appraise func=BPRM_CHECK appraise_type=imasig'

check "vigild starts in enforce mode" start_daemon
[ -n "$DPID" ] || { cat "$DLOG"; finish; exit 1; }
check "start-up report names the mount and BPRM_CHECK" \
	log_has "BPRM_CHECK via FAN_OPEN_EXEC_PERM on the marks: measure appraise"

check "signed binary runs" runs "$MNT/true"
check "signed binary runs with arguments" runs "$MNT/echo" hello
check "signed binary runs again (cached)" runs "$MNT/true"
check "unsigned binary: EPERM" denied "$MNT/unsigned"
check "tampered binary: EPERM" denied "$MNT/tampered"
check "binary signed by an unknown key: EPERM" denied "$MNT/wrongkey"
check "hash-only security.ima under appraise_type=imasig: EPERM" denied "$MNT/hashonly"
check "unsigned binary is denied every time" denied "$MNT/unsigned"

# Two execs 0.1 s apart while the first is being hashed: both are denied
# (the second must not slip through an ignore mark added before the decision).
echo 3 >/proc/sys/vm/drop_caches
denied "$MNT/bigwrongkey" & big1=$!
sleep 0.1
denied "$MNT/bigwrongkey" & big2=$!
check "big binary signed by an unknown key: first exec EPERM" wait $big1
check "... a second exec while the first is being hashed: EPERM too" wait $big2
check "... and a third one later: EPERM" denied "$MNT/bigwrongkey"

# Mount marks are not copied into a new mount namespace; the filesystem mark
# (the default) still covers an unprivileged user's 'unshare -Urm'.
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
chmod o+x "$WORK"
if "${AS_NOBODY[@]}" unshare -Urm true 2>/dev/null; then
	check "user nobody in 'unshare -Urm': a signed binary runs" \
		runs "${AS_NOBODY[@]}" unshare -Urm "$MNT/true"
	check "user nobody in 'unshare -Urm': an unsigned binary gets EPERM" \
		denied "${AS_NOBODY[@]}" unshare -Urm "$MNT/unsigned"
else
	echo "# SKIP: unprivileged user namespaces are disabled: 'unshare -Urm' bypass not tested"
	skip_check "user nobody in 'unshare -Urm': an unsigned binary gets EPERM" \
		"no unprivileged user namespaces"
fi

runs "$MNT/relabel"
runs "$MNT/relabel" # now cached in the kernel (ignore mark)
setfattr -x security.ima "$MNT/relabel"
check "removing security.ima of a cached binary: next exec EPERM" denied "$MNT/relabel"
sign_file "$KEY" "$MNT/relabel"
check "signing it again: it runs" runs "$MNT/relabel"

check "log names the unsigned file with the kernel's cause" \
	log_has "ima: appraise integrity appraisal error: $MNT/unsigned \(IMA-signature-required\)"
check "log names the tampered file: invalid-signature" \
	log_has "appraisal error: $MNT/tampered \(invalid-signature\)"
check "log names the wrong-key file: invalid-signature" \
	log_has "appraisal error: $MNT/wrongkey \(invalid-signature\)"
check "log names the hash-only file: IMA-signature-required" \
	log_has "appraisal error: $MNT/hashonly \(IMA-signature-required\)"

check "#! script: signed script and interpreter run" runs "$MNT/good.sh"
check "#! script: unsigned script is denied" denied "$MNT/unsigned.sh"
check "#! script: unsigned interpreter is denied" denied "$MNT/badinterp.sh"
check "#! script: the interpreter was appraised" \
	log_has "appraisal error: $MNT/dash-unsigned \(IMA-signature-required\)"

check "measured once per inode: one entry for true after 3 execs" \
	test "$(entries_for "$MNT/true")" -eq 1
check "failed files are measured too (as the kernel)" \
	test "$(entries_for "$MNT/unsigned")" -eq 1
check "boot_aggregate is the first entry" \
	bash -c "head -1 '$WORK/run/ascii_runtime_measurements' | grep -q ' boot_aggregate\$'"

runs "$MNT/changed.sh"
printf '# changed\n' >>"$MNT/changed.sh"
sign_file "$KEY" "$MNT/changed.sh"
check "changed and re-signed script runs" runs "$MNT/changed.sh"
check "changed file is measured again (2 entries, 2 digests)" bash -c "
	awk -v p='$MNT/changed.sh' '\$NF == p { print \$4 }' '$WORK/run/ascii_runtime_measurements' |
	sort -u | wc -l | grep -qx 2"
printf 'junk' >>"$MNT/true"
check "a signed binary modified in place is denied at its next exec" denied "$MNT/true"

check_evmctl "measurement list replays to vigild's sha1 and sha256 PCRs (evmctl)" replays
check "metric ima_appraisal_failure_total names file and reason" \
	test "$(metric "ima_appraisal_failure_total{file=\"$MNT/unsigned\",reason=\"IMA-signature-required\"}")" = 1
check "metric ima_measurement_count equals the list's entries" \
	test "$(metric ima_measurement_count)" = "$(wc -l <"$WORK/run/ascii_runtime_measurements")"
check "metric tpm_pcr10_extended_total counts extends" \
	test "$(metric tpm_pcr10_extended_total)" -ge 5

# An exec storm of denied and allowed binaries.
# (An exec costs ~10 ms on a small VM: 3 x 200 execs finish well within 60 s.)
storm() {
	local i
	for i in $(seq 100); do "$MNT/unsigned" 2>/dev/null; "$MNT/true" 2>/dev/null; done
}
storm_done() {
	local i
	for i in $(seq 600); do
		kill -0 $s1 $s2 $s3 2>/dev/null || return 0
		sleep 0.1
	done
	kill $s1 $s2 $s3 2>/dev/null
	return 1
}

# SIGTERM during a storm: the reader keeps answering until the workers are
# gone, so vigild exits at once and nothing stays blocked.
storm & s1=$!
storm & s2=$!
storm & s3=$!
sleep 0.5
if stop_daemon; then ok "SIGTERM during an exec storm: vigild exits within 5 s"; fi
check "... and every exec completes (within 60 s)" storm_done
check "vigild starts again" start_daemon

# Then SIGKILL during a storm: nothing may stay blocked.
storm & s1=$!
storm & s2=$!
storm & s3=$!
sleep 0.5
kill -KILL "$DPID"
DPID=
check "kill -9 during an exec storm: every exec completes (within 60 s)" storm_done
check "without the daemon the mount is not blocked (fail-open)" runs "$MNT/unsigned"

finish
