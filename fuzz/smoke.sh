#!/usr/bin/env bash
# A short libFuzzer run of every harness over its seeds, as part of the test
# suite: proves the harnesses build and that the seeds and a few seconds of
# mutations find no crash.  Long runs are for fuzz/README.md.
# FUZZ_SECONDS (default 15) per harness.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-15}
dir=build-fuzz
if ! command -v clang >/dev/null; then
	echo "SKIP: clang not installed; fuzz harnesses not built" >&2
	exit 0
fi
if [ ! -d "$dir" ]; then
	CC=clang meson setup "$dir" -Dfuzzing=true -Dinterop=false \
		-Db_sanitize=address,undefined -Db_lundef=false >"$dir.setup.log" 2>&1 ||
		{ cat "$dir.setup.log"; exit 1; }
fi
harnesses=$(grep -o "'fuzz_[a-z_]*'" fuzz/meson.build | tr -d "'" | sort -u)
ninja -C "$dir" $(for h in $harnesses; do printf 'fuzz/%s ' "$h"; done) >"$dir.build.log" 2>&1 ||
	{ tail -40 "$dir.build.log"; exit 1; }

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
bash fuzz/make-seeds.sh "$seeds" >/dev/null 2>&1
fail=0
for h in $harnesses; do
	case $h in
	fuzz_xattr) seed=$seeds/xattr ;;
	fuzz_sig) seed=$seeds/sig ;;
	*) seed=$seeds/$h; mkdir -p "$seed"; [ -d "tests/corpus/${h#fuzz_}" ] &&
		find "tests/corpus/${h#fuzz_}" -type f ! -name EXPECT -exec cp {} "$seed/" \; ;;
	esac
	work=$(mktemp -d "$seeds/run.XXXXXX")
	if "$dir/fuzz/$h" -max_total_time="$secs" -print_final_stats=1 "$work" "$seed" \
		>"$seeds/$h.log" 2>&1; then
		echo "fuzz $h: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$seeds/$h.log" | awk '{print $2}') runs in ${secs}s, no crash"
	else
		echo "fuzz $h: FAILED"; tail -30 "$seeds/$h.log"; fail=1
	fi
done
exit $fail
