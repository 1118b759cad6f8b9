#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Oracle test: ima_measurement and ima_boot_aggregate in vigil's evmctl
# personality against Debian's evmctl 1.4, on the kernel-made vectors of
# the shared dir (vectors/*/: binary list, PCR files, BIOS event log, and
# EXPECT.txt with what evmctl printed and returned there).
#
# EXPECT.txt writes the PCR files without their bank ("--pcrs pcrs-sha1.txt
# --pcrs pcrs-sha256.txt"), but the exit codes it records are evmctl's with
# the banks named: unnamed, evmctl 1.4 reads both files into its sha1 bank
# (the second overwriting the first) and fails on every vector.  So both
# forms are run: unnamed against evmctl run here, named against evmctl and
# EXPECT.txt.
#
# Env: VIGIL_EVMCTL_LINK (the evmctl symlink to vigil), VIGIL_SHARED.
set -u
. "$(dirname "$0")/lib.sh"
SAME_LABELS="evmctl vigil"

need_oracle
need_evmctl_link
[ -n "$SHARED" ] && [ -d "$SHARED/vectors" ] || skip "VIGIL_SHARED has no vectors/"
VEV=$(cd "$(dirname "$VEV")" && pwd)/$(basename "$VEV")
make_tmp evmctl-log

# run TAG CMD...: stdout, stderr, exit code into $TMP/TAG.{out,err,rc}; a
# sanitizer report or a signal from vigil is a failure of its own.
run() {
	local tag=$1; shift
	"$@" >"$TMP/$tag.out" 2>"$TMP/$tag.err"
	echo $? >"$TMP/$tag.rc"
	if [ "$1" = "$VEV" ] && { grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/$tag.err" ||
		[ "$(cat "$TMP/$tag.rc")" -ge 128 ]; }; then
		nok "no crash or sanitizer report: ${*:2} (exit $(cat "$TMP/$tag.rc"))"
		sed 's/^/#   /' "$TMP/$tag.err" | head -20
	fi
}
rcof() { cat "$TMP/$1.rc"; }
# verdict TAG: the line saying whether the PCRs matched
verdict() { grep -E '^(Matched|Failed to match)' "$TMP/$1.err" | head -1; }
# count TAG TEXT: lines of TAG's stderr with TEXT
count() { grep -c -F -e "$2" "$TMP/$1.err"; }
# both DESC ARGS...: evmctl and vigil run ARGS; same exit code
both() {
	local desc=$1; shift
	run e "$ORACLE" "$@"
	run v "$VEV" "$@"
	same "$desc: exit code" "$(rcof e)" "$(rcof v)"
}

# expect_block ARGS: what EXPECT.txt records for "$ evmctl ARGS": the
# command line with "-> rc=N", then its indented lines.
expect_block() {
	awk -v cmd="\$ evmctl $1 -> " '
		index($0, cmd) == 1 { print; on = 1; next }
		on && /^    / { print; next }
		{ on = 0 }' EXPECT.txt
}
expect_rc() { sed -n '1s/.*-> rc=//p' <<<"$1"; }
expect_verdict() { grep -E '^    (Matched|Failed to match)' <<<"$1" | sed 's/^    //' | head -1; }

UNNAMED="--pcrs pcrs-sha1.txt --pcrs pcrs-sha256.txt"
NAMED="--pcrs sha1,pcrs-sha1.txt --pcrs sha256,pcrs-sha256.txt"
LIST=binary_runtime_measurements

