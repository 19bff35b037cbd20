"""cri.py SOCKET HANDLER IMAGE LOGDIR [pod [STATEDIR]] — one pod through
containerd's CRI (runtime.v1), the way kubelet runs a RuntimeClass:
RunPodSandbox with runtime_handler=HANDLER (a runtimes.HANDLER table of
config.toml), a container running `sh -c 'echo cri-ok; exit 6'`, its exit code
and log, then the pod is stopped and removed. Prints "exit=N log=TEXT"; errors
go to stderr, exit 1.

`pod`: two containers in one pod (pod_case below); with STATEDIR (the
runtime's --root, cvisor only) it also checks that the pod's sandbox serves
both from one sentry.

No generated code: the few CRI messages are encoded by hand (field numbers
from k8s.io/cri-api/pkg/apis/runtime/v1/api.proto) and sent as raw bytes with
python3-grpcio.
"""
import glob
import os
import sys
import time

import grpc

SVC = "/runtime.v1.RuntimeService/"
NODE = 2  # NamespaceMode.NODE: host network, so no CNI is needed
RUNNING = 1  # ContainerState.CONTAINER_RUNNING
EXITED = 2  # ContainerState.CONTAINER_EXITED


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def msg(*fields):
    """Encode (number, value) pairs: int -> varint, str/bytes -> length-delimited
    (a nested message is passed as the bytes msg() returned)."""
    out = bytearray()
    for num, val in fields:
        if isinstance(val, int):
            out += varint(num << 3) + varint(val)
        else:
            if isinstance(val, str):
                val = val.encode()
            out += varint(num << 3 | 2) + varint(len(val)) + val
    return bytes(out)


