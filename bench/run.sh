#!/usr/bin/env bash
# Runs every benchmark; builds vigil first.  Not part of the test suite:
# timings are reported as ratios, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
command -v bc >/dev/null && command -v cpio >/dev/null || apt-get install -y -qq bc cpio >/dev/null
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
ninja -C build policy_match_bench >/dev/null
echo "policy match (30 rules):"; ./build/policy_match_bench
bash bench/hash.sh
bash bench/sign.sh
bash bench/replay.sh
bash bench/exec.sh
