#!/usr/bin/env bash
# vigil hash -r throughput against sha256sum over the same tree and against
# `openssl speed -evp sha256` (single core), measured in the same run.
source "$(dirname "$0")/lib.sh"
files=${BENCH_FILES:-3000}
work=${BENCH_DIR:-/tmp/vigil-bench}
make_tree "$work/tree" "$files"
bytes=$(tree_bytes "$work/tree")
find "$work/tree" -type f -print0 | xargs -0 cat >/dev/null   # warm the page cache
mb=$(echo "$bytes / 1000000" | bc -l)

t=$(now); "$vigil" hash -r -j 1 -a sha256 "$work/tree" >/dev/null; t1=$(elapsed "$t")
t=$(now); "$vigil" hash -r -a sha256 "$work/tree" >/dev/null; tn=$(elapsed "$t")
t=$(now); find "$work/tree" -type f -print0 | xargs -0 sha256sum >/dev/null; ts=$(elapsed "$t")
# openssl speed prints k-bytes/s per block size; take the largest block.
ossl=$(openssl speed -evp sha256 -seconds 2 -bytes 1048576 2>/dev/null | awk '/^sha256/ {v=$NF} END {sub("k","",v); print v*1000/1000000}')

v1=$(echo "$mb / $t1" | bc -l); vn=$(echo "$mb / $tn" | bc -l); vs=$(echo "$mb / $ts" | bc -l)
printf 'hash: %d files, %.0f MB, %d cores\n' "$(find "$work/tree" -type f | wc -l)" "$mb" "$(nproc)"
printf '  vigil hash -r -j 1          %8.1f MB/s\n' "$v1"
printf '  vigil hash -r (all cores)   %8.1f MB/s\n' "$vn"
printf '  sha256sum (xargs)           %8.1f MB/s\n' "$vs"
printf '  openssl speed -evp sha256   %8.1f MB/s (1 core, 1 MiB blocks)\n' "$ossl"
printf '  vigil -j1 / openssl         %8.2fx\n' "$(ratio "$v1" "$ossl")"
printf '  vigil all / openssl         %8.2fx\n' "$(ratio "$vn" "$ossl")"
printf '  vigil all / sha256sum       %8.2fx\n' "$(ratio "$vn" "$vs")"
