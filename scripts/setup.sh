#!/bin/bash
# scripts/setup.sh — install the build/test dependencies (Debian 12, as root)
# and build build/ (RelWithDebInfo). Idempotent; prints nothing on success.
# Packages are only installed when missing, so a non-root user can run it
# on a machine that is already set up.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}

packages=(build-essential cmake pkg-config libseccomp-dev libunwind-dev
	libcapstone-dev libcriterion-dev libjansson-dev busybox-static python3
	bash coreutils util-linux containerd runc python3-grpcio
	git tar gzip sqlite3 make findutils
	clang libclang-rt-14-dev)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# run CMD...: run quietly; on failure show its output and stop.
run() {
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		echo "setup.sh: failed: $*" >&2
		exit 1
	fi
}

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup.sh: missing packages (run as root to install): ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	run apt-get update
	run apt-get install -y --no-install-recommends "${missing[@]}"
fi

run cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
run cmake --build "$build" -j"$(nproc)"
