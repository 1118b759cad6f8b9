# shellcheck shell=bash
# The checks of the kernel interoperability suite (sourced by run.sh): each
# judges what the guest wrote to $RES.

# --- 1. appraisal ----------------------------------------------------------------

exec_status() { # NAME: the guest's exit status of executing /mnt/NAME
	awk -v n="$1" '$1 == n { print $2 }' "$RES/exec.txt"
}

# refused_eacces NAME: the shell got EACCES from execve ("Permission denied").
refused_eacces() {
	awk -v n="$1" '$1 == n' "$RES/exec.txt" | grep -q 'Permission denied$'
}

# first_cause NAME: the cause of the kernel's first audit record for
# /mnt/NAME (later ones come from the vigild phase, after EVM is on).
first_cause() {
	grep -F "name=\"/mnt/$1\"" "$RES/dmesg.txt" | grep -m1 -o 'cause=[^ ]*' | sed 's/^cause=//'
}

check_appraisal() {
	local name status cause got
	while read -r name status cause; do
		[ -n "$name" ] || continue
		got=$(exec_status "$name")
		if [ "$status" = 0 ]; then
			check "kernel appraisal accepts $name (exit ${got:-none})" [ "$got" = 0 ]
		else
			check "kernel appraisal refuses $name (exit ${got:-none})" [ "$got" = "$status" ]
			check "the exec of $name failed with EACCES" refused_eacces "$name"
			got=$(first_cause "$name")
			check "kernel gives cause $cause for $name (got: ${got:-none})" \
				[ "$got" = "$cause" ]
		fi
	done <<<"$EXPECTED_EXECS"
	if grep -q 'Oops\|BUG:' "$RES/dmesg.txt"; then
		not_ok "the kernel logged no oops"
		grep -m5 'Oops\|BUG:' "$RES/dmesg.txt" | sed 's/^/# /'
	else
		ok "the kernel logged no oops"
	fi
}

# --- 2. measurement lists ---------------------------------------------------------

has_template() { # NAME: the kernel's ascii list has an entry with template NAME
	awk -v t="$1" '$3 == t { found = 1 } END { exit !found }' "$RES/ascii_runtime_measurements"
}

# pcr10_file BANK: the guest's PCR 10 of BANK alone, as "PCR-10: HEX".
pcr10_file() {
	grep '^PCR-10:' "$RES/pcrs-$1.txt" >"$WORK/pcr10-$1.txt" && echo "$WORK/pcr10-$1.txt"
}

# flipped BANK: PCR 10 of BANK with its last hex digit changed.
flipped() {
	sed 's/.$/&x/; s/0x$/1/; s/\(.\)x$/0/' "$WORK/pcr10-$1.txt" >"$WORK/pcr10-$1-bad.txt"
	echo "$WORK/pcr10-$1-bad.txt"
}

replays_to() { # BANK PCR-FILE [LIST]
	"$VIGIL" log replay -q --pcrs "$1,$2" "${3:-$RES/binary_runtime_measurements}" >/dev/null
}
replay_fails() {
	"$VIGIL" log replay -q --pcrs "$1,$2" "$RES/binary_runtime_measurements" >/dev/null 2>&1
	[ $? -eq 1 ]
}

check_logs() {
	local bin=$RES/binary_runtime_measurements t bank banks=
	check "vigil log show --ascii renders the kernel's list byte for byte" \
		cmp -s <("$VIGIL" log show --ascii "$bin") "$RES/ascii_runtime_measurements"
	for t in ima-ng ima-sig ima; do
		check "the kernel's list has $t entries, parsed by vigil" has_template "$t"
	done
	for bank in $(ls "$RES"/pcrs-*.txt 2>/dev/null | sed 's/.*pcrs-//; s/\.txt$//'); do
		banks+="$bank "
		pcr10_file "$bank" >/dev/null || { not_ok "guest PCR 10 of bank $bank"; continue; }
		check "vigil log replay matches the guest's PCR 10 in bank $bank" \
			replays_to "$bank" "$WORK/pcr10-$bank.txt"
		check "vigil log replay rejects a wrong PCR 10 in bank $bank" \
			replay_fails "$bank" "$(flipped "$bank")"
	done
	check "the guest's TPM has the sha1 and sha256 banks (got: ${banks:-none})" \
		test -s "$RES/pcrs-sha1.txt" -a -s "$RES/pcrs-sha256.txt"
	check_log_verify
}

# vigil log verify, with the test certificate, gives each ima-sig entry the
# verdict the kernel's appraisal implies.
verdict_of() { # PATH
	awk -v p=" $1: " 'index($0, p) { print; exit }' "$WORK/verify.txt"
}

check_log_verify() {
	"$VIGIL" log verify -v -k "$DATA/rsa2048-cert.der" \
		"$RES/binary_runtime_measurements" >"$WORK/verify.txt" 2>&1
	local line
	line=$(verdict_of /mnt/appraise/sig-ok.sh)
	check "vigil log verify: the kernel's ima-sig entry of sig-ok.sh verifies ($line)" \
		grep -qw ok <<<"$line"
	line=$(verdict_of /mnt/appraise/sig-tampered.sh)
	check "vigil log verify: the tampered file's entry fails ($line)" \
		grep -qw bad-signature <<<"$line"
	line=$(verdict_of /mnt/appraise/sig-wrongkey.sh)
	check "vigil log verify: the wrong-key entry has an unknown key ($line)" \
		grep -qw unknown-key <<<"$line"
}

