/**
 * Starts the e2e's own engine and web server:
 *  - berthd (root) with throwaway roots, bridge btf2e on 10.227.9.0/24, --web 127.0.0.1:$E2E_ENGINE_PORT
 *    and the e2e web origin allowed; busybox:latest imported from Debian's static busybox;
 *  - `next start` of the built apps/web on 127.0.0.1:$E2E_WEB_PORT as nobody, with
 *    BERTH_ENGINE_URL pointing at that engine (read at runtime by apps/web/src/proxy.ts).
 * Needs root and a built tree (npm run build).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINE, ENGINE_PORT, REPO, SHOTS, STATE_FILE, WEB, WEB_PORT, type E2EState } from './env.js';
import { alive, sh, startDetached, unprivileged, waitFor } from './processes.js';

export default async function globalSetup() {
  if (process.getuid?.() !== 0) throw new Error('the e2e suite runs a real engine and needs root');
  for (const f of ['apps/engine/dist/main.js', 'apps/web/.next/BUILD_ID']) {
    if (!existsSync(path.join(REPO, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  const dataRoot = mkdtempSync('/var/tmp/bt-e2e-');
  const execRoot = mkdtempSync('/run/bt-e2e-');
  const sock = path.join(execRoot, 'd.sock');
  const cgroup = `/${path.basename(execRoot)}`;
  const bridge = 'btf2e';
  // logs stay with the other artifacts (overwritten by the next run) for post-mortems
  const engineLog = path.join(SHOTS, '..', 'engine.log');
  const webLog = path.join(SHOTS, '..', 'web.log');
  rmSync(engineLog, { force: true });
  rmSync(webLog, { force: true });
  const enginePid = startDetached(process.execPath, [
    path.join(REPO, 'apps/engine/dist/main.js'), '-H', `unix://${sock}`, '--data-root', dataRoot, '--exec-root', execRoot,
    '--bridge', bridge, '--bip', '10.227.9.1/24', '--cgroup-parent', cgroup,
    '--web', `127.0.0.1:${ENGINE_PORT}`, '--web-origin', WEB, '--web-terminal-idle', '600',
  ], engineLog);
  const state: E2EState = { token: '', dataRoot, execRoot, sock, enginePid, webPid: 0, engineLog, webLog, cgroup, bridge };
  writeFileSync(STATE_FILE, JSON.stringify(state));
  await waitFor('berthd', async () => (await fetch(`${ENGINE}/auth/state`)).ok, 30_000, () => alive(enginePid));
  state.token = readFileSync(path.join(execRoot, 'web-bootstrap-token'), 'utf8').trim();

  const tar = path.join(dataRoot, 'busybox.tar');
  const built = sh('bash', ['-c', `source ${REPO}/scripts/lib/busybox-rootfs.sh && busybox_rootfs_tar ${tar}`]);
  if (built.status !== 0) throw new Error(`busybox rootfs: ${built.out}`);
  const imp = sh('docker', ['import', '--change', 'CMD ["sh"]', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', tar, 'busybox:latest'],
    { ...process.env, DOCKER_HOST: `unix://${sock}` });
  if (imp.status !== 0) throw new Error(`docker import: ${imp.out}`);

  const nextBin = path.join(REPO, 'node_modules/next/dist/bin/next');
  const [cmd, args] = unprivileged(process.execPath, [nextBin, 'start', '-H', '127.0.0.1', '-p', String(WEB_PORT)]);
  state.webPid = startDetached(cmd, args, webLog,
    { PATH: process.env.PATH, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', HOME: '/tmp', BERTH_ENGINE_URL: ENGINE },
    path.join(REPO, 'apps/web'));
  writeFileSync(STATE_FILE, JSON.stringify(state));
  await waitFor('next start', async () => (await fetch(`${WEB}/login`)).ok, 60_000, () => alive(state.webPid));
}
