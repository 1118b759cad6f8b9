#!/usr/bin/env bash
# vigild's other modes and its state, on a private loop-mounted ext4:
# log mode allows and records, fix mode labels files (never over a
# signature), off mode only measures; FILE_CHECK measures root's reads;
# SIGHUP swaps the policy; the list survives a restart and a corrupted or
# truncated list stops the start unless --reset-log; configuration errors
# name file:line; marks on / or on a non-mount-point are refused.
# Needs root; exits 77 (skip) otherwise.  VIGILD=vigild binary, VIGIL=CLI.

. "$(dirname "$0")/lib.sh"

need_env
setup_mount

cp "$(type -P true)" "$MNT/true"
for f in unsigned fixme signed-tampered later reload; do cp "$MNT/true" "$MNT/$f"; done
sign_file "$KEY" "$MNT/true"
sign_file "$KEY" "$MNT/signed-tampered"
printf 'x' >>"$MNT/signed-tampered"
echo data >"$MNT/data"

ima_of() { getfattr --absolute-names -n security.ima -e hex "$1" 2>/dev/null | sed -n 's/^security.ima=0x//p'; }

# ---------------------------------------------------------------- log mode
write_config log 'measure func=BPRM_CHECK mask=MAY_EXEC
measure func=FILE_CHECK mask=^MAY_READ uid=0
appraise func=BPRM_CHECK appraise_type=imasig'
check "vigild starts in log mode" start_daemon
check "log mode: unsigned binary runs" runs "$MNT/unsigned"
check "log mode: the failure is logged, action=allow" \
	log_has "appraisal error: $MNT/unsigned \(IMA-signature-required\) func=BPRM_CHECK .*mode=log action=allow"
check "log mode: the unsigned binary is measured" test "$(entries_for "$MNT/unsigned")" -eq 1
check "log mode: the failure is counted" \
	test "$(metric "ima_appraisal_failure_total{file=\"$MNT/unsigned\",reason=\"IMA-signature-required\"}")" = 1
cat "$MNT/data" >/dev/null
check "FILE_CHECK: root's read is measured" test "$(entries_for "$MNT/data")" -eq 1
echo more >>"$MNT/wonly"
check "FILE_CHECK: a write-only open is not (mask=^MAY_READ)" test "$(entries_for "$MNT/wonly")" -eq 0
cat "$MNT/data" >/dev/null
check "FILE_CHECK: a second read of the same content adds nothing" test "$(entries_for "$MNT/data")" -eq 1
echo changed >>"$MNT/data"
cat "$MNT/data" >/dev/null
check "FILE_CHECK: changed content is measured again" test "$(entries_for "$MNT/data")" -eq 2

# -------------------------------------------------------- SIGHUP reload
stop_daemon
write_config enforce 'measure func=BPRM_CHECK mask=MAY_EXEC'
check "vigild starts in enforce mode without appraisal rules" start_daemon
check "no appraisal rule: an unsigned binary runs" runs "$MNT/reload"
printf '%s\n' 'measure func=BPRM_CHECK mask=MAY_EXEC' \
	'appraise func=BPRM_CHECK appraise_type=imasig' >"$WORK/policy"
kill -HUP "$DPID"
check "SIGHUP: the new policy is loaded" log_has "reloaded policy \(2 rules\)"
check "SIGHUP: the same unsigned binary is now denied" denied "$MNT/reload"
printf 'appraise func=BPRM_CHECK bogus\n' >"$WORK/policy"
kill -HUP "$DPID"
check "SIGHUP with a broken policy keeps the current one" log_has "reload failed, keeping"
check "... still enforcing it" denied "$MNT/reload"
check "... and signed binaries still run" runs "$MNT/true"
mv "$WORK/vigild.conf" "$WORK/vigild.conf.away"
log_mark
kill -HUP "$DPID"
check "SIGHUP with the config file gone is an error" log_has "reload failed, keeping.*cannot open config"
check "... and the current config stays (still enforcing)" denied "$MNT/reload"
mv "$WORK/vigild.conf.away" "$WORK/vigild.conf"
# Rules whose events were not asked for at start would be enforced by nothing.
printf '%s\n' 'appraise func=BPRM_CHECK appraise_type=imasig' \
	'appraise func=MMAP_CHECK appraise_type=imasig' >"$WORK/policy"
log_mark
kill -HUP "$DPID"
check "SIGHUP adding MMAP_CHECK rules to a daemon not watching maps: refused" \
	log_has "reload refused, keeping the current policy.*MMAP_CHECK rules.*restart vigild"
check "... and the current policy stays (still enforcing)" denied "$MNT/reload"
stop_daemon
write_config log 'measure func=BPRM_CHECK mask=MAY_EXEC
measure func=FILE_CHECK mask=^MAY_READ uid=0'

