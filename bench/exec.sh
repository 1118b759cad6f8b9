#!/usr/bin/env bash
# Exec overhead of vigild, and of fapolicyd as the peer: a loop of fork +
# execve (bench/exec_loop.c) of a static, a dynamic and a dynamic binary
# whose ld.so and libc also lie on the test filesystem, measured in one run
# as: no daemon (baseline), vigild warm (measure + appraise in enforce mode,
# signed binaries, caches filled), vigild cold (a fresh daemon's first exec
# of each of N distinct signed copies) and fapolicyd warm.  Rounds are
# interleaved; figures are medians over the rounds, ratios are per-round
# against the baseline of the same round.  See bench/README.md.
#
# Safety: everything runs in a private mount namespace holding the only
# mount of a loop-mounted image of type $BENCH_FSTYPE (ext3 by default,
# served by the ext4 driver, and a type no live mount has).  vigild marks
# that filesystem only; fapolicyd's watch_fs names that type only, so it
# marks that mount only.  Both run under timeout -k; after each start the
# marks are read back from /proc/PID/fdinfo and a daemon holding any other
# mark is killed; a watchdog in the root namespace kills the daemons if an
# exec of /bin/true on the live root ever stalls.
#
# Needs root.  Environment: VIGIL, VIGILD (binaries; default build/),
# BENCH_EXECS (3000), BENCH_ROUNDS (5), BENCH_COLD_N (distinct copies per
# target, default BENCH_EXECS), BENCH_FSTYPE (ext3), BENCH_FAPOLICYD=0 to
# leave fapolicyd out, BENCH_FAPOLICYD_INSTALL=0 to never apt-get it.
set -u -o pipefail

. "$(dirname "$0")/lib.sh"
set +e # lib.sh sets -e; every step here checks its own result
VIGIL=${VIGIL:-$vigil}
VIGILD=${VIGILD:-$root/build/tools/vigild/vigild}
N=${BENCH_EXECS:-3000}
ROUNDS=${BENCH_ROUNDS:-5}
COLD_N=${BENCH_COLD_N:-$N}
FSTYPE=${BENCH_FSTYPE:-ext3}
KEY=$root/tests/data/rsa2048.pem
CERT=$root/tests/data/rsa2048-cert.der
TARGETS=(static dynamic dynlibs)
CLK_TCK=$(getconf CLK_TCK)

die() {
	echo "exec.sh: $*" >&2
	exit 1
}

# ------------------------------------------------------------ outer part
# Checks, fapolicyd installation, the watchdog; then the namespace.

skip_bench() {
	echo "exec bench: SKIP: $*"
	exit 0
}

outer_checks() {
	[ "$(id -u)" -eq 0 ] || skip_bench "needs root (fanotify, loop mounts, mount namespace)"
	[ -x "$VIGILD" ] && [ -x "$VIGIL" ] || skip_bench "no vigild/vigil at $VIGILD, $VIGIL"
	command -v cc >/dev/null && command -v unshare >/dev/null && command -v "mkfs.$FSTYPE" >/dev/null ||
		skip_bench "needs cc, unshare and mkfs.$FSTYPE"
	[ -f "$(cc -print-file-name=libc.a)" ] ||
		skip_bench "no libc.a for the static target (libc6-dev)"
	[ "$N" -ge 1 ] && [ "$ROUNDS" -ge 1 ] && [ "$COLD_N" -ge 1 ] || die "BENCH_EXECS, BENCH_ROUNDS, BENCH_COLD_N must be >= 1"
}

# The package's postinst starts the service through systemd only, and
# invoke-rc.d/deb-systemd-invoke obey a policy-rc.d that answers 101.
install_starts_nothing() {
	[ -d /run/systemd/system ] || return 0
	[ -x /usr/sbin/policy-rc.d ] || return 1
	/usr/sbin/policy-rc.d fapolicyd start >/dev/null 2>&1
	[ $? -eq 101 ]
}

