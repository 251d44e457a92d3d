/**
 * A real berthd with the dashboard listener (`--web 127.0.0.1:<free port>`) for the web
 * integration tests: own roots, bridge, subnet and cgroup parent; busybox imported; the admin
 * bootstrapped with the token berthd wrote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cleanupHost } from '../helpers/engine.js';
import { request } from '../helpers/http.js';
import { importBusybox } from '../helpers/images.js';
import { WebClient } from '../../src/web/test-support/web-client.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

export interface WebEngine { socket: string; port: number; proc: ChildProcess; admin: WebClient; logs(): string; stop(): Promise<void> }

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startWebEngine(extra: string[] = []): Promise<WebEngine> {
  const tag = randomBytes(3).toString('hex');
  const base = mkdtempSync('/tmp/bt-');
  const execRoot = `/run/bt-${tag}`;
  mkdirSync(execRoot, { recursive: true });
  const socket = path.join(execRoot, 'd.sock');
  const bridge = `bt${tag}`;
  const bip = `10.${200 + (parseInt(tag.slice(0, 2), 16) % 50)}.${parseInt(tag.slice(2, 4), 16)}.1/24`;
  const cgroupParent = `/berth-test-${tag}`;
  const port = await freePort();
  let out = '';
  const proc = spawn(process.execPath, [MAIN, '-H', `unix://${socket}`, '--data-root', path.join(base, 'data'), '--exec-root', execRoot,
    '--bridge', bridge, '--bip', bip, '--cgroup-parent', cgroupParent, '--log-level', 'debug',
    '--web', `127.0.0.1:${port}`, '--web-origin', 'http://127.0.0.1:3000', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const stop = async () => {
    try {
      const res = await request(socket, 'GET', '/containers/json?all=1');
      for (const c of JSON.parse(res.body) as { Id: string }[]) await request(socket, 'DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined);
    } catch { /* gone */ }
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    }
    cleanupHost({ bridge, execRoot, base, cgroupParent, netnsPrefix: `${bridge.slice(0, 6)}-` });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`berthd exited ${proc.exitCode}:\n${out}`);
    if (existsSync(socket) && /dashboard API listening/.test(out)) {
      try { if ((await request(socket, 'GET', '/_ping')).status === 200) break; } catch { /* not yet */ }
    }
    if (Date.now() > deadline) { await stop(); throw new Error(`berthd did not start:\n${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  await importBusybox(socket);
  const admin = new WebClient(port);
  const token = readFileSync(path.join(execRoot, 'web-bootstrap-token'), 'utf8').trim();
  const r = await admin.request('POST', '/auth/bootstrap', { token, username: 'admin', password: 'correct-horse' });
  if (r.status !== 204) throw new Error(`bootstrap failed: ${r.status} ${r.body}`);
  return { socket, port, proc, admin, logs: () => out, stop: async () => { admin.close(); await stop(); } };
}
