#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vigil policy check / show / simulate, end to end: the policy corpus with
# its manifest (tests/corpus/policy/EXPECT) as the oracle for check, the
# kernel's built-in rules (spec/policy.md) for show, and a small signed tree
# for simulate, whose blocked list must be exactly the files enforce mode
# would refuse to execute.
#
# Env: VIGIL (the vigil binary), VIGIL_TEST_DATA (tests/data),
#      VIGIL_CORPUS (tests/corpus).
# check and show run anywhere; simulate needs root for security.* xattrs
# (without them the script ends with SKIP and exit 77 unless something failed).
set -u
. "$(dirname "$0")/lib.sh"

need_vigil
need_data
[ -n "$CORPUS" ] && [ -f "$CORPUS/policy/EXPECT" ] || skip "VIGIL_CORPUS is not set"
need_python3

make_tmp policy

# run CMD...: stdout in $out, stderr in $err, exit code in $rc; a sanitizer
# report or a signal (rc >= 128) is a failure of its own.
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out") err=$(cat "$TMP/err")
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/err" || [ "$rc" -ge 128 ]; then
		nok "no crash or sanitizer report: $* (rc $rc)"
		sed 's/^/#   /' "$TMP/err" | head -20
	fi
}
has() { grep -qF -- "$2" <<<"$1"; }
not_has() { ! grep -qF -- "$2" <<<"$1"; }

P=$CORPUS/policy

# ================================================================ check

# Every good policy is valid (0 clean, 1 warnings) with the manifest's rule count.
while read -r file kind rules; do
	[ "$kind" = ok ] || continue
	run "$VIGIL" policy check "$P/$file"
	check "check $file: valid (exit $rc)" [ "$rc" = 0 -o "$rc" = 1 ]
	check "check $file: $rules rules" has "$out" "$P/$file: $rules rule"
done < <(grep -v '^#' "$P/EXPECT")

# Every bad policy is refused (exit 2), each error at the manifest's
# line:column with its text, and no error the manifest does not list.
for f in $(grep -v '^#' "$P/EXPECT" | awk '$2 != "ok" {print $1}' | sort -u); do
	run "$VIGIL" policy check -q "$P/$f"
	check "check $f: refused (exit 2)" [ "$rc" = 2 ]
	want=$(grep -c "^$f " "$P/EXPECT")
	same "check $f: one error a manifest line" "$want" "$(grep -c ': error: ' <<<"$out")"
	missing=
	while read -r _ pos text; do
		grep -qF -- "$P/$f:$pos: error: $text" <<<"$out" || missing="$missing $pos"
	done < <(grep "^$f " "$P/EXPECT")
	same "check $f: every error at its line:column with its reason" "" "$missing"
done

# Two invalid rules among valid ones: both reported, the policy refused whole.
printf 'measure func=BPRM_CHECK\nmeasure func=BOGUS_CHECK\nmeasure func=FILE_CHECK\nappraise fowner=x\n' \
	>"$TMP/two.policy"
run "$VIGIL" policy check "$TMP/two.policy"
check "check: two bad rules: exit 2" [ "$rc" = 2 ]
check "check: first bad rule at 2:9" has "$out" "$TMP/two.policy:2:9: error: 'func=BOGUS_CHECK': unknown func"
check "check: second bad rule at 4:10" has "$out" "$TMP/two.policy:4:10: error: 'fowner=x': bad number"
same "check: only those two" 2 "$(grep -c ': error: ' <<<"$out")"
check "check: the source line quoted with a caret under the token" \
	has "$out" "$(printf '    4 | appraise fowner=x\n      |          ^')"
check "check: says the policy is refused whole" has "$out" "2 rules rejected; the policy is refused whole"
run "$VIGIL" policy show "$TMP/two.policy"
check "show of an invalid policy: exit 2, nothing on stdout" [ "$rc" = 2 -a -z "$out" ]
check "show of an invalid policy: both errors on stderr" \
	has "$err" "$TMP/two.policy:4:10: error:"

run "$VIGIL" policy check --json "$TMP/two.policy" "$P/good/seed-003-appraise.policy"
check "check --json: exit is the worst (2)" [ "$rc" = 2 ]
check "check --json: both policies, the errors and the warning" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
a, b = d["policies"]
assert a["status"] == "invalid" and a["errors"] == 2, a
assert [(x["line"], x["column"], x["code"]) for x in a["diagnostics"]] == \
       [(2, 9, "bad-value"), (4, 10, "bad-value")], a
