/**
 * A real berthd for integration tests: its own data/exec roots, socket, bridge, subnet and cgroup
 * parent, so it can run beside another berthd. Requires root, runc and conmon.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './http.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

export interface TestEngine {
  socket: string;
  dockerHost: string;
  dataRoot: string;
  execRoot: string;
  bridge: string;
  cgroupParent: string;
  proc: ChildProcess;
  logs(): string;
  /** Restart the daemon process on the same roots. */
  restart(opts?: { kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startEngine(): Promise<TestEngine> {
  const tag = randomBytes(3).toString('hex');
  const base = mkdtempSync('/tmp/bt-');
  const dataRoot = path.join(base, 'data');
  const execRoot = `/run/bt-${tag}`;
  mkdirSync(execRoot, { recursive: true });
  const socket = path.join(execRoot, 'd.sock');
  const bridge = `bt${tag}`;
  const bip = `10.${200 + (parseInt(tag.slice(0, 2), 16) % 50)}.${parseInt(tag.slice(2, 4), 16)}.1/24`;
  const cgroupParent = `/berth-test-${tag}`;
  let out = '';
  const args = [MAIN, '-H', `unix://${socket}`, '--data-root', dataRoot, '--exec-root', execRoot,
    '--bridge', bridge, '--bip', bip, '--cgroup-parent', cgroupParent, '--log-level', 'debug'];
  const launch = async () => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => { out += d; });
    proc.stderr!.on('data', (d) => { out += d; });
    await waitForPing(socket, proc, () => out);
    return proc;
  };
  const eng: TestEngine = {
    socket, dockerHost: `unix://${socket}`, dataRoot, execRoot, bridge, cgroupParent,
    proc: await launch(),
    logs: () => out,
    async restart(opts = {}) {
      const p = eng.proc;
      if (p.exitCode === null && p.signalCode === null) {
        const gone = new Promise((r) => p.once('exit', r));
        p.kill(opts.kill ? 'SIGKILL' : 'SIGTERM');
        await gone;
      }
      eng.proc = await launch();
    },
    async stop() {
      try {
        const res = await request(socket, 'GET', '/containers/json?all=1');
        for (const c of JSON.parse(res.body) as { Id: string }[]) {
          await request(socket, 'DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined);
        }
      } catch { /* daemon already gone */ }
      const p = eng.proc;
      if (p.exitCode === null && p.signalCode === null) {
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await gone;
      }
      cleanupHost({ bridge, execRoot, base, cgroupParent, netnsPrefix: `${bridge.slice(0, 6)}-` });
    },
  };
  return eng;
}

async function waitForPing(socket: string, proc: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`berthd exited ${proc.exitCode}:\n${logs()}`);
    if (existsSync(socket)) {
      try {
        const r = await request(socket, 'GET', '/_ping');
        if (r.status === 200) return;
      } catch { /* not yet */ }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`berthd did not answer on ${socket}:\n${logs()}`);
}

/** Removes every host object a test daemon may have left: mounts, netns, bridge, iptables rules, cgroups. */
export function cleanupHost(o: { bridge: string; execRoot: string; base: string; cgroupParent: string; netnsPrefix: string }): void {
  const sh = (cmd: string) => { try { execFileSync('sh', ['-c', cmd], { stdio: 'ignore' }); } catch { /* best effort */ } };
  sh(`grep -E ' (${o.base}|${o.execRoot})' /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l`);
  sh(`ip netns list | awk '{print $1}' | grep '^${o.netnsPrefix}' | xargs -r -n1 ip netns del`);
  sh(`ip link del ${o.bridge}`);
  for (const table of ['filter', 'nat']) {
    sh(`iptables -t ${table} -S | grep -F -- '${o.bridge}' | sed 's/^-A/-D/' | while read -r r; do eval iptables -t ${table} $r; done`);
    sh(`iptables -t ${table} -S | grep -E '^-N BERTH-${o.bridge}-' | awk '{print $2}' | while read -r c; do iptables -t ${table} -F $c; iptables -t ${table} -X $c; done`);
  }
  sh(`for c in /sys/fs/cgroup/*${o.cgroupParent}; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \\; ; done`);
  rmSync(o.base, { recursive: true, force: true });
  rmSync(o.execRoot, { recursive: true, force: true });
}

/** Runs the stock docker CLI against the engine. */
export function docker(eng: TestEngine, args: string[], opts: { input?: string; allowFail?: boolean } = {}): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('docker', args, {
      env: { ...process.env, DOCKER_HOST: eng.dockerHost, DOCKER_CLI_HINTS: 'false' },
      input: opts.input ?? '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000,
    });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    if (!opts.allowFail) throw new Error(`docker ${args.join(' ')} failed (${e.status}): ${e.stderr}`);
    return { code: e.status, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
