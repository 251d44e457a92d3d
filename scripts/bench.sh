#!/usr/bin/env bash
# bench.sh (`npm run bench`) - measure Berth with ../shared/bench/engine-bench.sh and,
# when BENCH_PEERS names other engines, the same groups on each of them, side by side.
#
#   1. setup.sh; a private berthd (own roots, socket and network namespace, like test.sh);
#   2. image bench/busybox:latest via ../shared/bench/make-images.sh (fallback: our own
#      busybox rootfs + docker import); the Debian image only when BENCH_ONLY has `debian`;
#   3. engine-bench.sh on berth, then on every peer; one TSV per engine in the output dir;
#   4. a table: berth, each peer, and berth/peer per metric.
#
# Env:
#   BENCH_ONLY     groups [ping,run,serial,concurrent,ps,logs,exec,commit,build,rss] (what Berth supports
#                  now; the harness also knows debian,push,port); `web` adds Berth's own dashboard
#                  benchmarks (terminal latency, layer explorer, changes tree; no peer has them)
#                  push works on berth too (BENCH_ONLY=commit,push): its registry is started here
#   BENCH_PEERS    space-separated unix:// sockets of other engines, e.g. the private dockerd
#                  of ../shared/bench/peers-up.sh: BENCH_PEERS=unix:///run/bench-dockerd.sock
#   BENCH_OUT_DIR  where the TSVs go [/var/tmp/berth-bench/<date-time>]
#   Everything else (N_RUN, N_SERIAL, LOG_MB, BENCH_MAX_S, ...) goes to engine-bench.sh.
# push and port need a registry/ports inside the engine's network namespace (peers-up.sh
# sets that up for the peers only), so they are not in the default groups.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=lib/berthd.sh
source "$ROOT/scripts/lib/berthd.sh"
# shellcheck source=lib/busybox-rootfs.sh
source "$ROOT/scripts/lib/busybox-rootfs.sh"
TOP=$(git rev-parse --show-toplevel 2>/dev/null || echo "$ROOT")
BENCH=$TOP/../shared/bench
ONLY=${BENCH_ONLY:-ping,run,serial,concurrent,ps,logs,exec,commit,build,rss}
OUT=${BENCH_OUT_DIR:-/var/tmp/berth-bench/$(date +%Y%m%d-%H%M%S)}
BB=bench/busybox:latest
DEF_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
say() { printf '[bench] %s\n' "$*" >&2; }
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

[ -f "$BENCH/engine-bench.sh" ] || { say "needs $BENCH/engine-bench.sh (../shared next to the repo)"; exit 1; }
bash "$ROOT/scripts/setup.sh"
mkdir -p "$OUT"
trap 'berth_private_down' EXIT
trap 'exit 130' INT TERM

# web is Berth's own group (run below, not by engine-bench.sh)
WEB_BENCH=0
if want web; then WEB_BENCH=1; ONLY=$(printf '%s' ",$ONLY," | sed 's/,web,/,/; s/^,//; s/,$//'); fi
if want debian && ! command -v debootstrap >/dev/null; then
  say "group debian needs debootstrap (apt-get install debootstrap); leaving it out"
  ONLY=$(printf '%s' ",$ONLY," | sed 's/,debian,/,/; s/^,//; s/,$//')
fi
# engine-bench.sh checks both images up front; without Debian the busybox one stands in
DEB=bench/busybox:latest
want debian && DEB=bench/debian:bookworm

# ensure_images DOCKER_HOST NSX... : bench images on that engine (kept when present)
ensure_images() {
  local host=$1 work tar; shift
  if DOCKER_HOST=$host docker image inspect "$BB" "$DEB" >/dev/null 2>&1; then return 0; fi
  local flags=(--skip-debian); want debian && flags=()
  if [ -f "$BENCH/make-images.sh" ] && "$@" env DOCKER_HOST="$host" "$BENCH/make-images.sh" "${flags[@]}"; then
    return 0
  fi
  want debian && { say "make-images.sh failed; no Debian image"; return 1; }
  say "make-images.sh failed; importing our busybox rootfs as $BB"
  work=$(mktemp -d /tmp/bt-bench-XXXXXX)
  tar=$(busybox_rootfs_tar "$work/busybox.tar") &&
    DOCKER_HOST=$host docker import --change "ENV PATH=$DEF_PATH" --change 'CMD ["/bin/sh"]' "$tar" "$BB" >/dev/null
  local rc=$?
  rm -rf "$work"
  return $rc
}

# run_bench LABEL DOCKER_HOST NSX... : engine-bench.sh -> $OUT/LABEL.tsv
run_bench() {
  local label=$1 host=$2; shift 2
  say "engine-bench.sh $label ($host; groups $ONLY)"
  "$@" env DOCKER_HOST="$host" BENCH_ONLY="$ONLY" BENCH_BUSYBOX="$BB" BENCH_DEBIAN="$DEB" \
    bash "$BENCH/engine-bench.sh" "$label" >"$OUT/$label.tsv"
}