assert b["status"] == "warnings" and b["rules"] == 10 and b["warnings"] == 1, b
assert b["diagnostics"][0]["code"] == "pseudo-fs" and b["diagnostics"][0]["line"] == 24, b
assert d["summary"] == {"policies": 2, "clean": 0, "warnings": 1, "invalid": 1, "errors": 0}
' "$out"

# The seed's step 3 without its trailing comments: valid, but 0xabc5 is no
# filesystem (a note), so tmpfs is measured ("policy too broad": a warning).
sed 's/ #.*//' "$P/bad/seed-000-step3.policy" >"$TMP/seed.policy"
magic_line=$(grep -n 'fsmagic=0xabc5' "$TMP/seed.policy" | cut -d: -f1)
bprm_line=$(grep -n '^measure func=BPRM_CHECK' "$TMP/seed.policy" | cut -d: -f1)
run "$VIGIL" policy check "$TMP/seed.policy"
check "check seed (0xabc5): warnings, exit 1" [ "$rc" = 1 ]
check "check seed: fsmagic 0xabc5 is not a known filesystem" \
	has "$out" "$TMP/seed.policy:$magic_line: info: "
check "check seed: the BPRM measure rule reaches tmpfs" \
	grep -qE "^$TMP/seed.policy:$bprm_line: warning: measures .*tmpfs" <<<"$out"
check "check seed: MODULE_CHECK is not observable through fanotify" \
	grep -qE "warning: func=MODULE_CHECK is not observable" <<<"$out"
run "$VIGIL" policy check --observable all "$TMP/seed.policy"
check "check --observable all: no unobservable warning" not_has "$out" "not observable"
run "$VIGIL" policy check --observable fanotify,MODULE_CHECK,FIRMWARE_CHECK "$TMP/seed.policy"
check "check --observable with func names: those are observable" not_has "$out" "not observable"
run "$VIGIL" policy check --observable nosuch "$TMP/seed.policy"
check "check --observable nosuch: usage error" [ "$rc" = 2 ]

# Other lints, each on its own.
lint() { printf '%b' "$1" >"$TMP/lint.policy"; run "$VIGIL" policy check --observable all "$TMP/lint.policy"; }
lint 'measure func=BPRM_CHECK\nmeasure func=BPRM_CHECK mask=MAY_EXEC fsuuid=8bcbe394-4f13-4144-be8e-5aa9ea2ce2f6\n'
check "check: shadowed rule (exit 1)" [ "$rc" = 1 ] && check "check: shadowed rule at line 2" has "$out" "lint.policy:2: warning: "
lint 'measure func=BPRM_CHECK mask=MAY_READ fsuuid=8bcbe394-4f13-4144-be8e-5aa9ea2ce2f6\n'
check "check: a rule that can never match" has "$out" "lint.policy:1: warning: "
lint 'appraise func=BPRM_CHECK fsuuid=8bcbe394-4f13-4144-be8e-5aa9ea2ce2f6\n'
check "check: appraising executables without imasig" has "$out" "without appraise_type=imasig"
lint 'appraise func=BPRM_CHECK fsuuid=8bcbe394-4f13-4144-be8e-5aa9ea2ce2f6 appraise_type=imasig\n'
check "check: a clean policy exits 0" [ "$rc" = 0 ]
check "check: a clean policy says ok" has "$out" "lint.policy: 1 rule: ok"

run "$VIGIL" policy check - <"$P/good/seed-003-appraise.policy"
check "check -: reads standard input, named <stdin>" has "$out" "<stdin>:24: warning:"
run "$VIGIL" policy check "$TMP/nonexistent"
check "check: unreadable file: exit 2 and a message" [ "$rc" = 2 -a -n "$err" ]

# ================================================================= show

