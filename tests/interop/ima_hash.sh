#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Oracle test: vigil's evmctl personality against Debian's evmctl 1.4 for
# ima_hash.  Same content hashed by both must give the same security.ima
# bytes, the same stdout and stderr, the same exit code.
#
# Env: VIGIL_EVMCTL_LINK (the evmctl symlink to vigil), VIGIL_TEST_DATA.
set -u
. "$(dirname "$0")/lib.sh"
# same DESC ORACLE_VALUE VIGIL_VALUE: a failure shows both, so labelled
SAME_LABELS="evmctl vigil"

need_root
need_oracle
need_evmctl_link
need_xattr_tools

make_tmp ima-hash
need_tmp_xattrs user

# run TAG CMD...: stdout, stderr, exit code into $TMP/TAG.{out,err,rc}
run() {
	local tag=$1; shift
	"$@" >"$TMP/$tag.out" 2>"$TMP/$tag.err"
	echo $? >"$TMP/$tag.rc"
}
# compare_runs DESC: the two runs "e" (evmctl) and "v" (vigil) agree
compare_runs() {
	same "$1: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
	same "$1: stdout" "$(cat "$TMP/e.out")" "$(cat "$TMP/v.out")"
	same "$1: stderr" "$(cat "$TMP/e.err")" "$(cat "$TMP/v.err")"
}

# Contents: empty, text, a binary file bigger than any read buffer.
mkdir "$TMP/src"
: >"$TMP/src/empty"
echo "hello, vigil" >"$TMP/src/text"
head -c 3000001 /dev/urandom >"$TMP/src/binary"

# Algorithms evmctl 1.4 can compute here (it fails on those OpenSSL lacks).
algos=""
for a in md5 sha1 rmd160 sha224 sha256 sha384 sha512 sm3; do
	"$ORACLE" ima_hash -n -a "$a" "$TMP/src/text" >/dev/null 2>&1 && algos="$algos $a"
done
for a in sha1 sha224 sha256 sha384 sha512; do
	case " $algos " in *" $a "*) ;; *) nok "evmctl cannot compute $a";; esac
done

# fresh NAME: two copies of src/NAME, $TMP/e/NAME and $TMP/v/NAME
fresh() {
	rm -rf "$TMP/e" "$TMP/v"; mkdir "$TMP/e" "$TMP/v"
	cp "$TMP/src/$1" "$TMP/e/$1"; cp "$TMP/src/$1" "$TMP/v/$1"
}

for name in empty text binary; do
	for a in $algos; do
		fresh "$name"
		(cd "$TMP/e" && run e "$ORACLE" ima_hash -a "$a" "$name")
		(cd "$TMP/v" && run v "$VEV" ima_hash -a "$a" "$name")
		compare_runs "ima_hash -a $a $name"
		same "ima_hash -a $a $name: security.ima" \
			"$(xhex "$TMP/e/$name" security.ima)" "$(xhex "$TMP/v/$name" security.ima)"
	done
done

# The default algorithm (sha256), and -n: print, set nothing.
fresh text
(cd "$TMP/e" && run e "$ORACLE" ima_hash text)
(cd "$TMP/v" && run v "$VEV" ima_hash text)
compare_runs "ima_hash (default algorithm)"
same "ima_hash default: security.ima" "$(xhex "$TMP/e/text" security.ima)" \
	"$(xhex "$TMP/v/text" security.ima)"
for a in sha1 sha256 sha512; do
	fresh binary
	(cd "$TMP/e" && run e "$ORACLE" ima_hash -n -a "$a" binary)
	(cd "$TMP/v" && run v "$VEV" ima_hash -n -a "$a" binary)
	compare_runs "ima_hash -n -a $a"
	same "ima_hash -n -a $a: no xattr set" "$(xhex "$TMP/e/binary" security.ima)" \
		"$(xhex "$TMP/v/binary" security.ima)"
	[ -z "$(xhex "$TMP/v/binary" security.ima)" ] && ok "ima_hash -n -a $a: vigil set nothing" ||
		nok "ima_hash -n -a $a: vigil set security.ima"
