/**
 * @module registry/registry-test-helpers
 * An in-memory OCI distribution server for tests (never imported by engine code): manifests and
 * blobs in Maps, Range support, monolithic uploads, cross-repo mounts, optional Basic or Bearer
 * auth with a built-in token endpoint, a request log, and an `intercept` hook through which a test
 * turns it hostile (cut connections, 500/429, redirects, lies about sizes).
 * It speaks a minimal HTTP/1.1 over node:net itself (one request per connection): the runtime
 * package must not import node:http (apps/engine/src/boundaries.test.ts), and raw sockets make
 * byte-level misbehaviour easy to script.
 */
import { createHash, randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { Digest } from '../images/image-types.js';

export interface LoggedRequest { method: string; url: string; headers: Record<string, string> }

export interface MiniRequest { method: string; url: string; headers: Record<string, string>; body: Buffer }

/** The subset of http.ServerResponse the tests use; the connection closes after each response. */
export class MiniResponse {
  private status = 200;
  private readonly headers = new Map<string, string>();
  private headSent = false;

  constructor(readonly socket: net.Socket) {}

  setHeader(k: string, v: string | number): void {
    this.headers.set(k, String(v));
  }

  writeHead(status: number, headers: Record<string, string | number> = {}): void {
    this.status = status;
    for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
  }

  private head(bodyLength?: number): void {
    if (this.headSent) return;
    this.headSent = true;
    if (bodyLength !== undefined && ![...this.headers.keys()].some((k) => k.toLowerCase() === 'content-length')) this.setHeader('Content-Length', bodyLength);
    const lines = [`HTTP/1.1 ${this.status} X`, ...[...this.headers].map(([k, v]) => `${k}: ${v}`), 'Connection: close', '', ''];
    this.socket.write(lines.join('\r\n'));
  }

  write(chunk: Buffer | string, cb?: () => void): void {
    this.head();
    this.socket.write(chunk, cb);
  }

  end(chunk?: Buffer | string): void {
    this.head(chunk === undefined ? 0 : Buffer.byteLength(chunk));
    if (chunk !== undefined) this.socket.write(chunk);
    this.socket.end();
  }
}

/** Serves one request per connection; `handler` may leave the socket hanging (blackhole tests). */
export function miniServer(handler: (req: MiniRequest, res: MiniResponse) => void): net.Server {
  return net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    let req: MiniRequest | undefined;
    let need = 0;
    let dispatched = false;
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!req) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [line, ...rest] = buf.subarray(0, end).toString('latin1').split('\r\n');
        const [method, url] = line!.split(' ');
        const headers: Record<string, string> = {};
        for (const h of rest) { const i = h.indexOf(':'); headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim(); }
        req = { method: method!, url: url!, headers, body: Buffer.alloc(0) };
        need = Number(headers['content-length'] ?? 0);
        buf = buf.subarray(end + 4);
      }
      if (!dispatched && buf.length >= need) {
        dispatched = true;
        req.body = buf.subarray(0, need);
        handler(req, new MiniResponse(socket));
      }
    });
  });
}

export interface FakeRegistryOptions {
  host?: string;
  auth?: { kind: 'basic' | 'bearer'; username: string; password: string };
}

export class FakeRegistry {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, { body: Buffer; type: string }>();
  readonly requests: LoggedRequest[] = [];
  /** Return true when the request was answered. */
  intercept: ((req: MiniRequest, res: MiniResponse) => boolean | Promise<boolean>) | undefined;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly tokens = new Set<string>();
  port = 0;

