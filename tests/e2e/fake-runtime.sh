#!/bin/bash
# fake-runtime.sh do [FLAGS...] -- CMD ARGS...
#
# A stand-in for `cvisor do` used only to check the guest and e2e tests
# themselves while the real runtime is not usable: it runs CMD in a new mount
# namespace with the root remounted read-only and a fresh tmpfs on /tmp,
# which is what the tests can observe of the sandbox. It is no sandbox.
# Needs root (unshare -m). Select it with
#   cmake -DCVISOR_TEST_RUNTIME=$PWD/tests/e2e/fake-runtime.sh
set -eu
[ "${1:-}" = do ] || { echo "usage: $0 do [FLAGS] -- CMD ARGS..." >&2; exit 2; }
shift
while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
[ $# -gt 0 ] && shift
exec unshare -m --propagation private /bin/sh -c \
	'mount -t tmpfs none /tmp && mount -o remount,bind,ro / && exec "$@"' sh "$@"
