#!/bin/bash
# bundle-do.sh CVISOR WORKDIR -- CMD ARGS...
#
# `cvisor do` through the OCI path: writes a bundle whose root is the
# host's / (the guest's changes stay in the sandbox's overlay), whose
# process is CMD ARGS... in the current directory with this environment's
# PATH, HOME and LC_ALL, and runs it with `cvisor run`; the exit status is
# the guest's. e2e.sh uses it as a runtime prefix, so the filesystem
# issue's real programs run on a bundle too.
set -u
cvisor=$1 work=$2
shift 2
[ "${1:-}" = -- ] && shift
mkdir -p "$work"
id=bdo-$$-$RANDOM
bundle=$(mktemp -d "$work/bundle.XXXXXX")
root="$work/state-bundle-do"
trap '"$cvisor" --root "$root" delete --force "$id" >/dev/null 2>&1; rm -rf "$bundle"' EXIT
python3 - "$bundle/config.json" "$PWD" "$@" <<'PY'
import json, os, sys
path, cwd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_KILL",
        "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE", "CAP_NET_BIND_SERVICE"]
env = [f"{k}={os.environ[k]}" for k in ("PATH", "HOME", "LC_ALL") if k in os.environ]
config = {
    "ociVersion": "1.1.0",
    "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": args, "env": env,
                "cwd": cwd, "capabilities": {s: caps for s in
                    ("bounding", "effective", "permitted")}},
    "root": {"path": "/", "readonly": False},
    "hostname": "cvisor",
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
               {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                "options": ["nosuid", "nodev", "mode=1777"]}],
    "linux": {"namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network")]},
}
json.dump(config, open(path, "w"))
PY
"$cvisor" --root "$root" run -b "$bundle" "$id"