# --------------------------------------------------------- restart, state
n=$(wc -l <"$WORK/run/ascii_runtime_measurements")
check "restart: vigild starts on the existing list" start_daemon
check "restart: the list is resumed with its $n entries" log_has ": $n entries"
runs "$MNT/later"
check "restart: new entries are appended after the old ones" \
	test "$(wc -l <"$WORK/run/ascii_runtime_measurements")" -eq $((n + 1))
check_evmctl "restart: the list still replays to the PCRs" replays
check "vigild --status shows the entry count" \
	bash -c "'$VIGILD' -c '$WORK/vigild.conf' --status | grep -qx 'entries $((n + 1))'"
stop_daemon

printf 'garbage' >>"$WORK/run/binary_runtime_measurements"
check "uncommitted bytes after the last entry are dropped at start" start_daemon
check "... with a warning" log_has "dropping 7 bytes after the last committed entry"
stop_daemon

cp "$WORK/run/binary_runtime_measurements" "$WORK/list.good"
printf '\xff' | dd of="$WORK/run/binary_runtime_measurements" bs=1 seek=100 conv=notrunc status=none
if start_daemon; then not_ok "a corrupted list stops the start"; stop_daemon; else ok "a corrupted list stops the start (exit)"; fi
check "... with a clear error" log_has "refusing to start: the measurement list does not match"
size=$(stat -c %s "$WORK/list.good")
head -c $((size - 20)) "$WORK/list.good" >"$WORK/run/binary_runtime_measurements"
if start_daemon; then not_ok "a truncated list stops the start"; stop_daemon; else ok "a truncated list stops the start"; fi
check "... naming the truncation" log_has "truncated"
check "--reset-log starts a new list" start_daemon --reset-log
check "... which holds only boot_aggregate" test "$(wc -l <"$WORK/run/ascii_runtime_measurements")" -eq 1
check "... and keeps the old list aside" bash -c "ls '$WORK/run/' | grep -q 'binary_runtime_measurements.old-'"
stop_daemon
rm "$WORK/run/vigild.state"
if start_daemon; then not_ok "a list without its state file stops the start"; stop_daemon; else ok "a list without its state file stops the start"; fi
check "... naming the missing state file" log_has "vigild.state is missing"
check "--reset-log recovers from it" start_daemon --reset-log
stop_daemon

# ---------------------------------------------------------------- fix mode
write_config fix 'appraise func=BPRM_CHECK'
check "vigild starts in fix mode" start_daemon
check "fix mode: unlabelled binary runs" runs "$MNT/fixme"
check "fix mode: it is labelled with its sha256 (0x04 04 digest)" \
	test "$(ima_of "$MNT/fixme")" = "0404$(sha256sum <"$MNT/fixme" | cut -d' ' -f1)"
sig_before=$(ima_of "$MNT/signed-tampered")
check "fix mode: a file with a bad signature runs (fix does not enforce)" runs "$MNT/signed-tampered"
check "fix mode: its signature is never overwritten" test "$(ima_of "$MNT/signed-tampered")" = "$sig_before"
stop_daemon

# ---------------------------------------------------------------- off mode
cp "$MNT/true" "$MNT/offmode"
setfattr -x security.ima "$MNT/offmode" 2>/dev/null
write_config off 'measure func=BPRM_CHECK mask=MAY_EXEC
appraise func=BPRM_CHECK appraise_type=imasig'
check "vigild starts in off mode" start_daemon
check "off mode: unsigned binary runs" runs "$MNT/offmode"
check "off mode: no appraisal" bash -c "! grep -q 'appraisal error: $MNT/offmode' '$DLOG'"
check "off mode: still measured" test "$(entries_for "$MNT/offmode")" -eq 1
stop_daemon

# -------------------------------------------------------------------- EVM
if [ -n "$VIGIL" ]; then
	for f in evm-good evm-none evm-chmod; do cp "$MNT/true" "$MNT/$f"; done
	"$VIGIL" sign --evm -k "$KEY" "$MNT/evm-good" "$MNT/evm-chmod" >/dev/null
	sign_file "$KEY" "$MNT/evm-none"
	chmod 0700 "$MNT/evm-chmod" # the EVM data cover the mode
	write_config enforce 'appraise func=BPRM_CHECK appraise_type=imasig' "evm_keys = $CERT"
	check "vigild starts with EVM certificates" start_daemon
	check "EVM: IMA and EVM signed binary runs" runs "$MNT/evm-good"
	check "EVM: no security.evm: EPERM" denied "$MNT/evm-none"
	check "EVM: ... logged as missing-HMAC" log_has "appraisal error: $MNT/evm-none \(missing-HMAC\)"
	check "EVM: mode changed after signing: EPERM" denied "$MNT/evm-chmod"
	check "EVM: ... logged as invalid-HMAC" log_has "appraisal error: $MNT/evm-chmod \(invalid-HMAC\)"
	check "EVM: evm_appraisal_failure_total counts it" \
		test "$(metric "evm_appraisal_failure_total{file=\"$MNT/evm-none\"}")" = 1
	stop_daemon
