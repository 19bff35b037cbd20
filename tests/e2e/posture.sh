#!/bin/bash
# Security posture of a running sandbox (docs/security.md), read from the
# host's /proc: namespaces, capabilities, no_new_privs, seccomp, root
# directory and open fds of the sentry and the gofer.
#
# usage: posture.sh RUNTIME do [FLAGS] --     (run by ctest as root)
set -u
status=0
fail() { echo "posture: $*" >&2; status=1; }

# guest init has a SIGTERM handler: pid 1 ignores signals it does not catch
"$@" /bin/sh -c 'trap "exit 7" TERM; /bin/sleep 30 & wait' &
outer=$!
trap 'kill -KILL $outer 2>/dev/null' EXIT

# The gofer is the child of `cvisor do` running `cvisor gofer`; the sentry
# its grandchild in another pid namespace (the child in between holds the
# namespaces). Wait until the sentry has locked down.
sentry= gofer=
for _ in $(seq 100); do
	for c in $(pgrep -P $outer); do
		if tr '\0' ' ' </proc/$c/cmdline 2>/dev/null | grep -q ' gofer '; then
			gofer=$c
			continue
		fi
		for g in $(pgrep -P $c); do
			[ "$(readlink /proc/$g/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] && sentry=$g
		done
	done
	if [ -n "$sentry" ] && [ -n "$gofer" ] &&
	   grep -q '^Seccomp:[[:space:]]*2' /proc/$sentry/status 2>/dev/null; then
		break
	fi
	sleep 0.1
done
[ -n "$sentry" ] || { echo "posture: no sentry process found" >&2; exit 1; }
[ -n "$gofer" ] || { echo "posture: no gofer process found" >&2; exit 1; }

field() { sed -n "s/^$2:[[:space:]]*//p" /proc/$1/status; }

for ns in user pid ipc uts mnt net; do
	[ "$(readlink /proc/$sentry/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
		fail "sentry shares the host's $ns namespace"
done
[ "$(readlink /proc/$gofer/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] ||
	fail "gofer shares the host's mount namespace"

for name in sentry gofer; do
	pid=${!name}
	[ "$(field $pid NoNewPrivs)" = 1 ] || fail "$name: NoNewPrivs is not 1"
	[ "$(field $pid Seccomp)" = 2 ] || fail "$name: no seccomp filter (Seccomp: $(field $pid Seccomp))"
done
[ "$(field $sentry CapEff)" = 0000000000000000 ] || fail "sentry: CapEff $(field $sentry CapEff)"
[ "$(field $sentry CapBnd)" = 0000000000000000 ] || fail "sentry: CapBnd $(field $sentry CapBnd)"
# chown, dac_override, dac_read_search, fowner, fsetid at most
(( (0x$(field $gofer CapEff) & ~0x1f) == 0 )) || fail "gofer: CapEff $(field $gofer CapEff)"

# The sentry's root is its own empty directory, not the host's /.
[ "$(stat -L -c %d:%i /proc/$sentry/root/.)" != "$(stat -c %d:%i /)" ] ||
	fail "sentry: root directory is the host's /"
[ -z "$(ls -A /proc/$sentry/root/ 2>/dev/null | grep -vx proc)" ] ||
	fail "sentry: root directory is not empty: $(ls -A /proc/$sentry/root/)"

# The sentry's fds: stdio, its memory file, the gofer channel, eventfds and
# the files the gofer donated for the guest; never a directory (an openat
# base) or a device other than null/tty.
for fd in /proc/$sentry/fd/*; do
	t=$(readlink "$fd")
	case "$t" in
	socket:*|pipe:*|anon_inode:*|/memfd:*|/dev/null|/dev/pts/*|/dev/tty*) continue ;;
	esac
	if [ -d "$fd" ] || [ -b "$fd" ] || [ -c "$fd" ]; then
		fail "sentry: fd ${fd##*/} is $t"
	fi
done

# Host processes are invisible to the guest.
if "$@" /bin/cat /proc/$outer/status >/dev/null 2>&1; then
	fail "guest reads the host's /proc/$outer"
fi

# A user's signal to `cvisor do` reaches guest init, which exits 7.
kill -TERM $outer
wait $outer
rc=$?
[ $rc = 7 ] || fail "SIGTERM to cvisor do: exit status $rc, expected 7"
trap - EXIT
exit $status
