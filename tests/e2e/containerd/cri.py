"""cri.py SOCKET HANDLER IMAGE LOGDIR — one pod through containerd's CRI
(runtime.v1), the way kubelet runs a RuntimeClass: RunPodSandbox with
runtime_handler=HANDLER (a runtimes.HANDLER table of config.toml), a container
running `sh -c 'echo cri-ok; exit 6'`, its exit code and log, then the pod is
stopped and removed. Prints "exit=N log=TEXT"; errors go to stderr, exit 1.

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


def main():
    sock, handler, image, logdir = sys.argv[1:5]
    chan = grpc.insecure_channel("unix://" + sock)

    def call(method, req):
        rpc = chan.unary_unary(SVC + method)
        try:
            return parse(rpc(req, timeout=30))
        except grpc.RpcError as e:
            sys.exit("cri.py: %s: %s" % (method, e.details()))

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
