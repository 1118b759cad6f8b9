#!/usr/bin/env bash
# Violations as the kernel records them (ima_rdwr_violation_check): a file
# measured for reading and still open for reading, then opened for writing
# (ToMToU); a file to be measured for reading while open for writing
# elsewhere (open_writers).  Each is an entry with zero digests, the default
# template, PCR 10, extended with ones, before the file's own measurement,
# as in the kernel's list of ../shared/vectors/violations.
# Needs root; exits 77 (skip) otherwise.  VIGILD=vigild binary, VIGIL=CLI.

. "$(dirname "$0")/lib.sh"

need_env
[ -n "$VIGIL" ] || skip "VIGIL is not set: the list is replayed with vigil log replay"
setup_mount
mkdir -p "$MNT/v"
for f in tomtou-nochange tomtou-write tomtou-twice writers-nochange writers-write \
	quiet-write quiet-read; do
	echo "$f" >"$MNT/v/$f.txt"
done

write_config log 'measure func=FILE_CHECK mask=MAY_READ uid=0'
check "vigild starts (log mode, FILE_CHECK measured for root)" start_daemon
[ -n "$DPID" ] || { cat "$DLOG"; finish; exit 1; }

ZERO_LINE='^10 0{40} ima-ng sha256:0{64} '
LIST=$WORK/run/ascii_runtime_measurements
violations_for() { grep -cE "$ZERO_LINE$1\$" "$LIST"; }
# order_of PATH: "v" for a violation, "m" for a measurement, in list order.
order_of() {
	awk -v p="$1" '$NF == p { printf "%s", ($2 ~ /^0+$/ ? "v" : "m") }' "$LIST"
}

# hold MODE FILE: a process keeps FILE open (MODE "<" read, ">>" write) until release.
HOLDERS=()
hold() {
	case $1 in
	"<") sleep 30 <"$2" & ;;
	">>") sleep 30 >>"$2" & ;;
	esac
	HOLDERS+=($!)
	sleep 0.3
}
release() {
	kill "${HOLDERS[@]}" 2>/dev/null
	wait "${HOLDERS[@]}" 2>/dev/null
	HOLDERS=()
}

V=$MNT/v
# ToMToU: measured by a reader that keeps it open, then opened for writing.
hold "<" "$V/tomtou-nochange.txt"
: >>"$V/tomtou-nochange.txt"
hold "<" "$V/tomtou-write.txt"
echo more >>"$V/tomtou-write.txt"
cat "$V/tomtou-write.txt" >/dev/null
hold "<" "$V/tomtou-twice.txt"
: >>"$V/tomtou-twice.txt"
: >>"$V/tomtou-twice.txt"
release
# open_writers: a writer holds it, then a reader opens it.
hold ">>" "$V/writers-nochange.txt"
cat "$V/writers-nochange.txt" >/dev/null
release
hold ">>" "$V/writers-write.txt"
echo more >>"$V/writers-write.txt"
cat "$V/writers-write.txt" >/dev/null
release
# No violation: a write with no reader holding the file; a read with no writer.
cat "$V/quiet-write.txt" >/dev/null
echo more >>"$V/quiet-write.txt"
cat "$V/quiet-read.txt" >/dev/null
sleep 0.3

check "ToMToU (no change): measured, then one violation" test "$(order_of "$V/tomtou-nochange.txt")" = mv
check "ToMToU (written): measured, violation, measured again" \
	test "$(order_of "$V/tomtou-write.txt")" = mvm
check "ToMToU twice: two violations" test "$(order_of "$V/tomtou-twice.txt")" = mvv
check "open_writers (no change): the violation comes before the measurement" \
	test "$(order_of "$V/writers-nochange.txt")" = vm
check "open_writers (written): violation, then the measurement" \
	test "$(order_of "$V/writers-write.txt")" = vm
check "a write with no reader holding the file: no violation" \
	test "$(violations_for "$V/quiet-write.txt")" -eq 0
check "a read with no writer: no violation" test "$(violations_for "$V/quiet-read.txt")" -eq 0
check "violation entries are the kernel's: zero template digest, ima-ng sha256 zeros" \
	test "$(grep -cE "$ZERO_LINE" "$LIST")" -eq 6
check "each violation is logged with the kernel's cause" \
	bash -c '[ "$(grep -c "invalid_pcr: .* cause=ToMToU" "$1")" -eq 4 ] &&
		[ "$(grep -c "invalid_pcr: .* cause=open_writers" "$1")" -eq 2 ]' _ "$DLOG"
check "ima_policy_violations_total counts them" test "$(metric ima_policy_violations_total)" = 6

replay_out=$("$VIGIL" log replay --pcrs "sha1,$WORK/run/pcrs-sha1" \
	--pcrs "sha256,$WORK/run/pcrs-sha256" "$WORK/run/binary_runtime_measurements" 2>&1)
replay_rc=$?
check "vigil log replay: the PCRs match with violations extended as ones" \
	bash -c '[[ $1 == *"sha256"*"match"* ]]' _ "$replay_out"
check "... and it reports the list failed (files measured while open for write)" \
	test "$replay_rc" -ne 0
check "... unless --ignore-violations" "$VIGIL" log replay --ignore-violations -q \
	--pcrs "sha1,$WORK/run/pcrs-sha1" --pcrs "sha256,$WORK/run/pcrs-sha256" \
	"$WORK/run/binary_runtime_measurements"
check "vigild stops on SIGTERM" stop_daemon

# A rule with no subject or mask condition: decisions could be cached in
# the kernel, which would hide the opens that make violations.
for f in c-tomtou c-writers opath mapped; do echo "$f" >"$V/$f.txt"; done
write_config log 'measure func=FILE_CHECK'
check "vigild starts with a cacheable FILE_CHECK measure rule" start_daemon
cat "$V/c-tomtou.txt" >/dev/null # measured, and would be cached
hold "<" "$V/c-tomtou.txt"
: >>"$V/c-tomtou.txt"
release
cat "$V/c-writers.txt" >/dev/null
hold ">>" "$V/c-writers.txt"
cat "$V/c-writers.txt" >/dev/null
release
check "cacheable rule: ToMToU still recorded" test "$(order_of "$V/c-tomtou.txt")" = mv
check "cacheable rule: open_writers still recorded" test "$(order_of "$V/c-writers.txt")" = mv
# An O_PATH descriptor reads nothing: not a reader.
cat "$V/opath.txt" >/dev/null
python3 -c 'import os, sys, time; fd = os.open(sys.argv[1], os.O_PATH); time.sleep(30)' \
	"$V/opath.txt" &
HOLDERS+=($!)
sleep 0.5
: >>"$V/opath.txt"
release
check "an O_PATH holder is no reader: no ToMToU" test "$(order_of "$V/opath.txt")" = m
# A mapping keeps the file open for reading after its descriptor is closed.
python3 -c 'import mmap, sys, time
f = open(sys.argv[1], "rb"); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ); f.close()
time.sleep(30)' "$V/mapped.txt" &
HOLDERS+=($!)
sleep 0.5
: >>"$V/mapped.txt"
release
check "a reader holding only a mapping: ToMToU" test "$(order_of "$V/mapped.txt")" = mv
check "vigild stops on SIGTERM" stop_daemon
finish
