#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: a normal build and an
# ASan+UBSan build, each running the unit tests (cmocka) and the
# interoperability tests against Debian's evmctl, then a short run of every
# libFuzzer harness over its corpus.  Ends with one line: N passed, N failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || exit 1

total_pass=0 total_fail=0 total_skip=0
summary=()

# meson_build DIR [meson options...]
meson_build() {
	local dir=$1; shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
	else
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
	fi
	ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; return 1; }
}

# count_results DIR LABEL: adds meson's per-test results to the totals.
count_results() {
	local dir=$1 label=$2 counts
	counts=$(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
) || counts="0 1 0"
	read -r p f s <<<"$counts"
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
	summary+=("$label: $p passed, $f failed, $s skipped")
}

run_suite() {
	local dir=$1 label=$2; shift 2
	echo "=== $label: build ($dir)"
	if ! meson_build "$dir" "$@"; then
		total_fail=$((total_fail + 1)); summary+=("$label: BUILD FAILED"); return
	fi
	echo "=== $label: tests"
	meson test -C "$dir" --print-errorlogs --num-processes 2 ${TEST_ARGS:-}
	count_results "$dir" "$label"
}

run_suite build-test "release build"
# The kernel suite boots qemu; once is enough, and it tests formats, not memory.
TEST_ARGS="--no-suite kernel" \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_suite build-asan "ASan+UBSan build" -Db_sanitize=address,undefined -Db_lundef=false

if [ -x fuzz/smoke.sh ] || [ -f fuzz/smoke.sh ]; then
	echo "=== libFuzzer smoke run"
	if bash fuzz/smoke.sh; then
		total_pass=$((total_pass + 1)); summary+=("fuzz smoke: passed")
	else
		total_fail=$((total_fail + 1)); summary+=("fuzz smoke: FAILED")
	fi
fi

echo
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]