else
	echo "# skip EVM checks: VIGIL (the CLI that writes EVM signatures) is not set"
fi

# ----------------------------------------------------- refusals (no marks)
write_config log 'measure func=BPRM_CHECK'
"$VIGILD" -c "$WORK/vigild.conf" --check --mark / >"$WORK/root.log" 2>&1
check "a mark on / is refused (exit 2)" test $? -eq 2
check "... saying why" grep -q "refusing to mark the root mount" "$WORK/root.log"
mkdir -p "$MNT/sub"
"$VIGILD" -c "$WORK/vigild.conf" --check --mark "$MNT/sub" >"$WORK/sub.log" 2>&1
check "a mark on a directory that is not a mount point is refused" \
	grep -q "not a mount point" "$WORK/sub.log"
printf 'mode = enforce\nbogus = 1\n' >"$WORK/bad.conf"
"$VIGILD" -c "$WORK/bad.conf" --check >"$WORK/bad.log" 2>&1
check "an unknown config key is an error naming file:line (exit 2)" \
	bash -c "[ $? -eq 2 ] && grep -q '$WORK/bad.conf:2: bogus: unknown key' '$WORK/bad.log'"
printf 'mode = strict\n' >"$WORK/bad.conf"
"$VIGILD" -c "$WORK/bad.conf" --check >"$WORK/bad.log" 2>&1
check "a bad mode names file:line" grep -q "bad.conf:1: mode: 'strict' is not" "$WORK/bad.log"
printf 'measure func=BPRM_CHECK bogus=1\n' >"$WORK/policy"
"$VIGILD" -c "$WORK/vigild.conf" --check >"$WORK/badpol.log" 2>&1
check "an invalid policy is refused with file:line:col" grep -q "policy:1:" "$WORK/badpol.log"

write_config enforce 'measure func=BPRM_CHECK' 'unlimited_queue = no'
"$VIGILD" -c "$WORK/vigild.conf" --check >"$WORK/uq.log" 2>&1
check "enforce mode with 'unlimited_queue = no' is refused (exit 2)" \
	bash -c "[ $? -eq 2 ] && grep -q \"'unlimited_queue = no' in enforce mode\" '$WORK/uq.log'"
write_config enforce 'measure func=BPRM_CHECK' 'mark_type = mount'
"$VIGILD" -c "$WORK/vigild.conf" --check >"$WORK/mt.log" 2>&1
check "enforce mode with 'mark_type = mount' warns about the unshare bypass" \
	grep -q "'mark_type = mount' in enforce mode: an unprivileged 'unshare -Urm'" "$WORK/mt.log"
write_config log 'measure func=BPRM_CHECK'
"$VIGILD" -c "$WORK/vigild.conf" --check >"$WORK/fs.log" 2>&1
check "the default mark is a filesystem mark" grep -q "ext4, fsmagic 0xef53, filesystem mark" "$WORK/fs.log"
mkdir -p "$MNT/own"
write_config log 'measure func=BPRM_CHECK' "state_dir = $MNT/own/state"
"$VIGILD" -c "$WORK/vigild.conf" --check >"$WORK/own.log" 2>&1
check "a state_dir on the marked filesystem is refused (exit 2)" \
	bash -c "[ $? -eq 2 ] && grep -q 'state_dir $MNT/own/state is on the marked filesystem' '$WORK/own.log'"
cp "$WORK/policy" "$MNT/own/policy"
write_config log 'measure func=BPRM_CHECK'
sed -i "s|^policy = .*|policy = $MNT/own/policy|" "$WORK/vigild.conf"
"$VIGILD" -c "$WORK/vigild.conf" --check >"$WORK/own.log" 2>&1
check "a policy on the marked filesystem is refused" \
	grep -q "policy $MNT/own/policy is on the marked filesystem" "$WORK/own.log"

# One writer per measurement list, even without a control socket to notice the first.
write_config log 'measure func=BPRM_CHECK' 'control_socket = off'
check "vigild starts without a control socket" start_daemon
timeout -k 5 20 "$VIGILD" -c "$WORK/vigild.conf" >"$WORK/second.log" 2>&1
second_rc=$?
check "a second vigild on the same run_dir exits with an error" test "$second_rc" -ne 0 -a "$second_rc" -ne 124
check "... saying another vigild writes the list" \
	grep -q "another vigild writes this measurement list" "$WORK/second.log"
check "... and the first one still runs" kill -0 "$DPID"
check "vigild stops on SIGTERM" stop_daemon

finish
