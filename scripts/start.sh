#!/usr/bin/env bash
# start.sh (`npm start`) - set Berth up and start it: the berthd engine on its unix
# socket with the default busybox:latest image imported. A second run is quick and
# leaves a running daemon alone.
#
# Env overrides: BERTH_SOCK [/run/berth/berth.sock]  BERTH_DATA_ROOT [/var/lib/berth]
#   BERTH_EXEC_ROOT [/run/berth]  BERTH_LOG_FILE [/var/log/berth/berthd.log]
#   BERTH_LOG_LEVEL [berthd's default]  BERTH_START_TIMEOUT [30] (seconds)
# Stop it with: kill "$(cat /run/berth/berthd.pid)"
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=lib/berthd.sh
source "$ROOT/scripts/lib/berthd.sh"
# shellcheck source=lib/busybox-rootfs.sh
source "$ROOT/scripts/lib/busybox-rootfs.sh"

SOCK=${BERTH_SOCK:-/run/berth/berth.sock}
DATA_ROOT=${BERTH_DATA_ROOT:-/var/lib/berth}
EXEC_ROOT=${BERTH_EXEC_ROOT:-/run/berth}
LOG_FILE=${BERTH_LOG_FILE:-/var/log/berth/berthd.log}
PIDFILE=$EXEC_ROOT/berthd.pid
TIMEOUT=${BERTH_START_TIMEOUT:-30}
export DOCKER_HOST=unix://$SOCK
say() { printf '[start] %s\n' "$*"; }

bash "$ROOT/scripts/setup.sh"

# ---------------------------------------------------------------- engine --
# pid from the pidfile, if that process is still a berthd
running_pid() {
  local p
  p=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q berthd || return 1
  echo "$p"
}

if berth_ping "$SOCK"; then
  say "berthd already running on $SOCK (pid $(running_pid || echo 'unknown: not started by this script'))"
else
  berthd_require_built
  log_from=1
  if pid=$(running_pid); then
    say "berthd (pid $pid) is starting; waiting for it"
  else
    mkdir -p "$DATA_ROOT" "$EXEC_ROOT" "$(dirname "$SOCK")" "$(dirname "$LOG_FILE")"
    log_from=$(( $(stat -c %s "$LOG_FILE" 2>/dev/null || echo 0) + 1 ))
    berthd_args "$SOCK" "$DATA_ROOT" "$EXEC_ROOT"
    say "starting berthd ${BERTHD_ARGS[*]} (log: $LOG_FILE)"
    # own session + nohup: the daemon outlives this script, npm and the terminal
    setsid nohup node "$BERTHD_JS" "${BERTHD_ARGS[@]}" </dev/null >>"$LOG_FILE" 2>&1 &
    pid=$!
    disown "$pid" 2>/dev/null || true
    echo "$pid" >"$PIDFILE"
  fi
  if ! berthd_wait "$SOCK" "$pid" "$TIMEOUT"; then
    if kill -0 "$pid" 2>/dev/null; then
      say "berthd (pid $pid) did not answer on $SOCK within ${TIMEOUT} s; its log says:"
    else
      say "berthd exited before answering on $SOCK; its log says:"
    fi
    tail -c +"$log_from" "$LOG_FILE" 2>/dev/null | tail -n 40 | sed 's/^/    | /'
    exit 1
  fi
  # again: berthd may have tidied its exec-root while starting
  echo "$pid" >"$PIDFILE"
  say "berthd is up (pid $pid)"
fi

# ---------------------------------------------------------------- default image --
if docker image inspect busybox:latest >/dev/null 2>&1; then
  say "image busybox:latest present"
else
  work=$(mktemp -d /tmp/bt-start-XXXXXX)
  trap 'rm -rf "$work"' EXIT
  tar_path=$(busybox_rootfs_tar "$work/busybox.tar")
  docker import --change 'CMD ["sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tar_path" busybox:latest >/dev/null
  say "imported busybox:latest"
fi

# >>> DASHBOARD: start the web dashboard here (apps/web) once it exists, detached like
# berthd above, and print its URL in the message below.
# <<< DASHBOARD

cat <<EOF

Berth is running (engine log: $LOG_FILE).
Use it with the docker CLI:

  export DOCKER_HOST=unix://$SOCK
  docker run --rm busybox echo hello

EOF
