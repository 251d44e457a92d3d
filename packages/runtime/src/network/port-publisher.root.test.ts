import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeNetworkManager } from './bridge-network-manager.js';
import { IptablesPortPublisher } from './port-publisher.js';

const isRoot = process.getuid?.() === 0;
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** HTTP GET with busybox (its `wget -T` segfaults, hence `timeout`); optionally from inside a netns. */
const get = (url: string, ns?: string) =>
  sh(ns ? 'ip' : 'timeout', [...(ns ? ['netns', 'exec', ns, 'timeout'] : []), '3', 'busybox', 'wget', '-qO-', url]);

describe.skipIf(!isRoot)('IptablesPortPublisher (root)', () => {
  const tag = randomBytes(2).toString('hex');
  const octet = 100 + (parseInt(tag, 16) % 150);
  const bridge = `bp${tag}`;
  const prefix = `bp${tag}-`;
  const ext = { ns: `bpx${tag}`, host: `bpx${tag}`, hostIp: `10.253.${octet}.1`, extIp: `10.253.${octet}.2` };
  const id = randomBytes(32).toString('hex');
  let stateDir: string;
  let mgr: BridgeNetworkManager;
  let pub: IptablesPortPublisher;
  let httpd: ChildProcess | undefined;

  const rulesLeft = () => sh('iptables-save', ['-t', 'nat']).split('\n').filter((l) => l.includes(`-A BERTH-${bridge}-DNAT`));

  beforeAll(async () => {
    stateDir = await mkdtemp('/tmp/bt-pp-');
    mgr = new BridgeNetworkManager({ bridgeName: bridge, subnet: `10.252.${octet}.0/24`, stateDir, netnsPrefix: prefix });
    await mgr.init();
    pub = new IptablesPortPublisher({ bridgeName: bridge });
    await pub.init();
    await pub.init(); // idempotent: one jump each
    // An "outside" host that reaches us only through ext.hostIp, i.e. through PREROUTING and FORWARD.
    sh('ip', ['netns', 'add', ext.ns]);
    sh('ip', ['link', 'add', ext.host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ext.ns]);
    sh('ip', ['addr', 'add', `${ext.hostIp}/30`, 'dev', ext.host]);
    sh('ip', ['link', 'set', ext.host, 'up']);
    sh('ip', ['-n', ext.ns, 'addr', 'add', `${ext.extIp}/30`, 'dev', 'eth0']);
    sh('ip', ['-n', ext.ns, 'link', 'set', 'eth0', 'up']);
  });

  afterAll(async () => {
    httpd?.kill('SIGKILL');
    try { sh('ip', ['link', 'del', ext.host]); } catch { /* already gone */ }
    try { sh('ip', ['netns', 'del', ext.ns]); } catch { /* already gone */ }
    await pub?.destroy();
    await mgr?.destroy();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('installs the jumps once', () => {
    const jumps = sh('iptables-save', ['-t', 'nat']).split('\n').filter((l) => l.includes(`-j BERTH-${bridge}-DNAT`));
    expect(jumps.filter((l) => l.startsWith('-A PREROUTING'))).toHaveLength(1);
    expect(jumps.filter((l) => l.startsWith('-A OUTPUT'))).toHaveLength(1);
  });

  it('reaches a netns listener via 127.0.0.1, a host address, the outside and hairpin; leaves no rule', async () => {
    const att = await mgr.attach({ containerId: id, mode: 'bridge', hostname: 'h' });
    const www = `${stateDir}/www`;
    sh('mkdir', ['-p', www]);
    await writeFile(`${www}/index.html`, 'published-ok\n');
    httpd = spawn('ip', ['netns', 'exec', mgr.netnsName(id), 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });

    const t0 = performance.now();
    const ports = await pub.publish({
      containerId: id, name: 'pp', containerIp: att.ipAddress, publishAll: false, exposedPorts: {},
      portBindings: { '8080/tcp': [{ hostIp: '', hostPort: '' }] },
    });
    console.log(`publish latency ms: ${(performance.now() - t0).toFixed(1)}`);
    const hostPort = ports['8080/tcp']![0]!.hostPort;
    expect(Number(hostPort)).toBeGreaterThan(0);
    expect(rulesLeft()).toHaveLength(1);

    // httpd may need a moment to bind inside the netns.
    let body = '';
    for (let i = 0; i < 30 && !body; i++) {
      try { body = get(`http://127.0.0.1:${hostPort}/`); } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    expect(body).toBe('published-ok\n');
    expect(get(`http://${ext.hostIp}:${hostPort}/`)).toBe('published-ok\n');
    expect(get(`http://${ext.hostIp}:${hostPort}/`, ext.ns)).toBe('published-ok\n');
    // The container itself, through the gateway: needs hairpin on its veth.
    expect(get(`http://${att.gateway}:${hostPort}/`, mgr.netnsName(id))).toBe('published-ok\n');

    // The same port again is refused while it is published.
    await expect(pub.publish({
      containerId: 'other', name: 'o', containerIp: '10.0.0.9', publishAll: false, exposedPorts: {},
      portBindings: { '80/tcp': [{ hostIp: '127.0.0.1', hostPort }] },
    })).rejects.toThrow(/port is already allocated/);

    await pub.unpublish(id);
    expect(rulesLeft()).toEqual([]);
    expect(() => get(`http://127.0.0.1:${hostPort}/`)).toThrow();
    httpd.kill('SIGKILL');
    await mgr.detach(id);
  });

  it('refuses a port a host process listens on', async () => {
    const { createServer } = await import('node:net');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      await expect(pub.publish({
        containerId: id, name: 'pp', containerIp: '10.0.0.9', publishAll: false, exposedPorts: {},
        portBindings: { '80/tcp': [{ hostIp: '', hostPort: String(port) }] },
      })).rejects.toThrow(/address already in use/);
      expect(rulesLeft()).toEqual([]);
    } finally {
      srv.close();
    }
  });
});
