#!/bin/bash
# pod.sh WORKDIR CVISOR [PLATFORM]
#
# Pods at the OCI level: hand-made bundles carrying containerd's CRI
# annotations. A sandbox (pause) container, then app containers that name
# it run in its sentry (one `cvisor-sandbox:` process), each with its own
# root, stdio and exit status; killing/deleting one leaves the others;
# deleting the sandbox stops them all.
set -u
work=$1 cvisor=$2 platform=${3:-}
root="$work/state-pod${platform:+-$platform}"
mkdir -p "$work"
rm -rf "$root"
C=("$cvisor" --root "$root" ${platform:+--platform "$platform"})
fail=0
ids=()
die() { echo "pod: $*" >&2; fail=1; }
cleanup() {
	for id in "${ids[@]}"; do "${C[@]}" delete --force "$id" >/dev/null 2>&1; done
	rm -rf "$root"
}
trap cleanup EXIT

# bundle DIR ARGS_JSON TYPE SANDBOX_ID [MORE_PROCESS_FIELDS]
bundle() {
	local dir=$1 args=$2 type=$3 sb=$4 more=${5:-}
	rm -rf "$dir"
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/dev" "$dir/rootfs/proc" "$dir/rootfs/sys"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	for a in sh echo sleep cat ls true grep; do ln -s busybox "$dir/rootfs/bin/$a"; done
	echo "$(basename "$dir")" >"$dir/rootfs/whoami"
	cat >"$dir/config.json" <<JSON
{
	"ociVersion": "1.1.0",
	"process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": $args,
		    "env": ["PATH=/bin", "NAME=$(basename "$dir")"], "cwd": "/"$more},
	"root": {"path": "rootfs", "readonly": true},
	"hostname": "podtest",
	"annotations": {"io.kubernetes.cri.container-type": "$type",
			"io.kubernetes.cri.sandbox-id": "$sb"},
	"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}
}
JSON
}
status_of() { "${C[@]}" state "$1" 2>/dev/null | sed -n 's/.*"status": "\(.*\)".*/\1/p'; }
wait_status() {
	for _ in $(seq 1000); do [ "$(status_of "$1")" = "$2" ] && return 0; sleep 0.01; done
	die "$1: status $(status_of "$1"), expected $2"
	return 1
}
expect() { [ "$2" = "$3" ] || die "$1: got '$2', expected '$3'"; }
# sentries: control sockets of the pod, and no sentry process of an app container
sentries() {
	pgrep -f -- "cvisor-sandbox:pod-$$-[abc] " >&2 && echo "app-container-sentry"
	find "$root" -name sentry.sock | wc -l
}
wait_file() { # wait_file FILE TEXT
	for _ in $(seq 1000); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.01; done
	die "$1: no '$2' in '$(cat "$1" 2>/dev/null)'"
}

sb="pod-$$-sandbox" a="pod-$$-a" b="pod-$$-b" c="pod-$$-c" d="pod-$$-d" e="pod-$$-e" f="pod-$$-f"
ids=("$a" "$b" "$c" "$d" "$e" "$f" "$sb")
bundle "$work/pod-sandbox" '["sleep", "1000"]' sandbox "$sb"
bundle "$work/pod-a" '["sh", "-c", "echo hello from $NAME $(cat /whoami); echo secret >/tmp/a-file; exec sleep 1000"]' container "$sb"
# b's own capabilities, rlimits and no_new_privs, not the sandbox's
bundle "$work/pod-b" '["sh", "-c", "echo bye from $NAME; grep -E \"^(CapEff|NoNewPrivs)\" /proc/self/status; ulimit -n; exit 3"]' container "$sb" \
	', "capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]},
	   "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 300, "soft": 200}], "noNewPrivileges": true'
