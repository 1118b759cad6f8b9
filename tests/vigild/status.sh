#!/usr/bin/env bash
# vigild's control socket and HTTP metrics endpoint, on a private
# loop-mounted ext4: `vigil status` shows the mode, the mark and counters
# that move by the expected amounts; --json parses; non-root clients,
# garbage, oversized and silent requests are refused or timed out while
# the daemon keeps serving; GET /metrics matches the measurement list and
# the textfile, other paths 404, other methods 405; a non-numeric
# metrics_listen is refused with file:line; a stopped or killed daemon
# makes `vigil status` say so.
# Needs root; exits 77 (skip) otherwise.  VIGILD=vigild binary, VIGIL=CLI.

. "$(dirname "$0")/lib.sh"

need_env
[ -n "$VIGIL" ] || skip "VIGIL is not set to the vigil binary (vigil status is under test)"
command -v curl >/dev/null || skip "no curl"
command -v python3 >/dev/null || skip "no python3"
setup_mount

for f in true echo; do
	cp "$(type -P $f)" "$MNT/$f" || skip "no $f to copy"
	sign_file "$KEY" "$MNT/$f"
done
cp "$(type -P true)" "$MNT/unsigned"

POLICY='measure func=BPRM_CHECK mask=MAY_EXEC
appraise func=BPRM_CHECK appraise_type=imasig'
SOCK=$WORK/run/control
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# A free TCP port on the loopback address.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT

# ---------------------------------------------------------------- config errors

# refused_listen VALUE: vigild refuses to start, naming file:line and the key.
refused_listen() {
	local out line
	write_config enforce "$POLICY" "metrics_listen = $1"
	line=$(grep -n '^metrics_listen' "$WORK/vigild.conf" | cut -d: -f1)
	out=$(timeout -k 5 20 "$VIGILD" -c "$WORK/vigild.conf" 2>&1)
	[ $? -eq 2 ] && grep -q "vigild.conf:$line: metrics_listen: .*$2" <<<"$out" ||
		{ echo "# $out"; return 1; }
}
check "metrics_listen = nonsense: refused at start with file:line" \
	refused_listen nonsense "'nonsense' is not HOST:PORT"
check "metrics_listen = localhost:9100: names are refused (numeric only)" \
	refused_listen localhost:9100 "'localhost' is not a numeric"
check "metrics_listen = 127.0.0.1:99999: bad port refused" \
	refused_listen 127.0.0.1:99999 "not a port"

# status_fails CODE PATTERN: vigil status exits CODE and says PATTERN.
status_fails() {
	local out
	out=$("$VIGIL" status --socket "$SOCK" 2>&1)
	[ $? -eq "$1" ] && grep -q "$2" <<<"$out" || { echo "# $out"; return 1; }
}
check "no daemon: vigil status exits 1 and says vigild is not running" \
	status_fails 1 "vigild is not running"

# ------------------------------------------------------------------ the daemon

write_config enforce "$POLICY" "metrics_listen = 127.0.0.1:$PORT"
check "vigild starts in enforce mode with the control socket and metrics endpoint" start_daemon
[ -n "$DPID" ] || { cat "$DLOG"; finish; exit 1; }

check "control socket is a root-only socket (srw-------, root)" \
	test "$(stat -c '%A %U' "$SOCK")" = "srw------- root"

STATUS=$WORK/status.txt
"$VIGIL" status --socket "$SOCK" >"$STATUS" 2>&1
check "vigil status answers" test $? -eq 0
check "summary shows the mode" grep -qE '^mode: +enforce$' "$STATUS"
check "summary shows the marked mount, its fs type and dev" \
	grep -qE "^mark: +$MNT \(ext4, dev [0-9]+:[0-9]+, " "$STATUS"
check "summary shows BPRM_CHECK enforced with measure and appraise" \
	grep -qE '^  enforced: +BPRM_CHECK \(measure, appraise\)$' "$STATUS"
check "summary shows the queue (capacity 4096, 4 workers)" \
	grep -qE '^queue: +0 of 4096 waiting, 4 workers' "$STATUS"
check "summary shows the cache" grep -qE '^cache: +[0-9]+ of 65536 entries' "$STATUS"
check "summary says there is no TPM" grep -qE '^tpm: +none \(software PCRs only\)$' "$STATUS"
sed 's/^/# /' "$STATUS"

