#!/usr/bin/env bash
# The main job, end to end: build vigil, make a demo signing key, sign a
# tree of real binaries, replace one of them the way an attacker would,
# verify the tree and show which file fails and why.  Exits 0 only when
# the untouched files verify and the replaced one is caught.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "build"
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
vigil=$PWD/build/tools/vigil

work=$(mktemp -d /tmp/vigil-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

step "a demo signing key and its certificate"
run openssl genrsa -out ima-key.pem 2048 2>/dev/null
run openssl req -new -x509 -key ima-key.pem -out ima-cert.der -outform DER -days 30 \
	-subj "/CN=vigil demo IMA key" -addext subjectKeyIdentifier=hash 2>/dev/null
run "$vigil" keyid ima-key.pem ima-cert.der

step "a tree to protect: real binaries, a script, a config file"
mkdir -p tree/bin tree/etc
cp /usr/bin/{ls,cat,date,echo,true,id} tree/bin/
printf '#!/bin/sh\necho hello from a signed script\n' > tree/bin/hello.sh
chmod +x tree/bin/hello.sh
printf 'PermitRootLogin no\n' > tree/etc/app.conf
run find tree -type f

step "sign every file (security.ima = RSA signature v2 over its sha256)"
run "$vigil" sign -r -k ima-key.pem -a sha256 tree
run "$vigil" show tree/bin/date

step "verify: everything passes"
run "$vigil" verify -r -k ima-cert.der tree

step "Debian's evmctl agrees (the reference implementation)"
run evmctl ima_verify --key ima-cert.der tree/bin/date

step "attack: overwrite bin/date with another binary; its old signature stays attached"
cat /usr/bin/whoami > tree/bin/date
run "$vigil" show tree/bin/date

step "verify again: the replaced binary is refused, with the kernel's reason"
set +e
"$vigil" verify -r -k ima-cert.der tree
rc=$?
set -e
echo "exit status: $rc (1 = a file failed verification)"

if [ "$rc" -ne 1 ]; then
	echo "demo FAILED: the tampered file was not caught" >&2
	exit 1
fi
step "demo passed: 8 files signed, the replaced binary caught"