bundle "$work/pod-c" '["sleep", "1000"]' container "$sb"
bundle "$work/pod-f" '["sh", "-c", "while true; do echo tick; sleep 0.02; done"]' container "$sb"
bundle "$work/pod-e" '["sh", "-c", "trap \"echo got-term; exit 5\" TERM; echo ready; sleep 1000 & wait"]' container "$sb"
# c's prestart hook gets its state (status "creating", the stand-in's pid)
python3 - "$work/pod-c/config.json" "$work/c.hook" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["hooks"] = {"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >" + sys.argv[2]]}]}
json.dump(cfg, open(sys.argv[1], "w"))
PY
bundle "$work/pod-d" '["sh", "-c", "test -t 0 && test -t 1 && echo tty-ok"]' container "$sb"
sed -i 's/"terminal": false/"terminal": true/' "$work/pod-d/config.json"

"${C[@]}" create -b "$work/pod-sandbox" "$sb" </dev/null >/dev/null 2>&1 || die "create sandbox"
"${C[@]}" start "$sb" || die "start sandbox"
expect "sentries after the sandbox" "$(sentries)" 1

# a: created in the sandbox's sentry, its stdio its own
"${C[@]}" create -b "$work/pod-a" --pid-file "$work/a.pid" "$a" </dev/null >"$work/a.out" 2>"$work/a.err" ||
	die "create a: $(cat "$work/a.err")"
expect "a created" "$(status_of "$a")" created
expect "sentries after create a" "$(sentries)" 1
expect "a pid file" "$(cat "$work/a.pid" 2>/dev/null)" "$("${C[@]}" state "$a" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')"
"${C[@]}" start "$a" || die "start a"
wait_status "$a" running
wait_file "$work/a.out" "hello from pod-a pod-a"
# each its own root: a's /tmp file is not the sandbox's
for _ in $(seq 500); do out=$("${C[@]}" exec "$a" cat /tmp/a-file 2>&1) && break; sleep 0.01; done
expect "exec in a" "$out" secret
expect "exec in a: root" "$("${C[@]}" exec "$a" cat /whoami 2>&1)" pod-a
expect "exec in sandbox: root" "$("${C[@]}" exec "$sb" cat /whoami 2>&1)" pod-sandbox
"${C[@]}" exec "$sb" cat /tmp/a-file >/dev/null 2>&1 && die "a's /tmp file visible in the sandbox"
# /proc/mounts shows a container's own tree only
expect "a's mounts: roots" "$("${C[@]}" exec "$a" cat /proc/mounts | grep -c ' / ')" 1
expect "a's mounts: /tmp" "$("${C[@]}" exec "$a" cat /proc/mounts | grep -c ' /tmp ')" 1
# ps: each container its own processes, all in one pid numbering
pa=$("${C[@]}" ps --format json "$a")
psb=$("${C[@]}" ps --format json "$sb")
[[ "$pa" =~ ^\[[0-9]+\]$ ]] || die "ps a: $pa"
expect "ps sandbox" "$psb" "[1]"

# b: exits 3; its stand-in (the pid file's process) exits 3 too
python3 - "$work/pod-b" "$b" "$work/b.out" "${C[@]}" >"$work/b.status" <<'PY' || die "b: $(cat "$work/b.status")"
import ctypes, os, subprocess, sys
bundle, cid, out = sys.argv[1:4]
cv = sys.argv[4:]
ctypes.CDLL(None).prctl(36, 1)   # PR_SET_CHILD_SUBREAPER: the stand-in is ours
with open(out, "w") as f:
    subprocess.run(cv + ["create", "-b", bundle, "--pid-file", out + ".pid", cid],
                   stdin=subprocess.DEVNULL, stdout=f, check=True)
subprocess.run(cv + ["start", cid], check=True)
pid = int(open(out + ".pid").read())
_, st = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(st))
PY
expect "b exit code" "$(cat "$work/b.status")" 3
expect "b output" "$(cat "$work/b.out" | tr '\t\n' '  ')" "bye from pod-b CapEff: 0000000000000001 NoNewPrivs: 1 200 "
wait_status "$b" stopped
"${C[@]}" delete "$b" || die "delete b"
expect "sentries after b" "$(sentries)" 1

# d: process.terminal, its stdio the pty whose master went to the console socket
python3 - "$work/pod-d" "$d" "$work/d.sock" "${C[@]}" >"$work/d.out" 2>&1 <<'PY' || die "d (tty): $(cat "$work/d.out")"
import array, os, socket, subprocess, sys
bundle, cid, path = sys.argv[1:4]
cv = sys.argv[4:]
if os.path.exists(path):
    os.unlink(path)
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(path)
ls.listen(1)
create = subprocess.Popen(cv + ["create", "-b", bundle, "--console-socket", path, cid],
                          stdin=subprocess.DEVNULL)
