#!/usr/bin/env bash
# setup.sh (`npm run setup`) - install what Berth needs and build it.
# Idempotent and quick when nothing changed (three checks, no network):
#   1. Debian packages: apt-get runs only when one of them is missing;
#   2. npm ci: only when node_modules is missing or package-lock.json (or the Node
#      version) changed since the last successful install (stamp in node_modules);
#   3. turbo run build: turbo's cache makes an unchanged build a replay.
# Works without stdin and under `set -euo pipefail`; needs root (apt, runc, mounts).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 NEXT_TELEMETRY_DISABLED=1
export DEBIAN_FRONTEND=noninteractive
say() { printf '[setup] %s\n' "$*"; }
t0=$SECONDS

# ---------------------------------------------------------------- Debian packages --
# The engine's runtime: runc + conmon run containers, attr for overlay xattrs, iptables
# for bridge/port rules, busybox-static for the default image, docker-registry for the
# push/pull tests; file/curl/iproute2 are used by these scripts and ../shared.
APT_PACKAGES=(runc conmon attr iptables busybox-static docker-registry file curl iproute2)
# openssl: the token-auth registry tests (apps/engine/test/registry) make a throwaway certificate;
# skopeo: the same tests check that another OCI tool reads what berth pushes and saves
APT_PACKAGES+=(openssl skopeo)
# conntrack: unpublishing a UDP port flushes its conntrack entries (stale NAT otherwise)
APT_PACKAGES+=(conntrack)
# >>> DASHBOARD: packages for the web dashboard and its e2e tests go here, e.g. chromium
APT_PACKAGES_DASHBOARD=(chromium)
# <<< DASHBOARD

# Two setup runs at once (npm start + npm test) must not both run apt or npm ci.
exec 9>"/tmp/berth-setup-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1).lock"
flock 9

missing=()
for p in "${APT_PACKAGES[@]}" "${APT_PACKAGES_DASHBOARD[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
# The docker CLI comes with this machine kind; Debian ships it only inside docker.io.
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  # the lock timeout: another checkout's setup may be running apt right now
  apt_opts=(-qq -o DPkg::Lock::Timeout=300)
  apt-get "${apt_opts[@]}" update </dev/null || say "apt-get update failed; trying the install anyway"
  apt-get "${apt_opts[@]}" install -y "${missing[@]}" </dev/null >/tmp/berth-apt.log 2>&1 ||
    { tail -n 20 /tmp/berth-apt.log >&2; say "apt-get install failed (log: /tmp/berth-apt.log)"; exit 1; }
else
  say "Debian packages present"
fi

# ---------------------------------------------------------------- npm dependencies --
STAMP=node_modules/.berth-lock-stamp
want_stamp="$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node -v)"
if [ ! -d node_modules ] || [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want_stamp" ]; then
  say "npm ci (node_modules missing or package-lock.json changed)"
  npm_opts=(--no-audit --no-fund --loglevel=error)
  if ! npm ci "${npm_opts[@]}" </dev/null 2>/tmp/berth-npm-ci.err; then
    # npm ci also rejects a lock that lacks an optional dependency this registry does not
    # have (vite 8.4's napi-windows-process-start-time is a 404 here); npm install skips
    # such optionals and leaves the lock as it is.
    grep -m2 -E 'code E|Missing' /tmp/berth-npm-ci.err | sed 's/^/[setup]   /' || true
    say "npm ci failed; falling back to npm install"
    npm install "${npm_opts[@]}" </dev/null
  fi
  # recomputed: the stamp must describe the lock that is actually installed
  printf '%s\n' "$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node -v)" >"$STAMP"
else
  say "node_modules up to date"
fi

# ---------------------------------------------------------------- build --
say "building (turbo run build)"
# node_modules/.bin/turbo rather than npx: same binary, without npx's start-up cost
build_log=$(mktemp /tmp/bt-build-XXXXXX.log)
if ! node_modules/.bin/turbo run build --output-logs=errors-only </dev/null >"$build_log" 2>&1; then
  cat "$build_log" >&2
  say "build failed (log: $build_log)"
  exit 1
fi
grep -E '^ *(Tasks|Cached):' "$build_log" | sed 's/^ */[setup]   /' || true
rm -f "$build_log"
say "done in $((SECONDS - t0)) s"