# fapolicyd: installed only where installing cannot start it on the live
# system (no systemd, or a policy-rc.d that refuses service starts).
want_fapolicyd() {
	FAPO_REASON=
	[ "${BENCH_FAPOLICYD:-1}" = 1 ] || { FAPO_REASON="BENCH_FAPOLICYD=0"; return 1; }
	if awk -v t="$FSTYPE" '$3 == t { found = 1 } END { exit !found }' /proc/self/mounts; then
		FAPO_REASON="a live mount has type $FSTYPE: watch_fs=$FSTYPE would mark it"
		return 1
	fi
	command -v fapolicyd >/dev/null && return 0
	if [ "${BENCH_FAPOLICYD_INSTALL:-1}" != 1 ]; then
		FAPO_REASON="fapolicyd is not installed"
		return 1
	fi
	if ! install_starts_nothing; then
		FAPO_REASON="not installed, and installing it here would start it on every live mount: install it yourself"
		return 1
	fi
	echo "exec bench: installing fapolicyd (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fapolicyd >/dev/null 2>&1 ||
		{ FAPO_REASON="apt-get install fapolicyd failed"; return 1; }
	command -v fapolicyd >/dev/null
}

# Every 2 s an exec of /bin/true on the live root: if one stays blocked for
# 2 s, a daemon is holding the live filesystem: kill the daemon running now
# (daemon.pids names it while it runs, and nothing otherwise).
watchdog() {
	local child
	exec 9<> <(:)
	while :; do
		/bin/true &
		child=$!
		read -r -t 2 -u 9 _
		if kill -0 "$child" 2>/dev/null; then
			echo "exec bench: WATCHDOG: an exec on / is blocked: killing the daemons" >&2
			# shellcheck disable=SC2046
			kill -KILL $(cat "$WORK/daemon.pids" 2>/dev/null) 2>/dev/null
		fi
		wait "$child"
	done
}

outer() {
	outer_checks
	export FAPO=1 FAPO_REASON=
	want_fapolicyd || FAPO=0
	WORK=$(mktemp -d /tmp/vigil-bench-exec.XXXXXX)
	export WORK
	: >"$WORK/daemon.pids"
	watchdog &
	WATCHDOG_PID=$!
	trap 'kill "$WATCHDOG_PID" 2>/dev/null; [ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT
	unshare -m --propagation private bash "${BASH_SOURCE[0]}" --in-namespace
	local rc=$?
	kill "$WATCHDOG_PID" 2>/dev/null
	wait "$WATCHDOG_PID" 2>/dev/null
	return $rc
}

# ------------------------------------------------------------ inner part
# In the private mount namespace: the test filesystem, the targets, the rounds.

MNT=
BACKING=
VRUN=
DPID=
FPID=

inner_cleanup() {
	stop_vigild
	stop_fapolicyd
	local m
	for m in "$MNT" "$BACKING" "$VRUN"; do
		if [ -n "$m" ] && mountpoint -q "$m"; then
			umount "$m" 2>/dev/null || umount -l "$m"
		fi
	done
}

# An image of type $FSTYPE at $MNT: the only filesystem marked.  The image
# lives on a tmpfs private to the namespace, so that a page the page cache
# dropped comes back from memory, not from a shared disk's queue.
setup_mount() {
	local mb=$((COLD_N * 3 / 2 + 256)) # the static copies take ~0.8 MB each
	BACKING=$WORK/backing
	MNT=$WORK/mnt
	mkdir -p "$MNT" "$BACKING"
	mount -t tmpfs -o size=$((mb + 16))M tmpfs "$BACKING" || die "cannot mount a tmpfs for the image"
	truncate -s "${mb}M" "$BACKING/img" || die "cannot create $BACKING/img"
	"mkfs.$FSTYPE" -q -F "$BACKING/img" || die "mkfs.$FSTYPE failed"
	mount -t "$FSTYPE" -o loop "$BACKING/img" "$MNT" || die "cannot loop-mount the $FSTYPE image"
	# vigild's run and state directories on a tmpfs, as /run is: each new
	# measurement is made durable (fdatasync, fsync, rename) before the
	# exec is allowed, which on a shared disk would time the disk.
	VRUN=$WORK/vigild-run
	mkdir -p "$VRUN"
	mount -t tmpfs -o size=256M tmpfs "$VRUN" || die "cannot mount a tmpfs for vigild's run directory"
	[ "$(awk -v t="$FSTYPE" '$3 == t' /proc/self/mounts | wc -l)" -eq 1 ] ||
		die "more than one $FSTYPE mount in the namespace"
	TEST_DEV=$(printf '%x' $(($(stat -c '%Hd' "$MNT") << 20 | $(stat -c '%Ld' "$MNT"))))
	TEST_MNT_ID=$(printf '%x' "$(awk -v m="$MNT" '$5 == m { print $1 }' /proc/self/mountinfo)")
}

