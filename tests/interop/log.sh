#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vigil log show/replay/verify and vigil boot-aggregate on the real kernel
# logs of ../shared/vectors, with EXPECT.txt (what evmctl printed and
# returned on each) and, when installed, evmctl itself as oracles; corrupted
# and truncated copies; allowlists, Keylime policies and incremental
# verification; the malformed-list corpus; and a software TPM (swtpm) when
# swtpm and tpm2-tools are installed.
#
# Env: VIGIL (the vigil binary), VIGIL_SHARED (the shared dir with vectors/),
#      VIGIL_TEST_DATA (tests/data), VIGIL_CORPUS (tests/corpus, optional).
set -u

VIGIL=${VIGIL:-}
SHARED=${VIGIL_SHARED:-}
DATA=${VIGIL_TEST_DATA:-}
CORPUS=${VIGIL_CORPUS:-${DATA:+$DATA/../corpus}}
ORACLE=/usr/bin/evmctl
pass=0 fail=0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=86}

skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
same() {
	if [ "$2" == "$3" ]; then ok "$1"; else
		nok "$1"; echo "#   want: $2" | head -c 600; echo; echo "#   got:  $3" | head -c 600; echo
	fi
}
# has DESC FILE REGEX: FILE has a line matching REGEX
has() { if grep -qE -- "$3" "$2"; then ok "$1"; else nok "$1"; sed 's/^/#   /' "$2" | head -8; fi; }

[ -n "$VIGIL" ] && [ -x "$VIGIL" ] || skip "VIGIL is not set to the vigil binary"
[ -n "$SHARED" ] && [ -d "$SHARED/vectors" ] || skip "VIGIL_SHARED has no vectors/"
command -v python3 >/dev/null || skip "no python3 (JSON checks)"
V=$SHARED/vectors

TMP=$(mktemp -d /tmp/vigil-log.XXXXXX) || exit 1
swtpm_pid=
trap '[ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null; rm -rf "$TMP"' EXIT

# run CMD...: stdout in $TMP/out, stderr in $TMP/err, exit code in $rc; a
# sanitizer report or a signal is a failure of its own.
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/err" || [ "$rc" -ge 128 ]; then
		nok "no crash or sanitizer report: $* (rc $rc)"
		sed 's/^/#   /' "$TMP/err" | head -20
	fi
}

# The byte offset of entry N of a list (from log show --json).
offset_of() { "$VIGIL" log show --json "$1" | sed -n "$(($2 + 1))p" | python3 -c 'import json,sys; print(json.load(sys.stdin)["offset"])'; }
# What EXPECT.txt says an evmctl command returned / printed first.
expect_rc() { sed -n "s/^\$ evmctl $2 -> rc=//p" "$1/EXPECT.txt" | head -1; }
expect_out() { grep -A1 -F "\$ evmctl $2 ->" "$1/EXPECT.txt" | sed -n '2s/^ *//p'; }

