#!/bin/bash
# posture.sh WORKDIR CVISOR PLATFORM
#
# Security posture of a container made by `create` + `start` (the OCI
# path), read from the host's /proc (docs/security.md): the sentry's and
# gofer's namespaces, capabilities, no_new_privs, seccomp mode, root
# directory and open fds, and that every host process of the sandbox sits
# in the container's cgroup.
set -u
work=$1 cvisor=$2 platform=$3
root="$work/posture-state-$platform"
id="posture-$platform-$$"
b="$work/posture-bundle-$platform"
C=("$cvisor" --root "$root" --platform "$platform")
status=0
fail() { echo "oci posture ($platform): $*" >&2; status=1; }
cleanup() { "${C[@]}" delete --force "$id" >/dev/null 2>&1; rm -rf "$root" "$b"; }
trap cleanup EXIT

rm -rf "$b" "$root"
mkdir -p "$b/rootfs/bin" "$b/rootfs/tmp" "$b/rootfs/dev" "$b/rootfs/proc" "$b/rootfs/sys"
cp /bin/busybox "$b/rootfs/bin/busybox"
for a in sh sleep; do ln -s busybox "$b/rootfs/bin/$a"; done
cat >"$b/config.json" <<'JSON'
{
	"ociVersion": "1.1.0",
	"process": {"user": {"uid": 0, "gid": 0}, "args": ["sleep", "1000"], "env": ["PATH=/bin"], "cwd": "/"},
	"root": {"path": "rootfs", "readonly": true},
	"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}],
		  "resources": {"pids": {"limit": 200}}}
}
JSON
"${C[@]}" create -b "$b" "$id" </dev/null >/dev/null 2>&1 || { echo "oci posture: create failed" >&2; exit 1; }
"${C[@]}" start "$id" || { echo "oci posture: start failed" >&2; exit 1; }
boot=$("${C[@]}" state "$id" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')

# boot (the pid containerd waits for, host namespaces) has two children:
# the gofer and the namespace holder, whose child is the sentry (pid 1 of
# the sandbox's pid namespace); stubs are below the sentry. Wait until the
# sentry has locked down (the guest runs: it has).
sentry= gofer=
for _ in $(seq 100); do
	for c in $(pgrep -P "$boot"); do
		if tr '\0' ' ' </proc/$c/cmdline 2>/dev/null | grep -q ' gofer '; then
			gofer=$c
			continue
		fi
		for g in $(pgrep -P "$c"); do
			[ "$(readlink /proc/$g/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] && sentry=$g
		done
	done
	[ -n "$sentry" ] && [ -n "$gofer" ] &&
		grep -q '^Seccomp:[[:space:]]*2' /proc/$sentry/status 2>/dev/null && break
	sleep 0.1
done
[ -n "$sentry" ] || { echo "oci posture: no sentry process found" >&2; exit 1; }
[ -n "$gofer" ] || { echo "oci posture: no gofer process found" >&2; exit 1; }

field() { sed -n "s/^$2:[[:space:]]*//p" /proc/$1/status; }

for ns in user pid ipc uts mnt net cgroup; do
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
[ "$(field $sentry CapPrm)" = 0000000000000000 ] || fail "sentry: CapPrm $(field $sentry CapPrm)"
[ "$(field $sentry CapBnd)" = 0000000000000000 ] || fail "sentry: CapBnd $(field $sentry CapBnd)"
# read-only root: dac_override, dac_read_search, fowner at most
(( (0x$(field $gofer CapEff) & ~0xe) == 0 )) || fail "gofer: CapEff $(field $gofer CapEff)"

# The sentry's root is its own empty directory; the gofer's the rootfs.
[ "$(stat -L -c %d:%i /proc/$sentry/root/.)" != "$(stat -c %d:%i /)" ] ||
	fail "sentry: root directory is the host's /"
[ -z "$(ls -A /proc/$sentry/root/ 2>/dev/null | grep -vx proc)" ] ||
	fail "sentry: root directory is not empty: $(ls -A /proc/$sentry/root/)"
[ "$(ls /proc/$gofer/root/bin 2>/dev/null | tr '\n' ' ')" = "busybox sh sleep " ] ||
	fail "gofer: root is not the rootfs: $(ls /proc/$gofer/root/ 2>&1 | head -5)"

# Open fds. Sentry: stdio (/dev/null here), then only sockets (gofer
# channel, control socket and its connections), pipes, anon inodes
# (eventfd, epoll), its memory file, /dev/null and regular files of the
# rootfs the gofer donated (the programs it maps); never a directory.
# Gofer: sockets (its channel), /dev/null, and files and directories of
# the tree it serves (its fids), nothing from elsewhere.
in_rootfs() { [ -e "$b/rootfs$1" ]; }
for fd in /proc/$sentry/fd/*; do
	n=${fd##*/} t=$(readlink "$fd")
	if [ "$n" -le 2 ]; then
		[ "$t" = /dev/null ] || fail "sentry: stdio fd $n is $t"
		continue
	fi
	case "$t" in
	socket:*|pipe:*|anon_inode:*|/memfd:*|/dev/null) ;;
	*) { in_rootfs "$t" && [ -f "$fd" ]; } || fail "sentry: fd $n is $t" ;;
	esac
done
for fd in /proc/$gofer/fd/*; do
	n=${fd##*/} t=$(readlink "$fd")
	case "$t" in
	socket:*|/dev/null) ;;
	*) in_rootfs "$t" || fail "gofer: fd $n is $t" ;;
	esac
done

# Every process below boot, and boot, is in the container's cgroup.
cgdirs=$(sed -n 's/^ *"path": "\(.*\)",$/\1/p' "$root/$id/state.json")
[ -n "$cgdirs" ] || fail "no cgroup recorded"
all=$(ps -e -o pid=,ppid=)
procs=" $boot "
while :; do
	before=$procs
	for c in $(awk -v set="$procs" 'index(set, " " $2 " ") { print $1 }' <<<"$all"); do
		case $procs in *" $c "*) ;; *) procs="$procs$c ";; esac
	done
	[ "$before" = "$procs" ] && break
done
[ $(wc -w <<<"$procs") -ge 4 ] || fail "only these processes: $procs"
for d in $cgdirs; do
	for p in $procs; do
		grep -qx "$p" "$d/cgroup.procs" || fail "process $p ($(tr '\0' ' ' </proc/$p/cmdline | cut -c1-40)) is not in $d"
	done
done

"${C[@]}" delete --force "$id" || fail "delete failed"
for d in $cgdirs; do [ -e "$d" ] && fail "cgroup $d left"; done
trap - EXIT
cleanup
exit $status
