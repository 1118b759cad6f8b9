#!/usr/bin/env bash
# MMAP_CHECK in vigild.  On ext4 (pre-content events) an exec mapping of an
# unsigned file gets EPERM while reads and plain mappings of it work; a
# signed shared object is measured once; dlopen() of an unsigned one fails.
# On tmpfs (no pre-content events) the dynamic loader's opens stand in: a
# program whose library is unsigned does not start, other reads are not
# mistaken for mappings.
# Needs root; exits 77 (skip) otherwise.  VIGILD=vigild binary, VIGIL=CLI.

. "$(dirname "$0")/lib.sh"

need_env
command -v cc >/dev/null || skip "no C compiler to build a shared object and its users"
command -v python3 >/dev/null || skip "no python3 to map files"
setup_mount
TMNT=$WORK/tmnt
mkdir -p "$TMNT"
cleanup_tmpfs() {
	mountpoint -q "$TMNT" && umount "$TMNT"
	cleanup
}
trap cleanup_tmpfs EXIT
mount -t tmpfs -o size=32M vigil-mmap-test "$TMNT" || skip "cannot mount a tmpfs"

# A shared object, a program linked against it and one that dlopen()s its argument.
SRC=$WORK/src
mkdir -p "$SRC"
printf 'int vt_answer(void) { return 42; }\n' >"$SRC/vt.c"
printf 'int vt_answer(void);\nint main(void) { return vt_answer() == 42 ? 0 : 1; }\n' >"$SRC/user.c"
cat >"$SRC/dl.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
	return 0;
}
EOF
# personality(READ_IMPLIES_EXEC), then mmap(PROT_READ): the kernel maps it executable.
cat >"$SRC/rie.c" <<'EOF'
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/personality.h>
int main(int argc, char **argv)
{
	int fd = open(argv[argc - 1], O_RDONLY);
	personality(READ_IMPLIES_EXEC);
	return fd < 0 || mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED;
}
EOF
# The 32-bit mmap2 (int $0x80, syscall 192) from a 64-bit process, PROT_READ|PROT_EXEC.
cat >"$SRC/ia32map.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	long ret;
	int fd = open(argv[argc - 1], O_RDONLY);
	if (fd < 0)
		return 2;
	__asm__ volatile("push %%rbp\n\txor %%ebp, %%ebp\n\tint $0x80\n\tpop %%rbp"
			 : "=a"(ret)
			 : "0"(192L), "b"(0), "c"(4096), "d"(5), "S"(2), "D"(fd)
			 : "memory", "r8", "r9", "r10", "r11", "cc");
	if ((int)ret == -38) {
		puts("ENOSYS");
		return 3;
	}
	return (int)ret < 0 && (int)ret > -4096;
}
EOF
cc -o "$SRC/rie" "$SRC/rie.c" && cc -o "$SRC/ia32map" "$SRC/ia32map.c" ||
	skip "cannot build the test programs"
cc -shared -fPIC -o "$SRC/libvt.so" "$SRC/vt.c" &&
	cc -o "$SRC/user" "$SRC/user.c" -L"$SRC" -lvt &&
	cc -o "$SRC/dl" "$SRC/dl.c" -ldl || skip "cannot build the test programs"

for d in "$MNT" "$TMNT"; do
	mkdir -p "$d/good" "$d/bad"
	cp "$SRC/libvt.so" "$d/good/libvt.so"
	cp "$SRC/libvt.so" "$d/bad/libvt.so"
	cp "$SRC/user" "$SRC/dl" "$d/"
	cp "$SRC/libvt.so" "$d/unsigned.so"
	cp "$SRC/libvt.so" "$d/signed.so"
	echo "plain data" >"$d/data.txt"
	for f in good/libvt.so signed.so user dl; do sign_file "$KEY" "$d/$f"; done
done

write_config enforce 'measure func=BPRM_CHECK mask=MAY_EXEC
appraise func=BPRM_CHECK appraise_type=imasig
measure func=MMAP_CHECK mask=MAY_EXEC
appraise func=MMAP_CHECK appraise_type=imasig' "mark = $TMNT"

# exec_map FILE: maps FILE with PROT_READ|PROT_EXEC; prints the errno name on failure.
exec_map() {
	timeout 10 python3 - "$1" <<'EOF'
import errno, mmap, sys
f = open(sys.argv[1], "rb")
try:
    mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ | mmap.PROT_EXEC)
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno)); sys.exit(1)
EOF
}
read_map() {
	timeout 10 python3 -c 'import mmap,sys; f=open(sys.argv[1],"rb"); mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)' "$1"
}
exec_map_denied() { [ "$(exec_map "$1")" = EPERM ]; }
reads() { timeout 10 cat "$1" >/dev/null; }

check "vigild starts with MMAP_CHECK rules on ext4 and tmpfs" start_daemon
[ -n "$DPID" ] || { cat "$DLOG"; finish; exit 1; }
if ! grep -q "MMAP_CHECK on $MNT (ext4): mmap(PROT_EXEC) via FAN_PRE_ACCESS" "$DLOG"; then
	# A kernel before 6.14 has no pre-content events: say so, test the fallback only.
	echo "# SKIP part: no FAN_PRE_ACCESS on this kernel's ext4; only the loader fallback is tested"
	grep "MMAP_CHECK on" "$DLOG"
	PRE_ACCESS=
else
	ok "start-up names FAN_PRE_ACCESS as MMAP_CHECK's hook on ext4"
	PRE_ACCESS=1
fi
check "start-up names the loader fallback on tmpfs" \
	log_has "MMAP_CHECK on $TMNT \(tmpfs\): the dynamic loader's opens"

