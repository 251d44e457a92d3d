/**
 * Real registries for the integration tests: Debian's `docker-registry` on 127.0.0.1:<free port>
 * with a temp config and storage dir, optionally with `auth: token` and a token server run in the
 * test process (RS256 JWTs with an x5c chain of a throwaway self-signed certificate — the flow
 * Docker Hub uses). Started and stopped by the tests themselves.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';

export interface RegistryFixture {
  host: string;
  requests: string[];
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** Starts docker-registry; with `users`, behind a token server that checks Basic credentials. */
export async function startRegistry(opts: { users?: Record<string, string> } = {}): Promise<RegistryFixture> {
  const dir = mkdtempSync('/tmp/bt-reg-');
  const port = await freePort();
  const requests: string[] = [];
  let tokenServer: http.Server | undefined;
  let authYaml = '';
  if (opts.users) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=berth-test-token'], { stdio: 'ignore' });
    const key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
    const der = readFileSync(path.join(dir, 'cert.pem'), 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const users = opts.users;
    tokenServer = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const url = new URL(req.url ?? '/', 'http://x');
      const h = req.headers.authorization ?? '';
      const [user, pass] = h.startsWith('Basic ') ? Buffer.from(h.slice(6), 'base64').toString().split(':') : [];
      if (!user || users[user] !== pass) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      const access = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean).map((s) => {
        const [type, ...rest] = s.split(':');
        const actions = rest.pop()!.split(',');
        return { type, name: rest.join(':'), actions };
      });
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', typ: 'JWT', x5c: [der] };
      const claims = { iss: 'berth-test-issuer', sub: user, aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = createSign('RSA-SHA256').update(input).sign(key);
      const token = `${input}.${b64url(sig)}`;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
    });
    await new Promise<void>((r) => tokenServer!.listen(0, '127.0.0.1', r));
    const tport = (tokenServer.address() as AddressInfo).port;
    authYaml = `auth:\n  token:\n    realm: http://127.0.0.1:${tport}/token\n    service: berth-test-registry\n    issuer: berth-test-issuer\n    rootcertbundle: ${path.join(dir, 'cert.pem')}\n`;
  }
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${authYaml}`);
  const proc: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d) => { log += d; });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status, () => 0);
    if (status === 200 || status === 401) break;
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`docker-registry did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: `127.0.0.1:${port}`,
    requests,
    async stop() {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      if (tokenServer) { tokenServer.closeAllConnections(); await new Promise<void>((r) => tokenServer!.close(() => r())); }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