vectors=()
for d in "$V"/*/; do [ -f "$d/binary_runtime_measurements" ] && vectors+=("${d%/}"); done
[ "${#vectors[@]}" -gt 0 ] || skip "no vectors"

# ------------------------------------------------------------ every vector
for d in "${vectors[@]}"; do
	n=${d##*/}
	L=$d/binary_runtime_measurements
	P=(--pcrs "$d/pcrs-sha1.txt" --pcrs "$d/pcrs-sha256.txt")
	count=$(cat "$d/runtime_measurements_count")

	run "$VIGIL" log show --ascii "$L"
	if [ "$rc" = 0 ] && cmp -s "$TMP/out" "$d/ascii_runtime_measurements"; then
		ok "$n: log show --ascii is byte-identical to ascii_runtime_measurements"
	else nok "$n: log show --ascii is byte-identical to ascii_runtime_measurements (rc $rc)"; fi

	run "$VIGIL" log show --json "$L"
	same "$n: log show --json: one valid JSON object per entry" "$count" \
		"$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["index"] >= 0))' "$TMP/out" 2>&1)"
	run "$VIGIL" log show "$L"
	same "$n: log show: a header and one table row per entry" "$((count + 1))" "$(wc -l <"$TMP/out")"

	want=$(expect_rc "$d" "ima_measurement --pcrs pcrs-sha1.txt --pcrs pcrs-sha256.txt")
	run "$VIGIL" log replay "${P[@]}" "$L"
	same "$n: log replay --pcrs: exit $want as evmctl ima_measurement in EXPECT.txt" "$want" "$rc"
	has "$n: log replay: both banks match with per-bank digests" "$TMP/out" \
		"^sha256 PCR-10 [0-9a-f]{64}: match \(per-bank"
	run "$VIGIL" log replay --ignore-violations "${P[@]}" "$L"
	same "$n: log replay --ignore-violations --pcrs: exit 0" 0 "$rc"
	if [ -x "$ORACLE" ]; then
		"$ORACLE" ima_measurement --pcrs "sha1,$d/pcrs-sha1.txt" --pcrs "sha256,$d/pcrs-sha256.txt" \
			"$L" >/dev/null 2>&1
		orc=$?
		run "$VIGIL" log replay "${P[@]}" "$L"
		same "$n: log replay exits as the installed evmctl ima_measurement" "$orc" "$rc"
	fi
	run "$VIGIL" log replay --json --ignore-violations "${P[@]}" "$L"
	same "$n: log replay --json: result ok, entries $count" "ok $count" \
		"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["result"], j["entries"])' "$TMP/out" 2>&1)"

	for b in sha1 sha256; do
		want=$(expect_out "$d" "ima_boot_aggregate --pcrs $b,pcrs-$b.txt")
		run "$VIGIL" boot-aggregate --pcrs "$b,$d/pcrs-$b.txt"
		same "$n: boot-aggregate --pcrs $b,pcrs-$b.txt as evmctl in EXPECT.txt" "$want" "$(cat "$TMP/out")"
		run "$VIGIL" boot-aggregate --eventlog "$d/binary_bios_measurements" --bank "$b"
		same "$n: boot-aggregate from binary_bios_measurements, bank $b" "$want" "$(cat "$TMP/out")"
	done
	# The kernel's own boot_aggregate (entry 0) with its ima_hash= choice of bank.
	ima_hash=$(sed -n 's/.*ima_hash=\([a-z0-9]*\).*/\1/p' "$d/cmdline")
	kernel=$(head -1 "$d/ascii_runtime_measurements" | awk '{print $4}')
	run "$VIGIL" boot-aggregate --eventlog "$d/binary_bios_measurements" --hash-algo "${ima_hash:-sha256}"
	same "$n: boot-aggregate (kernel's bank choice) = the list's boot_aggregate entry" \
		"${kernel##*:}" "$(cut -d: -f2 "$TMP/out")"

	run "$VIGIL" log verify --ignore-violations "${P[@]}" "$L"
	same "$n: log verify --ignore-violations --pcrs (no references): exit 0" 0 "$rc"

	# A flipped byte in entry 5's template digest; a copy cut inside entry 7.
	off=$(offset_of "$L" 5)
	cp "$L" "$TMP/bad"
	b=$(od -An -tu1 -j $((off + 6)) -N1 "$TMP/bad" | tr -d ' ')
	printf "\\x$(printf %02x $(((b + 1) % 256)))" | dd of="$TMP/bad" bs=1 seek=$((off + 6)) conv=notrunc 2>/dev/null
	run "$VIGIL" log replay --ignore-violations "${P[@]}" "$TMP/bad"
	same "$n: flipped template digest: log replay exits 1" 1 "$rc"
	has "$n: flipped template digest: the entry is named with its offset" "$TMP/out" \
		"^entry 5 at offset $off: template digest"
	run "$VIGIL" log verify --ignore-violations "$TMP/bad"
	has "$n: flipped template digest: log verify names entry 5" "$TMP/out" \
		"^first failure: entry 5 at offset $off: template-digest-mismatch"
	off7=$(offset_of "$L" 7)
	head -c $((off7 + 30)) "$L" >"$TMP/trunc"
	for c in show replay verify; do
		run "$VIGIL" log $c "$TMP/trunc"
		same "$n: truncated inside entry 7: log $c exits 2" 2 "$rc"
		has "$n: truncated: log $c names entry 7 and its offset" "$TMP/err" "entry 7 at offset $off7: "
	done
done