check "--json: tpm is null without a TPM" \
	bash -c '"$1" status --socket "$2" --json | python3 -c "import json, sys; sys.exit(json.load(sys.stdin)[\"tpm\"] is not None)"' _ "$VIGIL" "$SOCK"
check "--json is valid JSON (python3 -m json.tool)" \
	bash -c '"$1" status --socket "$2" --json | python3 -m json.tool >/dev/null' _ "$VIGIL" "$SOCK"

# counter NAME: counters.NAME from --json.
counter() {
	"$VIGIL" status --socket "$SOCK" --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["counters"][sys.argv[1]])' "$1"
}

# expect_counters EVENTS MEASUREMENTS DENIED FAILURES: the counters reach these
# values (an event is counted just after it is answered) and nothing more.
expect_counters() {
	local i got want="$1 $2 $3 $4"
	for i in $(seq 20); do
		got="$(counter events) $(counter measurements) $(counter denied) $(counter appraisal_failures)"
		[ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	echo "# events measurements denied appraisal_failures: got $got, want $want"
	return 1
}

E0=$(counter events)
M0=$(counter measurements)
check "at start the list holds boot_aggregate: measurements = list length" \
	test "$M0" = "$(wc -l <"$WORK/run/ascii_runtime_measurements")"
runs "$MNT/true"
check "exec of a signed binary: events +1, measurements +1" \
	expect_counters $((E0 + 1)) $((M0 + 1)) 0 0
runs "$MNT/true"
check "exec again: decided by the kernel's ignore mark: no event, no measurement" \
	expect_counters $((E0 + 1)) $((M0 + 1)) 0 0
runs "$MNT/echo" hi
check "exec of another signed binary: events +1, measurements +1" \
	expect_counters $((E0 + 2)) $((M0 + 2)) 0 0
check "an unsigned binary is refused" denied "$MNT/unsigned"
check "refused exec: events +1, measurements +1, denied +1, appraisal failures +1" \
	expect_counters $((E0 + 3)) $((M0 + 3)) 1 1
check "refused again" denied "$MNT/unsigned"
# As the kernel: a cached failed appraisal denies without appraising (or counting) again.
check "... events +1, denied +1; appraised and measured once" \
	expect_counters $((E0 + 4)) $((M0 + 3)) 2 1
check "measurements = the list's length" \
	test "$(counter measurements)" = "$(wc -l <"$WORK/run/ascii_runtime_measurements")"
check "summary line 'events:' shows the counts" \
	bash -c '"$1" status --socket "$2" | grep -qE "^events: +$3 decided, 2 denied$"' _ \
	"$VIGIL" "$SOCK" $((E0 + 4))

# ------------------------------------------------------------- bad clients

# raw REQUEST_PYTHON_BYTES: sends it, prints the answer.
raw() {
	python3 - "$SOCK" "$1" <<-'EOF'
		import socket, sys
		s = socket.socket(socket.AF_UNIX)
		s.settimeout(5)
		s.connect(sys.argv[1])
		s.sendall(eval(sys.argv[2]))
		s.shutdown(socket.SHUT_WR)
		data = b""
		while True:
		    chunk = s.recv(65536)
		    if not chunk:
		        break
		    data += chunk
		sys.stdout.write(data.decode())
	EOF
}
answers_error() { # REQUEST PATTERN
	local out
	out=$(raw "$1")
	grep -q '^{"error":' <<<"$out" && grep -q "$2" <<<"$out" || { echo "# $out"; return 1; }
}
check "garbage request: an error answer naming it" \
	answers_error 'b"garbage\x01\n"' "unknown request 'garbage?'"
check "oversized request (64 KiB, no newline): an error answer" \
	answers_error 'b"A" * 65536' "request longer than 256 bytes"
answers_status() { raw 'b"status"' | grep -q '"mode":"enforce"'; }
check "a request without its newline (the client shuts down writing) is answered" \
	answers_status
check "... and the daemon keeps serving" "$VIGIL" status --socket "$SOCK" --json >/dev/null

# Clients that connect and say nothing hold a slot each, for 2 s at most.
python3 - "$SOCK" >"$WORK/silent.out" 2>&1 <<-'EOF' &
	import socket, sys, time
	socks = []
	for i in range(3):
	    s = socket.socket(socket.AF_UNIX)
	    s.connect(sys.argv[1])
	    socks.append(s)
	start = time.monotonic()
	socks[0].settimeout(10)
	print("closed" if socks[0].recv(100) == b"" else "data", round(time.monotonic() - start, 1))
EOF
SILENT=$!
sleep 0.3
START=$(date +%s%N)
check "while 3 silent clients are connected, vigil status answers" \
	"$VIGIL" status --socket "$SOCK" --json >/dev/null
MS=$((($(date +%s%N) - START) / 1000000))
check "... at once ($MS ms < 1000 ms)" test "$MS" -lt 1000
wait $SILENT
check "a silent client is disconnected after the 2 s timeout ($(cat "$WORK/silent.out"))" \
	grep -qE '^closed (1\.[6-9]|2\.[0-4])' "$WORK/silent.out"

# as_nobody_fails PATTERN: vigil status run as nobody exits 2 and says PATTERN.
as_nobody_fails() {
	local out
	out=$("${AS_NOBODY[@]}" "$VIGIL" status --socket "$SOCK" 2>&1)
	[ $? -eq 2 ] && [[ $out == *"$1"* ]] || { echo "# $out"; return 1; }
}
chmod o+x "$WORK"
check "non-root client: refused (socket mode 0600)" \
	as_nobody_fails "permission denied on $SOCK: the control socket is root's only"
chmod 0666 "$SOCK" # opened up on purpose: vigild must still refuse
check "non-root client on an opened-up socket: vigild refuses it (SO_PEERCRED)" \
	as_nobody_fails "vigild refused: permission denied: uid 65534 is not root"
chmod 0600 "$SOCK"
check "vigild logs the refused uid" log_has "control socket: refused a client of uid 65534"

# ------------------------------------------------------------- HTTP /metrics

code() { # ARGS...: the HTTP status curl gets
	curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time 10 "$@"
}
check "GET /metrics: 200" test "$(code "$URL/metrics")" = 200
check "... Content-Type text/plain; version=0.0.4" \
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$WORK/headers"
check "... Connection: close" grep -qi '^Connection: close' "$WORK/headers"
http_metric() { awk -v k="$1" 'index($0, k " ") == 1 { print $NF }' "$WORK/body"; }
check "... ima_measurement_count equals the list's length" \
	test "$(http_metric ima_measurement_count)" = "$(wc -l <"$WORK/run/ascii_runtime_measurements")"
check "... ima_appraisal_failure_total names the refused file and the cause" \
	test "$(http_metric "ima_appraisal_failure_total{file=\"$MNT/unsigned\",reason=\"IMA-signature-required\"}")" = 1
check "... vigild_events_total equals vigil status' events" \
	test "$(http_metric vigild_events_total)" = "$(counter events)"
sleep 1.2 # the housekeeping thread rewrites the textfile once a second
check "... the same text as the textfile" cmp -s "$WORK/body" "$WORK/state/vigild.prom"
check "GET /metrics?x=1 (a query string): 200" test "$(code "$URL/metrics?x=1")" = 200
check "HEAD /metrics: 200" test "$(code -I "$URL/metrics")" = 200
check "GET /other: 404" test "$(code "$URL/other")" = 404
check "POST /metrics: 405" test "$(code -X POST -d x=1 "$URL/metrics")" = 405
check "... with Allow: GET, HEAD" grep -qi '^Allow: GET, HEAD' "$WORK/headers"
check "DELETE /metrics: 405" test "$(code -X DELETE "$URL/metrics")" = 405
check "a request with 16 KiB of headers: 431" \
	test "$(code -H "X-Big: $(head -c 16384 /dev/zero | tr '\0' a)" "$URL/metrics")" = 431
check "HTTP/1.0 request: 200" test "$(code --http1.0 "$URL/metrics")" = 200
check "a malformed request line: 400" \
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; printf "NONSENSE\r\n\r\n" >&3; head -1 <&3 | grep -q "^HTTP/1.1 400 "' _ "$PORT"
check "a request line with a NUL byte: 400" \
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; printf "GET /metrics\0 HTTP/1.1\r\n\r\n" >&3; head -1 <&3 | grep -q "^HTTP/1.1 400 "' _ "$PORT"
# A silent client holds the endpoint for 3 s at most; a scrape meanwhile still gets through.
python3 -c 'import socket, sys, time; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(8)' \
	"$PORT" &
SILENT=$!
sleep 0.2
START=$(date +%s%N)
check "a scrape behind a silent HTTP client: 200" test "$(code "$URL/metrics")" = 200
MS=$((($(date +%s%N) - START) / 1000000))
check "... within the 3 s request timeout ($MS ms)" test "$MS" -lt 4500
kill $SILENT 2>/dev/null
wait $SILENT 2>/dev/null
# 300 connections of random bytes to each endpoint: the daemon keeps serving.
python3 - "$SOCK" "$PORT" <<-'EOF'
	import os, random, socket, sys
	random.seed(5)
	for i in range(300):
	    for kind in ("unix", "tcp"):
	        if kind == "unix":
	            s = socket.socket(socket.AF_UNIX)
	            s.connect(sys.argv[1])
	        else:
	            s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
	        s.settimeout(5)
	        data = os.urandom(random.randrange(1, 600))
	        if i % 3 == 0:
	            data += b"\r\n\r\n"
	        try:
	            s.sendall(data)
	            s.shutdown(socket.SHUT_WR)
	            while s.recv(4096):
	                pass
	        except OSError:
	            pass
	        s.close()
EOF
check "after 600 connections of random bytes: vigil status answers" \
	"$VIGIL" status --socket "$SOCK" --json >/dev/null
check "... and /metrics answers 200" test "$(code "$URL/metrics")" = 200
check "the daemon still answers execs" runs "$MNT/true"

# --------------------------------------------------------------- daemon gone

stop_daemon
check "after SIGTERM the control socket is removed" test ! -e "$SOCK"
check "daemon stopped: vigil status exits 1, 'vigild is not running'" \
	status_fails 1 "no control socket at $SOCK: vigild is not running"
check "daemon stopped: the metrics endpoint is gone" \
	bash -c '! curl -s --max-time 5 -o /dev/null "$1/metrics"' _ "$URL"

check "vigild starts again" start_daemon
kill -KILL "$DPID"
sleep 0.3
DPID=
check "killed daemon: vigil status exits 1, names the stale socket" \
	status_fails 1 "nothing listens on $SOCK: vigild is not running"
check "a new vigild replaces the stale socket" start_daemon
check "... and answers" "$VIGIL" status --socket "$SOCK" --json >/dev/null

second_refused() {
	local out
	out=$(timeout -k 5 20 "$VIGILD" -c "$WORK/vigild.conf" 2>&1)
	[ $? -ne 0 ] && [[ $out == *"another vigild answers there"* ]] || { echo "# $out"; return 1; }
}
N_BEFORE=$(wc -l <"$WORK/run/ascii_runtime_measurements")
check "a second vigild with the same control socket is refused" second_refused
check "... before it touched the measurement list" \
	test "$(wc -l <"$WORK/run/ascii_runtime_measurements")" = "$N_BEFORE"
check "... and the first one still answers" "$VIGIL" status --socket "$SOCK" --json >/dev/null
stop_daemon

# Neither endpoint is worth not enforcing: a port in use or a bad socket
# path costs a warning, not the start.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$WORK/holder.port" &
HOLDER=$!
for i in $(seq 50); do [ -s "$WORK/holder.port" ] && break; sleep 0.1; done
PORT=$(cat "$WORK/holder.port")
: >"$WORK/not-a-socket"
write_config enforce "$POLICY" "metrics_listen = 127.0.0.1:$PORT
control_socket = $WORK/not-a-socket"
check "metrics port in use and a file at the socket path: vigild starts anyway" start_daemon
check "... warns that the HTTP endpoint is off" \
	log_has "metrics_listen 127.0.0.1:$PORT: cannot listen: Address already in use: going on without"
check "... warns that the control socket is off" \
	log_has "control socket $WORK/not-a-socket: exists and is not a socket.*going on without it"
check "... leaves the file alone" test -f "$WORK/not-a-socket"
check "... and enforces" denied "$MNT/unsigned"
stop_daemon
kill $HOLDER 2>/dev/null
wait $HOLDER 2>/dev/null

# MMAP_CHECK rules: the mark says how they are observed there.
write_config log "$POLICY
measure func=MMAP_CHECK mask=MAY_EXEC"
mark_field() { # EXPRESSION on marks[0]
	"$VIGIL" status --socket "$SOCK" --json |
		python3 -c 'import json, sys; m = json.load(sys.stdin)["marks"][0]; print(eval(sys.argv[1]))' "$1"
}
check "with MMAP_CHECK rules: vigild starts" start_daemon
check "... the mark lists MMAP_CHECK as enforced" \
	test "$(mark_field 'm["enforced"].get("MMAP_CHECK")')" = "['measure']"
check "... and says how (FAN_PRE_ACCESS or the loader's opens)" \
	bash -c '[[ $1 == *FAN_PRE_ACCESS* || $1 == *"loader"* ]]' _ "$(mark_field 'm["mmap_via"]')"
check "... the summary shows it" \
	bash -c '"$1" status --socket "$2" | grep -qE "^  MMAP_CHECK via: "' _ "$VIGIL" "$SOCK"
stop_daemon

# The watchdog is fed only while queued events get decided: with the only
# worker stopped (ptrace) and an exec waiting, WATCHDOG=1 stops; it comes
# back once the worker goes on.  WATCHDOG_USEC=2 s: withheld after 1 s.
cp "$(type -P true)" "$MNT/wd-true"
sign_file "$KEY" "$MNT/wd-true"
write_config enforce "$POLICY" "workers = 1"
python3 - "$WORK/notify.sock" >"$WORK/notify.log" <<-'EOF' &
	import socket, sys, time
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sys.argv[1])
	t0 = time.monotonic()
	while True:
	    print("%.2f %s" % (time.monotonic() - t0, s.recv(4096).decode()), flush=True)
