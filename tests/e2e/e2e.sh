#!/bin/bash
# e2e.sh CASE WORKDIR RUNTIME ARGS...
#
# Runs a real program natively and inside the sandbox (RUNTIME ARGS... CMD,
# e.g. `build/cvisor do --`) and compares stdout and exit status; the
# isolation cases check instead that the sandbox cannot change the host.
# WORKDIR is a host directory outside /tmp (the sandbox's /tmp is its own).
set -u
case_name=$1 work=$2
shift 2
sandbox=("$@")
export LC_ALL=C
mkdir -p "$work"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# filter: how both outputs are reduced before comparing (default: as is).
filter() { cat; }

# with_flags FLAG... -- CMD ARGS...: the sandbox command with FLAGs for
# `do` added before its final "--".
with_flags() {
	local flags=()
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	local n=${#sandbox[@]}
	"${sandbox[@]:0:n-1}" "${flags[@]}" "${sandbox[n-1]}" "$@"
}

# compare CMD ARGS...: same stdout and exit status natively and sandboxed.
compare() {
	"$@" >"$tmp/native.raw"
	local ns=$?
	"${sandbox[@]}" "$@" >"$tmp/sandbox.raw"
	local ss=$?
	filter <"$tmp/native.raw" >"$tmp/native"
	filter <"$tmp/sandbox.raw" >"$tmp/sandbox"
	local fail=0
	if ! diff -u --label native --label sandbox "$tmp/native" "$tmp/sandbox"; then
		echo "e2e $case_name: stdout differs" >&2
		fail=1
	fi
	if [ "$ns" != "$ss" ]; then
		echo "e2e $case_name: exit status native $ns, sandbox $ss" >&2
		fail=1
	fi
	if [ ! -s "$tmp/native" ]; then
		echo "e2e $case_name: no output natively, nothing compared" >&2
		fail=1
	fi
	return $fail
}

case $case_name in
busybox-pipe)
	compare /bin/busybox sh -c 'echo a | tr a b' ;;
busybox-ls-wc)
	compare /bin/busybox sh -c 'ls -la /usr/bin | wc -l' ;;
busybox-sort)
	compare /bin/busybox sh -c 'seq 1 100000 | sort -n | tail -1' ;;
busybox-md5sum)
	compare /bin/busybox md5sum /bin/busybox ;;
ls-root)
	# /tmp, /proc and /dev are the sandbox's own, so sizes, dates, link
	# counts and owners differ; compare only what must agree: the file
	# type (first letter of the mode) and the name of every entry.
	filter() { awk 'NR > 1 { print substr($1, 1, 1), $9 }'; }
	compare /bin/ls -l / ;;
bash-loop)
	compare /bin/bash -c 'for i in 1 2 3; do echo $i; done' ;;
sha256sum)
	compare /usr/bin/sha256sum /bin/busybox ;;
sort-file)
	# 20000 pseudo-random lines, the same on every run.
	awk 'BEGIN { x = 12345; for (i = 0; i < 20000; i++) {
		x = (x * 1103515245 + 12345) % 2147483648;
		printf "%08x line %d\n", x, i } }' >"$work/sort-input.txt"
	compare /usr/bin/sort "$work/sort-input.txt" ;;
# Real work from the filesystem issue, each in a fresh directory under /tmp
# (the sandbox's own tmpfs; natively a private mktemp directory).
git-commit)
	compare /bin/sh -c 'd=$(mktemp -d /tmp/e2e-git.XXXXXX) && cd "$d" &&
		export HOME="$d" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=n GIT_AUTHOR_EMAIL=n@e \
			GIT_COMMITTER_NAME=n GIT_COMMITTER_EMAIL=n@e \
			GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" &&
		git init -q -b main && echo hello >a && mkdir sub && echo x >sub/b &&
		git add a sub && git commit -qm first && echo more >>a && git commit -qam second &&
		git log --oneline; s=$?; cd / && rm -rf "$d"; exit $s' ;;
tar-doc)
	compare /bin/sh -c 'd=$(mktemp -d /tmp/e2e-tar.XXXXXX) &&
		tar czf "$d/d.tgz" /usr/share/doc 2>/dev/null; tar tzf "$d/d.tgz" | wc -l; rm -rf "$d"' ;;
gcc-hello)
	compare /bin/sh -c 'd=$(mktemp -d /tmp/e2e-gcc.XXXXXX) && cd "$d" &&
		printf "#include <stdio.h>\nint main(void){puts(\"hello from gcc\");return 3;}\n" >h.c &&
		gcc -O2 h.c -o h && ./h; s=$?; cd / && rm -rf "$d"; exit $s' ;;
make-j2)
	compare /bin/sh -c 'd=$(mktemp -d /tmp/e2e-make.XXXXXX) && cd "$d" &&
		for i in 1 2 3 4; do printf "int f$i(void){return $i;}\n" >f$i.c; done &&
		printf "#include <stdio.h>\nint f1(void),f2(void),f3(void),f4(void);\nint main(void){printf(\"%%d\\\\n\",f1()+f2()+f3()+f4());return 0;}\n" >main.c &&
		printf "prog: main.o f1.o f2.o f3.o f4.o\n\t\$(CC) -o \$@ \$^\n" >Makefile &&
		make -j2 -s && ./prog; s=$?; cd / && rm -rf "$d"; exit $s' ;;
sqlite-100k)
	compare /bin/sh -c 'd=$(mktemp -d /tmp/e2e-sql.XXXXXX) && cd "$d" &&
		sqlite3 t.db "create table t(a integer, b text); with recursive c(x) as (select 1 union all select x+1 from c where x<100000) insert into t select x, hex(x) from c; create index ti on t(b); select count(*), sum(a), max(b) from t; select a from t where b = hex(77777);"; s=$?; cd / && rm -rf "$d"; exit $s' ;;