# ima_measurement with and without --ignore-violations, the PCR files
# named and unnamed.
measurement_cases() {
	local v=$1 ign pcrs block want
	for ign in "" "--ignore-violations "; do
		# shellcheck disable=SC2086
		both "$v: ima_measurement $ign(unnamed banks)" ima_measurement $ign$UNNAMED $LIST
		same "$v: ima_measurement $ign(unnamed banks): verdict" "$(verdict e)" "$(verdict v)"
		# shellcheck disable=SC2086
		both "$v: ima_measurement $ign(named banks)" ima_measurement $ign$NAMED $LIST
		same "$v: ima_measurement $ign(named banks): verdict" "$(verdict e)" "$(verdict v)"
		block=$(expect_block "ima_measurement $ign$UNNAMED")
		# without violations EXPECT.txt has only the run without the option
		[ -z "$block" ] && block=$(expect_block "ima_measurement $UNNAMED")
		if [ -z "$block" ]; then
			nok "$v: EXPECT.txt records ima_measurement $ign"
			continue
		fi
		SAME_LABELS="EXPECT vigil"
		same "$v: ima_measurement $ign(named banks): exit code as in EXPECT.txt" \
			"$(expect_rc "$block")" "$(rcof v)"
		same "$v: ima_measurement $ign(named banks): verdict as in EXPECT.txt" \
			"$(expect_verdict "$block")" "$(verdict v)"
		SAME_LABELS="evmctl vigil"
	done
}

# ima_boot_aggregate per bank, as evmctl and EXPECT.txt; and from the
# crypto-agile event log, which evmctl 1.4 cannot read and vigil can.
boot_aggregate_cases() {
	local v=$1 bank block agg=""
	for bank in sha1 sha256; do
		both "$v: ima_boot_aggregate --pcrs $bank" ima_boot_aggregate --pcrs "$bank,pcrs-$bank.txt"
		same "$v: ima_boot_aggregate --pcrs $bank: stdout" "$(cat "$TMP/e.out")" "$(cat "$TMP/v.out")"
		block=$(expect_block "ima_boot_aggregate --pcrs $bank,pcrs-$bank.txt")
		SAME_LABELS="EXPECT vigil"
		same "$v: ima_boot_aggregate --pcrs $bank: as in EXPECT.txt" \
			"$(sed -n '2s/^    //p' <<<"$block")" "$(cat "$TMP/v.out")"
		SAME_LABELS="evmctl vigil"
		agg+=$(cat "$TMP/e.out")$'\n'
	done
	[ -f binary_bios_measurements ] || return
	run v "$VEV" ima_boot_aggregate binary_bios_measurements
	same "$v: ima_boot_aggregate of the event log: exit code (evmctl 1.4: TPM 1.2 logs only)" \
		0 "$(rcof v)"
	same "$v: ima_boot_aggregate of the event log: the PCR files' aggregates" \
		"${agg%$'\n'}" "$(cat "$TMP/v.out")"
}

# sig_counts TAG: "OK FAILED NOSIG" lines of a -v run
sig_counts() {
	echo "$(count "$1" ': verification is OK') $(count "$1" ': verification failed')" \
		"$(count "$1" ': xattr ima has no signature')"
}