# ------------------------------------------------------------- signatures
S=$V/sig
if [ -d "$S" ]; then
	run "$VIGIL" log verify --keys "$S/rsa.der,$S/rsa-other.der" "$S/binary_runtime_measurements"
	same "sig: verify with both keys: exit 1" 1 "$rc"
	same "sig: exactly one bad signature, the tampered file" \
		"/mnt/data/s/tampered/data.txt: bad-signature" \
		"$(grep -E '^entry .*: (bad-signature|unknown-key)' "$TMP/out" | sed 's/^entry [0-9]* (offset [0-9]*) //; s/ (.*//')"
	has "sig: 55 signatures verify" "$TMP/out" "^verdicts: ok 55,"
	run "$VIGIL" log verify -v --keys "$S/rsa.der,$S/rsa-other.der" "$S/binary_runtime_measurements"
	has "sig: the EVM portable signature (evm-portable/data.txt) is no IMA signature, not a failure" \
		"$TMP/out" "^entry [0-9]+ \(offset [0-9]+\) /mnt/data/s/evm-portable/data.txt: no-reference \(no IMA signature"
	same "sig: -v lists every entry" 86 "$(grep -c '^entry ' "$TMP/out")"
	run "$VIGIL" log verify --keys "$S/rsa.der" "$S/binary_runtime_measurements"
	same "sig: only rsa.der: the other-key files have unknown keyid 7f795984 (as evmctl -v)" \
		"$(printf '%s\n' '/mnt/data/s/other-key/echo: unknown-key (signature: unknown keyid 7f795984)' \
			'/mnt/data/s/other-key/data.txt: unknown-key (signature: unknown keyid 7f795984)')" \
		"$(grep -E '^entry .*: unknown-key' "$TMP/out" | sed 's/^entry [0-9]* (offset [0-9]*) //')"
	same "sig: only rsa.der: still one bad signature" 1 "$(grep -cE '^entry .*: bad-signature' "$TMP/out")"
	run "$VIGIL" log verify --json --keys "$S/rsa.der" "$S/binary_runtime_measurements"
	same "sig: --json verdict counts" "53 1 2 failed" "$(python3 -c '
import json,sys; j=json.load(open(sys.argv[1])); v=j["summary"]["verdicts"]
print(v["ok"], v["bad-signature"], v["unknown-key"], j["result"])' "$TMP/out" 2>&1)"

	# The same key as a Keylime policy's verification-keys (SPKI, base64, JSON in a string).
	if command -v openssl >/dev/null; then
		openssl x509 -inform DER -in "$S/rsa.der" -pubkey -noout | openssl pkey -pubin -outform DER |
			base64 -w0 >"$TMP/spki.b64"
		python3 - "$TMP/spki.b64" "$TMP/sigpol.json" <<-'EOF'
			import json, sys
			k = open(sys.argv[1]).read().strip()
			ring = json.dumps({"pubkeys": [k]})
			pol = {"meta": {"version": 1}, "release": 0, "digests": {}, "excludes": [],
			       "keyrings": {}, "ima": {"ignored_keyrings": [], "log_hash_alg": "sha1",
			       "dm_policy": None}, "ima-buf": {},
			       "verification-keys": json.dumps({"tenant_keyring": ring})}
			json.dump(pol, open(sys.argv[2], "w"))
		EOF
		run "$VIGIL" log verify -v --policy "$TMP/sigpol.json" "$S/binary_runtime_measurements"
		same "sig: policy verification-keys: 53 entries ok via signature" 53 \
			"$(grep -c ': ok via signature' "$TMP/out")"
		same "sig: policy without digests: unsigned entries fail as no-reference (exit 1)" 1 "$rc"
	fi
fi

# ------------------------------------------------------------- allowlists
N=$V/ng-sha256
if [ -d "$N" ]; then
	L=$N/binary_runtime_measurements
	"$VIGIL" log show --json "$L" | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    print("%s:%s  %s" % (e["digest_algo"], e["digest"], e["name"]))' >"$TMP/allow"
	awk '{sub(/^[a-z0-9]*:/, "", $4); print $4 "  " $5}' "$N/ascii_runtime_measurements" >"$TMP/allow-plain"
	run "$VIGIL" log verify --allowlist "$TMP/allow" --pcrs "$N/pcrs-sha1.txt" --pcrs "$N/pcrs-sha256.txt" "$L"
	same "allowlist from the list itself: verify exits 0" 0 "$rc"
	has "allowlist: result ok" "$TMP/out" "^result: ok$"
	run "$VIGIL" log verify --allowlist "$TMP/allow-plain" "$L"
	same "allowlist as plain sha256sum lines (HEX  PATH): exit 0" 0 "$rc"
	line=$(sed -n 51p "$TMP/allow")
	sed 51d "$TMP/allow" >"$TMP/allow-1"
	run "$VIGIL" log verify --allowlist "$TMP/allow-1" "$L"
	same "allowlist without one line: exit 1" 1 "$rc"
	same "allowlist without one line: only that entry, no-reference" \
		"entry 50 (offset $(offset_of "$L" 50)) ${line#*  }: no-reference (not in the references)" \
		"$(grep '^entry ' "$TMP/out")"
	python3 -c '
