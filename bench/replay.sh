#!/usr/bin/env bash
# vigil log replay against evmctl ima_measurement on the same 1,000,000-entry
# ima-ng list, in the same run: sha1 and sha256 banks, template digests
# checked, expected PCRs given to both.  Prints entries/s and the ratio.
source "$(dirname "$0")/lib.sh"
entries=${BENCH_ENTRIES:-1000000}
work=${BENCH_DIR:-/tmp/vigil-bench}
build=$(dirname "$vigil")/..
mkdir -p "$work"
list=$work/mlist-$entries.bin

# The generator: meson's gen_mlist target if built, else compiled here against libvigil.a.
gen=$build/gen_mlist
if [ ! -x "$gen" ]; then
	gen=$work/gen_mlist
	cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/include" "$root/bench/gen_mlist.c" \
		"$build/lib/libvigil.a" $(pkg-config --libs libcrypto blkid json-c) -lkeyutils -o "$gen"
fi
[ -s "$list" ] || "$gen" "$entries" "$list"
cat "$list" >/dev/null   # warm the page cache

# Expected PCRs in evmctl's --pcrs format (all 24: evmctl wants them), from
# vigil's own replay; evmctl's exit status below checks them independently.
"$vigil" log replay --json "$list" | python3 -c '
import json, sys
j = json.load(sys.stdin)
for b in j["banks"]:
    size = len(next(iter(b["pcrs"].values()))["per_bank"])
    with open(sys.argv[1] + "/pcrs-" + b["algo"] + ".txt", "w") as f:
        for i in range(24):
            v = b["pcrs"].get(str(i), {"per_bank": "0" * size})["per_bank"]
            f.write("PCR-%02d: %s\n" % (i, v))' "$work"

t=$(now)
"$vigil" log replay --pcrs "sha1,$work/pcrs-sha1.txt" --pcrs "sha256,$work/pcrs-sha256.txt" \
	"$list" >/dev/null
tv=$(elapsed "$t")
t=$(now)
erc=0
evmctl ima_measurement --pcrs "sha1,$work/pcrs-sha1.txt" --pcrs "sha256,$work/pcrs-sha256.txt" \
	"$list" >/dev/null 2>&1 || erc=$?
te=$(elapsed "$t")
[ "$erc" = 0 ] || echo "bench: evmctl ima_measurement exited $erc (PCRs not matched)" >&2

ev=$(echo "$entries / $tv" | bc -l)
ee=$(echo "$entries / $te" | bc -l)
printf 'replay: %d ima-ng entries (%s bytes), banks sha1+sha256, template digests checked\n' \
	"$entries" "$(stat -c %s "$list")"
printf '  vigil log replay --pcrs          %8.2f s  %10.0f entries/s\n' "$tv" "$ev"
printf '  evmctl ima_measurement --pcrs    %8.2f s  %10.0f entries/s\n' "$te" "$ee"
printf '  vigil / evmctl                   %8.2fx\n' "$(ratio "$ev" "$ee")"
