#!/usr/bin/env bash
# vigild extending a TPM (swtpm) on a private loop-mounted ext4: every
# entry goes into PCR 10 of every active bank before the exec goes on; the
# TPM, `vigil log replay` of vigild's list and vigild's software PCRs agree;
# boot_aggregate comes from the TPM's PCRs 0-7/0-9; a restart continues the
# list; a TPM reset makes vigild refuse the old list; a dead TPM denies the
# next measured exec in enforce mode.
# Needs root, swtpm and tpm2-tools; exits 77 (skip) otherwise.

. "$(dirname "$0")/lib.sh"

need_env
command -v swtpm >/dev/null || skip "no swtpm"
command -v tpm2_pcrread >/dev/null || skip "no tpm2_pcrread (tpm2-tools)"
command -v ss >/dev/null || skip "no ss (iproute2) to find free ports"
[ -n "$VIGIL" ] || skip "VIGIL (the CLI) is needed for log replay and boot-aggregate"
setup_mount

SWPID=
stop_swtpm() {
	[ -n "$SWPID" ] || return 0
	kill -TERM "$SWPID" 2>/dev/null
	wait "$SWPID" 2>/dev/null
	SWPID=
}
trap 'stop_daemon; stop_swtpm; cleanup' EXIT

# Two free TCP ports (server, control) from a range nothing standard uses.
free_port() {
	local p _
	for _ in $(seq 50); do
		p=$((20000 + (RANDOM % 20000) * 2))
		if [ -z "$(ss -Htan "( sport = :$p or sport = :$((p + 1)) )")" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
PORT=$(free_port) || skip "no free TCP port pair"
TCTI="swtpm:host=127.0.0.1,port=$PORT"
export TPM2TOOLS_TCTI=$TCTI

# start_swtpm: a TPM 2.0 that has had TPM2_Startup(CLEAR): PCRs 0-16 zero.
start_swtpm() {
	mkdir -p "$WORK/tpm"
	timeout -k 5 250 swtpm socket --tpm2 --tpmstate dir="$WORK/tpm" \
		--server type=tcp,bindaddr=127.0.0.1,port="$PORT" \
		--ctrl type=tcp,bindaddr=127.0.0.1,port=$((PORT + 1)) \
		--flags not-need-init,startup-clear >"$WORK/swtpm.log" 2>&1 &
	SWPID=$!
	local _
	for _ in $(seq 50); do
		timeout 5 tpm2_pcrread sha256:10 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

BANKS="sha1 sha256 sha384 sha512"
BIN=$WORK/run/binary_runtime_measurements
ASCII=$WORK/run/ascii_runtime_measurements

tpm_pcr() { # BANK PCR: the TPM's value, lower-case hex
	timeout 10 tpm2_pcrread "$1:$2" |
		awk -v n="$2" '$1 == n ":" { sub(/^0x/, "", $2); print tolower($2) }'
}

replay_pcr() { # BANK: the PCR that `vigil log replay` computes from vigild's list
	# "sha256 PCR-10 HEX (per-bank), HEX (padded SHA-1)": the per-bank value
	"$VIGIL" log replay --bank "$1" "$BIN" |
		awk -v b="$1" -v n="$(printf 'PCR-%02d' "$PCR")" '$1 == b && $2 == n { print tolower($3) }'
}

soft_pcr() { # BANK: the PCR of vigild's software aggregate
	awk -v n="$(printf 'PCR-%02d:' "$PCR")" '$1 == n { print tolower($2) }' "$WORK/run/pcrs-$1"
}

# agree: for every bank the TPM has, TPM == replay == software, not zero.
agree() {
	local b t r s
	for b in $BANKS; do
		t=$(tpm_pcr "$b" "$PCR")
		r=$(replay_pcr "$b")
		s=$(soft_pcr "$b")
		if [ -z "$t" ] || [ "$t" != "$r" ] || [ "$t" != "$s" ] || [[ $t =~ ^0+$ ]]; then
			echo "# $b PCR-$PCR: tpm '$t' replay '$r' software '$s'"
			return 1
		fi
	done
}

agree_entries() { # N: agree, and the list has N entries
	agree && [ "$(wc -l <"$ASCII")" -eq "$1" ]
}

check "swtpm starts (port $PORT)" start_swtpm || { finish; exit 1; }
for f in true echo dash; do
	cp "$(type -P $f)" "$MNT/$f" || skip "no $f to copy"
done
cp "$MNT/true" "$MNT/later"
cp "$MNT/true" "$MNT/rolled"
cp "$MNT/true" "$MNT/after-reset"
cp "$MNT/true" "$MNT/unmeasured"

# PCR 10 is the kernel's when it runs IMA of its own: vigild must refuse it
# then, and the rest of the test uses PCR 11.
PCR=10
kernel_ima() {
	local l
	for l in /sys/kernel/security/ima /sys/kernel/security/integrity/ima; do
		[ -n "$(head -c1 "$l/ascii_runtime_measurements" 2>/dev/null)" ] && return 0
	done
	return 1
}
if kernel_ima; then
	write_config enforce 'measure func=BPRM_CHECK mask=MAY_EXEC' "tpm = $TCTI"
	if start_daemon; then
		not_ok "the kernel runs IMA: tpm_pcr 10 is refused"
		stop_daemon
	else
		ok "the kernel runs IMA: tpm_pcr 10 is refused"
	fi
	check "... with a clear message" grep -q "tpm_pcr 10: the kernel runs IMA" "$DLOG"
	PCR=11
else
	skip_check "tpm_pcr 10 is refused when the kernel runs IMA" "this kernel runs no IMA"
fi

write_config enforce 'measure func=BPRM_CHECK mask=MAY_EXEC' "tpm = $TCTI
tpm_pcr = $PCR"

check "vigild starts with tpm = $TCTI" start_daemon
[ -n "$DPID" ] || { cat "$DLOG"; finish; exit 1; }
check "start-up names the TPM, PCR $PCR and its banks" \
	log_has "TPM $TCTI: extending PCR $PCR of the banks sha1,sha256,sha384,sha512"

check "measured binary runs" runs "$MNT/true"
check "another one runs" runs "$MNT/echo" hello
check "a third one runs" runs "$MNT/dash" -c true
check "TPM PCR $PCR = log replay = software PCR $PCR, in all 4 banks" agree
n=$(wc -l <"$ASCII")
check "the list has boot_aggregate and 3 files ($n entries)" test "$n" -eq 4
check "metric tpm_pcr10_extended_total equals the extends ($n)" \
	test "$(metric tpm_pcr10_extended_total)" = "$n"

# boot_aggregate: ima-ng with sha256 (vigild's default hash) from the TPM.
boot=$(awk 'NR == 1 && $NF == "boot_aggregate" { print $4 }' "$ASCII")
want=$("$VIGIL" boot-aggregate --tpm --tcti "$TCTI" --hash-algo sha256)
check "boot_aggregate ($boot) equals vigil boot-aggregate of the swtpm's PCRs" \
	test -n "$boot" -a "$boot" = "$want"
check "... and is not zeros" test "${boot#sha256:}" != "$(printf '0%.0s' $(seq 64))"

# A restart against the same TPM continues the list.
stop_daemon
check "vigild restarts against the same TPM" start_daemon
check "... resuming the list ($n entries)" log_has "binary_runtime_measurements: $n entries"
check "a new binary runs after the restart" runs "$MNT/later"
check "TPM, replay and software still agree after the restart" agree
check "... with $((n + 1)) entries and no second boot_aggregate" \
	test "$(wc -l <"$ASCII")" -eq $((n + 1)) -a "$(grep -c boot_aggregate "$ASCII")" -eq 1

# vigild stopped between a TPM extend and the commit of the state file
# (simulated by putting back the state of before the exec): the entry the
# TPM has, written after the committed ones, is committed at start-up.
cp "$WORK/run/vigild.state" "$WORK/state.before"
check "a binary runs (to be uncommitted)" runs "$MNT/rolled"
stop_daemon
cp "$WORK/state.before" "$WORK/run/vigild.state"
check "vigild starts after a stop between a TPM extend and its commit" start_daemon
check "... committing the entry the TPM had" log_has "was in the TPM but not committed"
check "... TPM, replay and software agree, $((n + 2)) entries" agree_entries $((n + 2))

# A TPM reset (swtpm restarted: PCRs zero): the old list cannot continue.
stop_daemon
stop_swtpm
check "swtpm restarts (a TPM reset)" start_swtpm
if start_daemon; then
	not_ok "vigild refuses the old list after a TPM reset"
	stop_daemon
else
	ok "vigild refuses the old list after a TPM reset"
fi
check "... saying the TPM was reset and what the kernel runs" \
	grep -qE "PCR-$PCR is 0000000000000000\.\. but the measurement list .* the TPM was reset .*(kernel runs no IMA|kernel runs IMA).*--reset-log" "$DLOG"
check "vigild --reset-log starts a new list on the reset TPM" start_daemon --reset-log
check "... one entry (boot_aggregate)" test "$(wc -l <"$ASCII")" -eq 1
check "a binary runs on the new list" runs "$MNT/after-reset"
check "TPM, replay and software agree on the new list" agree

# The TPM dies while vigild enforces: a new measurement cannot be extended: EPERM.
entries=$(wc -l <"$ASCII")
log_mark
stop_swtpm
check "TPM gone: an unmeasured binary is denied (EPERM)" denied "$MNT/unmeasured"
check "... and the failed extend is logged" \
	log_has "$MNT/unmeasured: TPM \($TCTI\): extending PCR $PCR: .*\(denied\)"
check "... the list did not grow" test "$(wc -l <"$ASCII")" -eq "$entries"
check "... a binary measured before still runs (cached)" runs "$MNT/after-reset"
# The TPM comes back (reset): vigild must not extend a TPM that may disagree.
cp "$MNT/true" "$MNT/unmeasured2"
check "swtpm restarts while vigild runs" start_swtpm
log_mark
check "a TPM back after a failed extend is not used: EPERM" denied "$MNT/unmeasured2"
check "... logged: an earlier extend failed" \
	log_has "$MNT/unmeasured2: .*an earlier extend failed.*restart vigild.*\(denied\)"
check "... the list still did not grow" test "$(wc -l <"$ASCII")" -eq "$entries"
check "vigild stops cleanly without its TPM" stop_daemon

# A TPM that hangs (stopped, not dead): the extend gives up after its
# deadline and the exec is denied, instead of holding every open forever.
cp "$MNT/true" "$MNT/unmeasured3"
check "vigild starts a new list on the restarted TPM" start_daemon --reset-log
check "a binary runs with the TPM answering" runs "$MNT/after-reset"
log_mark
pkill -STOP -P "$SWPID" swtpm # SWPID is the timeout wrapping it
started=$(date +%s)
check "TPM hung: an unmeasured binary is denied (EPERM), not blocked" denied "$MNT/unmeasured3"
check "... within the extend deadline (under 10 s)" test $(($(date +%s) - started)) -lt 10
check "... logged: no answer within the deadline" \
	log_has "$MNT/unmeasured3: TPM \($TCTI\): extending PCR $PCR: .*no answer within [0-9]+ s"
pkill -CONT -P "$SWPID" swtpm
check "vigild stops cleanly after a hung TPM" stop_daemon

finish