if [ -n "$PRE_ACCESS" ]; then
	echo "# ext4: pre-content events"
	check "exec mapping of a signed file works" exec_map "$MNT/signed.so"
	check "... and measured once" test "$(entries_for "$MNT/signed.so")" -eq 1
	check "a second exec mapping of it is not measured again" exec_map "$MNT/signed.so"
	check "... still one entry" test "$(entries_for "$MNT/signed.so")" -eq 1
	log_mark
	check "exec mapping of an unsigned file: EPERM" exec_map_denied "$MNT/unsigned.so"
	check "... logged with the kernel's cause" log_has "$MNT/unsigned.so \(IMA-signature-required\) func=MMAP_CHECK"
	check "reading the unsigned file works" reads "$MNT/unsigned.so"
	check "mapping it without PROT_EXEC works" read_map "$MNT/unsigned.so"
	check "a data file read many times is never measured" \
		bash -c 'for i in 1 2 3 4 5; do cat "$1" >/dev/null || exit 1; done' _ "$MNT/data.txt"
	check "... no entry for it" test "$(entries_for "$MNT/data.txt")" -eq 0
	check "dlopen() of a signed shared object works" runs "$MNT/dl" "$MNT/good/libvt.so"
	check "dlopen() of an unsigned shared object fails" \
		bash -c '! timeout 10 "$1" "$2" 2>/dev/null' _ "$MNT/dl" "$MNT/bad/libvt.so"
	check "a program linked against a signed library runs" \
		env LD_LIBRARY_PATH="$MNT/good" timeout 10 "$MNT/user"
	check "a program linked against an unsigned library does not start" \
		bash -c '! env LD_LIBRARY_PATH="$1" timeout 10 "$2" 2>/dev/null' _ "$MNT/bad" "$MNT/user"
	check "READ_IMPLIES_EXEC: mmap(PROT_READ) of an unsigned file fails" \
		bash -c '! timeout 10 "$1" "$2"' _ "$SRC/rie" "$MNT/unsigned.so"
	check "... of a signed file works" timeout 10 "$SRC/rie" "$MNT/signed.so"
	timeout 10 "$SRC/ia32map" "$MNT/signed.so" >"$WORK/ia32.out"
	if grep -q ENOSYS "$WORK/ia32.out"; then
		skip_check "32-bit mmap2 of an unsigned file fails" "no ia32 emulation"
	else
		check "32-bit mmap2 (int \$0x80) of a signed file works" \
			timeout 10 "$SRC/ia32map" "$MNT/signed.so"
		check "32-bit mmap2 (int \$0x80) of an unsigned file fails" \
			bash -c '! timeout 10 "$1" "$2"' _ "$SRC/ia32map" "$MNT/unsigned.so"
	fi
	printf 'x' >>"$MNT/signed.so"
	check "the signed file, appended to: exec mapping EPERM (invalid-signature)" \
		exec_map_denied "$MNT/signed.so"
	check "... with the kernel's cause" log_has "$MNT/signed.so \(invalid-signature\)"
fi

echo "# tmpfs: the loader's opens"
check "a program linked against a signed library runs" \
	env LD_LIBRARY_PATH="$TMNT/good" timeout 10 "$TMNT/user"
check "... the library is measured (FILE_CHECK open, then MMAP_CHECK)" \
	test "$(entries_for "$TMNT/good/libvt.so")" -eq 1
log_mark
check "a program linked against an unsigned library does not start" \
	bash -c '! env LD_LIBRARY_PATH="$1" timeout 10 "$2" 2>/dev/null' _ "$TMNT/bad" "$TMNT/user"
check "... logged as MMAP_CHECK with the kernel's cause" \
	log_has "$TMNT/bad/libvt.so \(IMA-signature-required\) func=MMAP_CHECK"
check "dlopen() of an unsigned shared object fails" \
	bash -c '! timeout 10 "$1" "$2" 2>/dev/null' _ "$TMNT/dl" "$TMNT/bad/libvt.so"
check "cat of the unsigned library (not the loader) works" reads "$TMNT/bad/libvt.so"
sign_file "$KEY" "$TMNT/bad/libvt.so"
check "once the library is signed, the program runs (the xattr change is noticed)" \
	env LD_LIBRARY_PATH="$TMNT/bad" timeout 10 "$TMNT/user"

check "the list replays to vigild's PCRs" replays
check "vigild stops on SIGTERM" stop_daemon

if [ -n "$PRE_ACCESS" ]; then
	echo "# ext4: an MMAP_CHECK_REQPROT rule only"
	printf '#!/bin/sh\nexit 0\n' >"$MNT/script.sh"
	chmod +x "$MNT/script.sh"
	cp "$SRC/libvt.so" "$MNT/unsigned2.so"
	write_config enforce 'appraise func=MMAP_CHECK_REQPROT appraise_type=imasig'
	check "vigild starts with only an MMAP_CHECK_REQPROT rule" start_daemon
	check "... and watches exec mappings for it" \
		log_has "MMAP_CHECK on $MNT \(ext4\): mmap\(PROT_EXEC\) via FAN_PRE_ACCESS"
	check "exec mapping of an unsigned file: EPERM" exec_map_denied "$MNT/unsigned2.so"
	check "... logged as MMAP_CHECK_REQPROT" \
		log_has "$MNT/unsigned2.so \(IMA-signature-required\) func=MMAP_CHECK_REQPROT"
	check "an unsigned #! script runs (execve reads its header, maps nothing)" \
		timeout 10 "$MNT/script.sh"
	check "vigild stops on SIGTERM" stop_daemon
fi
finish
