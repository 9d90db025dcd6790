#!/usr/bin/env bash
# ci-under-load.sh [RUNS]: runs .ci/run RUNS times (3 by default) in a row, each on a fresh clone of
# this repository's HEAD with ../shared beside it as CI has it, while a second CPU-heavy process
# runs throughout: a niced `go build -a` of kube-apiserver from the control plane's Go module, in a
# loop. It proves the suite does not fail by chance on a loaded machine (docs/testing.md). Prints
# one line a run, and exits non-zero if any run failed. Takes about 25 minutes a run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-3}
work=$(mktemp -d)
mkdir -p "$work/load"
cp -r "$root/scripts/harness/controlplane/." "$work/load/"
ln -s "$(cd "$root/.." && pwd)/shared" "$work/shared"

# The load, in a session of its own, so that its whole process group stops with it.
cat >"$work/load.sh" <<'LOAD'
cd "$1"
for i in $(seq 1 100); do
  rc=0
  nice -n 19 go build -a -o /dev/null ./cmd/kube-apiserver || rc=$?
  echo "build $i rc=$rc"
done
LOAD
setsid bash "$work/load.sh" "$work/load" >"$work/load.log" 2>&1 &
load=$!
trap 'kill -- -"$load" 2>/dev/null || true' EXIT
running() { pgrep -g "$load" -f 'go build' >/dev/null && echo yes || echo no; }

failed=0
for run in $(seq 1 "$runs"); do
  rm -rf "$work/clone"
  git clone -q "$root" "$work/clone"
  started=$(date +%s)
  before=$(running)
  rc=0
  (cd "$work/clone" && CI=true bash .ci/run) >"$work/run$run.log" 2>&1 || rc=$?
  tests=$(sed 's/\x1b\[[0-9;]*m//g' "$work/run$run.log" | grep -E '^ +Tests ' | tail -1 | tr -s ' ')
  echo "run $run ($(git -C "$work/clone" rev-parse --short HEAD)): rc=$rc $(($(date +%s) - started))s," \
    "load at start: $before, at end: $(running), load builds so far: $(grep -c '^build' "$work/load.log");$tests"
  [ "$rc" = 0 ] || failed=1
done
echo "logs: $work"
exit "$failed"
