# Shared helpers for the benchmark scripts (sourced).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
vigil=${VIGIL:-$root/build/tools/vigil}
data=$root/tests/data

now() { date +%s.%N; }
# elapsed START: seconds since START, as a decimal
elapsed() { echo "$(now) - $1" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

# make_tree DIR MIN_FILES: a copy of real binaries and libraries, at least MIN_FILES regular files.
make_tree() {
	local dir=$1 want=$2
	mkdir -p "$dir"
	if [ "$(find "$dir" -type f | wc -l)" -lt "$want" ]; then
		find /usr/bin /usr/sbin /usr/lib/x86_64-linux-gnu /usr/share/perl /usr/lib/python3 \
			-xdev -type f -size -"${BENCH_MAX_KB:-1024}"k -print0 2>/dev/null | head -z -n "$((want + 200))" |
			cpio -0 -pdm --quiet "$dir" 2>/dev/null || true
	fi
	local n
	n=$(find "$dir" -type f | wc -l)
	[ "$n" -ge "$want" ] || { echo "bench: only $n files in $dir (want $want)" >&2; return 1; }
}

tree_bytes() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s}'; }