tcb='dont_measure fsmagic=0x9fa0
dont_measure fsmagic=0x62656572
dont_measure fsmagic=0x64626720
dont_measure fsmagic=0x1021994
dont_measure fsmagic=0x1cd1
dont_measure fsmagic=0x42494e4d
dont_measure fsmagic=0x73636673
dont_measure fsmagic=0xf97cff8c
dont_measure fsmagic=0x43415d53
dont_measure fsmagic=0x27e0eb
dont_measure fsmagic=0x63677270
dont_measure fsmagic=0x6e736673
dont_measure fsmagic=0xde5e81e4
measure func=MMAP_CHECK mask=MAY_EXEC
measure func=BPRM_CHECK mask=MAY_EXEC
measure func=FILE_CHECK mask=^MAY_READ euid=0
measure func=FILE_CHECK mask=^MAY_READ uid=0
measure func=MODULE_CHECK
measure func=FIRMWARE_CHECK
measure func=POLICY_CHECK'
appraise_tcb='dont_appraise fsmagic=0x9fa0
dont_appraise fsmagic=0x62656572
dont_appraise fsmagic=0x64626720
dont_appraise fsmagic=0x1021994
dont_appraise fsmagic=0x858458f6
dont_appraise fsmagic=0x1cd1
dont_appraise fsmagic=0x42494e4d
dont_appraise fsmagic=0x73636673
dont_appraise fsmagic=0xf97cff8c
dont_appraise fsmagic=0x43415d53
dont_appraise fsmagic=0x6e736673
dont_appraise fsmagic=0xde5e81e4
dont_appraise fsmagic=0x27e0eb
dont_appraise fsmagic=0x63677270
appraise fowner=0'
run "$VIGIL" policy show --builtin tcb
same "show --builtin tcb: the kernel's tcb rules" "$tcb" "$out"
run "$VIGIL" policy show --builtin 'appraise_tcb|tcb'
same "show --builtin 'appraise_tcb|tcb': the kernel's order" "$tcb"$'\n'"$appraise_tcb" "$out"
run "$VIGIL" policy show --kernel --builtin tcb
same "show --kernel: the kernel's bytes (a blank before each newline)" \
	"$(sed 's/$/ /' <<<"$tcb")" "$out"
run "$VIGIL" policy show --builtin nosuch
check "show --builtin nosuch: usage error" [ "$rc" = 2 -a -z "$out" ]
run "$VIGIL" policy show --builtin tcb "$TMP/seed.policy"
check "show: a FILE and --builtin: usage error" [ "$rc" = 2 ]

