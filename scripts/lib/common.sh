# shellcheck shell=bash
# Sourced by the scripts of scripts/ that report, wait or run processes (as kubernetes' hack/lib),
# after `set -euo pipefail`. env.sh stays separate, since people source that into their own
# shells.
#
# A script's documentation is its leading comment block (after the shebang): what it does, then
# its usage lines. `usage` prints that block, however long it grows.

# The name messages start with: the script's file name without .sh (node, kafka-server...).
# A script whose file name says too little sets its own after sourcing (node/build.sh).
script_name=$(basename "$0" .sh)

# usage: the script's leading comment block on stderr, then exit 2.
usage() {
  awk 'NR == 1 && /^#!/ { next } /^# shellcheck / { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0" >&2
  exit 2
}

# die MESSAGE...: the message, named after the script, on stderr, then exit 1.
die() {
  echo "$script_name: $*" >&2
  exit 1
}

# need COMMAND WHY: die unless COMMAND is on PATH, saying why it is needed.
need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required ($2) but not on PATH"
}

# wait_until [--pid PIDFILE] [--log LOG] WHAT SECONDS COMMAND...
# Runs COMMAND (its output discarded) until it succeeds, SECONDS×4 times 0.25s apart (a command
# that waits itself makes that longer), then dies saying WHAT is not ready. With --pid, dies at
# once when the process PIDFILE names has exited; with --log, shows LOG's last lines first.
wait_until() {
  local pidfile='' log=''
  while [ $# -gt 0 ]; do
    case $1 in
      --pid) pidfile=$2; shift 2 ;;
      --log) log=$2; shift 2 ;;
      *) break ;;
    esac
  done
  local what=$1 seconds=$2
  shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ -n "$pidfile" ] && ! running "$pidfile"; then
      [ -z "$log" ] || tail -n 40 "$log" >&2
      die "$(basename "$pidfile" .pid) exited while waiting for $what${log:+ (log: $log)}"
    fi
    sleep 0.25
  done
  [ -z "$log" ] || tail -n 40 "$log" >&2
  die "$what not ready after ${seconds}s${log:+ (log: $log)}"
}

# Detached processes tracked by pid files in the instance's folder, $dir, which the script sets.

# start_process NAME ARGS...: a detached process with $dir/NAME.log and $dir/NAME.pid
start_process() {
  local name=$1 folder=${dir:?the script sets dir, its instance folder}
  shift
  setsid "$@" >>"$folder/$name.log" 2>&1 </dev/null &
  echo $! >"$folder/$name.pid"
}

# running PIDFILE: whether the process it names is alive
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid PIDFILE: TERM, then KILL after 30s; forget the pid file. CONT wakes a process a test
# suspended, so that it gets the TERM.
stop_pid() {
  local pidfile=$1 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -TERM "$pid" 2>/dev/null; then
    kill -CONT "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# stop_processes NAME...: what start_process started under those names, all at once (for processes
# that need no order among them: each stop may wait seconds for its process to exit).
stop_processes() {
  local name folder=${dir:?the script sets dir, its instance folder} stoppers=()
  for name in "$@"; do
    stop_pid "$folder/$name.pid" &
    stoppers+=($!)
  done
  wait "${stoppers[@]}"
}
