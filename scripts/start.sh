#!/usr/bin/env bash
# start.sh (`npm start`) - set Berth up and start it: the berthd engine on its unix
# socket with the default busybox:latest image imported. A second run is quick and
# leaves a running daemon alone.
#
# Env overrides: BERTH_SOCK [/run/berth/berth.sock]  BERTH_DATA_ROOT [/var/lib/berth]
#   BERTH_EXEC_ROOT [/run/berth]  BERTH_LOG_FILE [/var/log/berth/berthd.log]
#   BERTH_LOG_LEVEL [berthd's default]  BERTH_START_TIMEOUT [30] (seconds)
#   Dashboard: BERTH_WEB_PORT [3000] (Next.js on 127.0.0.1, run as `nobody`)
#   BERTH_ENGINE_WEB [127.0.0.1:4001] (berthd's loopback dashboard API, --web)
#   BERTH_WEB_LOG [/var/log/berth/web.log]  BERTH_NO_WEB=1 skips the dashboard
# Stop it with: kill "$(cat /run/berth/berthd.pid)"; the dashboard: kill "$(cat /run/berth/web.pid)"
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
WEB_PORT=${BERTH_WEB_PORT:-3000}
ENGINE_WEB=${BERTH_ENGINE_WEB:-127.0.0.1:4001}
WEB_URL=http://127.0.0.1:$WEB_PORT
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
    # the dashboard API: loopback only; the browser reaches it through Next's /engine proxy
    [ "${BERTH_NO_WEB:-0}" = 1 ] || BERTHD_ARGS+=(--web "$ENGINE_WEB" --web-origin "$WEB_URL" --web-origin "http://localhost:$WEB_PORT")
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
WEB_LOG=${BERTH_WEB_LOG:-/var/log/berth/web.log}
WEB_PIDFILE=$EXEC_ROOT/web.pid
web_note=''
web_pid() {
  local p
  p=$(cat "$WEB_PIDFILE" 2>/dev/null) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'next' || return 1
  echo "$p"
}
web_up() { curl -sf --max-time 2 -o /dev/null "$WEB_URL/login"; }
if [ "${BERTH_NO_WEB:-0}" = 1 ]; then
  web_note='dashboard skipped (BERTH_NO_WEB=1)'
elif [ ! -f "$ROOT/apps/web/.next/BUILD_ID" ]; then
  web_note='dashboard not built (apps/web/.next missing: npm run build)'
else
  if pid=$(web_pid) && web_up; then
    say "dashboard already running on $WEB_URL (pid $pid)"
  else
    mkdir -p "$(dirname "$WEB_LOG")"
    # Next.js never needs root: drop to nobody (it only reads apps/web/.next and node_modules)
    run_as=()
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
      run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
    fi
    say "starting the dashboard on $WEB_URL (engine API http://$ENGINE_WEB, log: $WEB_LOG)"
    ( cd "$ROOT/apps/web" && exec env -i PATH="$PATH" HOME=/tmp NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 \
        BERTH_ENGINE_URL="http://$ENGINE_WEB" setsid nohup "${run_as[@]}" node "$ROOT/node_modules/next/dist/bin/next" \
        start -H 127.0.0.1 -p "$WEB_PORT" </dev/null >>"$WEB_LOG" 2>&1 ) &
    pid=$!
    disown "$pid" 2>/dev/null || true
    echo "$pid" >"$WEB_PIDFILE"
    for _ in $(seq 1 $((TIMEOUT * 5))); do web_up && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if web_up; then say "dashboard is up (pid $pid)"; else
      say "the dashboard did not answer on $WEB_URL; its log says:"; tail -n 20 "$WEB_LOG" 2>/dev/null | sed 's/^/    | /'
      web_note="dashboard failed to start (log: $WEB_LOG)"
    fi
  fi
  if [ -z "$web_note" ]; then
    if state=$(curl -sf --max-time 2 "http://$ENGINE_WEB/auth/state" 2>/dev/null); then
      if printf '%s' "$state" | grep -q '"bootstrapped":false'; then
        token=$(cat "$EXEC_ROOT/web-bootstrap-token" 2>/dev/null || true)
        web_note="Dashboard: $WEB_URL
  First run: create the admin account with this one-time link:
    $WEB_URL/bootstrap?token=$token"
      else
        web_note="Dashboard: $WEB_URL (sign in with your dashboard account)"
      fi
    else
      web_note="Dashboard: $WEB_URL, but berthd's dashboard API (http://$ENGINE_WEB) does not answer:
  berthd was probably started without --web; restart it (kill \"\$(cat $PIDFILE)\" && npm start)"
    fi
  fi
fi
# <<< DASHBOARD

cat <<EOF

Berth is running (engine log: $LOG_FILE).
Use it with the docker CLI:

  export DOCKER_HOST=unix://$SOCK
  docker run --rm busybox echo hello

${web_note}

EOF