# --verify-sig as EXPECT.txt ran it: same exit code; the counts of evmctl
# for ima-sig lists, which alone evmctl checks; elsewhere vigil checks the
# sig field too and must find what openssl found (EXPECT.txt).
verify_sig_case() {
	local v=$1 args=$2 block want keys got ossl
	block=$(expect_block "$args")
	# shellcheck disable=SC2086
	both "$v: $args" ${args#-v } $NAMED $LIST
	run v "$VEV" -v ${args#-v } $NAMED $LIST
	SAME_LABELS="EXPECT vigil"
	same "$v: $args: exit code as in EXPECT.txt" "$(expect_rc "$block")" "$(rcof v)"
	want=$(sed -n "s/^    \([0-9]*\) x 'verification is OK', \([0-9]*\) x 'verification failed', \([0-9]*\) x 'has no signature'/\1 \2 \3/p" <<<"$block")
	got=$(sig_counts v)
	if grep -q "did not look at the sig field" <<<"$block"; then
		keys=${args##*--key }
		ossl=$(sed -n "s/.*openssl verify with $keys: \([0-9]*\) ok, \([0-9]*\) bad.*/\1 \2/p" EXPECT.txt)
		same "$v: $args: vigil checks the sig fields evmctl skips, as openssl did (ok, bad)" \
			"$ossl" "${got% *}"
	else
		same "$v: $args: OK/failed/no-signature lines as in EXPECT.txt" "$want" "$got"
		run e "$ORACLE" -v ${args#-v } $NAMED $LIST
		SAME_LABELS="evmctl vigil"
		same "$v: $args: OK/failed/no-signature lines as evmctl's" "$(sig_counts e)" "$got"
	fi
	SAME_LABELS="evmctl vigil"
}

# flip FILE OFFSET: one byte of FILE inverted in place
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# A damaged copy of the list: both refuse it, with the same exit code
# unless evmctl crashes.
damaged_case() {
	local v=$1 desc=$2 copy=$TMP/damaged
	# shellcheck disable=SC2086
	run e "$ORACLE" ima_measurement --ignore-violations $NAMED "$copy"
	# shellcheck disable=SC2086
	run v "$VEV" ima_measurement --ignore-violations $NAMED "$copy"
	check "$v: $desc: vigil fails (exit $(rcof v))" [ "$(rcof v)" != 0 ]
	if [ "$(rcof e)" -lt 128 ]; then
		same "$v: $desc: exit code" "$(rcof e)" "$(rcof v)"
	else
		ok "# SKIP $v: $desc: evmctl crashed (exit $(rcof e))"
	fi
}
damaged_cases() {
	local v=$1 size
	size=$(stat -c %s $LIST)
	cp $LIST "$TMP/damaged" && flip "$TMP/damaged" 4
	damaged_case "$v" "first template digest flipped"
	# byte 60: in the first entry's file digest (its name for "ima")
	cp $LIST "$TMP/damaged" && flip "$TMP/damaged" 60
	damaged_case "$v" "first entry's template data flipped"
	head -c $((size - 10)) $LIST >"$TMP/damaged"
	damaged_case "$v" "last entry cut short"
	head -c 40 $LIST >"$TMP/damaged"
	damaged_case "$v" "first entry cut short"
}

nvec=0
for dir in "$SHARED"/vectors/*/; do
	[ -f "$dir/$LIST" ] && [ -f "$dir/EXPECT.txt" ] || continue
	v=$(basename "$dir")
	nvec=$((nvec + 1))
	cd "$dir" || { nok "$v: cd"; continue; }
	measurement_cases "$v"
	boot_aggregate_cases "$v"
	while read -r args; do
		verify_sig_case "$v" "$args"
	done < <(sed -n 's/^\$ evmctl \(-v ima_measurement .*--verify-sig.*\) -> rc=.*/\1/p' EXPECT.txt)
	damaged_cases "$v"
done
cd "$TMP" || exit 1
check "vectors found in $SHARED/vectors ($nvec)" [ "$nvec" -gt 0 ]

# ---- the command line ----
: >"$TMP/empty"
both "ima_measurement without a file" ima_measurement
both "ima_measurement of a missing file" ima_measurement "$TMP/nonexistent"
both "ima_measurement of an empty list" ima_measurement --pcrs "sha1,$SHARED/vectors/ng-sha256/pcrs-sha1.txt" "$TMP/empty"
both "ima_measurement without PCRs (no TPM here)" ima_measurement "$SHARED/vectors/ng-sha256/$LIST"
both "ima_boot_aggregate without PCRs (no TPM here)" ima_boot_aggregate
# evmctl exits 0 having compared nothing; vigil refuses (doc/vigil-evmctl.1)
run v "$VEV" ima_measurement --pcrs sha1,"$TMP/nonexistent" "$SHARED/vectors/ng-sha256/$LIST"
same "ima_measurement --pcrs of a missing file: vigil exits 125" 125 "$(rcof v)"
run v "$VEV" ima_measurement --verify-bank=sha256 --pcrs "sha1,$SHARED/vectors/ng-sha256/pcrs-sha1.txt" \
	"$SHARED/vectors/ng-sha256/$LIST"
same "ima_measurement --verify-bank of a bank without values: vigil exits 1" 1 "$(rcof v)"

finish
