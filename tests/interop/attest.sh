#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vigil attest key/quote/verify against a software TPM (swtpm): RSA and
# ECC attestation keys; a firmware event log and a measurement list
# extended into the TPM; quotes verified whole and incrementally; and the
# attacks: an old nonce, a forged signature, forged PCR values, a tampered
# entry, a PCR extended behind the list's back, a list gap, an older
# quote (clock) and a quote from before a TPM reset (resetCount).  Last,
# each kernel vector's list, extended into the TPM, verifies from a quote
# whose PCR 10 equals the vector's recorded PCRs, with the same outcome as
# vigil log verify against those recorded PCRs.
#
# Env: VIGIL, VIGIL_SHARED (vectors/), as tests/meson.build sets them.
set -u
. "$(dirname "$0")/lib.sh"

need_vigil
need_python3
command -v swtpm >/dev/null || skip "no swtpm"
command -v swtpm_ioctl >/dev/null || skip "no swtpm_ioctl"
command -v tpm2_pcrextend >/dev/null && command -v tpm2_startup >/dev/null ||
	skip "no tpm2-tools"
command -v openssl >/dev/null || skip "no openssl"
make_tmp attest

swtpm_pid=
stop_swtpm() { [ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null && wait "$swtpm_pid" 2>/dev/null; swtpm_pid=; }
at_exit stop_swtpm

# A free pair of ports: the TPM's and its control channel's.
free_port() {
	python3 -c 'import socket
for _ in range(50):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1)); print(p); break
    except (OSError, OverflowError): pass
    finally: a.close(); b.close()'
}

port=$(free_port)
[ -n "$port" ] || skip "no free TCP port pair"
mkdir -p "$TMP/tpm"
timeout -k 5 600 swtpm socket --tpm2 --tpmstate dir="$TMP/tpm" \
	--server type=tcp,port="$port",bindaddr=127.0.0.1 \
	--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
	--flags startup-clear,not-need-init >/dev/null 2>&1 &
swtpm_pid=$!
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
unset TCTI
for _ in $(seq 50); do tpm2_pcrread sha1:10 >/dev/null 2>&1 && break; sleep 0.1; done
tpm2_pcrread sha1:10 >/dev/null 2>&1 || skip "swtpm did not start"

# A TPM reset (an orderly power cycle, so that the dictionary-attack counter
# does not lock the AK out): PCRs back to zero, resetCount + 1.
tpm_reset() {
	tpm2_shutdown -c >/dev/null 2>&1
	swtpm_ioctl -i --tcp 127.0.0.1:$((port + 1)) >/dev/null && tpm2_startup -c >/dev/null 2>&1
}

# run CMD...: stdout in $TMP/out, stderr in $TMP/err, exit code in $rc.
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/err" || [ "$rc" -ge 128 ]; then
		nok "no crash or sanitizer report: $* (rc $rc)"
		sed 's/^/#   /' "$TMP/err" | head -20
	fi
}
# has DESC FILE REGEX: FILE has a line matching REGEX
has() { if grep -qE -- "$3" "$2"; then ok "$1"; else nok "$1"; sed 's/^/#   /' "$2" | head -8; fi; }
# jget EXPR: a value of the JSON in $TMP/out ("j" is the document), "ERR" if unreadable.
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$TMP/out" 2>/dev/null || echo ERR; }
nonce() { openssl rand -hex 20; }
# verify_json WANT_RC CHECK DESC ARGS...: attest verify --json exits WANT_RC and names CHECK.
verify_json() {
	local want=$1 check=$2 desc=$3
	shift 3
	run "$VIGIL" attest verify --json "$@"
	same "$desc" "$want $check" "$rc $(jget 'j["failure"]["check"] if not j["ok"] else "ok"')"
}
# bundle_edit BUNDLE OUT PYTHON: OUT is BUNDLE after PYTHON changed the dict b.
bundle_edit() {
	python3 - "$1" "$2" "$3" <<-'EOF'
		import base64, json, sys
		b = json.load(open(sys.argv[1]))
		def flip(key, i):
		    raw = bytearray(base64.b64decode(b["quote"][key])); raw[i] ^= 1
		    b["quote"][key] = base64.b64encode(bytes(raw)).decode()
		exec(sys.argv[3])
		json.dump(b, open(sys.argv[2], "w"))
	EOF
}

