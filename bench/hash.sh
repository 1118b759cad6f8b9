#!/usr/bin/env bash
# vigil hash -r throughput against sha256sum over the same tree and against
# `openssl speed -evp sha256`, measured in the same run, best of 3 each.
# openssl speed divides by user CPU time, so vigil's per-core figure is also
# given per CPU second (user+sys), which is what a loaded machine leaves
# comparable; wall-clock figures are shown alongside.
source "$(dirname "$0")/lib.sh"
files=${BENCH_FILES:-3000}
work=${BENCH_DIR:-/tmp/vigil-bench-${BENCH_MAX_KB:-1024}k}
rounds=${BENCH_ROUNDS:-3}
make_tree "$work/tree" "$files"
# Hash from a private tmpfs copy (as root), so the figure is vigil's CPU cost
# and not the disk's: some VMs keep only a few hundred MB of page cache.
# BENCH_TMPFS=0 hashes the tree where it is.
if [ "${BENCH_TMPFS:-1}" = 1 ] && [ "$(id -u)" -eq 0 ]; then
	tmpfs=$work/tmpfs
	mkdir -p "$tmpfs"
	mountpoint -q "$tmpfs" || mount -t tmpfs -o size=2G tmpfs "$tmpfs"
	trap "umount '$tmpfs' 2>/dev/null" EXIT
	[ -d "$work/tmpfs/tree" ] || cp -a "$work/tree" "$work/tmpfs/"
	work=$work/tmpfs
	echo "(tree copied to a private tmpfs: $work)"
fi
bytes=$(tree_bytes "$work/tree")
find "$work/tree" -type f -print0 | xargs -0 cat >/dev/null   # warm the page cache
mb=$(echo "$bytes / 1000000" | bc -l)

# best CMD...: "wall cpu" seconds of the fastest of $rounds runs (by wall time).
best() {
	local i out bw=999999 bc=0 w u s
	for i in $(seq "$rounds"); do
		out=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1)
		read -r w u s <<<"$out"
		if (( $(echo "$w < $bw" | bc -l) )); then bw=$w; bc=$(echo "$u + $s" | bc -l); fi
	done
	echo "$bw $bc"
}
sha256sum_tree() { find "$work/tree" -type f -print0 | xargs -0 sha256sum; }
export -f sha256sum_tree; export work

read -r w1 c1 < <(best "$vigil" hash -r -j 1 -a sha256 "$work/tree")
read -r wn cn < <(best "$vigil" hash -r -a sha256 "$work/tree")
read -r ws cs < <(best bash -c sha256sum_tree)
ossl=0
for i in $(seq "$rounds"); do
	v=$(openssl speed -evp sha256 -seconds 2 -bytes 1048576 2>/dev/null |
		awk '/^sha256/ {v=$NF} END {sub("k","",v); print v*1000/1000000}')
	(( $(echo "$v > $ossl" | bc -l) )) && ossl=$v
done

r() { echo "$mb / $1" | bc -l; }
printf 'hash: %d files, %.0f MB, %d cores, best of %d\n' "$(find "$work/tree" -type f | wc -l)" "$mb" "$(nproc)" "$rounds"
printf '  vigil hash -r -j 1          %8.1f MB/s wall  %8.1f MB/CPU-s\n' "$(r "$w1")" "$(r "$c1")"
printf '  vigil hash -r (all cores)   %8.1f MB/s wall\n' "$(r "$wn")"
printf '  sha256sum (xargs)           %8.1f MB/s wall  %8.1f MB/CPU-s\n' "$(r "$ws")" "$(r "$cs")"
printf '  openssl speed -evp sha256   %8.1f MB/CPU-s (1 MiB blocks, user time)\n' "$ossl"
printf '  vigil -j1 / openssl (per CPU-second)  %5.2fx\n' "$(ratio "$(r "$c1")" "$ossl")"
printf '  vigil all cores (wall) / openssl      %5.2fx\n' "$(ratio "$(r "$wn")" "$ossl")"
printf '  vigil all cores / sha256sum (wall)    %5.2fx\n' "$(ratio "$(r "$wn")" "$(r "$ws")")"