# --- 4. boot_aggregate --------------------------------------------------------------

same_digest() { [ -n "$1" ] && [ "$1" = "$2" ]; } # A B: non-empty and equal

not_zero_digest() { # ALGO:HEX
	local hex=${1#*:}
	[ -n "$hex" ] && [ -n "${hex//0/}" ]
}

check_boot_aggregate() {
	local kernel from_log from_pcrs
	kernel=$(awk '$5 == "boot_aggregate" { print $4; exit }' "$RES/ascii_runtime_measurements")
	if [ -s "$RES/binary_bios_measurements" ]; then
		from_log=$("$VIGIL" boot-aggregate --hash-algo sha256 \
			--eventlog "$RES/binary_bios_measurements" 2>&1)
		check "vigil boot-aggregate from the firmware event log equals the kernel's ($from_log vs ${kernel:-none})" \
			same_digest "$from_log" "$kernel"
	else
		not_ok "the guest has a firmware event log (binary_bios_measurements)"
	fi
	from_pcrs=$("$VIGIL" boot-aggregate --hash-algo sha256 \
		--pcrs "sha256,$RES/pcrs-sha256.txt" --pcrs "sha1,$RES/pcrs-sha1.txt" 2>&1)
	check "vigil boot-aggregate from the guest's PCRs equals the kernel's ($from_pcrs)" \
		same_digest "$from_pcrs" "$kernel"
	check "the boot_aggregate is not the all-zero one of a TPM-less boot" \
		not_zero_digest "$kernel"
}

# --- 3. vigild against the kernel -------------------------------------------------------

# workload_entries ASCII-LIST: template digest, template, file hash and path
# of the workload's entries (the template digest follows from the others).
workload_entries() {
	awk '$5 ~ "^/mnt/work/" { print $2, $3, $4, $5 }' "$1" | sort -u
}

check_vigild() {
	if [ ! -f "$RES/vigild-tcb.log" ]; then
		skip_check "vigild measures the workload as the kernel's tcb policy" "vigild not in the guest"
		return
	fi
	local list=$RES/vigild/ascii_runtime_measurements
	check "vigild ran in the guest and wrote a measurement list" test -s "$list"
	workload_entries "$RES/ascii_runtime_measurements" >"$WORK/kernel-work.txt"
	workload_entries "$list" >"$WORK/vigild-work.txt" 2>/dev/null
	check "the kernel measured the 4 workload files under tcb" \
		[ "$(wc -l <"$WORK/kernel-work.txt")" -eq 4 ]
	if cmp -s "$WORK/kernel-work.txt" "$WORK/vigild-work.txt"; then
		ok "vigild's (template, hash, path) entries equal the kernel's for the workload"
	else
		not_ok "vigild's (template, hash, path) entries equal the kernel's for the workload"
		diff "$WORK/kernel-work.txt" "$WORK/vigild-work.txt" | sed 's/^/# /'
	fi
	check_vigild_tpm
	check_vigild_appraisal
}

# vigild with the guest's TPM: its boot_aggregate, read from the TPM through
# the kernel's driver, is the kernel's; its list replays to PCR 11.
check_vigild_tpm() {
	local list=$RES/vigild-tpm/binary_runtime_measurements kernel mine bank
	if [ ! -s "$list" ]; then
		not_ok "vigild with the guest's TPM wrote a measurement list"
		sed 's/^/# vigild-tpm: /' "$RES/vigild-tpm.log" 2>/dev/null | tail -n 5
		return
	fi
	kernel=$(awk '$5 == "boot_aggregate" { print $4; exit }' "$RES/ascii_runtime_measurements")
	mine=$(awk '$5 == "boot_aggregate" { print $4; exit }' "$RES/vigild-tpm/ascii_runtime_measurements")
	check "vigild's boot_aggregate from the guest's TPM equals the kernel's ($mine)" \
		same_digest "$mine" "$kernel"
	for bank in $(ls "$RES"/pcrs-*.txt | sed 's/.*pcrs-//; s/\.txt$//'); do
		grep '^PCR-11:' "$RES/pcrs-$bank.txt" >"$WORK/pcr11-$bank.txt"
		check "vigild's list replays to the guest's TPM PCR 11 in bank $bank" \
			replays_to "$bank" "$WORK/pcr11-$bank.txt" "$list"
	done
}

# vigild_cause NAME: the cause vigild logged for /mnt/NAME, or "accepted";
# appraise/ files were run under the vigild without EVM, evm/ ones with it.
vigild_cause() {
	local log=$RES/vigild-ima.log
	[ "${1%%/*}" = evm ] && log=$RES/vigild-evm.log
	sed -n "s|.*appraisal error: /mnt/$1 (\([^)]*\)).*|\1|p" "$log" | head -n1 | grep . ||
		echo accepted
}

check_vigild_appraisal() {
	local name status cause want got
	if [ ! -f "$RES/vigild-ima.log" ] || [ ! -f "$RES/vigild-evm.log" ]; then
		not_ok "vigild ran the appraisal phases in the guest"
		return
	fi
	while read -r name status cause; do
		[ -n "$name" ] || continue
		want=${cause:-accepted}
		got=$(vigild_cause "$name")
		check "vigild's verdict on $name is the kernel's ($want; vigild: $got)" [ "$got" = "$want" ]
	done <<<"$EXPECTED_EXECS"
}
