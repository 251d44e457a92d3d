/**
 * Stops the e2e's engine and web server and removes everything they left (its logs stay in
 * artifacts/): containers (through
 * the API), the daemon, stray monitors, mounts, the bridge, the cgroup parent and the roots.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { STATE_FILE, readState } from './env.js';
import { alive, sh } from './processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stop(pid: number, ms: number) {
  if (!pid || !alive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const end = Date.now() + ms;
  while (alive(pid) && Date.now() < end) await sleep(100);
  if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

export default async function globalTeardown() {
  if (!existsSync(STATE_FILE)) return;
  const s = readState();
  const env = { ...process.env, DOCKER_HOST: `unix://${s.sock}` };
  await stop(s.webPid, 5000);
  if (alive(s.enginePid)) {
    const ids = sh('docker', ['ps', '-aq'], env).out.split(/\s+/).filter((x) => /^[0-9a-f]{12,}$/.test(x));
    if (ids.length) sh('docker', ['rm', '-f', ...ids], env);
  }
  await stop(s.enginePid, 20_000);
  // left-overs of this engine only: processes naming its roots, or rooted inside its data-root
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const root = (() => { try { return readlinkSync(`/proc/${d}/root`); } catch { return ''; } })();
      if (cmdline.includes(s.execRoot) || cmdline.includes(s.dataRoot) || root.startsWith(`${s.dataRoot}/`)) process.kill(Number(d), 'SIGKILL');
    } catch { /* gone */ }
  }
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1])
    .filter((m) => m && (m === s.dataRoot || m === s.execRoot || m.startsWith(`${s.dataRoot}/`) || m.startsWith(`${s.execRoot}/`)))
    .sort().reverse();
  for (const m of mounts) sh('umount', ['-l', m]);
  sh('ip', ['link', 'del', s.bridge]);
  sh('bash', ['-c', `for p in /sys/fs/cgroup/*${s.cgroup}; do [ -d "$p" ] && find "$p" -depth -type d -exec rmdir {} + 2>/dev/null; done; true`]);
  rmSync(s.dataRoot, { recursive: true, force: true });
  rmSync(s.execRoot, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
}