# The targets, compiled into $WORK and copied onto the mount, all signed:
#  static   cc -static (glibc's libc.a);
#  dynamic  ld.so and libc on the (unmarked) root: only the binary is seen;
#  dynlibs  its PT_INTERP and RUNPATH point at copies of ld.so and libc on
#           the mount: the exec of ld.so and the open of libc are seen too.
build_targets() {
	local ldso libc t i
	ldso=$(readlink -f "$(cc -print-file-name=ld-linux-x86-64.so.2)")
	[ -f "$ldso" ] || ldso=$(readlink -f /lib64/ld-linux-x86-64.so.2)
	libc=$(readlink -f "$(ldd /bin/true | awk '$1 == "libc.so.6" { print $3 }')")
	[ -f "$ldso" ] && [ -f "$libc" ] || die "cannot find ld.so and libc.so.6"
	mkdir -p "$MNT/lib" "$MNT/cold"
	cp "$ldso" "$MNT/lib/ld-linux-x86-64.so.2"
	cp "$libc" "$MNT/lib/libc.so.6"
	printf 'int main(void) { return 0; }\n' >"$WORK/hello.c"
	cc -O2 -Wall -Wextra -Werror -o "$WORK/exec_loop" "$root/bench/exec_loop.c" || die "exec_loop.c does not compile"
	cc -O2 -static -o "$MNT/static" "$WORK/hello.c" || die "cc -static failed"
	cc -O2 -o "$MNT/dynamic" "$WORK/hello.c" || die "cc failed"
	cc -O2 -o "$MNT/dynlibs" "$WORK/hello.c" -Wl,--dynamic-linker="$MNT/lib/ld-linux-x86-64.so.2" \
		-Wl,-rpath,"$MNT/lib" -Wl,--disable-new-dtags || die "cc (ld.so on the mount) failed"
	for t in "${TARGETS[@]}"; do
		mkdir -p "$MNT/cold/$t"
		for i in $(seq -w 1 "$COLD_N"); do cp "$MNT/$t" "$MNT/cold/$t/$i"; done
	done
	"$VIGIL" sign -k "$KEY" "$MNT/lib"/* "${TARGETS[@]/#/$MNT/}" >/dev/null || die "vigil sign failed"
	find "$MNT/cold" -type f -print0 | xargs -0 -n 1000 "$VIGIL" sign -k "$KEY" >/dev/null ||
		die "vigil sign (cold copies) failed"
	for t in "${TARGETS[@]}"; do "$MNT/$t" || die "$MNT/$t does not run"; done
}

# marks_confined PID: every fanotify mark PID holds is on the test
# filesystem (sdev) or the test mount (mnt_id); and there is at least one.
marks_confined() {
	local pid=$1 fd line v n=0
	for fd in /proc/"$pid"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[fanotify]" ] || continue
		while read -r line; do
			case $line in
			"fanotify flags:"*) continue ;;
			*mnt_id:*) v=${line#*mnt_id:} && [ "${v%% *}" = "$TEST_MNT_ID" ] ;;
			*sdev:*) v=${line#*sdev:} && [ "${v%% *}" = "$TEST_DEV" ] ;;
			*) false ;;
			esac || { echo "exec bench: pid $pid holds a mark off the test filesystem: $line" >&2; return 1; }
			n=$((n + 1))
		done < <(grep '^fanotify ' /proc/"$pid"/fdinfo/"${fd##*/}")
	done
	[ "$n" -gt 0 ] || { echo "exec bench: pid $pid holds no fanotify mark" >&2; return 1; }
	echo "  marks: pid $pid holds $n, all on the test filesystem (sdev $TEST_DEV) or mount (mnt_id $TEST_MNT_ID)"
}

# One daemon runs at a time; the watchdog kills whatever daemon.pids names.
track_pid() { echo "$1" >"$WORK/daemon.pids"; }
untrack_pid() { : >"$WORK/daemon.pids"; }