# ------------------------------------------------------------ firmware log
# A crypto-agile event log of 8 events (PCRs 0-7), extended into the TPM.
python3 - "$TMP" <<'EOF'
import hashlib, struct, sys
t = sys.argv[1]
spec = (b"Spec ID Event03\0" + struct.pack("<IBBBBI", 0, 0, 2, 0, 2, 2) +
        struct.pack("<HH", 0x0004, 20) + struct.pack("<HH", 0x000b, 32) + b"\0")
log = struct.pack("<II", 0, 3) + b"\0" * 20 + struct.pack("<I", len(spec)) + spec
ext = []
for pcr in range(8):
    data = b"vigil test firmware event %d" % pcr
    s1, s256 = hashlib.sha1(data).digest(), hashlib.sha256(data).digest()
    log += struct.pack("<III", pcr, 1, 2) + struct.pack("<H", 4) + s1 + struct.pack("<H", 11) + s256
    log += struct.pack("<I", len(data)) + data
    ext.append("%d:sha1=%s,sha256=%s" % (pcr, s1.hex(), s256.hex()))
open(t + "/eventlog.bin", "wb").write(log)
open(t + "/eventlog.ext", "w").write(" ".join(ext))
EOF
# shellcheck disable=SC2046
tpm2_pcrextend $(cat "$TMP/eventlog.ext") >/dev/null 2>&1 || nok "tpm2_pcrextend of the event log"
ba=$("$VIGIL" boot-aggregate --tpm --bank sha256 | sed -n 's/^sha256://p')
check "boot_aggregate of the TPM's PCRs 0-9" test -n "$ba"

# --------------------------------------------------------- measurement list
# An ima-ng list of 20 entries (boot_aggregate, then 19 files), its first
# 12 entries, a runtime policy listing every file, and the per-bank
# template digests to extend PCR 10 with.
python3 - "$TMP" "$ba" <<'EOF'
import hashlib, json, struct, sys
t, ba = sys.argv[1], bytes.fromhex(sys.argv[2])
def entry(name, algo, digest):
    d = algo.encode() + b":\0" + digest
    n = name.encode() + b"\0"
    data = struct.pack("<I", len(d)) + d + struct.pack("<I", len(n)) + n
    tn = b"ima-ng"
    raw = (struct.pack("<I", 10) + hashlib.sha1(data).digest() + struct.pack("<I", len(tn)) + tn +
           struct.pack("<I", len(data)) + data)
    return raw, "10:sha1=%s,sha256=%s" % (hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest())
entries = [entry("boot_aggregate", "sha256", ba)]
digests = {}
for i in range(1, 20):
    path = "/usr/bin/tool%02d" % i
    d = hashlib.sha256(b"content of %d" % i).digest()
    digests[path] = [d.hex()]
    entries.append(entry(path, "sha256", d))
open(t + "/list20", "wb").write(b"".join(e[0] for e in entries))
open(t + "/list12", "wb").write(b"".join(e[0] for e in entries[:12]))
open(t + "/ext-0-11", "w").write(" ".join(e[1] for e in entries[:12]))
open(t + "/ext-12-19", "w").write(" ".join(e[1] for e in entries[12:]))
pol = {"meta": {"version": 1}, "release": 0, "digests": digests, "excludes": [],
       "keyrings": {}, "ima": {"ignored_keyrings": [], "log_hash_alg": "sha1", "dm_policy": None},
       "ima-buf": {}, "verification-keys": ""}
json.dump(pol, open(t + "/policy.json", "w"))
# entry 7 with one byte of its file digest changed, its template digest kept
raw = bytearray(b"".join(e[0] for e in entries))
off = sum(len(e[0]) for e in entries[:7])
raw[off + 4 + 20 + 4 + 6 + 4 + 4 + len(b"sha256:\0")] ^= 0x40
open(t + "/list12-tampered", "wb").write(bytes(raw[:sum(len(e[0]) for e in entries[:12])]))
EOF
# shellcheck disable=SC2046
tpm2_pcrextend $(cat "$TMP/ext-0-11") >/dev/null 2>&1 || nok "tpm2_pcrextend of entries 0-11"
run "$VIGIL" log verify --tpm --bank sha1 --bank sha256 --policy "$TMP/policy.json" "$TMP/list12"
same "the generated list and TPM agree for vigil log verify --tpm" 0 "$rc"