# Round trip: the canonical form parses to a policy check judges the same,
# and showing it again changes nothing.
for f in "$P"/good/*.policy "$TMP/seed.policy"; do
	b=$(basename "$f")
	run "$VIGIL" policy check "$f"
	want=$rc
	run "$VIGIL" policy show "$f"
	printf '%s' "$out" >"$TMP/shown.policy"
	[ -n "$out" ] && echo >>"$TMP/shown.policy"
	run "$VIGIL" policy check "$TMP/shown.policy"
	same "show $b | check: same exit status" "$want" "$rc"
	run "$VIGIL" policy show "$TMP/shown.policy"
	same "show $b: the canonical form is a fixed point" "$(cat "$TMP/shown.policy")" "$out"
done

# ================================================================ usage

run "$VIGIL" policy
check "policy without a command: usage on stderr, exit 2" [ "$rc" = 2 -a -n "$err" -a -z "$out" ]
run "$VIGIL" policy frobnicate
check "policy frobnicate: exit 2" [ "$rc" = 2 ] && check "policy frobnicate: says so" has "$err" "unknown command 'frobnicate'"
run "$VIGIL" policy check
check "policy check without files: exit 2" [ "$rc" = 2 ]
run "$VIGIL" policy simulate /usr/bin/true
check "policy simulate without a policy: exit 2" [ "$rc" = 2 ]
for sub in "" check show simulate; do
	run "$VIGIL" policy $sub --help
	check "policy $sub --help: exit 0 with a usage line" [ "$rc" = 0 ] &&
		check "policy $sub --help: real text" [ "$(wc -l <<<"$out")" -ge 12 ]
	has "$out" "Usage: vigil policy ${sub:-check}" || nok "policy $sub --help: starts with its usage"
done
run "$VIGIL" help policy simulate
check "vigil help policy simulate: the simulate help" has "$out" "Usage: vigil policy simulate"

# ============================================================= simulate

[ "$(id -u)" = 0 ] || skip_rest "simulate needs root for security.* xattrs"
touch "$TMP/probe"
setfattr -n security.ima -v 0x01 "$TMP/probe" 2>/dev/null ||
	skip_rest "simulate: no security.* xattrs in $TMP"
rm -f "$TMP/probe"

KEY=$DATA/rsa2048.pem CERT=$DATA/rsa2048-cert.der
T=$TMP/tree
mkdir -p "$T/bin" "$T/share"
for f in signed hashonly unsigned tampered; do
	printf '#!/bin/sh\necho %s\n' "$f" >"$T/bin/$f"
	chmod 755 "$T/bin/$f"
done
echo "plain data" >"$T/share/data"
echo "signed data" >"$T/share/signed-data"
chmod 644 "$T/share/data" "$T/share/signed-data"
"$VIGIL" sign -k "$KEY" "$T/bin/signed" "$T/bin/tampered" "$T/share/signed-data" || nok "sign the tree"
"$VIGIL" hash --set "$T/bin/hashonly" >/dev/null || nok "hash --set the tree"
echo "# appended" >>"$T/bin/tampered"
printf 'appraise func=BPRM_CHECK appraise_type=imasig\nmeasure func=BPRM_CHECK\n' >"$TMP/exec.policy"

run "$VIGIL" policy simulate --policy "$TMP/exec.policy" -k "$CERT" "$T"
text_out=$out
check "simulate: some file would be blocked: exit 1" [ "$rc" = 1 ]
blocked=$(sed -n '/^ima_appraise=enforce would block/,$p' <<<"$out" | sed -n 's/^  //p')
same "simulate: enforce blocks exactly the unsigned, tampered and hash-only executables" \
	"$T/bin/hashonly
$T/bin/tampered
$T/bin/unsigned" "$blocked"
check "simulate: signed passes with its keyid" \
	grep -qE "^$T/bin/signed: exec\[measure:2 appraise:1\] mmap\[\] read\[\]: pass \(signature-ok, keyid [0-9a-f]{8}\)$" <<<"$out"
check "simulate: unsigned: xattr missing" has "$out" "$T/bin/unsigned: exec[measure:2 appraise:1] mmap[] read[]: BLOCKED (xattr-missing; IMA-signature-required:"
check "simulate: hash-only: a signature is required" has "$out" "$T/bin/hashonly: exec[measure:2 appraise:1] mmap[] read[]: BLOCKED (signature-required; IMA-signature-required:"
check "simulate: tampered: the signature no longer verifies" has "$out" "$T/bin/tampered: exec[measure:2 appraise:1] mmap[] read[]: BLOCKED (signature-invalid; invalid-signature:"
check "simulate: a non-executable file cannot be exec'd: not appraised" \
	has "$out" "$T/share/data: exec[-] mmap[] read[]: not appraised"
check "simulate: summary counts" has "$out" "measured: on exec 4, on mmap 0, on read 0"
check "simulate: summary by verdict" has "$out" "appraised: 4: would pass 1, would fail 3 (xattr-missing 1, signature-required 1, signature-invalid 1)"

run "$VIGIL" policy simulate --policy "$TMP/exec.policy" -k "$CERT" --json "$T"
check "simulate --json: exit 1" [ "$rc" = 1 ]
printf '%s' "$out" >"$TMP/sim.json"
printf '%s' "$text_out" >"$TMP/sim.txt"
check "simulate --json: parses and matches the text" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read().splitlines()
files = {f["path"]: f for f in d["files"]}
assert len(files) == 6, files.keys()
blocked = [p for p, f in files.items() if f["blocked"]]
assert blocked == d["blocked"], (blocked, d["blocked"])
listed = [l[2:] for l in text[text.index([l for l in text if l.startswith("ima_appraise")][0]) + 1:]]
assert listed == d["blocked"], (listed, d["blocked"])
for line in text:
    m = re.match(r"^(/\S+): exec\[(.*?)\] mmap\[(.*?)\] read\[(.*?)\]: (.*)$", line)
    if not m:
        continue
    f = files[m.group(1)]
    for acc, dec in zip(("exec", "mmap", "read"), m.group(2, 3, 4)):
        want = None if dec == "-" else {k: int(v) for k, v in (x.split(":") for x in dec.split())}
        assert f[acc] == want, (m.group(1), acc, f[acc], want)
    v = m.group(5)
    if v == "not appraised":
        assert not f["appraised"]
    else:
        assert f["appraised"] and v.split(" (")[1].split(";")[0].split(",")[0].rstrip(")") == f["verdict"], (v, f)
        assert f["blocked"] == v.startswith("BLOCKED")
s = d["summary"]
assert s["measured"] == {"exec": 4, "mmap": 0, "read": 0}, s
assert (s["appraised"], s["pass"], s["fail"]) == (4, 1, 3), s
assert s["fail_by_verdict"] == {"xattr-missing": 1, "signature-required": 1, "signature-invalid": 1}, s
assert files[sys.argv[3]]["keyid"] and files[sys.argv[3]]["type"] == "signature", files[sys.argv[3]]
' "$TMP/sim.json" "$TMP/sim.txt" "$T/bin/signed"

run "$VIGIL" policy simulate --policy "$TMP/exec.policy" -k "$CERT" -j 1 "$T"
same "simulate -j 1: the same output as with the default pool" "$text_out" "$out"
run "$VIGIL" policy simulate --policy "$TMP/exec.policy" -k "$CERT" -j 7 "$T"
same "simulate -j 7: the same output" "$text_out" "$out"

run "$VIGIL" policy simulate --policy "$TMP/exec.policy" -k "$DATA/rsa-other-cert.der" "$T/bin/signed"
check "simulate: a signature by a key not given: unknown-key, exit 1" \
	[ "$rc" = 1 ] && check "simulate: says unknown-key" has "$out" "BLOCKED (unknown-key; invalid-signature"
run "$VIGIL" policy simulate --policy "$TMP/exec.policy" -k "$CERT" "$T/bin/signed" "$T/share"
check "simulate: nothing blocked: exit 0" [ "$rc" = 0 ]
check "simulate: nothing blocked: says so" has "$out" "ima_appraise=enforce would block 0 files"
run "$VIGIL" policy simulate -q --policy "$TMP/exec.policy" -k "$CERT" "$T"
same "simulate -q: only the blocked files' lines" 3 "$(grep -c ': BLOCKED (' <<<"$out")"
check "simulate -q: no pass lines" not_has "$out" ": pass ("

# Without appraise_type=imasig a hash is enough; --require-sig asks for signatures anyway.
printf 'appraise func=BPRM_CHECK\n' >"$TMP/hash.policy"
run "$VIGIL" policy simulate --policy "$TMP/hash.policy" -k "$CERT" "$T/bin/hashonly"
check "simulate: a hash passes a rule without imasig" has "$out" ": pass (hash-ok)"
run "$VIGIL" policy simulate --policy "$TMP/hash.policy" --require-sig -k "$CERT" "$T/bin/hashonly"
check "simulate --require-sig: the hash no longer suffices" has "$out" "BLOCKED (signature-required;"

# The subject: tcb measures reads by root only (uid=0 / euid=0 rules).
rline=$(grep -n '^measure func=FILE_CHECK mask=^MAY_READ euid=0' <<<"$tcb" | cut -d: -f1)
run "$VIGIL" policy simulate --builtin tcb --json "$T/share/data"
check "simulate tcb: root's read is measured by the euid=0 rule" python3 -c '
import json, sys
f = json.loads(sys.argv[1])["files"][0]
assert f["read"] == {"measure": int(sys.argv[2])}, f
assert f["exec"] is None and f["mmap"] == {"measure": int(sys.argv[2]) - 2}, f
' "$out" "$rline"
run "$VIGIL" policy simulate --builtin tcb --uid 1000 --json "$T/share/data"
check "simulate tcb --uid 1000: that read is not measured" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
f = d["files"][0]
assert f["read"] == {}, f
assert d["uid"] == 1000 and d["summary"]["measured"]["read"] == 0, d
' "$out"

# appraise_tcb: appraises root's files everywhere but on pseudo filesystems.
run "$VIGIL" policy simulate --builtin 'tcb|appraise_tcb' -k "$CERT" "$T/share/signed-data"
check "simulate appraise_tcb: the signed root-owned file passes on every access" \
	has "$out" "read[measure:16 appraise:35]: pass (signature-ok"
chown 1000:1000 "$T/share/data"
run "$VIGIL" policy simulate --builtin 'tcb|appraise_tcb' -k "$CERT" "$T/share/data"
check "simulate appraise_tcb: a file not owned by root is not appraised" has "$out" ": not appraised"

# EVM: with an HMAC key, a file whose security.evm is missing fails first.
run "$VIGIL" policy simulate --policy "$TMP/exec.policy" -k "$CERT" --hmackey "$DATA/evm-hmac-key.bin" "$T/bin/signed"
check "simulate with an EVM key: no security.evm: evm-missing" has "$out" "BLOCKED (evm-missing; missing-HMAC"

run "$VIGIL" policy simulate --policy "$TMP/two.policy" "$T"
check "simulate with an invalid policy: exit 2" [ "$rc" = 2 ] && check "simulate with an invalid policy: its errors" has "$err" "two.policy:2:9: error:"
run "$VIGIL" policy simulate --policy "$TMP/exec.policy" "$T/nonexistent"
check "simulate: a missing path: exit 2" [ "$rc" = 2 ]

finish
