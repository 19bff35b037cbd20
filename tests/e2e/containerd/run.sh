#!/bin/bash
# tests/e2e/containerd/run.sh [--runtime runc|cvisor] [--cvisor PATH] [-v] [CASE...]
#
# Starts a private containerd (own root, state, socket and config.toml), imports
# a busybox image built from local files, and drives containers through the
# io.containerd.runc.v2 shim with `ctr`, the runtime binary being runc or cvisor.
# Every case passes with runc first: that proves the harness. Exit status 0 when
# every selected case passed, 1 otherwise, 77 when the test cannot run here
# (not root, containerd/ctr/runc missing). See docs/containerd.md.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

ALL_CASES=(echo exit-status run-tty exec exec-tty ps pause-resume kill delete
	metrics named-runtime cri cri-pod)
runtime=runc
cvisor=$root/build/cvisor
verbose=0
cases=()
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) runtime=$2; shift 2 ;;
	--runtime=*) runtime=${1#*=}; shift ;;
	--cvisor) cvisor=$2; shift 2 ;;
	--cvisor=*) cvisor=${1#*=}; shift ;;
	-v) verbose=1; shift ;;
	-h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; echo "cases: ${ALL_CASES[*]}"; exit 0 ;;
	-*) echo "run.sh: unknown flag $1" >&2; exit 2 ;;
	*) cases+=("$1"); shift ;;
	esac
done
[ ${#cases[@]} -gt 0 ] || cases=("${ALL_CASES[@]}")
for c in "${cases[@]}"; do
	[[ " ${ALL_CASES[*]} " == *" $c "* ]] || { echo "run.sh: unknown case $c" >&2; exit 2; }
done

skip() { echo "run.sh: SKIP: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "containerd needs root"
for p in containerd ctr runc containerd-shim-runc-v2 script; do
	command -v $p >/dev/null || skip "$p not installed (scripts/setup.sh installs it)"
done
# Debian's python3 (python3-grpcio), not whichever python3 is first on PATH.
python=/usr/bin/python3
case $runtime in
runc) bin=$(command -v runc) ;;
cvisor)
	bin=$(realpath "$cvisor" 2>/dev/null) && [ -x "$bin" ] ||
		{ echo "run.sh: cvisor binary not found: $cvisor (build it or pass --cvisor)" >&2; exit 1; }
	;;
*) echo "run.sh: --runtime must be runc or cvisor" >&2; exit 2 ;;
esac
busybox=/bin/busybox
[ -x "$busybox" ] && ! grep -q interpreter <<<"$(readelf -l "$busybox" 2>&1)" ||
	skip "no static /bin/busybox (package busybox-static)"

W=$(mktemp -d /tmp/cvisor-containerd.XXXXXX)
chmod 711 "$W"
ns=cvisor-e2e-$$-$RANDOM   # runc/cvisor state and shim dirs are keyed by namespace
sock=$W/containerd.sock
image=docker.io/cvisor/busybox:e2e
pause_image=docker.io/cvisor/pause:e2e   # same layer, runs sleep: CRI pod sandboxes
containerd_pid=
watchdog=

log() { [ $verbose = 0 ] || echo "run.sh: $*" >&2; }

# Kill every process whose command line names our socket (the shims) or whose
# cwd is one of our bundles (runtime processes left behind by a failing
# runtime): only processes this harness caused to exist.
# bundles holds "NAMESPACE/ID" of every container of ours (the CRI plugin
# always uses namespace k8s.io, shared with any other containerd).
bundles=()
kill_ours() {
	local p cmd cwd b
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		cwd=$(readlink "$p/cwd" 2>/dev/null)
		[[ $cmd == *"$sock"* ]] && { kill -9 "${p#/proc/}" 2>/dev/null; continue; }
		for b in "$ns/" "${bundles[@]}"; do
			[[ $cwd == /run/containerd/io.containerd.runtime.v2.task/$b* ]] && kill -9 "${p#/proc/}" 2>/dev/null
		done
	done
}

