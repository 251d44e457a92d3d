#!/usr/bin/env bash
# test.sh (`npm test`, what CI runs) - every test of Berth, in this order:
#   1. setup.sh: system packages, node_modules, build;
#   2. unit and root tests of every package (`turbo run test`; we run as root, so the
#      *.root.test.ts files run too: ENGINE_TEST_PRIVILEGED=1);
#   3. engine integration tests: apps/engine/test/**/*.test.ts
#      (apps/engine/vitest.integration.config.ts);
#   3b. dashboard e2e: Playwright + Chromium against a private berthd and `next start`
#      (e2e/; BERTH_TEST_E2E=0 skips it);
#   4. docker CLI acceptance scenarios named in scripts/acceptance-scenarios.txt, run by
#      ../shared/acceptance/cli-scenarios.sh against a private berthd (own roots, socket
#      and network namespace). Skipped, not failed, when ../shared is absent.
# Ends with the line "N passed, N failed" (tests of 2-4 added up); exits non-zero if
# anything failed. Env: BERTH_TEST_NETNS=0 runs the private berthd in the host's network
# namespace; BERTH_LOG_LEVEL is passed to it; SCENARIO_TIMEOUT goes to cli-scenarios.sh.
# shellcheck source-path=SCRIPTDIR
set -uo pipefail   # no -e: a failing stage must not hide the stages after it
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=lib/berthd.sh
source "$ROOT/scripts/lib/berthd.sh"
# shellcheck source=lib/busybox-rootfs.sh
source "$ROOT/scripts/lib/busybox-rootfs.sh"
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 NEXT_TELEMETRY_DISABLED=1
export ENGINE_TEST_PRIVILEGED=1
TOP=$(git rev-parse --show-toplevel 2>/dev/null || echo "$ROOT")
SHARED=$TOP/../shared