conn, _ = ls.accept()
fds = array.array("i")
_, anc, _, _ = conn.recvmsg(16, socket.CMSG_SPACE(fds.itemsize))
fds.frombytes(anc[0][2][:fds.itemsize])
if create.wait() != 0:
    sys.exit("create failed")
subprocess.run(cv + ["start", cid], check=True)
out = b""
while b"tty-ok" not in out:
    try:
        chunk = os.read(fds[0], 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
print(out.decode(errors="replace").replace("\r", "").strip())
PY
expect "d on its terminal" "$(cat "$work/d.out")" tty-ok
wait_status "$d" stopped
"${C[@]}" delete "$d" || die "delete d"

# e: a signal sent to its pid file's process (the stand-in) reaches its init
"${C[@]}" create -b "$work/pod-e" --pid-file "$work/e.pid" "$e" </dev/null >"$work/e.out" 2>&1 || die "create e"
"${C[@]}" start "$e" || die "start e"
wait_file "$work/e.out" ready
kill -TERM "$(cat "$work/e.pid")"
wait_file "$work/e.out" got-term
wait_status "$e" stopped
"${C[@]}" delete "$e" || die "delete e"

# f: pause stops its tasks only; resume lets them go on
"${C[@]}" create -b "$work/pod-f" "$f" </dev/null >"$work/f.out" 2>&1 || die "create f"
"${C[@]}" start "$f" || die "start f"
wait_file "$work/f.out" tick
"${C[@]}" pause "$f" || die "pause f"
expect "f paused" "$(status_of "$f")" paused
sleep 0.3   # a syscall under way when the pause came may still finish
n1=$(wc -l <"$work/f.out")
sleep 0.5
expect "f's output while paused" "$(wc -l <"$work/f.out")" "$n1"
expect "a while f is paused" "$("${C[@]}" exec "$a" echo alive 2>&1)" alive
"${C[@]}" resume "$f" || die "resume f"
expect "f resumed" "$(status_of "$f")" running
for _ in $(seq 500); do [ "$(wc -l <"$work/f.out")" -gt "$n1" ] && break; sleep 0.01; done
[ "$(wc -l <"$work/f.out")" -gt "$n1" ] || die "f did not go on after resume"
"${C[@]}" pause "$f" || die "pause f again"
"${C[@]}" kill "$f" KILL || die "kill a paused f"
wait_status "$f" stopped
"${C[@]}" delete "$f" || die "delete f"

# kill a: the sandbox keeps running
"${C[@]}" kill "$a" KILL || die "kill a"
wait_status "$a" stopped
expect "sandbox after kill a" "$(status_of "$sb")" running
expect "exec in sandbox after a" "$("${C[@]}" exec "$sb" echo alive 2>&1)" alive
"${C[@]}" delete "$a" || die "delete a"
[ -e "$root/$a" ] && die "state of a left"

# c, then the sandbox goes: c is stopped with it
"${C[@]}" create -b "$work/pod-c" "$c" </dev/null >/dev/null 2>&1 || die "create c"
expect "c's prestart hook" "$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["id"], s["status"], s["pid"])' "$work/c.hook")" \
	"$c creating $("${C[@]}" state "$c" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')"
"${C[@]}" start "$c" || die "start c"
wait_status "$c" running
"${C[@]}" kill "$sb" KILL
wait_status "$sb" stopped
"${C[@]}" delete "$sb" || die "delete sandbox"
wait_status "$c" stopped
"${C[@]}" delete "$c" || die "delete c"

for id in "${ids[@]}"; do
	for _ in $(seq 200); do pgrep -f -- "$id" >/dev/null || break; sleep 0.01; done
	pgrep -fa -- "$id" >&2 && die "processes of $id left"
	[ -e "$root/$id" ] && die "state of $id left"
	[ -z "$(find /sys/fs/cgroup -name "$id" -type d 2>/dev/null)" ] || die "cgroup of $id left"
done
exit $fail
