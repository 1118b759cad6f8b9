#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine (as root):
# build vigil, make a signing key, sign a tree of real binaries on a private
# loop-mounted ext4, start vigild enforcing on that mount only, run a signed
# binary, replace it the way an attacker would and show the exec refused,
# then show the measurement list and verify it against the daemon's PCRs.
# Exits 0 only when every step behaved as described.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
die() { echo "demo FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: vigild needs fanotify permission events and a loop mount"

step "build"
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
vigil=$PWD/build/tools/vigil
vigild=$PWD/build/tools/vigild/vigild

work=$(mktemp -d /tmp/vigil-demo.XXXXXX)
mnt=$work/mnt
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && sleep 0.5
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

step "a signing key and its certificate"
run openssl genrsa -out ima-key.pem 2048 2>/dev/null
run openssl req -new -x509 -key ima-key.pem -out ima-cert.der -outform DER -days 30 \
	-subj "/CN=vigil demo IMA key" -addext subjectKeyIdentifier=hash 2>/dev/null
run "$vigil" keyid ima-key.pem ima-cert.der

step "a private ext4 filesystem (vigild marks only this mount, never a live one)"
truncate -s 64M disk.img
mkfs.ext4 -q -F disk.img
mkdir -p "$mnt" && run mount -o loop disk.img "$mnt"
mkdir -p "$mnt/bin"
cp /usr/bin/{ls,date,echo,id,true,whoami} "$mnt/bin/"
printf '#!/bin/sh\necho "hello from a signed script"\n' > "$mnt/bin/hello.sh"
chmod +x "$mnt/bin/hello.sh"

step "sign every file: security.ima = RSA signature v2 over its sha256"
run "$vigil" sign -r -k ima-key.pem "$mnt/bin"
run "$vigil" verify -r -k ima-cert.der "$mnt/bin"

step "start vigild, enforcing, on $mnt"
cat > policy <<'POL'
measure func=BPRM_CHECK mask=MAY_EXEC
appraise func=BPRM_CHECK appraise_type=imasig
POL
cat > vigild.conf <<CONF
policy = $work/policy
keys = $work/ima-cert.der
mode = enforce
template = ima-sig
mark = $mnt
run_dir = $work/run
state_dir = $work/state
CONF
cat policy
timeout 120 "$vigild" -c vigild.conf > vigild.log 2>&1 &
for _ in $(seq 100); do grep -q 'vigild: ready' vigild.log && break; sleep 0.1; done
grep -q 'vigild: ready' vigild.log || { cat vigild.log; die "vigild did not start"; }
dpid=$(sed -n 's/.*vigild: ready (pid \([0-9]*\)).*/\1/p' vigild.log)
sed -n '1,20p' vigild.log

step "signed binaries run"
run "$mnt/bin/date" -u +%Y-%m-%d
run "$mnt/bin/hello.sh"

step "attack: overwrite bin/date with another binary (its old signature stays attached)"
cat /usr/bin/whoami > "$mnt/bin/date"
printf '$ %s\n' "$mnt/bin/date"
if out=$("$mnt/bin/date" 2>&1); then die "the tampered binary ran: $out"; fi
echo "$out"
[[ $out == *"Operation not permitted"* ]] || die "expected EPERM, got: $out"

step "attack: drop an unsigned binary next to them"
cp /usr/bin/id "$mnt/bin/backdoor"
printf '$ %s\n' "$mnt/bin/backdoor"
if out=$("$mnt/bin/backdoor" 2>&1); then die "the unsigned binary ran: $out"; fi
echo "$out"

step "what vigild logged (the kernel's wording)"
grep 'appraisal error' vigild.log || die "no appraisal error logged"

step "ask the running vigild (its control socket)"
run "$vigil" status --socket run/control

step "the measurement list (kernel format, ascii view)"
run "$vigil" log show --ascii run/binary_runtime_measurements

step "replay the list to the PCRs vigild extended: they must match"
run "$vigil" log replay --pcrs run/pcrs-sha1 --pcrs run/pcrs-sha256 run/binary_runtime_measurements

step "verify every entry's signature: the tampered binary stands out"
set +e
"$vigil" log verify --pcrs run/pcrs-sha256 --keys ima-cert.der run/binary_runtime_measurements
rc=$?
set -e
echo "exit status: $rc (1 = an entry failed verification)"
[ "$rc" -eq 1 ] || die "log verify should flag the tampered entry"

step "demo passed: signed binaries ran, the replaced and the unsigned one were refused with EPERM, the log replays to the PCRs and names the tampered file"
