# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# What the interop scripts share.  Sourced, after `set -u`:
#     . "$(dirname "$0")/lib.sh"
# Gives the tools and data from the environment (as tests/meson.build sets
# it), the pass/fail counters and their TAP-like lines, the preconditions
# that end a script with SKIP (exit 77), a temporary directory removed at
# exit, and the sanitizer settings.  A script ends with `finish`.

ORACLE=/usr/bin/evmctl            # Debian's evmctl 1.4, the oracle
VIGIL=${VIGIL:-}                  # the vigil binary
VEV=${VIGIL_EVMCTL_LINK:-}        # the evmctl symlink to vigil
DATA=${VIGIL_TEST_DATA:-}         # tests/data: keys and certificates
CORPUS=${VIGIL_CORPUS:-}          # tests/corpus
SHARED=${VIGIL_SHARED:-}          # the shared dir: kernel vectors
pass=0 fail=0

# Sanitizer builds: a report exits 86, which no check expects.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=86}

# ---- results ----

skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
# check DESC CMD...: ok when CMD succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
not() { ! "$@"; }

# Labels of the two values a failed `same` shows; a script may set its own.
SAME_LABELS="want got"
# same DESC WANT GOT: ok when equal, else both values (continuation lines indented)
same() {
	if [ "$2" == "$3" ]; then ok "$1"; return; fi
	nok "$1"
	local a="${SAME_LABELS%% *}:" b="${SAME_LABELS##* }:" w pad
	w=$(( ${#a} > ${#b} ? ${#a} : ${#b} ))
	pad=$(printf '%*s' $((w + 1)) '')
	printf '#   %-*s %s\n' "$w" "$a" "${2//$'\n'/$'\n#   '"$pad"}"
	printf '#   %-*s %s\n' "$w" "$b" "${3//$'\n'/$'\n#   '"$pad"}"
}

# The summary line; the script's exit code: 0 when nothing failed, else 1.
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] || exit 1
	exit 0
}
# skip_rest REASON: the part left cannot run; SKIP (77) unless something failed.
skip_rest() {
	echo "SKIP: $*"
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] && exit 77
	exit 1
}

# ---- preconditions ----

need_root() { [ "$(id -u)" = 0 ] || skip "needs root for security.* xattrs"; }
need_oracle() { [ -x "$ORACLE" ] || skip "no $ORACLE (package ima-evm-utils)"; }
need_evmctl_link() {
	[ -n "$VEV" ] && [ -x "$VEV" ] || skip "VIGIL_EVMCTL_LINK is not set to the evmctl link"
}
need_vigil() { [ -n "$VIGIL" ] && [ -x "$VIGIL" ] || skip "VIGIL is not set to the vigil binary"; }
need_data() { [ -n "$DATA" ] && [ -d "$DATA" ] || skip "VIGIL_TEST_DATA is not set"; }
need_keys() { [ -n "$DATA" ] && [ -f "$DATA/rsa2048.pem" ] || skip "VIGIL_TEST_DATA has no test keys"; }
need_xattr_tools() {
	command -v getfattr >/dev/null && command -v setfattr >/dev/null || skip "no getfattr/setfattr"
}
need_python3() { command -v python3 >/dev/null || skip "no python3 (JSON checks)"; }

# ---- the temporary directory ----

lib_exit_hooks=()
# at_exit CMD: run CMD at exit, before $TMP goes (e.g. to unmount in it)
at_exit() { lib_exit_hooks+=("$1"); }
lib_exit() {
	local h
	for h in ${lib_exit_hooks[@]+"${lib_exit_hooks[@]}"}; do eval "$h"; done
	rm -rf "$TMP"
}
# make_tmp NAME: $TMP, a fresh /tmp/vigil-NAME.XXXXXX removed at exit
make_tmp() {
	TMP=$(mktemp -d "/tmp/vigil-$1.XXXXXX") || exit 1
	trap lib_exit EXIT
}
# need_tmp_xattrs [user]: security.* (and with "user", user.*) xattrs work in $TMP
need_tmp_xattrs() {
	touch "$TMP/probe"
	if [ "${1:-}" = user ]; then
		setfattr -n security.ima -v 0x01 "$TMP/probe" 2>/dev/null &&
			setfattr -n user.probe -v 1 "$TMP/probe" 2>/dev/null ||
			skip "no security.*/user.* xattr support in $TMP"
	else
		setfattr -n security.ima -v 0x01 "$TMP/probe" 2>/dev/null ||
			skip "no security.* xattrs in $TMP"
	fi
}

# xhex FILE NAME: the value of xattr NAME of FILE in hex, empty if absent
xhex() { getfattr --absolute-names -n "$2" -e hex "$1" 2>/dev/null | sed -n "s/^$2=0x//p"; }