# ---- vigild
# enforce mode: a refused exec would stop the loop, so a fast wrong answer
# cannot pass.  Two policies:
#  vigild.conf        measure + appraise (imasig) every exec: BPRM_CHECK.
#  vigild-file.conf   the same plus the tcb policy's "measure func=FILE_CHECK
#                     mask=MAY_READ": a decision that depends on the open's
#                     mode may not become an ignore mark, and an exec's event
#                     carries FAN_OPEN_PERM too, so every exec (and libc's
#                     open, for dynlibs) reaches vigild: the kernel-side cache
#                     is off, vigild's own inode cache still saves the hashing.
write_vigild_config() { # NAME POLICY
	printf '%s\n' "$2" >"$WORK/$1.policy"
	cat >"$WORK/$1.conf" <<-EOF
		policy = $WORK/$1.policy
		keys = $CERT
		mode = enforce
		mark = $MNT
		run_dir = $VRUN/run
		state_dir = $VRUN/state
	EOF
}

write_vigild_configs() {
	local exec_rules='measure func=BPRM_CHECK mask=MAY_EXEC
appraise func=BPRM_CHECK appraise_type=imasig'
	write_vigild_config vigild "$exec_rules"
	write_vigild_config vigild-file "$exec_rules
measure func=FILE_CHECK mask=MAY_READ"
}

# start_vigild CONFIG: a fresh daemon (empty caches, a new measurement list).
start_vigild() {
	local log=$WORK/$1.log i
	rm -rf "$VRUN/run" "$VRUN/state"
	mkdir -p "$VRUN/run" "$VRUN/state"
	timeout -k 5 600 "$VIGILD" -c "$WORK/$1.conf" >"$log" 2>&1 &
	for i in $(seq 100); do
		DPID=$(sed -n 's/.*vigild: ready (pid \([0-9]*\)).*/\1/p' "$log")
		[ -n "$DPID" ] && break
		sleep 0.1
	done
	[ -n "$DPID" ] || { cat "$log" >&2; die "vigild did not get ready"; }
	track_pid "$DPID"
	marks_confined "$DPID" || { kill -KILL "$DPID"; DPID=; die "vigild marks beyond the test filesystem"; }
}

# vigild_events: its decided-events counter, from the metrics textfile (written once a second).
vigild_events() {
	sleep 1.2
	awk '$1 == "vigild_events_total" { print $2; found = 1 } END { if (!found) print 0 }' "$VRUN/state/vigild.prom"
}

stop_vigild() {
	[ -n "$DPID" ] || return 0
	stop_pid "$DPID" vigild
	untrack_pid
	DPID=
}

stop_pid() { # PID NAME: SIGTERM, then SIGKILL after 5 s
	local i
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "exec bench: $2 (pid $1) ignored SIGTERM for 5 s: killed" >&2
	kill -KILL "$1" 2>/dev/null
}