python-compileall)
	compare /bin/sh -c 'd=$(mktemp -d /tmp/e2e-py.XXXXXX) && cp -r /usr/lib/python3.11/json "$d/json" &&
		/usr/bin/python3 -m compileall -q "$d/json" >/dev/null; echo "status $?";
		find "$d/json" -name "*.pyc" | wc -l; rm -rf "$d"' ;;
find-headers)
	compare /usr/bin/find /usr -xdev -name '*.h' -printf . ;;
du-usr)
	compare /usr/bin/du -s /usr ;;
python-listdir)
	compare /usr/bin/python3 -c 'import json,hashlib,os; print(json.dumps(sorted(os.listdir("/"))))' ;;
script-pty)
	# script(1) runs the command on a new pty of the sandbox's devpts.
	filter() { sed 's#/dev/pts/[0-9]*#/dev/pts/N#'; }
	compare /usr/bin/script -qec 'tty; stty size; stty -g | cut -d: -f1-4; exit 3' /dev/null ;;
python-pty)
	# pty.fork: openpty, then setsid and TIOCSCTTY in the child (login_tty);
	# the parent answers the child's prompt through the master.
	compare /usr/bin/python3 -c 'import os, pty
pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["sh", "-c", "test -t 0 && echo on a tty; read l; echo got $l; exit 7"])
out = b""
sent = False
while True:
    try:
        b = os.read(fd, 1024)
    except OSError:
        break
    if not b:
        break
    out += b
    if not sent and b"on a tty" in out:
        os.write(fd, b"line\r")
        sent = True
print(repr(out), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' ;;
isolation-tmp)
	# The sandbox's /tmp is a tmpfs of its own: a file made there must
	# exist inside and never appear on the host.
	f=/tmp/cvisor-e2e-$$
	rm -f "$f"
	out=$("${sandbox[@]}" /bin/busybox sh -c "touch $f && ls $f")
	st=$?
	fail=0
	[ "$st" = 0 ] && [ "$out" = "$f" ] || { echo "e2e: touch $f inside: status $st, output '$out'" >&2; fail=1; }
	[ ! -e "$f" ] || { echo "e2e: $f appeared on the host" >&2; rm -f "$f"; fail=1; }
	exit $fail ;;
isolation-readonly)
	# --rootfs-readonly: the root is the host's, read-only: rm must fail
	# with EROFS and the host file must survive (restored from a copy if
	# it did not).
	victim=/etc/hostname
	if [ ! -e "$victim" ]; then
		victim=$work/victim
		echo victim >"$victim"
	fi
	cp -p "$victim" "$tmp/backup"
	with_flags --rootfs-readonly -- /bin/rm "$victim" 2>"$tmp/err"
	st=$?
	fail=0
	[ "$st" != 0 ] || { echo "e2e: rm $victim inside succeeded" >&2; fail=1; }
	grep -q "Read-only file system" "$tmp/err" || { echo "e2e: no EROFS from rm:" >&2; cat "$tmp/err" >&2; fail=1; }
	if [ ! -e "$victim" ]; then
		echo "e2e: $victim was removed from the host; restoring it" >&2
		cp -p "$tmp/backup" "$victim"
		fail=1
	fi
	exit $fail ;;
isolation-overlay)
	# The default root is an overlay: changes succeed inside, are seen by
	# later processes of the same sandbox, and never reach the host.
	probe=/etc/cvisor-probe-$$
	victim=/etc/hostname
	[ -e "$victim" ] || { victim=$work/victim; echo victim >"$victim"; }
	cp -p "$victim" "$tmp/backup"
	rm -f "$probe"
	out=$("${sandbox[@]}" /bin/busybox sh -c "touch $probe && rm $victim && echo data >/etc/cvisor-x-$$ &&
		/bin/busybox sh -c 'cat /etc/cvisor-x-$$; ls $probe; ls $victim' 2>&1")
	st=$?
	fail=0
	want="data
$probe
ls: $victim: No such file or directory"
	[ "$out" = "$want" ] || { echo "e2e: inside: status $st, output '$out'" >&2; fail=1; }
	for f in "$probe" "/etc/cvisor-x-$$"; do
		[ ! -e "$f" ] || { echo "e2e: $f appeared on the host" >&2; rm -f "$f"; fail=1; }
	done
	if ! cmp -s "$victim" "$tmp/backup"; then
		echo "e2e: $victim changed on the host; restoring it" >&2
		cp -p "$tmp/backup" "$victim"
		fail=1
	fi
	exit $fail ;;
overlay-none)
	# --overlay=none: the root is the host's, writable: changes made inside
	# (in the work directory) are on the host afterwards.
	d=$work/overlay-none
	rm -rf "$d"
	mkdir -p "$d"
	echo old >"$d/f"
	with_flags --overlay=none -- /bin/busybox sh -c "cd $d && echo new >>f && mkdir sub && mv f sub/g && ln -s g sub/l && chmod 600 sub/g"
	st=$?
	fail=0
	[ "$st" = 0 ] || { echo "e2e: sandbox status $st" >&2; fail=1; }
	[ "$(cat "$d/sub/l" 2>&1)" = "old
new" ] || { echo "e2e: host sees '$(cat "$d/sub/l" 2>&1)'" >&2; fail=1; }
	[ "$(stat -c %a "$d/sub/g")" = 600 ] || { echo "e2e: mode not changed on the host" >&2; fail=1; }
	[ ! -e "$d/f" ] || { echo "e2e: $d/f still there" >&2; fail=1; }
	rm -rf "$d"
	exit $fail ;;
*)
	echo "e2e.sh: unknown case $case_name" >&2
	exit 2 ;;
esac
