# shellcheck shell=bash
# Shared by the vigild integration tests: a private loop-mounted ext4 is the
# only thing ever marked; every daemon runs under timeout; a trap stops the
# daemon and unmounts whatever happens.
#
# Environment: VIGILD (the daemon), VIGIL (the CLI, optional: evmctl signs
# otherwise), VIGIL_TEST_DATA (tests/data; default: next to this script).

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA=${VIGIL_TEST_DATA:-$HERE/../data}
KEY=$DATA/rsa2048.pem
CERT=$DATA/rsa2048-cert.der
OTHER_KEY=$DATA/rsa-other.pem
DAEMON_TIMEOUT=${DAEMON_TIMEOUT:-100}

PASSED=0
FAILED=0
WORK=
MNT=
DPID=
DLOG=

skip() {
	echo "SKIP: $*"
	exit 77
}

ok() {
	PASSED=$((PASSED + 1))
	echo "ok - $*"
}

not_ok() {
	FAILED=$((FAILED + 1))
	echo "not ok - $*"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

skip_check() { # DESCRIPTION REASON: counted neither passed nor failed
	SKIPPED=$((${SKIPPED:-0} + 1))
	echo "ok - $1 # SKIP $2"
}

# check_evmctl DESCRIPTION COMMAND...: check, or skip when evmctl is missing.
check_evmctl() {
	if command -v evmctl >/dev/null; then check "$@"; else skip_check "$1" "no evmctl"; fi
}

finish() {
	echo "$PASSED passed, $FAILED failed${SKIPPED:+, $SKIPPED skipped}"
	[ "$FAILED" -eq 0 ]
}

need_env() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (fanotify permission events, loop mounts)"
	[ -n "${VIGILD:-}" ] && [ -x "$VIGILD" ] || skip "VIGILD is not set to the vigild binary"
	[ -d /proc/sys/fs/fanotify ] || skip "kernel without fanotify"
	command -v mkfs.ext4 >/dev/null || skip "no mkfs.ext4"
	command -v losetup >/dev/null && losetup -f >/dev/null 2>&1 || skip "no free loop device"
	if [ -z "${VIGIL:-}" ] || [ ! -x "${VIGIL:-}" ]; then
		VIGIL=
		command -v evmctl >/dev/null || skip "neither VIGIL nor evmctl to sign files"
	fi
	[ -r "$KEY" ] && [ -r "$CERT" ] || skip "test keys not found in $DATA"
}

cleanup() {
	stop_daemon
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	[ -n "$WORK" ] && [ -z "${KEEP:-}" ] && rm -rf "$WORK"
}

# An ext4 image (64 MiB, or $IMG_SIZE) mounted at $MNT: the only filesystem the tests mark.
setup_mount() {
	WORK=$(mktemp -d /tmp/vigild-test.XXXXXX)
	trap cleanup EXIT
	trap 'exit 130' INT TERM # so that the EXIT trap unmounts
	MNT=$WORK/mnt
	mkdir -p "$MNT" "$WORK/run" "$WORK/state"
	truncate -s "${IMG_SIZE:-64M}" "$WORK/img"
	mkfs.ext4 -q -F "$WORK/img" || skip "mkfs.ext4 failed"
	mount -o loop "$WORK/img" "$MNT" || skip "cannot loop-mount an ext4 image"
	mountpoint -q "$MNT" || skip "$MNT is not a mount point"
}

sign_file() { # KEY FILE
	if [ -n "$VIGIL" ]; then
		"$VIGIL" sign -k "$1" "$2" >/dev/null
	else
		evmctl ima_sign --key "$1" -a sha256 "$2" >/dev/null
	fi
}

hash_file() { # FILE: security.ima = the sha256 hash only
	if [ -n "$VIGIL" ]; then
		"$VIGIL" sign --hash-only "$1" >/dev/null
	else
		evmctl ima_hash -a sha256 "$1" >/dev/null
	fi
}