# ------------------------------------------------------------------- keys
run "$VIGIL" attest key --out-public "$TMP/ak-rsa.pem"
same "attest key (RSA): exit 0" 0 "$rc"
check "the RSA AK is an RSA-2048 SubjectPublicKeyInfo OpenSSL reads" \
	grep -q "Public-Key: (2048 bit)" <(openssl pkey -pubin -in "$TMP/ak-rsa.pem" -noout -text 2>&1)
run "$VIGIL" attest key --out-public "$TMP/ak-rsa2.pem"
check "attest key again: the persisted key is used (same public key)" \
	cmp -s "$TMP/ak-rsa.pem" "$TMP/ak-rsa2.pem"
run "$VIGIL" attest key --ecc --out-public "$TMP/x.pem"
same "attest key --ecc on the RSA key's handle: exit 2" 2 "$rc"
run "$VIGIL" attest key --ecc --handle 0x81010003 --out-public "$TMP/ak-ecc.pem"
same "attest key --ecc: exit 0" 0 "$rc"
check "the ECC AK is a P-256 key OpenSSL reads" \
	grep -q "prime256v1\|P-256" <(openssl pkey -pubin -in "$TMP/ak-ecc.pem" -noout -text 2>&1)
run "$VIGIL" attest key --handle 0x80000000 --out-public "$TMP/x.pem"
same "attest key with a transient handle: exit 2" 2 "$rc"

# ------------------------------------------------------- quote and verify
SEL=sha256:0,1,2,3,4,5,6,7,8,9,10+sha1:10
n1=$(nonce)
run "$VIGIL" attest quote --nonce "$n1" --pcrs "$SEL" --log "$TMP/list12" \
	--eventlog "$TMP/eventlog.bin" --out "$TMP/q1.json"
same "attest quote (RSA, list of 12, event log): exit 0" 0 "$rc"
run python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(b["format"], b["version"], sorted(b["pcrs"]), len(b["pcrs"]["sha256"]), b["mlist"]["first_index"])' "$TMP/q1.json"
same "the bundle: format, version, banks, PCRs, first entry" "vigil-quote-bundle 1 ['sha1', 'sha256'] 11 0" "$(cat "$TMP/out")"
verify_json 0 ok "verify: everything holds" --ak "$TMP/ak-rsa.pem" --nonce "$n1" \
	--policy "$TMP/policy.json" "$TMP/q1.json"
same "verify: 12 entries checked, event log checked, 12 PCRs quoted" "12 12 True 12" \
	"$(jget '"%d %d %s %d" % (j["mlist"]["entries_checked"], j["mlist"]["next_index"], j["eventlog_checked"], j["quote"]["pcrs_quoted"])')"
run "$VIGIL" attest verify --ak "$TMP/ak-rsa.pem" --nonce "$n1" --policy "$TMP/policy.json" "$TMP/q1.json"
has "verify (text): ok line" "$TMP/out" "^ok: quote verified .*; event log matches; 12 list entries checked, next entry 12$"

ne=$(nonce)
run "$VIGIL" attest quote --ak-handle 0x81010003 --nonce "$ne" --pcrs "$SEL" --log "$TMP/list12" \
	--eventlog "$TMP/eventlog.bin" --out "$TMP/qe.json"
same "attest quote (ECC): exit 0" 0 "$rc"
verify_json 0 ok "verify (ECC): everything holds" --ak "$TMP/ak-ecc.pem" --nonce "$ne" \
	--policy "$TMP/policy.json" "$TMP/qe.json"
verify_json 1 signature "verify with the other AK: signature refused" --ak "$TMP/ak-rsa.pem" \
	--nonce "$ne" "$TMP/qe.json"

# ---- attacks on the quote
verify_json 1 nonce "an old nonce (a replayed quote) is refused" --ak "$TMP/ak-rsa.pem" \
	--nonce "$(nonce)" "$TMP/q1.json"