import sys
ls = open(sys.argv[1]).readlines()
h, n = ls[50].split("  ", 1)
a, x = h.split(":")
ls[50] = "%s:%s%s  %s" % (a, "1" if x[0] == "0" else "0", x[1:], n)
open(sys.argv[2], "w").writelines(ls)' "$TMP/allow" "$TMP/allow-2"
	run "$VIGIL" log verify --allowlist "$TMP/allow-2" "$L"
	has "allowlist with a wrong digest: digest-mismatch for entry 50" "$TMP/out" \
		"^entry 50 .*: digest-mismatch"

	# Keylime runtime policy: digests, excludes (from the start of the name).
	python3 - "$TMP/allow" "$TMP/pol.json" <<-'EOF'
		import json, sys
		d = {}
		for l in open(sys.argv[1]):
		    h, n = l.rstrip("\n").split("  ", 1)
		    d.setdefault(n, []).append(h.split(":", 1)[1])
		d.pop("/mnt/data/c/scripts/s019.sh", None)
		d.pop("/mnt/data/c/bb/cat", None)
		pol = {"meta": {"version": 1}, "release": 0, "digests": d,
		       "excludes": ["/mnt/data/c/scripts/s0\\d9\\.sh"], "keyrings": {},
		       "ima": {"ignored_keyrings": [], "log_hash_alg": "sha1", "dm_policy": None},
		       "ima-buf": {}, "verification-keys": ""}
		json.dump(pol, open(sys.argv[2], "w"))
	EOF
	run "$VIGIL" log verify -v --policy "$TMP/pol.json" "$L"
	has "policy: an excluded name is excluded" "$TMP/out" "^entry [0-9]+ .* /mnt/data/c/scripts/s019.sh: excluded$"
	same "policy: the one name neither listed nor excluded fails" "/mnt/data/c/bb/cat: no-reference" \
		"$(grep -E '^entry .*: (no-reference|digest-mismatch)' "$TMP/out" | sed 's/^entry [0-9]* (offset [0-9]*) //; s/ (.*//')"
	printf '{"digests": {"/a": ["zz"]}}' >"$TMP/badpol.json"
	run "$VIGIL" log verify --policy "$TMP/badpol.json" "$L"
	same "policy with a bad digest: exit 2" 2 "$rc"
	has "policy with a bad digest: says where" "$TMP/err" 'digests\["/a"\]\[0\]'
fi

# ------------------------------------------------------ measured keys (ima-buf)
B=$V/buf
if [ -d "$B" ]; then
	kd=$(awk '$5 == "_ima" {sub(/^sha256:/, "", $4); print $4}' "$B/ascii_runtime_measurements")
	printf '{"meta":{"version":1},"digests":{},"excludes":[],"keyrings":{"_ima":["%s"]},"ima":{"ignored_keyrings":[".builtin_trusted_keys","_evm"],"log_hash_alg":"sha1","dm_policy":null},"ima-buf":{},"verification-keys":""}' \
		"$kd" >"$TMP/bufpol.json"
	run "$VIGIL" log verify -v --policy "$TMP/bufpol.json" "$B/binary_runtime_measurements"
	has "buf: the _ima key allowed by the policy's keyrings" "$TMP/out" "^entry 3 .* _ima: ok via keyring"
	has "buf: it becomes a trusted key" "$TMP/out" "^keys learned from the list: 1$"
	has "buf: ignored keyrings are excluded" "$TMP/out" "^entry 4 .* _evm: excluded"
	run "$VIGIL" log verify -v --keys "$B/ima-key.der" "$B/binary_runtime_measurements"
	has "buf: a measured key that is a trusted key is ok" "$TMP/out" "^entry 3 .* _ima: ok via trusted-key"
fi

