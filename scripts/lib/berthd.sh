# shellcheck shell=bash
# berthd.sh - helpers to run the Berth daemon from the scripts (sourced, not run).
#
# Two kinds of daemon:
#   - the user's daemon (start.sh): default roots, detached, outlives the script;
#   - a private daemon (test.sh, bench.sh): throwaway data-root under /var/tmp, a short
#     exec-root /run/bt-<tag>-XXXX holding its socket, and its own network namespace so
#     that its bridge and iptables rules never meet the user's daemon. It is torn down
#     by berth_private_down: containers removed through the API first, then SIGTERM.
# Needs: ROOT (the repo root) set by the caller.

BERTHD_JS="$ROOT/apps/engine/bin/berthd.js"

berth_ping() { curl -sf --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

berthd_require_built() {
  if [ ! -f "$ROOT/apps/engine/dist/main.js" ]; then
    echo "berthd is not built: $ROOT/apps/engine/dist/main.js is missing (npm run build)" >&2
    return 1
  fi
}

# berthd_wait SOCK PID TIMEOUT_S : 0 once SOCK answers _ping; 1 if PID exits or time runs out
berthd_wait() {
  local sock=$1 pid=$2 end=$((SECONDS + $3))
  while [ "$SECONDS" -lt "$end" ]; do
    berth_ping "$sock" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  berth_ping "$sock"
}

# berthd_args SOCK DATA_ROOT EXEC_ROOT : print nothing, fill the BERTHD_ARGS array
berthd_args() {
  BERTHD_ARGS=(-H "unix://$1" --data-root "$2" --exec-root "$3")
  if [ -n "${BERTH_LOG_LEVEL:-}" ]; then BERTHD_ARGS+=(--log-level "$BERTH_LOG_LEVEL"); fi
}

# ---------------------------------------------------------------- private daemon --
BP_PID='' BP_DATA='' BP_EXEC='' BP_SOCK='' BP_LOG='' BP_NETNS='' BP_CGROUP='' BP_NSX=()

# berth_private_up TAG : start a throwaway berthd; sets BP_* (BP_NSX: command prefix that
# runs a command in the daemon's network namespace; empty when BERTH_TEST_NETNS=0 or
# when `ip netns add` is not possible). Returns 1 (log tail printed) if it does not answer.
berth_private_up() {
  local tag=$1
  berthd_require_built || return 1
  BP_DATA=$(mktemp -d "/var/tmp/bt-$tag-XXXXXX") || return 1
  BP_EXEC=$(mktemp -d "/run/bt-$tag-XXXXXX") || return 1
  BP_SOCK=$BP_EXEC/berth.sock
  BP_LOG=$BP_DATA.log
  BP_NSX=() BP_NETNS=''
  if [ "${BERTH_TEST_NETNS:-1}" = 1 ]; then
    local ns; ns=$(basename "$BP_EXEC")
    if ip netns add "$ns" 2>/dev/null; then
      BP_NETNS=$ns
      ip -n "$ns" link set lo up
      # --net only: `ip netns exec` would also remount /sys and hide the cgroup v1 mounts
      BP_NSX=(nsenter "--net=/run/netns/$ns" --)
    else
      echo "# could not create a network namespace; berthd shares the host's" >&2
    fi
  fi
  berthd_args "$BP_SOCK" "$BP_DATA" "$BP_EXEC"
  # own cgroup parent: a daemon may tidy up its parent at boot, so never share /berth
  BP_CGROUP=/$(basename "$BP_EXEC")
  BERTHD_ARGS+=(--cgroup-parent "$BP_CGROUP")
  if [ -z "$BP_NETNS" ]; then   # in the host's netns: keep off the user's berth0 and subnet
    BERTHD_ARGS+=(--bridge "bt$((RANDOM % 100000))" --bip "10.232.$((RANDOM % 200 + 20)).1/24")
  fi
  # setsid: a Ctrl-C in the terminal must not reach the daemon before berth_private_down
  # has removed its containers
  "${BP_NSX[@]}" setsid node "$BERTHD_JS" "${BERTHD_ARGS[@]}" </dev/null >"$BP_LOG" 2>&1 &
  BP_PID=$!
  if ! berthd_wait "$BP_SOCK" "$BP_PID" "${BERTH_START_TIMEOUT:-30}"; then
    echo "berthd (private, $tag) did not answer on $BP_SOCK; last lines of $BP_LOG:" >&2
    tail -n 30 "$BP_LOG" | sed 's/^/    | /' >&2
    return 1
  fi
}

# berth_private_down : remove the private daemon's containers, stop it, clean its roots.
# Safe to call twice and from an EXIT trap. Keeps the log when BERTH_KEEP_LOG=1.
berth_private_down() {
  [ -n "$BP_DATA" ] || return 0
  local ids p i
  if [ -n "$BP_PID" ] && berth_ping "$BP_SOCK"; then
    ids=$(DOCKER_HOST="unix://$BP_SOCK" timeout 30 docker ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || DOCKER_HOST="unix://$BP_SOCK" timeout 120 docker rm -f $ids >/dev/null 2>&1 || true
  fi
  if [ -n "$BP_PID" ] && kill -TERM "$BP_PID" 2>/dev/null; then
    for i in $(seq 1 100); do kill -0 "$BP_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$BP_PID" 2>/dev/null || true
  fi
  [ -z "$BP_PID" ] || wait "$BP_PID" 2>/dev/null || true
  # Left-overs of this daemon only: monitors (conmon) whose command line names its roots,
  # and container processes whose root directory lies inside its data-root.
  # grep answers 2 when a process exits while it reads; under pipefail that must not abort
  { grep -alsF -e "$BP_EXEC" -e "$BP_DATA" /proc/[0-9]*/cmdline || true; } | cut -d/ -f3 |
    while read -r p; do [ "$p" = "$$" ] || kill -KILL "$p" 2>/dev/null || true; done
  for p in /proc/[0-9]*/root; do
    case $(readlink "$p" 2>/dev/null) in "$BP_DATA"/*) i=${p#/proc/}; kill -KILL "${i%/root}" 2>/dev/null || true ;; esac
  done
  # mounts below the roots (overlay rootfs, shm, netns files), deepest first
  awk -v a="$BP_DATA" -v b="$BP_EXEC" '$2==a || $2==b || index($2, a"/")==1 || index($2, b"/")==1 {print $2}' /proc/self/mounts |
    sort -r | while read -r p; do umount -l "$p" 2>/dev/null || true; done
  [ -z "$BP_NETNS" ] || ip netns del "$BP_NETNS" 2>/dev/null || true
  # its cgroup parent in every hierarchy (v1 controllers and the unified one), leaves first
  if [ -n "$BP_CGROUP" ]; then
    for p in /sys/fs/cgroup/*"$BP_CGROUP"; do
      if [ -d "$p" ]; then find "$p" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
    done
  fi
  rm -rf --one-file-system "$BP_DATA" "$BP_EXEC" 2>/dev/null || true
  [ "${BERTH_KEEP_LOG:-0}" = 1 ] || rm -f "$BP_LOG"
  BP_PID='' BP_DATA='' BP_EXEC='' BP_NETNS='' BP_CGROUP='' BP_NSX=()
}