  constructor(private readonly opts: FakeRegistryOptions = {}) {
    this.server = miniServer((req, res) => { void this.handle(req, res); });
    this.server.on('connection', (s: net.Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }

  get host(): string {
    return `${this.opts.host ?? '127.0.0.1'}:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, this.opts.host ?? '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  addBlob(data: Buffer): Digest {
    const d = digestOf(data);
    this.blobs.set(d, data);
    return d;
  }

  putManifest(repo: string, ref: string, body: Buffer, type: string): Digest {
    const d = digestOf(body);
    this.manifests.set(`${repo}:${ref}`, { body, type });
    this.manifests.set(`${repo}:${d}`, { body, type });
    return d;
  }

  count(method: string, pathPart: string): number {
    return this.requests.filter((r) => r.method === method && r.url.includes(pathPart)).length;
  }

  private authorized(req: MiniRequest): boolean {
    const a = this.opts.auth;
    if (!a) return true;
    const h = req.headers.authorization ?? '';
    if (a.kind === 'basic') return h === `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`;
    return h.startsWith('Bearer ') && this.tokens.has(h.slice(7));
  }

  private async handle(req: MiniRequest, res: MiniResponse): Promise<void> {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (this.intercept && (await this.intercept(req, res))) return;
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    const a = this.opts.auth;
    if (url.pathname === '/token' && a?.kind === 'bearer') {
      const h = req.headers.authorization ?? '';
      if (h !== `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`) return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
      const token = randomBytes(12).toString('hex');
      this.tokens.add(token);
      return send(res, 200, { token, expires_in: 300 });
    }
    if (!this.authorized(req)) {
      const challenge = a!.kind === 'basic' ? 'Basic realm="fake"' : `Bearer realm="http://${this.host}/token",service="fake-registry"`;
      res.setHeader('WWW-Authenticate', challenge);
      return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    }
    if (url.pathname === '/v2/' || url.pathname === '/v2') return send(res, 200, {});
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const key = `${m[1]}:${m[2]}`;
      if (req.method === 'PUT') {
        const body = req.body;
        this.putManifest(m[1]!, m[2]!, body, req.headers['content-type'] ?? '');
        res.setHeader('Docker-Content-Digest', digestOf(body));
        return send(res, 201, '');
      }
      const found = this.manifests.get(key);
      if (!found) return send(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
      res.setHeader('Content-Type', found.type);
      res.setHeader('Docker-Content-Digest', digestOf(found.body));
      res.setHeader('Content-Length', found.body.length);
      res.writeHead(200);
      if (req.method === 'HEAD') { res.write(''); res.socket.end(); } else res.end(found.body);
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (m) {
      const blob = this.blobs.get(m[2]!);
      if (!blob) return send(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      res.setHeader('Content-Length', blob.length - start);
      if (range) res.setHeader('Content-Range', `bytes ${start}-${blob.length - 1}/${blob.length}`);
      res.writeHead(range ? 206 : 200);
      if (req.method === 'HEAD') { res.write(''); res.socket.end(); } else res.end(blob.subarray(start));
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      const mount = url.searchParams.get('mount');
      if (mount && this.blobs.has(mount)) return send(res, 201, '');
      res.setHeader('Location', `/upload/${randomBytes(6).toString('hex')}`);
      return send(res, 202, '');
    }
    if (url.pathname.startsWith('/upload/') && req.method === 'PUT') {
      const body = req.body;
      if (digestOf(body) !== url.searchParams.get('digest')) return send(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: 'digest mismatch' }] });
      this.blobs.set(digestOf(body), body);
      return send(res, 201, '');
    }
    if (url.pathname.startsWith('/upload/') && req.method === 'DELETE') return send(res, 204, '');
    send(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no route' }] });
  }
}

export function send(res: MiniResponse, status: number, body: unknown): void {
  const b = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(b) });
  res.end(b);
}

export function digestOf(b: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** A tar with the given files (regular, 0644). */
export async function makeTar(files: Record<string, string | Buffer>): Promise<Buffer> {
  const p = tarPack();
  for (const [name, data] of Object.entries(files)) p.entry({ name, mode: 0o644, mtime: new Date(0) }, typeof data === 'string' ? Buffer.from(data) : data);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface TestImage { manifest: Buffer; manifestDigest: Digest; config: Buffer; configDigest: Digest; layers: Buffer[]; diffIds: Digest[] }

/** Builds a gzip-layered OCI image from layer file maps and stores it in `reg` under repo:tag. */
export async function publishImage(reg: FakeRegistry, repo: string, tag: string, layerFiles: Record<string, string | Buffer>[], mutate?: { diffIds?: Digest[]; configSize?: number; layerSize?: number }): Promise<TestImage> {
  const tars = await Promise.all(layerFiles.map((f) => makeTar(f)));
  const diffIds = mutate?.diffIds ?? tars.map((t) => digestOf(t));
  const layers = tars.map((t) => gzipSync(t));
  for (const l of layers) reg.addBlob(l);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds }, history: layers.map(() => ({ created_by: 'test' })),
  }));
  const configDigest = reg.addBlob(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: mutate?.configSize ?? config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(l), size: mutate?.layerSize ?? l.length })),
  }));
  const manifestDigest = reg.putManifest(repo, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  return { manifest, manifestDigest, config, configDigest, layers, diffIds };
}