# ---- fapolicyd
# Its fixed paths (/etc/fapolicyd, /var/lib/fapolicyd, /run) are replaced
# in this namespace by private ones: nothing of the system's is read or written.
setup_fapolicyd() {
	local d=$WORK/fapolicyd f
	mkdir -p "$d/etc/rules.d" "$d/etc/trust.d" "$d/lib" "$d/run"
	mount --bind "$d/etc" /etc/fapolicyd && mount --bind "$d/lib" /var/lib/fapolicyd &&
		mount --bind "$d/run" /run || die "cannot bind fapolicyd's directories"
	mkdir -p /run/fapolicyd
	cat >"$d/etc/fapolicyd.conf" <<-EOF
		permissive = 0
		nice_val = 0
		q_size = 640
		uid = root
		gid = root
		do_stat_report = 0
		detailed_report = 0
		db_max_size = 50
		subj_cache_size = 1549
		obj_cache_size = 8191
		watch_fs = $FSTYPE
		trust = file
		integrity = sha256
		syslog_format = rule,dec,perm,pid,exe,:,path,ftype,trust
		rpm_sha256_only = 0
		allow_filesystem_mark = 0
	EOF
	# Its sample rules for ELF files: trusted executables and shared objects only.
	cat >"$d/etc/fapolicyd.rules" <<-EOF
		deny_audit perm=any all : ftype=application/x-bad-elf
		allow perm=open all : ftype=application/x-sharedlib trust=1
		deny_audit perm=open all : ftype=application/x-sharedlib
		allow perm=execute all : trust=1
		deny_audit perm=execute all : all
		allow perm=open all : all
	EOF
	for f in "$MNT/lib"/* "${TARGETS[@]/#/$MNT/}"; do
		echo "$f $(stat -c %s "$f") $(sha256sum <"$f" | cut -d' ' -f1)"
	done >"$d/etc/fapolicyd.trust"
}

start_fapolicyd() {
	local log=$WORK/fapolicyd.log i
	rm -f /run/fapolicyd.pid
	timeout -k 5 600 fapolicyd --debug-deny >"$log" 2>&1 &
	for i in $(seq 100); do
		grep -q 'Starting to listen for events' "$log" && [ -s /run/fapolicyd.pid ] && break
		sleep 0.1
	done
	FPID=$(cat /run/fapolicyd.pid 2>/dev/null)
	[ -n "$FPID" ] || { cat "$log" >&2; die "fapolicyd did not get ready"; }
	track_pid "$FPID"
	marks_confined "$FPID" || { kill -KILL "$FPID"; FPID=; die "fapolicyd marks beyond the test mount"; }
}

stop_fapolicyd() {
	[ -n "$FPID" ] || return 0
	stop_pid "$FPID" fapolicyd
	untrack_pid
	FPID=
}

# ---- measuring
# daemon_ticks: user + system clock ticks used so far by the running daemon (0 without one).
daemon_ticks() {
	local pid=${DPID:-$FPID} stat
	[ -n "$pid" ] && stat=$(cat /proc/"$pid"/stat 2>/dev/null) || { echo 0; return; }
	# shellcheck disable=SC2086 # split the fields after "(comm) "
	set -- ${stat##*) }
	echo $((${12} + ${13}))
}

# measure ROUND CONFIG TARGET FILE...: one timed loop, appended to results
# as "round config target wall-us cpu-us" per exec, where the CPU time is
# the loop's and its children's plus what the daemon used meanwhile.
measure() {
	local round=$1 config=$2 target=$3 out us cpu count ticks
	shift 3
	count=$N
	[ "$#" -gt 1 ] && count=$#
	ticks=$(daemon_ticks)
	out=$("$WORK/exec_loop" "$count" "$@") || die "$config/$target: the exec loop failed"
	ticks=$(($(daemon_ticks) - ticks))
	us=$(sed -n 's/.*(\([0-9.]*\) us\/exec).*/\1/p' <<<"$out")
	cpu=$(sed -n 's/.*cpu \([0-9.]*\) us\/exec/\1/p' <<<"$out")
	[ -n "$us" ] && [ -n "$cpu" ] || die "cannot read the exec loop's output: $out"
	cpu=$(awk -v c="$cpu" -v t="$ticks" -v hz="$CLK_TCK" -v n="$count" 'BEGIN { printf "%.2f", c + t * 1e6 / hz / n }')
	echo "$round $config $target $us $cpu" >>"$WORK/results"
	printf '  round %d  %-14s %-8s %8.1f us/exec  cpu %8.1f us/exec\n' "$round" "$config" "$target" "$us" "$cpu"
}

warm_up() { # first execs under a daemon fill its caches (and the kernel's ignore marks)
	local t
	for t in "${TARGETS[@]}"; do "$WORK/exec_loop" 20 "$MNT/$t" >/dev/null || die "warm-up of $t failed"; done
}

# vigild_warm ROUND CONFIG LABEL: warm-up, then the timed loops, with the
# number of permission events that reached vigild while they ran.
vigild_warm() {
	local r=$1 before t
	start_vigild "$2"
	warm_up
	before=$(vigild_events)
	for t in "${TARGETS[@]}"; do measure "$r" "$3" "$t" "$MNT/$t"; done
	echo "  round $r  $3: $(($(vigild_events) - before)) permission events reached vigild in the timed loops"
	stop_vigild
}

