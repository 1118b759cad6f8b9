#!/usr/bin/env bash
# vigil sign -r against `find | xargs evmctl ima_sign` on the same tree,
# same key, same algorithm, in the same run.  Prints files/s and the ratio.
source "$(dirname "$0")/lib.sh"
files=${BENCH_FILES:-3000}
work=${BENCH_DIR:-/tmp/vigil-bench}
make_tree "$work/tree" "$files"
n=$(find "$work/tree" -type f | wc -l)
key=$data/rsa2048.pem
find "$work/tree" -type f -print0 | xargs -0 cat >/dev/null   # warm the page cache

t=$(now); "$vigil" sign -r -k "$key" -a sha256 "$work/tree" >/dev/null; tv=$(elapsed "$t")
t=$(now); find "$work/tree" -type f -print0 | xargs -0 evmctl ima_sign --key "$key" -a sha256 >/dev/null 2>&1
te=$(elapsed "$t")

# Same bytes: both must have produced valid signatures on every file.
"$vigil" verify -q -r -k "$data/rsa2048-cert.der" "$work/tree" >/dev/null

fv=$(echo "$n / $tv" | bc -l); fe=$(echo "$n / $te" | bc -l)
printf 'sign: %d files, %d cores\n' "$n" "$(nproc)"
printf '  vigil sign -r            %8.1f files/s  (%.2fs)\n' "$fv" "$tv"
printf '  xargs evmctl ima_sign    %8.1f files/s  (%.2fs)\n' "$fe" "$te"
printf '  ratio vigil/evmctl       %8.2fx\n' "$(ratio "$fv" "$fe")"