# write_config MODE POLICY_TEXT [EXTRA LINES]
write_config() {
	printf '%s\n' "$2" >"$WORK/policy"
	cat >"$WORK/vigild.conf" <<-EOF
		# written by $(basename "$0")
		policy = $WORK/policy
		keys = $CERT
		mode = $1
		mark = $MNT
		run_dir = $WORK/run
		state_dir = $WORK/state
		${3:-}
	EOF
}

# start_daemon [ARGS...]: waits for "ready"; fails if it exits first.
start_daemon() {
	DLOG=$WORK/vigild.$((${DLOG_N:=0} + 1)).log
	DLOG_N=$((DLOG_N + 1))
	LOG_MARK=0
	timeout -k 5 "$DAEMON_TIMEOUT" "$VIGILD" -c "$WORK/vigild.conf" "$@" >"$DLOG" 2>&1 &
	local tpid=$! i
	disown "$tpid" # no "Killed" job notice when a test kills it
	for i in $(seq 100); do
		if grep -q 'vigild: ready (pid' "$DLOG"; then
			DPID=$(sed -n 's/.*vigild: ready (pid \([0-9]*\)).*/\1/p' "$DLOG")
			return 0
		fi
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.1
	done
	# Not ready: kill timeout and the daemon under it, whatever state they are in.
	local child
	child=$(ps -o pid= --ppid "$tpid" 2>/dev/null)
	[ -n "$child" ] && kill -KILL $child 2>/dev/null
	kill -KILL "$tpid" 2>/dev/null
	DPID=
	return 1
}

# stop_daemon: SIGTERM; a daemon still there after 5 s is a failure (then SIGKILL).
stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	local i
	for i in $(seq 50); do
		kill -0 "$DPID" 2>/dev/null || { DPID=; return 0; }
		sleep 0.1
	done
	not_ok "vigild (pid $DPID) did not exit within 5 s of SIGTERM: killed"
	kill -KILL "$DPID" 2>/dev/null
	DPID=
	return 1
}

# runs FILE [ARGS]: exit status of running it, and its stderr in $RUN_ERR.
runs() {
	RUN_ERR=$(timeout 10 "$@" 2>&1 >/dev/null)
}

# denied FILE: execve fails with EPERM ("Operation not permitted").
denied() {
	local err
	err=$(timeout 10 bash -c 'exec "$@"' _ "$@" 2>&1 >/dev/null)
	[ $? -ne 0 ] && [[ $err == *"Operation not permitted"* ]]
}

# log_mark: remember the log's size; log_has then only looks at what came after.
LOG_MARK=0
log_mark() {
	LOG_MARK=$(stat -c %s "$DLOG" 2>/dev/null || echo 0)
}

# log_has PATTERN: the current daemon's log, after the last log_mark (or
# start_daemon), has a line matching PATTERN (grep -E).
log_has() {
	sleep 0.2
	tail -c +"$((LOG_MARK + 1))" "$DLOG" | grep -qE "$1"
}

# entries_for PATH: how many measurement list entries name PATH.
entries_for() {
	awk -v p="$1" '$NF == p || $(NF-1) == p' "$WORK/run/ascii_runtime_measurements" | wc -l
}

# The list replays to the PCRs vigild wrote (evmctl reads bank,file pairs).
replays() {
	evmctl ima_measurement --pcrs "sha1,$WORK/run/pcrs-sha1" \
		--pcrs "sha256,$WORK/run/pcrs-sha256" \
		"$WORK/run/binary_runtime_measurements" 2>&1 |
		grep -q 'Matched per TPM bank calculated digest'
}

metric() { # NAME_AND_LABELS: its value in the textfile
	sleep 1.2 # the housekeeping thread writes once a second
	awk -v k="$1" 'index($0, k " ") == 1 { print $NF }' "$WORK/state/vigild.prom"
}