# peer_nsx SOCKET : fill PEER_NSX with the prefix that enters the network namespace where
# SOCKET listens (engine-bench.sh finds the daemon's pids with `ss`, which sees one netns)
peer_nsx() {
  local sock=$1 ns
  PEER_NSX=()
  ss -xln 2>/dev/null | awk -v s="$sock" '$5==s {f=1} END {exit !f}' && return 0
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    if nsenter "--net=/run/netns/$ns" -- ss -xln 2>/dev/null | awk -v s="$sock" '$5==s {f=1} END {exit !f}'; then
      PEER_NSX=(nsenter "--net=/run/netns/$ns" --); return 0
    fi
  done
}

# ---------------------------------------------------------------- berth --
berth_private_up bench
say "berthd pid $BP_PID on $BP_SOCK${BP_NETNS:+ (netns $BP_NETNS)}"
ensure_images "unix://$BP_SOCK" "${BP_NSX[@]}"
# group push (BENCH_ONLY=push,...): a throwaway docker-registry on 127.0.0.1:5000 in berth's
# network namespace, where engine-bench.sh expects it; stopped right after berth's run
BENCH_REG_PID='' BENCH_REG_DIR=''
bench_registry_down() {
  # wait answers the killed registry's status (143); under set -e that must not end the run
  [ -z "$BENCH_REG_PID" ] || { kill "$BENCH_REG_PID" 2>/dev/null; wait "$BENCH_REG_PID" 2>/dev/null || true; }
  [ -z "$BENCH_REG_DIR" ] || rm -rf "$BENCH_REG_DIR"
  BENCH_REG_PID='' BENCH_REG_DIR=''
}
if want push && command -v docker-registry >/dev/null; then
  trap 'bench_registry_down; berth_private_down' EXIT
  BENCH_REG_DIR=$(mktemp -d /tmp/bt-bench-reg-XXXXXX)
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:5000\n' \
    "$BENCH_REG_DIR/data" >"$BENCH_REG_DIR/config.yml"
  "${BP_NSX[@]}" docker-registry serve "$BENCH_REG_DIR/config.yml" >"$BENCH_REG_DIR/log" 2>&1 &
  BENCH_REG_PID=$!
  for _ in $(seq 1 50); do "${BP_NSX[@]}" curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break; sleep 0.2; done
fi
BENCH_DAEMON_PIDS=$BP_PID run_bench berth "unix://$BP_SOCK" "${BP_NSX[@]}"
bench_registry_down
berth_private_down   # before the peers run: its memory and CPU must not weigh on them

# ---------------------------------------------------------------- peers --
LABELS=(berth)
for url in ${BENCH_PEERS:-}; do
  case $url in unix://*) ;; *) say "skipping peer $url: only unix:// sockets"; continue ;; esac
  label=peer-$(basename "${url#unix://}" .sock)
  if ! berth_ping "${url#unix://}"; then say "peer $url does not answer; skipped"; continue; fi
  peer_nsx "${url#unix://}"
  if ensure_images "$url" "${PEER_NSX[@]}" && run_bench "$label" "$url" "${PEER_NSX[@]}"; then
    LABELS+=("$label")
  else
    say "peer $url failed; left out of the table"
  fi
done

# ---------------------------------------------------------------- web (berth only) --
# BENCH_ONLY=web: the dashboard's benchmarks, which no peer has: keystroke-to-echo through the
# terminal WebSocket, and the layer explorer / changes tree on 20,000 / 10,000 files. They start
# their own engines (apps/engine/test/web/web-engine.ts) and print their numbers.
if [ "$WEB_BENCH" = 1 ]; then
  say "web benchmarks (tty latency, layer explorer, changes tree)"
  (cd apps/engine && BERTH_BENCH=1 npx vitest run --config vitest.integration.config.ts \
    test/web/tty-latency.test.ts test/web/visual-api-bench.test.ts 2>&1 |
    grep -E '^\[|p50|ms' | tee "$OUT/web.txt") || say "web benchmarks failed"
fi

# ---------------------------------------------------------------- table --
files=(); for l in "${LABELS[@]}"; do files+=("$OUT/$l.tsv"); done
awk -F'\t' -v labels="${LABELS[*]}" '
  FNR == 1 { fi++ }
  /^#/ || NF < 3 { next }
  { v[fi, $1] = $2; if (fi == 1) { order[++n] = $1; unit[$1] = $3 } }
  function num(x) { return x ~ /^-?[0-9]+(\.[0-9]+)?$/ }
  END {
    k = split(labels, L, " ")
    printf "%-36s %-13s %10s", "metric", "unit", L[1]
    for (i = 2; i <= k; i++) printf " %14s %8s", L[i], "ratio"
    printf "\n"
    for (j = 1; j <= n; j++) {
      m = order[j]; b = v[1, m]
      printf "%-36s %-13s %10s", m, unit[m], b
      for (i = 2; i <= k; i++) {
        p = ((i, m) in v) ? v[i, m] : "-"
        r = (num(b) && num(p) && p + 0 != 0) ? sprintf("%.2f", b / p) : "-"
        printf " %14s %8s", p, r
      }
      printf "\n"
    }
  }' "${files[@]}" | tee "$OUT/compare.txt"
echo
echo "ratio = berth / peer: below 1 is better for ms and MiB, above 1 for /s rates."
echo "results: $OUT"
[ ${#LABELS[@]} -gt 1 ] || echo "no peers measured; e.g. ../shared/bench/peers-up.sh, then BENCH_PEERS=unix:///run/bench-dockerd.sock npm run bench"
