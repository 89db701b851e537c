# Shared by every script in scripts/: where things live, the pinned versions, small helpers.
# Sourced, never run.

CM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../infra/stack/versions.env
. "$CM_ROOT/infra/stack/versions.env"

# Downloads live outside git and outlive a clone.
CM_CACHE="${CM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/channel-manager}"

say()  { printf '[cm] %s\n' "$*" >&2; }
fail() { printf '[cm] error: %s\n' "$*" >&2; exit 1; }

# Waits until a command succeeds, polling; fails with a message naming what never became ready.
wait_until() {
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what was not ready after ${timeout}s (logs: $CM_LOGS)"
    sleep 0.5
  done
}

# Run state (pids, data, logs) of the local stack is one per machine, whichever clone started it.
CM_STATE="${CM_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/channel-manager}"
CM_LOGS="$CM_STATE/logs"