bundle_edit "$TMP/q1.json" "$TMP/forged-sig.json" 'flip("signature", 40)'
verify_json 1 signature "a forged signature (one bit) is refused" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n1" "$TMP/forged-sig.json"
bundle_edit "$TMP/q1.json" "$TMP/forged-att.json" 'flip("attest", 40)'
verify_json 1 signature "a changed TPMS_ATTEST (clock bit) is refused" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n1" "$TMP/forged-att.json"
bundle_edit "$TMP/qe.json" "$TMP/forged-ecc.json" 'flip("signature", 10)'
verify_json 1 signature "a forged ECDSA signature is refused" --ak "$TMP/ak-ecc.pem" \
	--nonce "$ne" "$TMP/forged-ecc.json"
bundle_edit "$TMP/q1.json" "$TMP/forged-pcr.json" \
	'v = b["pcrs"]["sha256"]["10"]; b["pcrs"]["sha256"]["10"] = ("0" if v[0] != "0" else "1") + v[1:]'
verify_json 1 pcr-digest "a changed PCR value in the bundle: pcrDigest differs" \
	--ak "$TMP/ak-rsa.pem" --nonce "$n1" "$TMP/forged-pcr.json"
bundle_edit "$TMP/q1.json" "$TMP/forged-nopcr.json" 'del b["pcrs"]["sha256"]["3"]'
verify_json 1 pcr-digest "a quoted PCR missing from the bundle is refused" \
	--ak "$TMP/ak-rsa.pem" --nonce "$n1" "$TMP/forged-nopcr.json"
bundle_edit "$TMP/q1.json" "$TMP/bad.json" 'b["quote"]["attest"] = "@@@@"'
verify_json 1 bundle "a malformed bundle is a failure (exit 1)" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n1" "$TMP/bad.json"
bundle_edit "$TMP/q1.json" "$TMP/v2.json" 'b["version"] = 2'
verify_json 1 bundle "an unknown bundle version is refused" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n1" "$TMP/v2.json"
python3 - "$TMP" <<'EOF'
import sys, struct
t = sys.argv[1]
raw = bytearray(open(t + "/eventlog.bin", "rb").read())
# the last event's sha256 digest: data (28 bytes) and its size precede the end
end = len(raw) - 4 - 28
raw[end - 1] ^= 1
open(t + "/eventlog-bad.bin", "wb").write(bytes(raw))
EOF
nb=$(nonce)
"$VIGIL" attest quote --nonce "$nb" --pcrs "$SEL" --eventlog "$TMP/eventlog-bad.bin" --out "$TMP/qbad-ev.json"
verify_json 1 eventlog "an event log that does not replay to the quoted PCRs is refused" \
	--ak "$TMP/ak-rsa.pem" --nonce "$nb" "$TMP/qbad-ev.json"
same "... naming PCR 7 of sha256" "7 sha256" "$(jget '"%s %s" % (j["failure"]["pcr"], j["failure"]["bank"])')"

# ---- the list
nt=$(nonce)
"$VIGIL" attest quote --nonce "$nt" --pcrs "$SEL" --log "$TMP/list12-tampered" --out "$TMP/qt.json"
verify_json 1 entry "a tampered entry (file digest byte) is reported" --ak "$TMP/ak-rsa.pem" \
	--nonce "$nt" --policy "$TMP/policy.json" "$TMP/qt.json"
same "... with its index and path" "7 /usr/bin/tool07" "$(jget '"%d %s" % (j["failure"]["index"], j["failure"]["path"])')"
has "... as a template digest mismatch" "$TMP/out" '"reason":"template-digest-mismatch'

# The same list, honest, checked against a policy that lacks one file.
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); del p["digests"]["/usr/bin/tool05"]; json.dump(p, open(sys.argv[2], "w"))' \
	"$TMP/policy.json" "$TMP/policy-short.json"
verify_json 1 entry "an entry the policy does not list is reported" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n1" --policy "$TMP/policy-short.json" "$TMP/q1.json"
same "... with its index, path and verdict" "5 /usr/bin/tool05 no-reference" \
	"$(jget '"%d %s %s" % (j["failure"]["index"], j["failure"]["path"], j["failure"]["reason"].split(":")[0])')"