EOF
LISTENER=$!
for i in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
export NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=2000000
check "vigild starts with a watchdog of 2 s and one worker" start_daemon
unset NOTIFY_SOCKET WATCHDOG_USEC
sleep 2.2
pings() { grep -c ' WATCHDOG=1$' "$WORK/notify.log"; }
check "READY=1 and WATCHDOG=1 every second while idle" \
	bash -c 'grep -q " READY=1$" "$1" && [ "$(grep -c " WATCHDOG=1$" "$1")" -ge 2 ]' _ "$WORK/notify.log"
WORKER=$(grep -lx vigild-worker /proc/"$DPID"/task/*/comm 2>/dev/null | head -1 | cut -d/ -f5)
# hold_thread TID SECONDS: stops that one thread (PTRACE_SEIZE + INTERRUPT), then lets it go.
python3 - "${WORKER:-0}" 4 >"$WORK/tracer.log" 2>&1 <<-'EOF' &
	import ctypes, os, sys, time
	libc = ctypes.CDLL(None, use_errno=True)
	libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
	tid = int(sys.argv[1])
	if tid == 0 or libc.ptrace(0x4206, tid, None, None) != 0 or \
	        libc.ptrace(0x4207, tid, None, None) != 0:
	    print("cannot stop thread", tid, os.strerror(ctypes.get_errno()), flush=True)
	    sys.exit(1)
	os.waitpid(tid, 0x40000000)  # __WALL
	print("stopped", flush=True)
	time.sleep(float(sys.argv[2]))
	libc.ptrace(17, tid, None, None)  # PTRACE_DETACH
	print("released", flush=True)
EOF
TRACER=$!
for i in $(seq 50); do [ -s "$WORK/tracer.log" ] && break; sleep 0.1; done
if grep -q stopped "$WORK/tracer.log"; then
	timeout 20 "$MNT/wd-true" &
	EXEC=$!
	sleep 2.5
	BEFORE=$(pings)
	sleep 1.2
	check "worker stopped, an exec waiting: WATCHDOG=1 is withheld" test "$(pings)" = "$BEFORE"
	check "... and vigild says why" log_has "1 events wait and none was decided for [0-9]+ ms: withholding the watchdog"
	wait $TRACER
	check "worker released: the waiting exec completes" wait $EXEC
	sleep 1.2
	check "... WATCHDOG=1 comes back" test "$(pings)" -gt "$BEFORE"
	check "... and vigild says so" log_has "events are decided again: feeding the watchdog"
else
	sed 's/^/# /' "$WORK/tracer.log"
	skip_check "watchdog withheld while the worker is stuck" "cannot ptrace a worker thread"
	wait $TRACER
fi
stop_daemon
kill $LISTENER 2>/dev/null
wait $LISTENER 2>/dev/null

write_config enforce "$POLICY" "control_socket = off"
check "control_socket = off: vigild starts" start_daemon
check "... without a control socket" test ! -e "$SOCK"
stop_daemon

finish