done

# --xattr-user writes user.ima, and leaves security.ima alone.
for a in sha1 sha256; do
	fresh text
	(cd "$TMP/e" && run e "$ORACLE" ima_hash --xattr-user -a "$a" text)
	(cd "$TMP/v" && run v "$VEV" ima_hash --xattr-user -a "$a" text)
	compare_runs "ima_hash --xattr-user -a $a"
	same "ima_hash --xattr-user -a $a: user.ima" "$(xhex "$TMP/e/text" user.ima)" \
		"$(xhex "$TMP/v/text" user.ima)"
	same "ima_hash --xattr-user -a $a: security.ima" "$(xhex "$TMP/e/text" security.ima)" \
		"$(xhex "$TMP/v/text" security.ima)"
done

# --sigfile is for signatures: ima_hash writes no .sig file, in either.
fresh text
(cd "$TMP/e" && run e "$ORACLE" ima_hash --sigfile text)
(cd "$TMP/v" && run v "$VEV" ima_hash --sigfile text)
compare_runs "ima_hash --sigfile"
same "ima_hash --sigfile: .sig files" "$(ls "$TMP/e")" "$(ls "$TMP/v")"
same "ima_hash --sigfile: security.ima" "$(xhex "$TMP/e/text" security.ima)" \
	"$(xhex "$TMP/v/text" security.ima)"

# -r: regular files only, in directory order (sorted here: two trees).
for t in e v; do
	rm -rf "${TMP:?}/${t:?}"; mkdir -p "$TMP/$t/sub/deeper"
	cp "$TMP/src/text" "$TMP/$t/a"; cp "$TMP/src/empty" "$TMP/$t/sub/b"
	cp "$TMP/src/binary" "$TMP/$t/sub/deeper/c"; ln -s a "$TMP/$t/link"
	mkfifo "$TMP/$t/fifo"
done
run e "$ORACLE" ima_hash -r -a sha512 "$TMP/e"
run v "$VEV" ima_hash -r -a sha512 "$TMP/v"
same "ima_hash -r: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
same "ima_hash -r: stdout (sorted)" "$(sort "$TMP/e.out")" "$(sort "$TMP/v.out")"
for f in a sub/b sub/deeper/c; do
	same "ima_hash -r: $f" "$(xhex "$TMP/e/$f" security.ima)" "$(xhex "$TMP/v/$f" security.ima)"
done
same "ima_hash -r: directory untouched" "$(xhex "$TMP/e/sub" security.ima)" \
	"$(xhex "$TMP/v/sub" security.ima)"

# Failures: same exit codes as evmctl.
fresh text
for args in "ima_hash" "ima_hash nonexistent" "ima_hash -a nosuchalgo text" \
	"ima_hash $TMP" "nosuchcommand text" "--nosuchoption ima_hash text"; do
	# shellcheck disable=SC2086
	(cd "$TMP/e" && run e "$ORACLE" $args)
	# shellcheck disable=SC2086
	(cd "$TMP/v" && run v "$VEV" $args)
	same "evmctl $args: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
done
# An algorithm evmctl 1.4 knows by name but OpenSSL 3 does not provide.
(cd "$TMP/e" && run e "$ORACLE" ima_hash -a md4 text)
(cd "$TMP/v" && run v "$VEV" ima_hash -a md4 text)
if [ "$(cat "$TMP/v.rc")" = 0 ]; then
	ok "ima_hash -a md4: vigil computes it (legacy provider); evmctl exits $(cat "$TMP/e.rc")"
else
	same "ima_hash -a md4: exit code" "$(cat "$TMP/e.rc")" "$(cat "$TMP/v.rc")"
fi

finish