cleanup() {
	local rc=$? t m i n b
	set +e
	[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
	if [ -n "$containerd_pid" ] && kill -0 "$containerd_pid" 2>/dev/null; then
		for n in "$ns" k8s.io; do
			for t in $(ctr --address "$sock" -n $n containers ls -q 2>/dev/null); do bundles+=("$n/$t"); done
			for t in $(ctr --address "$sock" -n $n task ls -q 2>/dev/null); do
				timeout 10 ctr --address "$sock" -n $n task kill -a -s KILL "$t" >/dev/null 2>&1
				timeout 10 ctr --address "$sock" -n $n task delete -f "$t" >/dev/null 2>&1
			done
			for t in $(ctr --address "$sock" -n $n containers ls -q 2>/dev/null); do
				timeout 10 ctr --address "$sock" -n $n containers rm "$t" >/dev/null 2>&1
			done
		done
		kill "$containerd_pid" 2>/dev/null
		for i in $(seq 50); do kill -0 "$containerd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$containerd_pid" 2>/dev/null
		wait "$containerd_pid" 2>/dev/null
	fi
	kill_ours
	# Unmount what containerd left (snapshots, rootfs), deepest first.
	for i in 1 2 3; do
		awk '{ print $2 }' /proc/self/mounts | grep -E "^($W|/run/containerd/io.containerd.runtime.v2.task/$ns)(/|$)" |
			sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
		for b in "${bundles[@]}"; do
			grep -q " /run/containerd/io.containerd.runtime.v2.task/$b/rootfs " /proc/self/mounts &&
				umount -l "/run/containerd/io.containerd.runtime.v2.task/$b/rootfs" 2>/dev/null
		done
	done
	rm -rf "$W" "/run/containerd/io.containerd.runtime.v2.task/$ns" "/run/containerd/runc/$ns"
	for b in "${bundles[@]}"; do
		[[ $b == k8s.io/* ]] && rm -rf "/run/containerd/io.containerd.runtime.v2.task/$b" "/run/containerd/runc/$b"
	done
	for m in /sys/fs/cgroup/*/"$ns" /sys/fs/cgroup/"$ns"; do
		[ -d "$m" ] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	# The CRI pods' parent cgroup: removed only when empty (no concurrent run
	# uses it; runc recreates parents anyway).
	rmdir /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/k8s.io 2>/dev/null
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
# Stop (and clean up) before ctest's TIMEOUT would SIGKILL us and leak
# containerd: every command below is bounded by `timeout`, and a pending
# TERM runs the trap when the current one returns.
deadline=$((30 + 10 * ${#cases[@]}))
trap 'echo "run.sh: timed out after ${deadline}s" >&2; exit 124' TERM
(
	trap 'kill $s 2>/dev/null; exit 0' TERM
	sleep "$deadline" &
	s=$!
	wait $s && kill -TERM $$
) &
watchdog=$!

c() { timeout 20 ctr --address "$sock" --namespace "$ns" "$@"; }

# --- containerd -------------------------------------------------------------
mkdir -p "$W/root" "$W/state" "$W/opt"
cat >"$W/config.toml" <<EOF
version = 2
root = "$W/root"
state = "$W/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$W/opt"
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  sandbox_image = "$pause_image"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "$W/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cvisor]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cvisor.options]
        BinaryName = "$W/runtime-bin/runc"
EOF

# The named runtimes call $bin through a wrapper that logs each call: the
# log proves the named runtime, not the default runc, ran the container.
mkdir -p "$W/bin" "$W/runtime-bin"
printf '#!/bin/sh\necho "$*" >>%s/named-calls.log\nexec %s "$@"\n' "$W" "$bin" >"$W/runtime-bin/runc"
chmod +x "$W/runtime-bin/runc"
# A named shim for ctr, which never reads the CRI runtime tables:
# `--runtime io.containerd.cvisor.v2` runs containerd-shim-cvisor-v2, found on
# containerd's PATH, which is the runc shim with the wrapper as its `runc`.
cat >"$W/bin/containerd-shim-cvisor-v2" <<EOF
#!/bin/sh
PATH=$W/runtime-bin:\$PATH exec containerd-shim-runc-v2 "\$@"
EOF
chmod +x "$W/bin/containerd-shim-cvisor-v2"

# Start from a known directory with only fds 0-2 (the shim inherits the rest).
(
	cd "$W" || exit 1
	for fd in /proc/self/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done
	PATH=$W/bin:$PATH exec containerd --config "$W/config.toml" </dev/null >"$W/containerd.log" 2>&1
) &
containerd_pid=$!
for i in $(seq 100); do
	[ -S "$sock" ] && ctr --address "$sock" version >/dev/null 2>&1 && break
	kill -0 "$containerd_pid" 2>/dev/null || break
	sleep 0.1
done
if ! ctr --address "$sock" version >/dev/null 2>&1; then
	echo "run.sh: containerd did not start:" >&2
	tail -20 "$W/containerd.log" >&2
	exit 1
fi
log "containerd $containerd_pid up on $sock, namespace $ns"

# --- image from local files: an OCI image layout tarball ----------------------
# blob FILE: move FILE into the layout's blobs, print "sha256:HEX SIZE".
blob() {
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$W/oci/blobs/sha256/$d"
	echo "sha256:$d $s"
}
mkdir -p "$W/rootfs/bin" "$W/rootfs/etc" "$W/rootfs/tmp" "$W/rootfs/proc" \
	"$W/rootfs/dev" "$W/rootfs/sys" "$W/rootfs/run" "$W/oci/blobs/sha256"
cp "$busybox" "$W/rootfs/bin/busybox"
for a in sh echo true false sleep cat ls ps test env id kill wc tr head touch \
	rm mkdir uname hostname; do
	ln -s busybox "$W/rootfs/bin/$a"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$W/rootfs/etc/passwd"
echo 'root:x:0:' >"$W/rootfs/etc/group"
tar --numeric-owner --owner=0 --group=0 --sort=name -C "$W/rootfs" -cf "$W/layer.tar" .
read -r layer layer_size < <(blob "$W/layer.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
	"$layer" >"$W/config.json"
read -r config config_size < <(blob "$W/config.json")
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Entrypoint":["/bin/sleep","86400"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
	"$layer" >"$W/config.json"
read -r pconfig pconfig_size < <(blob "$W/config.json")
# index_entry CONFIG SIZE NAME: index entry of a manifest (the layer + CONFIG).
index_entry() {
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
		"$1" "$2" "$layer" "$layer_size" >"$W/manifest.json"
	read -r manifest manifest_size < <(blob "$W/manifest.json")
	printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}' \
		"$manifest" "$manifest_size" "$3" "${3##*:}"
}
printf '{"schemaVersion":2,"manifests":[%s,%s]}' "$(index_entry "$config" "$config_size" "$image")" \
	"$(index_entry "$pconfig" "$pconfig_size" "$pause_image")" >"$W/oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$W/oci/oci-layout"
tar -C "$W/oci" -cf "$W/image.tar" oci-layout index.json blobs
for n in "$ns" k8s.io; do
	# (grep after ctr, not in a pipe: grep -q would SIGPIPE ctr under pipefail)
	if ! out=$(ctr --address "$sock" -n $n images import "$W/image.tar" 2>&1) ||
		! grep -qx "$image" <<<"$(ctr --address "$sock" -n $n images ls -q)"; then
		echo "run.sh: image import into namespace $n failed: $out" >&2
		exit 1
	fi
done
log "imported $image"

# --- cases -----------------------------------------------------------------
RT=(--runtime io.containerd.runc.v2 --runc-binary "$bin")
RUN_OPTS=()   # more `ctr run` options for start_detached
failed=()
current=

# fail MSG: record the failure of the current case, with the shim's view.
fail() {
	echo "FAIL $runtime/$current: $*" >&2
	failed+=("$current")
	return 1
}
expect() { # expect WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got $(printf %q "$2"), want $(printf %q "$3")"
}
task_status() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
task_pid() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }
wait_status() { # wait_status ID STATUS
	local i
	for i in $(seq 100); do
		[ "$(task_status "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "task $1 never became $2 (is $(task_status "$1"))"
}
# start_detached ID CMD...: `ctr run -d`, stdout/stderr to $W/ID.log.
start_detached() {
	local id=$1 out
	shift
	out=$(c run -d --log-uri "file://$W/$id.log" "${RUN_OPTS[@]}" "${RT[@]}" "$image" "$id" "$@" 2>&1) ||
		{ fail "ctr run -d: $out"; return 1; }
	wait_status "$id" RUNNING
}
# finish ID: kill and delete a detached container.
finish() {
	c task kill -s KILL "$1" >/dev/null 2>&1
	c task delete -f "$1" >/dev/null 2>&1
	c containers rm "$1" >/dev/null 2>&1
}
# in_tty WAITFOR CMD...: run CMD with a terminal on stdin/stdout (ctr -t
# needs one) under script, print its output with CRs dropped. The guest
# program prints WAITFOR and then reads a line from its terminal: only once
# WAITFOR has reached us is a newline typed, so the program cannot exit
# before ctr has copied its output (ctr drops what it has not copied yet
# when the process is gone). script's stdin stays open until then: at EOF
# script would type into the terminal itself.
in_tty() {
	local want=$1 feed rc out="$W/tty.$RANDOM.out" fifo="$W/tty.$RANDOM.in"
	shift
	mkfifo "$fifo"
	: >"$out"
	exec {feed}<>"$fifo"
	timeout 20 script -qec "$(printf '%q ' "$@")" /dev/null <&$feed >"$out" &
	local sp=$!
	local i
	for i in $(seq 200); do
		tr -d '\r' <"$out" | grep -qx -- "$want" && break
		kill -0 $sp 2>/dev/null || break
		sleep 0.1
	done
	printf '\n' >&$feed
	wait $sp
	rc=$?
	exec {feed}>&-
	tr -d '\r' <"$out"
	rm -f "$out" "$fifo"
	return "$rc"
}
# without_resize_error TEXT: TEXT without ctr's own "resize pty" error,
# logged when the process ended before ctr's resize request got there; it
# may come before or after the output (ctr copies the output meanwhile).
without_resize_error() { grep -v 'resize pty' <<<"$1"; }
wait_file() { # wait_file FILE TEXT
	local i
	for i in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no \"$2\" in $1: $(head -c 300 "$1" 2>/dev/null)"
}

case_echo() {
	local out rc
	out=$(c run --rm "${RT[@]}" "$image" echo1 echo hi 2>&1)
	rc=$?
	expect "ctr run echo hi: exit status (output: $out)" "$rc" 0 && expect "ctr run echo hi: output" "$out" hi
}

case_exit-status() {
	local out rc
	out=$(c run --rm "${RT[@]}" "$image" exit1 sh -c 'exit 3' 2>&1)
	rc=$?
	expect "ctr run sh -c 'exit 3': exit status (output: $out)" "$rc" 3
}

case_run-tty() {
	local out
	out=$(in_tty tty-ok ctr --address "$sock" --namespace "$ns" run --rm -t "${RT[@]}" "$image" tty1 \
		sh -c 'test -t 0 && test -t 1 && echo tty-ok && read -r line')
	expect "ctr run -t: output" "$(without_resize_error "$out")" tty-ok
}

case_exec() {
	local out rc
	start_detached exec1 sleep 600 || return 1
	out=$(c task exec --exec-id e1 exec1 echo x 2>&1)
	rc=$?
	expect "ctr task exec echo x: exit status (output: $out)" "$rc" 0 &&
		expect "ctr task exec echo x: output" "$out" x || { finish exec1; return 1; }
	out=$(c task exec --exec-id e2 exec1 sh -c 'exit 5' 2>&1)
	rc=$?
	expect "ctr task exec sh -c 'exit 5': exit status (output: $out)" "$rc" 5
	rc=$?
	finish exec1
	return $rc
}

case_exec-tty() {
	local out
	start_detached exectty1 sleep 600 || return 1
	out=$(in_tty x ctr --address "$sock" --namespace "$ns" task exec -t --exec-id e1 exectty1 \
		sh -c 'test -t 0 && test -t 1 && echo x && read -r line')
	expect "ctr task exec -t: output" "$(without_resize_error "$out")" x
	local rc=$?
	finish exectty1
	return $rc
}

# ps lists the init process and a detached exec. runc reports host pids (the
# init pid is the one containerd shows); a sandbox runtime may report its own
# pids, as runsc does (init is 1 there; the host's pid 1 is never in a container).
# metrics: the shim reads the cgroup of the pid in init.pid, which must be
# the container's, with the limit of `ctr run --memory-limit`.
case_metrics() {
	local out RUN_OPTS=(--memory-limit 67108864)
	start_detached metrics1 sleep 600 || return 1
	out=$(c task metrics --format json metrics1 2>&1)
	case $out in
	*'"limit": 67108864'*) ;;
	*) fail "ctr task metrics: no memory limit 67108864: $(head -c 400 <<<"$out")" ;;
	esac
	case $out in
	*'"pids": {'*'"current": '[1-9]*) ;;
	*) fail "ctr task metrics: no pids: $(head -c 400 <<<"$out")" ;;
	esac
	local rc=$?
	finish metrics1
	return $rc
}

case_ps() {
	local out pid pids i rc=0
	start_detached ps1 sleep 600 || return 1
	pid=$(task_pid ps1)
	out=$(c task exec -d --exec-id e1 ps1 sleep 600 2>&1) || fail "ctr task exec -d: $out" || rc=1
	for i in $(seq 50); do
		[ $rc = 0 ] || break
		out=$(c task ps ps1 2>&1) || { fail "ctr task ps: $out"; rc=1; break; }
		pids=$(awk 'NR > 1 { print $1 }' <<<"$out")   # header PID INFO
		[ "$(wc -l <<<"$pids")" = 2 ] && break
		sleep 0.1
	done
	if [ $rc = 0 ]; then
		[ "$(wc -l <<<"$pids")" = 2 ] || fail "ctr task ps: want 2 processes (init, exec): $out" || rc=1
		grep -qx -e "$pid" -e 1 <<<"$pids" ||
			fail "ctr task ps lists neither the init pid $pid nor pid 1: $out" || rc=1
	fi
	finish ps1
	return $rc
}

case_pause-resume() {
	local out rc=0
	start_detached pause1 sleep 600 || return 1
	out=$(c task pause pause1 2>&1) || fail "ctr task pause: $out" || rc=1
	[ $rc = 0 ] && { wait_status pause1 PAUSED || rc=1; }
	[ $rc = 0 ] && { out=$(c task resume pause1 2>&1) || fail "ctr task resume: $out" || rc=1; }
	[ $rc = 0 ] && { wait_status pause1 RUNNING || rc=1; }
	if [ $rc = 0 ]; then
		out=$(c task exec --exec-id e1 pause1 echo alive 2>&1)
		expect "exec after resume" "$out" alive || rc=1
	fi
	finish pause1
	return $rc
}

case_kill() {
	local rc out pid
	# Foreground `ctr run` in the background: its exit status is the task's.
	c run --rm "${RT[@]}" "$image" kill1 \
		sh -c 'trap "echo got-term; exit 7" TERM; echo ready; sleep 600 & wait' >"$W/kill1.out" 2>&1 &
	pid=$!
	wait_file "$W/kill1.out" ready || { finish kill1; wait $pid; return 1; }
	out=$(c task kill kill1 2>&1) || fail "ctr task kill: $out"
	wait $pid
	rc=$?
	expect "status of a task killed with SIGTERM (trap exits 7; output: $(tr '\n' ' ' <"$W/kill1.out"))" "$rc" 7 || return 1
	# SIGKILL with --all on a second container; ctr run reports 128+9.
	c run --rm "${RT[@]}" "$image" kill2 sh -c 'echo ready; sleep 600' >"$W/kill2.out" 2>&1 &
	pid=$!
	wait_file "$W/kill2.out" ready || { finish kill2; wait $pid; return 1; }
	out=$(c task kill -a -s KILL kill2 2>&1) || fail "ctr task kill -a -s KILL: $out"
	wait $pid
	expect "status of a task killed with SIGKILL" "$?" 137
}

case_delete() {
	local out rc=0
	start_detached del1 sleep 600 || return 1
	out=$(c task delete del1 2>&1) && { fail "ctr task delete of a running task succeeded"; rc=1; }
	out=$(c task delete -f del1 2>&1) || fail "ctr task delete -f: $out" || rc=1
	[ -z "$(task_status del1)" ] || fail "task del1 still listed after delete: $(task_status del1)" || rc=1
	[ ! -e "/run/containerd/runc/$ns/del1" ] || fail "runtime state /run/containerd/runc/$ns/del1 left behind" || rc=1
	out=$(c containers rm del1 2>&1) || fail "ctr containers rm: $out" || rc=1
	# A stopped task: plain delete.
	c run --rm "${RT[@]}" "$image" del2 true >/dev/null 2>&1 || fail "ctr run --rm true failed" || rc=1
	[ -z "$(c containers ls -q | grep -x del2)" ] || fail "container del2 left after ctr run --rm" || rc=1
	return $rc
}

case_named-runtime() {
	local out rc
	# The CRI table containerd loaded (plugins ls shows cri ok) and the named shim.
	out=$(c plugins ls 2>&1 | awk '$2 == "cri" { print $NF }')
	expect "cri plugin (loads runtimes.cvisor from config.toml)" "$out" ok || return 1
	out=$(c run --rm --runtime io.containerd.cvisor.v2 "$image" named1 sh -c 'echo named; exit 4' 2>&1)
	rc=$?
	expect "ctr run --runtime io.containerd.cvisor.v2: output" "$out" named &&
		expect "ctr run --runtime io.containerd.cvisor.v2: exit status" "$rc" 4 &&
		named_called named1
}
# named_called ID: the named runtime's wrapper ran `create` for ID.
named_called() {
	grep -q "create .*$1" "$W/named-calls.log" 2>/dev/null ||
		fail "the named runtime's binary never created $1 (calls: $(tr '\n' ';' <"$W/named-calls.log" 2>/dev/null))"
}

case_cri() {
	local out
	[ -x "$python" ] && "$python" -c 'import grpc' 2>/dev/null ||
		{ fail "$python with python3-grpcio needed (scripts/setup.sh)"; return 1; }
	# RuntimeClass handler "cvisor": the runtimes.cvisor table of config.toml.
	out=$("$python" "$here/cri.py" "$sock" cvisor "$image" "$W/pod-logs" 2>&1)
	expect "CRI pod with runtime_handler cvisor" "$out" "exit=6 log=cri-ok" || return 1
	named_called ""
}

# Two containers of one CRI pod: with cvisor they run in the pod sandbox's
# sentry (one control socket, the pod's); each keeps its own exit code, log
# and /tmp; nothing is left on the host once the pod is removed.
case_cri-pod() {
	local out want statedir=()
	[ -x "$python" ] && "$python" -c 'import grpc' 2>/dev/null ||
		{ fail "$python with python3-grpcio needed (scripts/setup.sh)"; return 1; }
	want="exec=0:secret c1=3:cri-one c2-sees-f1=1 c2=c2-up"
	if [ "$runtime" = cvisor ]; then
		statedir=(/run/containerd/runc/k8s.io)
		want+=" sentries=pod"
	fi
	out=$("$python" "$here/cri.py" "$sock" cvisor "$image" "$W/pod2-logs" pod "${statedir[@]}" 2>&1)
	expect "CRI pod of two containers, runtime_handler cvisor" "$out" "$want leftovers=none"
}

for current in "${cases[@]}"; do
	t0=$(date +%s%N)
	n=${#failed[@]}
	lines=$(wc -l <"$W/containerd.log")
	if "case_$current" && [ ${#failed[@]} = "$n" ]; then
		echo "PASS $runtime/$current ($((($(date +%s%N) - t0) / 1000000)) ms)"
	else
		[[ " ${failed[*]} " == *" $current "* ]] || failed+=("$current")
		# What containerd and the shim said meanwhile (the shim quotes the
		# runtime's last JSON log line).
		tail -n +$((lines + 1)) "$W/containerd.log" | grep 'level=error' |
			grep -v 'copy shim log' | tail -3 | cut -c1-600 | sed 's/^/  containerd: /' >&2
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "run.sh: $runtime: failed: ${failed[*]}" >&2
	exit 1
fi
