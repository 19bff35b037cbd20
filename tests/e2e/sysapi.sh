#!/bin/bash
# Real programs on the system-API syscalls (docs/ipc.md, docs/signals.md):
# coreutils timeout(1) (timer_create), Python multiprocessing (a Pool,
# semaphores and queues over fork), util-linux ipcmk/ipcs/ipcrm on SysV
# shared memory, semaphores and message queues made inside the sandbox.
#
# usage: sysapi.sh RUNTIME do [FLAGS] --     (run by ctest)
set -u
export LC_ALL=C
sandbox=("$@")
status=0
fail() { echo "sysapi: $*" >&2; status=1; }

for t in timeout ipcmk ipcs ipcrm /usr/bin/python3; do
	command -v $t >/dev/null || { echo "sysapi: $t not installed" >&2; exit 1; }
done

# timeout kills sleep through a POSIX timer: 124, not sleep's 0.
"${sandbox[@]}" timeout 1 sleep 5
rc=$?
[ $rc -eq 124 ] || fail "timeout 1 sleep 5: exit $rc, expected 124"

py='
import multiprocessing as mp
def sq(x):
    return x * x
def worker(q, lock):
    with lock:
        q.put("w")
with mp.Pool(3) as p:
    print(sum(p.map(sq, range(100))))
q, lock = mp.Queue(), mp.Lock()
ps = [mp.Process(target=worker, args=(q, lock)) for _ in range(3)]
for x in ps: x.start()
for x in ps: x.join()
print("".join(q.get() for _ in range(3)), [x.exitcode for x in ps])
'
out=$("${sandbox[@]}" /usr/bin/python3 -c "$py" 2>&1)
want=$(/usr/bin/python3 -c "$py" 2>&1)
[ "$out" = "$want" ] || fail "python multiprocessing: got '$out', want '$want'"

script='
ipcmk -M 10000 >/dev/null && ipcmk -S 3 >/dev/null && ipcmk -Q >/dev/null || exit 2
ipcs -m | awk "/^0x/ { print \"shm\", \$5, \$6 }"
ipcs -s | awk "/^0x/ { print \"sem\", \$5 }"
ipcs -q | awk "/^0x/ { print \"msg\", \$5, \$6 }"
ipcs -m -i "$(ipcs -m | awk "/^0x/ { print \$2 }")" | grep -o "bytes=[0-9]*"
ipcrm --all || exit 3
echo "left $(ipcs | grep -c "^0x")"
'
out=$("${sandbox[@]}" /bin/sh -c "$script" 2>&1)
want='shm 10000 0
sem 3
msg 0 0
bytes=10000
left 0'
[ "$out" = "$want" ] || fail "ipcs: got:
$out
want:
$want"
exit $status
