# Sourced by the scripts that run local servers: detached processes tracked by pid files.

# start_process NAME ARGS...: a detached process with $dir/NAME.log and $dir/NAME.pid
start_process() {
  local name=$1; shift
  setsid "$@" >>"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
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
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