run "$VIGIL" attest verify --ak "$TMP/ak-rsa.pem" --nonce "$n1" --policy "$TMP/policy-short.json" "$TMP/q1.json"
has "... and in text" "$TMP/out" "^FAILED: entry \(entry 5 at offset [0-9]+, /usr/bin/tool05\): no-reference"
nl=$(nonce)
"$VIGIL" attest quote --nonce "$nl" --pcrs "$SEL" --log "$TMP/list20" --out "$TMP/qlong.json"
verify_json 0 ok "a list read after the quote, 8 entries longer: verified up to the quote" \
	--ak "$TMP/ak-rsa.pem" --nonce "$nl" --policy "$TMP/policy.json" "$TMP/qlong.json"
same "... 12 entries checked, next entry 12, 8 left for the next quote" "12 12 8" \
	"$(jget '"%d %d %d" % (j["mlist"]["entries_checked"], j["mlist"]["next_index"], j["mlist"]["entries_after_quote"])')"
run "$VIGIL" attest verify --ak "$TMP/ak-rsa.pem" --nonce "$nl" --policy "$TMP/policy.json" "$TMP/qlong.json"
has "... and says so in text" "$TMP/out" "next entry 12 \(8 entries added after the quote: left for the next\)$"

# ---- incremental verification with a state
S=$TMP/host.state
verify_json 0 ok "state: the first verification (12 entries)" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n1" --policy "$TMP/policy.json" --state "$S" "$TMP/q1.json"
check "state: written" test -s "$S"
run python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["format"], s["version"], s["mlist"]["next_index"])' "$S"
same "state: format, version, next entry" "vigil-attest-state 1 12" "$(cat "$TMP/out")"
cp "$S" "$TMP/state-12"
verify_json 1 nonce "state: the same quote again (nonce reused) is refused" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n1" --policy "$TMP/policy.json" --state "$S" "$TMP/q1.json"
check "state: unchanged by a failed verification" cmp -s "$S" "$TMP/state-12"
n12=$(nonce)
"$VIGIL" attest quote --nonce "$n12" --pcrs "$SEL" --log "$TMP/list20" --since 12 --out "$TMP/q12.json"
verify_json 0 ok "state: a part from 12 whose entries all came after the quote verifies" \
	--ak "$TMP/ak-rsa.pem" --nonce "$n12" --policy "$TMP/policy.json" --state "$S" "$TMP/q12.json"
same "... nothing checked, next entry still 12, 8 left" "0 12 8" \
	"$(jget '"%d %d %d" % (j["mlist"]["entries_checked"], j["mlist"]["next_index"], j["mlist"]["entries_after_quote"])')"

# shellcheck disable=SC2046
tpm2_pcrextend $(cat "$TMP/ext-12-19") >/dev/null 2>&1 || nok "tpm2_pcrextend of entries 12-19"
n2=$(nonce)
run "$VIGIL" attest quote --nonce "$n2" --pcrs "$SEL" --log "$TMP/list20" --since 12 --out "$TMP/q2.json"
same "quote --since 12: exit 0" 0 "$rc"
run python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(b["mlist"]["first_index"], b["mlist"]["first_offset"] > 0)' "$TMP/q2.json"
same "quote --since 12: the bundle starts at entry 12" "12 True" "$(cat "$TMP/out")"
verify_json 1 mlist "a part from entry 12 without a state is refused" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n2" --policy "$TMP/policy.json" "$TMP/q2.json"
ng=$(nonce)
"$VIGIL" attest quote --nonce "$ng" --pcrs "$SEL" --log "$TMP/list20" --since 14 --out "$TMP/qgap.json"
verify_json 1 mlist "a part from entry 14 after 12 verified (a gap) is refused" \
	--ak "$TMP/ak-rsa.pem" --nonce "$ng" --policy "$TMP/policy.json" --state "$S" "$TMP/qgap.json"
verify_json 0 ok "state: the part from entry 12 continues the verified list" --ak "$TMP/ak-rsa.pem" \
	--nonce "$n2" --policy "$TMP/policy.json" --state "$S" "$TMP/q2.json"
same "state: 8 entries checked, next entry 20" "8 20" \
	"$(jget '"%d %d" % (j["mlist"]["entries_checked"], j["mlist"]["next_index"])')"
n3=$(nonce)
"$VIGIL" attest quote --nonce "$n3" --pcrs "$SEL" --log "$TMP/list20" --since 5 --out "$TMP/q3.json"
verify_json 0 ok "state: an overlapping part (from 5) is accepted, nothing re-checked" \
	--ak "$TMP/ak-rsa.pem" --nonce "$n3" --policy "$TMP/policy.json" --state "$S" "$TMP/q3.json"