one_round() {
	local r=$1 t
	for t in "${TARGETS[@]}"; do measure "$r" base "$t" "$MNT/$t"; done
	vigild_warm "$r" vigild vigild-warm
	vigild_warm "$r" vigild-file vigild-nomark
	for t in "${TARGETS[@]}"; do measure "$r" base-distinct "$t" "$MNT/cold/$t"/*; done
	start_vigild vigild
	for t in "${TARGETS[@]}"; do measure "$r" vigild-cold "$t" "$MNT/cold/$t"/*; done
	stop_vigild
	if [ "$FAPO" = 1 ]; then
		start_fapolicyd
		warm_up
		for t in "${TARGETS[@]}"; do measure "$r" fapolicyd-warm "$t" "$MNT/$t"; done
		stop_fapolicyd
	fi
	# The baseline again: a round's baseline is the mean of its two ends,
	# so a machine that got busier during the round biases nothing.
	for t in "${TARGETS[@]}"; do measure "$r" base "$t" "$MNT/$t"; done
}

# Medians over rounds; each ratio is the median of per-round ratios against
# the baseline of the same round (base-distinct for cold; base is the mean
# of the round's first and last loops), "best" is best-of-rounds over
# best-of-rounds.
summarize() {
	awk -v rounds="$ROUNDS" -v n="$N" -v cold_n="$COLD_N" -v fstype="$FSTYPE" '
	function median(a, k,   i, j, t) {
		for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return k % 2 ? a[(k+1)/2] : (a[k/2] + a[k/2+1]) / 2
	}
	{ w[$2, $3, $1] += $4; c[$2, $3, $1] += $5; cnt[$2, $3, $1]++; seen[$2] = 1; tg[$3] = 1 }
	# stats(ARRAY, CFG, T, BASECFG): "median (ratio, best-of ratio)" of one metric.
	function stats(x, cfg, t, basecfg,   r, k, v, q, best, bbest, key, bkey) {
		k = 0; best = bbest = 0
		for (r = 1; r <= rounds; r++) {
			key = cfg SUBSEP t SUBSEP r; bkey = basecfg SUBSEP t SUBSEP r
			if (!(key in cnt) || !(bkey in cnt)) continue
			v[++k] = x[key] / cnt[key]; q[k] = v[k] / (x[bkey] / cnt[bkey])
			if (!best || v[k] < best) best = v[k]
			if (!bbest || x[bkey] / cnt[bkey] < bbest) bbest = x[bkey] / cnt[bkey]
		}
		if (!k) return ""
		rat = median(q, k)
		return sprintf("%8.1f us  %6.3f (best %5.3f)", median(v, k), rat, best / bbest)
	}
	function row(cfg, t, basecfg,   ws, cs, wrat) {
		if (!(cfg in seen)) return
		ws = stats(w, cfg, t, basecfg); wrat = rat; cs = stats(c, cfg, t, basecfg)
		printf "%-8s %-15s %s | %s%s\n", t, cfg, ws, cs,
			cfg != "vigild-warm" ? "" : wrat <= 1.03 ? "  target <= 1.03 (wall): met" : "  target <= 1.03 (wall): NOT met"
	}
	END {
		printf "exec bench: %d execs per loop (cold: %d distinct copies), %d rounds, on a loop-mounted %s\n", n, cold_n, rounds, fstype
		printf "per exec, median over rounds; ratio = median of per-round ratios to the same round'"'"'s baseline\n"
		printf "%-8s %-15s %-33s | %s\n", "target", "config", "wall time, ratio", "cpu time (loop + daemon), ratio"
		split("static dynamic dynlibs", order, " ")
		for (i = 1; i <= 3; i++) {
			t = order[i]; if (!(t in tg)) continue
			row("base", t, "base")
			row("vigild-warm", t, "base")
			row("vigild-nomark", t, "base")
			row("fapolicyd-warm", t, "base")
			row("base-distinct", t, "base-distinct")
			row("vigild-cold", t, "base-distinct")
		}
	}' "$WORK/results"
}

inner() {
	trap inner_cleanup EXIT
	trap 'exit 130' INT TERM
	setup_mount
	build_targets
	write_vigild_configs
	if [ "$FAPO" = 1 ]; then
		setup_fapolicyd
	else
		echo "exec bench: fapolicyd left out: $FAPO_REASON"
	fi
	: >"$WORK/results"
	local r
	for r in $(seq "$ROUNDS"); do one_round "$r"; done
	summarize
}

if [ "${1:-}" = --in-namespace ]; then
	inner
else
	outer
fi