# -------------------------------------------------------------- incremental
if [ -d "$S" ]; then
	L=$S/binary_runtime_measurements
	off=$(offset_of "$L" 43)
	head -c "$off" "$L" >"$TMP/half"
	args=(--json --keys "$S/rsa.der" --pcrs "$S/pcrs-sha1.txt" --pcrs "$S/pcrs-sha256.txt")
	run "$VIGIL" log verify "${args[@]}" --state "$TMP/state" "$TMP/half"
	same "incremental: first half: exit 1 (its PCRs are not the TPM's yet)" 1 "$rc"
	run "$VIGIL" log verify "${args[@]}" --state "$TMP/state" "$L"
	cp "$TMP/out" "$TMP/inc.json"
	inc_rc=$rc
	run "$VIGIL" log verify "${args[@]}" "$L"
	same "incremental: the second run exits as a full run" "$rc" "$inc_rc"
	same "incremental: only the new entries were checked" 43 \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["checked_now"])' "$TMP/inc.json")"
	same "incremental: summary, PCRs and result equal a full run" \
		"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); del j["summary"]["checked_now"]; j.pop("entries"); print(json.dumps(j, sort_keys=True))' "$TMP/out")" \
		"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); del j["summary"]["checked_now"]; j.pop("entries"); print(json.dumps(j, sort_keys=True))' "$TMP/inc.json")"
	run "$VIGIL" log verify "${args[@]}" --state "$TMP/state" "$L"
	same "incremental: nothing new: no entry checked" 0 \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["checked_now"])' "$TMP/out")"
	run "$VIGIL" log verify --keys "$S/rsa-other.der" --state "$TMP/state" "$L"
	same "incremental: other keys than the state's: exit 2" 2 "$rc"
	has "incremental: other keys: says so" "$TMP/err" "other references"
	cp "$TMP/state" "$TMP/state2"
	sed -i '5s/[0-9]$/x/' "$TMP/state2"
	run "$VIGIL" log verify "${args[@]}" --state "$TMP/state2" "$L"
	same "incremental: a corrupted state: exit 2" 2 "$rc"
	run "$VIGIL" log verify "${args[@]}" --state "$TMP/state" "$TMP/half"
	same "incremental: a list shorter than the state: exit 2" 2 "$rc"
fi

# ------------------------------------------------------------------ corpus
if [ -n "$CORPUS" ] && [ -f "$CORPUS/mlist/EXPECT" ]; then
	while read -r file status index offset msg; do
		case "$file" in '#'*|'') continue ;; esac
		for c in show replay verify; do
			opt=()
			[ "$c" != show ] && opt=(--ignore-violations)
			run "$VIGIL" log $c "${opt[@]}" "$CORPUS/mlist/$file"
			if [ "$status" = ok ]; then
				same "corpus $file: log $c exits 0" 0 "$rc"
			elif [ "$rc" = 2 ] && grep -qF "entry $index at offset $offset: " "$TMP/err" &&
			     grep -qF -- "$msg" "$TMP/err"; then
				ok "corpus $file: log $c exits 2 naming entry $index at offset $offset"
			else
				nok "corpus $file: log $c exits 2 naming entry $index at offset $offset (rc $rc)"
				sed 's/^/#   /' "$TMP/err" | head -3
			fi
		done
	done <"$CORPUS/mlist/EXPECT"
fi

# Random bytes are no list; nor a list with a huge count of random entries.
head -c 4096 /dev/urandom >"$TMP/random"
run "$VIGIL" log replay "$TMP/random"
same "random bytes: log replay exits 2" 2 "$rc"
run "$VIGIL" log show /nonexistent/list
same "a missing list: exit 2" 2 "$rc"
run "$VIGIL" log replay --pcrs /nonexistent "${vectors[0]}/binary_runtime_measurements"
same "a missing --pcrs file: exit 2" 2 "$rc"
run "$VIGIL" log frob
same "an unknown log command: exit 2" 2 "$rc"
run "$VIGIL" log replay --help
same "log replay --help: exit 0" 0 "$rc"