same "... 0 entries checked" "0 20" "$(jget '"%d %d" % (j["mlist"]["entries_checked"], j["mlist"]["next_index"])')"
cp "$S" "$TMP/state-copy"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["quote"]["clock"] += 1000000; json.dump(s, open(sys.argv[1], "w"))' "$S"
run "$VIGIL" attest verify --ak "$TMP/ak-rsa.pem" --nonce "$(nonce)" --state "$S" "$TMP/q3.json"
same "an edited state (clock moved) is refused: exit 2" 2 "$rc"
has "... by its checksum" "$TMP/err" "checksum mismatch"
cp "$TMP/state-copy" "$S"
verify_json 1 state "a state of another attestation key is refused" --ak "$TMP/ak-ecc.pem" \
	--nonce "$ne" --policy "$TMP/policy.json" --state "$S" "$TMP/qe.json"

# ---- clock and reset counters
na=$(nonce) nb=$(nonce)
"$VIGIL" attest quote --nonce "$na" --pcrs "$SEL" --log "$TMP/list20" --since 20 --out "$TMP/qa.json"
sleep 0.1
"$VIGIL" attest quote --nonce "$nb" --pcrs "$SEL" --log "$TMP/list20" --since 20 --out "$TMP/qb.json"
verify_json 0 ok "an empty list part (--since 20) verifies" --ak "$TMP/ak-rsa.pem" \
	--nonce "$nb" --policy "$TMP/policy.json" --state "$S" "$TMP/qb.json"
verify_json 1 clock "an older quote (clock before the last verified) is refused" \
	--ak "$TMP/ak-rsa.pem" --nonce "$na" --policy "$TMP/policy.json" --state "$S" "$TMP/qa.json"

nx=$(nonce)
"$VIGIL" attest quote --nonce "$nx" --pcrs "$SEL" --out "$TMP/qx.json"
tpm_reset || nok "swtpm reset"
ny=$(nonce)
run "$VIGIL" attest quote --nonce "$ny" --pcrs "$SEL" --out "$TMP/qy.json"
verify_json 0 ok "after a TPM reset: a new boot's quote verifies (resetCount up)" \
	--ak "$TMP/ak-rsa.pem" --nonce "$ny" --policy "$TMP/policy.json" --state "$S" "$TMP/qy.json"
verify_json 1 reset-count "a quote from before the reset (resetCount lower) is refused" \
	--ak "$TMP/ak-rsa.pem" --nonce "$nx" --policy "$TMP/policy.json" --state "$S" "$TMP/qx.json"
# shellcheck disable=SC2046
tpm2_pcrextend $(cat "$TMP/ext-0-11") >/dev/null 2>&1
nz=$(nonce)
"$VIGIL" attest quote --nonce "$nz" --pcrs "$SEL" --log "$TMP/list12" --since 5 --out "$TMP/qz.json"
verify_json 1 mlist "after a reset, a part that needs the last boot's entries is refused" \
	--ak "$TMP/ak-rsa.pem" --nonce "$nz" --policy "$TMP/policy.json" --state "$S" "$TMP/qz.json"

# ---- PCR 10 extended behind the list's back
tpm2_pcrextend "10:sha256=$(printf '%064d' 7)" >/dev/null 2>&1
np=$(nonce)
"$VIGIL" attest quote --nonce "$np" --pcrs "sha256:10+sha1:10" --log "$TMP/list12" --out "$TMP/qp.json"
verify_json 1 pcr "one extend more than the list: PCR mismatch detected" --ak "$TMP/ak-rsa.pem" \
	--nonce "$np" "$TMP/qp.json"
same "... naming sha256 PCR 10" "10 sha256" "$(jget '"%s %s" % (j["failure"]["pcr"], j["failure"]["bank"])')"