say() { printf '\n[test] %s\n' "$*"; }
RES=$(mktemp -d /tmp/bt-test-XXXXXX)
PASSED=0 FAILED=0 STAGES=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { berth_private_down; rm -rf "$RES"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# stage NAME PASSED FAILED : add a stage's counts to the totals
stage() {
  STAGES+=("$(printf '%-12s %s passed, %s failed' "$1:" "$2" "$3")")
  PASSED=$((PASSED + $2)) FAILED=$((FAILED + $3))
}
finish() {
  berth_private_down
  echo
  for s in "${STAGES[@]}"; do echo "# $s"; done
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit
}
# vitest_counts JSON... : "passed failed" over vitest JSON reports. A test file that fails
# to load has no failed test in it, so it counts as one failure; so does an unreadable
# report. A missing one counts nothing: vitest writes none when there is no test file,
# and a vitest that failed to start is caught by its exit code.
vitest_counts() {
  node -e '
    const fs = require("node:fs");
    let passed = 0, failed = 0;
    for (const f of process.argv.slice(1)) {
      let r;
      if (!fs.existsSync(f)) continue;
      try { r = JSON.parse(fs.readFileSync(f, "utf8")); } catch { failed++; continue; }
      passed += r.numPassedTests; failed += r.numFailedTests;
      for (const t of r.testResults ?? [])
        if (t.status === "failed" && !(t.assertionResults ?? []).some((a) => a.status === "failed")) failed++;
    }
    console.log(passed, failed);' "$@"
}

# ---------------------------------------------------------------- 1. setup --
say "setup"
if ! bash "$ROOT/scripts/setup.sh"; then
  stage setup 0 1
  finish
fi

# ---------------------------------------------------------------- 2. unit + root --
say "unit and root tests (turbo run test)"
# Each package writes its own report below its own node_modules (ignored by git).
REPORT=node_modules/.berth-test/vitest.json
rm -f packages/*/"$REPORT" apps/*/"$REPORT" e2e/"$REPORT"
# --only: setup.sh has built everything. --force: counts must come from a real run, not a
# replayed cache entry. --exclude test/**: apps/engine/test holds the integration tests,
# which stage 3 runs with their own config.
node_modules/.bin/turbo run test --only --force --log-order=grouped -- \
  --reporter=default --reporter=json --outputFile.json="$REPORT" --exclude 'test/**' </dev/null
rc=$?
shopt -s nullglob
reports=(packages/*/"$REPORT" apps/*/"$REPORT" e2e/"$REPORT")
shopt -u nullglob
read -r p f < <(vitest_counts "${reports[@]}")
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # turbo or vitest failed outside any test
stage unit+root "$p" "$f"

# ---------------------------------------------------------------- 3. integration --
say "engine integration tests (apps/engine/test)"
# the default image's rootfs, for tests that import busybox:latest into their engine
BERTH_BUSYBOX_TAR=$(busybox_rootfs_tar "$RES/busybox.tar") && export BERTH_BUSYBOX_TAR
(cd apps/engine && npx vitest run --config vitest.integration.config.ts \
  --reporter=default --reporter=json --outputFile.json="$RES/integration.json" </dev/null)
rc=$?
read -r p f < <(vitest_counts "$RES/integration.json")
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
stage integration "$p" "$f"

# ---------------------------------------------------------------- 3b. dashboard e2e --
# Playwright in Debian's Chromium against a private berthd + `next start` that
# e2e/support/global-setup.ts starts (ports E2E_ENGINE_PORT/E2E_WEB_PORT, bridge btf2e).
# BERTH_TEST_E2E=0 skips it. Screenshots and perf.json: e2e/artifacts/.
if [ "${BERTH_TEST_E2E:-1}" = 1 ]; then
  say "dashboard e2e (Playwright, Chromium)"
  rm -f e2e/artifacts/results.json
  (cd e2e && npx playwright test </dev/null)
  rc=$?
  read -r p f < <(node -e '
    const fs = require("node:fs");
    try { const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).stats;
      console.log(s.expected + s.flaky, s.unexpected); } catch { console.log(0, 0); }' e2e/artifacts/results.json)
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  stage e2e "$p" "$f"
fi

# ---------------------------------------------------------------- 4. acceptance --
if [ ! -f "$SHARED/acceptance/cli-scenarios.sh" ]; then
  say "acceptance: $SHARED/acceptance not found; skipping the docker CLI scenarios"
  finish
fi
say "acceptance scenarios (docker CLI against a private berthd)"
mapfile -t SCEN < <(sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$ROOT/scripts/acceptance-scenarios.txt")
known=$("$SHARED/acceptance/cli-scenarios.sh" --list)
bad=0
for s in "${SCEN[@]}"; do
  grep -qx -- "$s" <<<"$known" || { echo "[test] unknown scenario in acceptance-scenarios.txt: $s"; bad=$((bad + 1)); }
done
if ! berth_private_up acc; then
  echo "[test] berthd log kept: $BP_LOG"
  stage acceptance 0 $((${#SCEN[@]} + bad))
  BERTH_KEEP_LOG=1 finish
fi
echo "[test] berthd pid $BP_PID, socket $BP_SOCK${BP_NETNS:+, netns $BP_NETNS}"
export DOCKER_HOST=unix://$BP_SOCK
pre=0
"${BP_NSX[@]}" "$SHARED/acceptance/prepare-images.sh" </dev/null || { echo "[test] prepare-images.sh failed"; pre=1; }
"${BP_NSX[@]}" "$SHARED/acceptance/cli-scenarios.sh" "${SCEN[@]}" </dev/null | tee "$RES/acceptance.log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$RES/acceptance.log" | tail -n 1)
if [ -n "$line" ]; then
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed}
else
  echo "[test] cli-scenarios.sh ended without its summary line"
  p=0 f=${#SCEN[@]}
fi
f=$((f + bad + pre))
if [ "$f" -gt 0 ]; then
  export BERTH_KEEP_LOG=1
  echo "[test] berthd log kept: $BP_LOG"
fi
stage acceptance "$p" "$f"
finish
