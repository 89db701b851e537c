# Background processes the scripts start and stop by pid. Sourced, never run.

CM_PIDS="$CM_STATE/pids"

# True if NAME's pid file names a live process that is still the one we started (the pid file
# also records its start command, so a reused pid is not mistaken for ours).
is_running() {
  local name=$1 pid
  [ -f "$CM_PIDS/$name.pid" ] || return 1
  pid=$(cat "$CM_PIDS/$name.pid")
  [ -d "/proc/$pid" ] || return 1
  [ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "$(cat "$CM_PIDS/$name.cmd" 2>/dev/null)" ]
}

# start_process NAME WORKDIR COMMAND... : runs COMMAND detached, output to $CM_LOGS/NAME.log.
start_process() {
  local name=$1 dir=$2; shift 2
  mkdir -p "$CM_PIDS" "$CM_LOGS"
  (cd "$dir" && exec setsid "$@" >>"$CM_LOGS/$name.log" 2>&1 < /dev/null) &
  local pid=$!
  echo "$pid" > "$CM_PIDS/$name.pid"
  # setsid execs in place, so the pid is the program's; wait for its command line to settle.
  local tries=0
  while [ "$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" != "$(printf '%s ' "$@")" ] && [ $tries -lt 50 ]; do
    sleep 0.1; tries=$((tries + 1))
  done
  printf '%s ' "$@" > "$CM_PIDS/$name.cmd"
}

# wait_for_process NAME TIMEOUT PROBE... : waits for PROBE, failing early if NAME died.
wait_for_process() {
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! is_running "$name"; then
      tail -n 30 "$CM_LOGS/$name.log" >&2 || true
      fail "$name exited during start (log: $CM_LOGS/$name.log)"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$name was not ready after ${timeout}s (log: $CM_LOGS/$name.log)"
    sleep 0.5
  done
}

stop_process() {
  local name=$1 pid
  if ! is_running "$name"; then
    rm -f "$CM_PIDS/$name.pid" "$CM_PIDS/$name.cmd"
    say "$name was not running"
    return 0
  fi
  pid=$(cat "$CM_PIDS/$name.pid")
  say "stopping $name (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while [ -d "/proc/$pid" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  if [ -d "/proc/$pid" ]; then
    say "$name did not stop in 30s; killing it"
    kill -KILL "$pid"
  fi
  rm -f "$CM_PIDS/$name.pid" "$CM_PIDS/$name.cmd"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free() { ! port_open "$1"; }