# ---- usage
run "$VIGIL" attest verify --ak "$TMP/ak-rsa.pem" --nonce zz "$TMP/q1.json"
same "a bad nonce: exit 2" 2 "$rc"
run "$VIGIL" attest quote --nonce 00 --pcrs sha256:24 --out "$TMP/x.json"
same "a PCR index above 23: exit 2" 2 "$rc"
run "$VIGIL" attest quote --nonce 00 --tcti "swtpm:host=127.0.0.1,port=1" --out "$TMP/x.json"
same "an unreachable TPM: exit 2" 2 "$rc"
run "$VIGIL" attest --help
has "attest --help lists the commands" "$TMP/out" "^  verify "

# ------------------------------------------------------------ kernel vectors
# Each vector's PCR 10 rebuilt in a reset TPM from its list; the quote's PCR
# 10 must be the vector's recorded one, and attest verify must judge the
# list as vigil log verify does against the recorded PCRs.
if [ -n "$SHARED" ] && [ -d "$SHARED/vectors" ]; then
	for dir in "$SHARED"/vectors/*/; do
		v=$(basename "$dir")
		L=$dir/binary_runtime_measurements
		[ -f "$L" ] && [ -f "$dir/pcrs-sha256.txt" ] || continue
		tpm_reset || { nok "$v: swtpm reset"; continue; }
		for b in sha1 sha256; do "$VIGIL" log show --json --bank $b "$L" >"$TMP/v-$b"; done
		python3 - "$TMP" >"$TMP/v-ext" <<-'EOF'
			import json, sys
			t = sys.argv[1]
			a = [json.loads(l) for l in open(t + "/v-sha1")]
			b = [json.loads(l) for l in open(t + "/v-sha256")]
			out = []
			for x, y in zip(a, b):
			    d1 = x["template_digest"] if not x["violation"] else "ff" * 20
			    d2 = y["template_digest"] if not y["violation"] else "ff" * 32
			    out.append("10:sha1=%s,sha256=%s" % (d1, d2))
			for i in range(0, len(out), 50):
			    print(" ".join(out[i:i + 50]))
		EOF
		# shellcheck disable=SC2086
		while read -r line; do tpm2_pcrextend $line >/dev/null 2>&1 || nok "$v: tpm2_pcrextend"; done <"$TMP/v-ext"
		nv=$(nonce)
		run "$VIGIL" attest quote --nonce "$nv" --pcrs sha1:10+sha256:10 --log "$L" --out "$TMP/qv.json"
		same "$v: quote: exit 0" 0 "$rc"
		[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/err"
		run python3 - "$TMP/qv.json" "$dir" <<-'EOF'
			import json, sys
			b = json.load(open(sys.argv[1]))
			for bank in ("sha1", "sha256"):
			    want = [l.split(":", 1)[1].strip().replace(" ", "").lower()
			            for l in open(sys.argv[2] + "/pcrs-%s.txt" % bank) if l.startswith("PCR-10:")][0]
			    print(bank, "same" if b["pcrs"][bank]["10"] == want else "DIFFERENT")
		EOF
		same "$v: the quoted PCR 10 is the vector's recorded PCR 10 (sha1, sha256)" \
			"sha1 same sha256 same" "$(tr '\n' ' ' <"$TMP/out" | sed 's/ $//')"
		# the key that signed the vector's files, when it has one: entries are checked too
		keys=()
		for k in "$dir/rsa.der" "$dir/ima-key.der"; do [ -f "$k" ] && keys=(--keys "$k") && break; done
		run "$VIGIL" log verify --json --ignore-violations ${keys[@]+"${keys[@]}"} --bank sha1 --bank sha256 \
			--pcrs "sha1,$dir/pcrs-sha1.txt" --pcrs "sha256,$dir/pcrs-sha256.txt" "$L"
		lrc=$rc
		lfirst=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); f=j["summary"]["first_failure"]; print(f["index"] if f else "none")' "$TMP/out" 2>/dev/null)
		run "$VIGIL" attest verify --json --ignore-violations ${keys[@]+"${keys[@]}"} --ak "$TMP/ak-rsa.pem" --nonce "$nv" "$TMP/qv.json"
		afirst=$(jget '"none" if j["ok"] else j["failure"].get("index", j["failure"]["check"])')
		same "$v: attest verify judges the list as log verify with the recorded PCRs (rc, first failure)" \
			"$lrc $lfirst" "$rc $afirst"
		echo "# $v: attest verify: rc $rc, first failure: $afirst"
	done
else
	echo "# no vectors: VIGIL_SHARED is not set"
fi

finish