# ------------------------------------------------------------ replay mismatch
if [ -d "$N" ] && [ -d "$S" ]; then
	run "$VIGIL" log replay --pcrs "$S/pcrs-sha1.txt" --pcrs "$S/pcrs-sha256.txt" "$N/binary_runtime_measurements"
	same "another boot's PCRs: log replay exits 1" 1 "$rc"
	has "another boot's PCRs: MISMATCH named" "$TMP/out" "^PCRs: MISMATCH \(sha1 PCR 10"
	run "$VIGIL" log replay --bank sha384 --pcrs "$S/pcrs-sha1.txt" "$N/binary_runtime_measurements"
	same "no expected values for the replayed bank: exit 2" 2 "$rc"
fi

# ----------------------------------------------------------- a software TPM
if command -v swtpm >/dev/null && command -v tpm2_pcrextend >/dev/null && [ -d "$B" ]; then
	port=$((20000 + RANDOM % 20000))
	mkdir -p "$TMP/tpm"
	timeout 300 swtpm socket --tpm2 --tpmstate dir="$TMP/tpm" --server type=tcp,port=$port \
		--ctrl type=tcp,port=$((port + 1)) --flags startup-clear,not-need-init >/dev/null 2>&1 &
	swtpm_pid=$!
	export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
	for i in $(seq 50); do tpm2_pcrread sha1:10 >/dev/null 2>&1 && break; sleep 0.1; done
	# PCR 10 of every bank extended with the buf vector's entries, as its kernel did.
	for b in sha1 sha256 sha384 sha512; do
		"$VIGIL" log show --json --bank $b "$B/binary_runtime_measurements" >"$TMP/b-$b"
	done
	python3 - "$TMP" <<-'EOF' >"$TMP/extends"
		import json, sys
		banks = ["sha1", "sha256", "sha384", "sha512"]
		lists = [[json.loads(l) for l in open(sys.argv[1] + "/b-" + b)] for b in banks]
		for entries in zip(*lists):
		    print("10:" + ",".join("%s=%s" % (b, e["template_digest"] if not e["violation"]
		          else "ff" * (len(e["template_digest"]) // 2)) for b, e in zip(banks, entries)))
	EOF
	while read -r e; do tpm2_pcrextend "$e" >/dev/null 2>&1 || nok "tpm2_pcrextend $e"; done <"$TMP/extends"
	run "$VIGIL" log replay --tpm "$B/binary_runtime_measurements"
	same "swtpm: log replay --tpm (TPM2TOOLS_TCTI): exit 0" 0 "$rc"
	same "swtpm: every bank of the TPM read and matched" 4 "$(grep -c '^sha[0-9]* PCR-10 .*: match' "$TMP/out")"
	# PCRs 0-9 of this TPM are not those of the vector's boot: boot_aggregate fails alone.
	run "$VIGIL" log verify --tpm --bank sha1 --bank sha256 "$B/binary_runtime_measurements"
	same "swtpm: log verify --tpm: exit 1, only boot_aggregate differs from the TPM's PCRs" \
		"1 entry 0 (offset 0) boot_aggregate: digest-mismatch via boot-aggregate" \
		"$rc $(grep '^entry ' "$TMP/out" | sed 's/ (the given.*//')"
	has "swtpm: log verify --tpm: PCR 10 of both banks match" "$TMP/out" "^PCRs: match$"
	tpm2_pcrread sha256:0,1,2,3,4,5,6,7,8,9 >"$TMP/pcrread.yaml" 2>/dev/null
	run env -u TPM2TOOLS_TCTI "$VIGIL" boot-aggregate --tpm --tcti "swtpm:host=127.0.0.1,port=$port" --bank sha256
	same "swtpm: boot-aggregate --tpm = from tpm2_pcrread's YAML" \
		"$("$VIGIL" boot-aggregate --pcrs "$TMP/pcrread.yaml" --bank sha256)" "$(cat "$TMP/out")"
	tpm2_pcrextend "10:sha256=$(printf '%064d' 1)" >/dev/null 2>&1
	run "$VIGIL" log replay --tpm "$B/binary_runtime_measurements"
	same "swtpm: one more extend: log replay --tpm exits 1" 1 "$rc"
	run "$VIGIL" log verify --tpm --tcti "swtpm:host=127.0.0.1,port=1" "$B/binary_runtime_measurements"
	same "swtpm: an unreachable TPM: exit 2" 2 "$rc"
	kill "$swtpm_pid" 2>/dev/null
	wait "$swtpm_pid" 2>/dev/null
	swtpm_pid=
else
	echo "# SKIP swtpm tests: no swtpm or tpm2-tools"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
