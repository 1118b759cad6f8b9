#!/usr/bin/env bash
# vigil sign -r against evmctl ima_sign on the same tree, same key, same
# algorithm, in the same run.  evmctl 1.4's ima_sign signs only its first
# file argument, so the baseline runs one evmctl per file (xargs -n 1),
# sequentially and with -P nproc as the seed's guide does.  Every run starts
# from a tree without security.ima and must leave every file verifiable.
source "$(dirname "$0")/lib.sh"
files=${BENCH_FILES:-3000}
work=${BENCH_DIR:-/tmp/vigil-bench-${BENCH_MAX_KB:-1024}k}
make_tree "$work/tree" "$files"
n=$(find "$work/tree" -type f | wc -l)
key=$data/rsa2048.pem
cores=$(nproc)
find "$work/tree" -type f -print0 | xargs -0 cat >/dev/null   # warm the page cache

# run LABEL CMD...: clears the tree, times CMD, checks every file verifies; prints seconds.
run() {
	"$vigil" clear -q -r --ima "$work/tree" >/dev/null
	local t s
	t=$(now); "$@" >/dev/null 2>&1; s=$(elapsed "$t")
	if ! "$vigil" verify -q -r -k "$data/rsa2048-cert.der" "$work/tree" >/dev/null 2>&1; then
		echo "bench: after '$*' not every file verifies" >&2; exit 1
	fi
	echo "$s"
}
evmctl_each() { find "$work/tree" -type f -print0 | xargs -0 -n 1 -P "$1" evmctl ima_sign --key "$key" -a sha256; }

tv=$(run "$vigil" sign -r -k "$key" -a sha256 "$work/tree")
tv1=$(run "$vigil" sign -r -j 1 -k "$key" -a sha256 "$work/tree")
te1=$(run evmctl_each 1)
tep=$(run evmctl_each "$cores")

rate() { echo "$n / $1" | bc -l; }
printf 'sign: %d files, RSA-2048, sha256, %d cores\n' "$n" "$cores"
printf '  vigil sign -r (all cores)          %8.1f files/s  (%.2fs)\n' "$(rate "$tv")" "$tv"
printf '  vigil sign -r -j 1                 %8.1f files/s  (%.2fs)\n' "$(rate "$tv1")" "$tv1"
printf '  xargs -n1 evmctl ima_sign          %8.1f files/s  (%.2fs)\n' "$(rate "$te1")" "$te1"
printf '  xargs -n1 -P%d evmctl ima_sign      %8.1f files/s  (%.2fs)\n' "$cores" "$(rate "$tep")" "$tep"
printf '  ratio vigil (all) / evmctl -P%d     %8.2fx\n' "$cores" "$(ratio "$tep" "$tv")"
printf '  ratio vigil -j1 / evmctl sequential %8.2fx\n' "$(ratio "$te1" "$tv1")"