def parse(buf):
    """Decode one message level: {number: [values]}, ints or bytes."""
    fields, i = {}, 0

    def rd():
        nonlocal i
        n = shift = 0
        while True:
            b = buf[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    while i < len(buf):
        key = rd()
        num, wt = key >> 3, key & 7
        if wt == 0:
            val = rd()
        elif wt == 2:
            n = rd()
            val, i = buf[i:i + n], i + n
        elif wt == 1:
            val, i = buf[i:i + 8], i + 8
        elif wt == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("bad wire type %d" % wt)
        fields.setdefault(num, []).append(val)
    return fields


def log_lines(logdir, name):
    """CRI log lines: "TIME STREAM F|P TEXT" -> [TEXT]."""
    text = []
    for path in glob.glob(os.path.join(logdir, name)):
        with open(path) as f:
            text += [line.rstrip("\n").split(" ", 3)[3] for line in f if line.count(" ") >= 3]
    return text


def wait_state(call, cid, state):
    for _ in range(200):
        status = parse(call("ContainerStatus", msg((1, cid),))[1][0])
        if status.get(3, [0])[0] == state:
            return status
        time.sleep(0.1)
    sys.exit("cri.py: container %s never reached state %d" % (cid, state))


def host_leftovers(ids):
    """Processes, mounts, cgroups and runtime state that name one of ids."""
    left = []
    for p in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(p, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(i in cmd for i in ids) and os.path.dirname(p) != "/proc/%d" % os.getpid():
            left.append("process " + cmd[:120])
    with open("/proc/self/mounts") as f:
        left += ["mount " + l.split()[1] for l in f if any(i in l for i in ids)]
    for i in ids:
        left += ["cgroup " + d for d in glob.glob("/sys/fs/cgroup/**/*%s*" % i, recursive=True)
                 if os.path.isdir(d)]
        left += ["state " + d for d in glob.glob("/run/containerd/runc/*/%s" % i)]
    return left


def pod_case(call, handler, image, logdir, statedir):
    """Two containers in one pod: c2 sleeps, c1 prints a line and exits 3.
    Checks each one's status and log, ExecSync into c2, that /tmp is each
    container's own, with STATEDIR that one sentry serves the pod, and that
    stopping and removing the pod leaves nothing on the host."""
    sandbox = msg(
        (1, msg((1, "e2e-pod2"), (2, "uid2-%d" % os.getpid()), (3, "default"), (4, 0))),
        (3, logdir),
        (8, msg((2, msg((1, msg((1, NODE))),)))),
    )
    pod = call("RunPodSandbox", msg((1, sandbox), (2, handler)))[1][0].decode()
    ids = [pod]
    out = []
    try:
        def create(name, script):
            config = msg((1, msg((1, name),)), (2, msg((1, image),)),
                         (3, "sh"), (4, "-c"), (4, script), (11, name + ".log"))
            cid = call("CreateContainer", msg((1, pod), (2, config), (3, sandbox)))[1][0].decode()
            ids.append(cid)
            call("StartContainer", msg((1, cid),))
            return cid

        def exec_sync(cid, script):
            r = call("ExecSync", msg((1, cid), (2, "sh"), (2, "-c"), (2, script), (3, 20)))
            return r.get(3, [0])[0], r.get(1, [b""])[0].decode().strip()

        c2 = create("c2", "echo c2-up; exec sleep 600")
        wait_state(call, c2, RUNNING)
        out.append("exec=%d:%s" % exec_sync(c2, "echo secret >/tmp/f2; cat /tmp/f2"))
        # c1 must not see c2's /tmp file: exit 3 (9 if it does)
        c1 = create("c1", "echo cri-one; echo one >/tmp/f1; test -e /tmp/f2 && exit 9; exit 3")
        status = wait_state(call, c1, EXITED)
        out.append("c1=%d:%s" % (status.get(7, [0])[0], " ".join(log_lines(logdir, "c1.log"))))
        out.append("c2-sees-f1=%d" % exec_sync(c2, "test -e /tmp/f1")[0])
        out.append("c2=%s" % " ".join(log_lines(logdir, "c2.log")))
        if statedir:
            socks = [i for i in ids if os.path.exists(os.path.join(statedir, i, "sentry.sock"))]
            out.append("sentries=%s" % ",".join("pod" if i == pod else i for i in socks))
    finally:
        call("StopPodSandbox", msg((1, pod),))
        call("RemovePodSandbox", msg((1, pod),))
    left = []
    for _ in range(50):
        left = host_leftovers(ids)
        if not left:
            break
        time.sleep(0.1)
    out.append("leftovers=%s" % (";".join(left) or "none"))
    print(" ".join(out))


def main():
    sock, handler, image, logdir = sys.argv[1:5]
    chan = grpc.insecure_channel("unix://" + sock)

    def call(method, req):
        rpc = chan.unary_unary(SVC + method)
        try:
            return parse(rpc(req, timeout=30))
        except grpc.RpcError as e:
            sys.exit("cri.py: %s: %s" % (method, e.details()))

    if sys.argv[5:6] == ["pod"]:
        pod_case(call, handler, image, logdir, sys.argv[6] if len(sys.argv) > 6 else None)
        return
    sandbox = msg(
        (1, msg((1, "e2e-pod"), (2, "uid-%d" % os.getpid()), (3, "default"), (4, 0))),
        (3, logdir),
        (8, msg((2, msg((1, msg((1, NODE))),)))),
    )
    pod = call("RunPodSandbox", msg((1, sandbox), (2, handler)))[1][0].decode()
    try:
        config = msg(
            (1, msg((1, "c1"),)),
            (2, msg((1, image),)),
            (3, "sh"), (4, "-c"), (4, "echo cri-ok; exit 6"),
            (11, "c1.log"),
        )
        cid = call("CreateContainer", msg((1, pod), (2, config), (3, sandbox)))[1][0].decode()
        call("StartContainer", msg((1, cid),))
        for _ in range(200):
            status = parse(call("ContainerStatus", msg((1, cid),))[1][0])
            if status.get(3, [0])[0] == EXITED:
                break
            time.sleep(0.1)
        else:
            sys.exit("cri.py: container %s never exited" % cid)
        code = status.get(7, [0])[0]
        # CRI log lines: "TIME STREAM F|P TEXT".
        text = []
        for path in glob.glob(os.path.join(logdir, "c1.log")):
            with open(path) as f:
                text += [line.rstrip("\n").split(" ", 3)[3] for line in f if line.count(" ") >= 3]
        print("exit=%d log=%s" % (code, " ".join(text)))
        call("RemoveContainer", msg((1, cid),))
    finally:
        call("StopPodSandbox", msg((1, pod),))
        call("RemovePodSandbox", msg((1, pod),))


main()
