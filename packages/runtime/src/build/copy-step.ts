/**
 * @module build/copy-step
 * COPY and ADD, without a container: sources are resolved (context with .dockerignore, or another
 * stage's / image's root for `--from`), ADD expands local archives (through applyLayer, the
 * confined extraction primitive) and downloads URLs, then copy-layer plans the layer against the
 * parent image's merged root. `withImageRoot` provides such a read-only root: nothing for
 * scratch, the layer dir itself for a one-layer image, otherwise an overlay of the layer dirs
 * (no upper dir = read-only) on a temp mount point, unmounted in `finally`.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, constants as zc } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { applyLayer } from '../archive/apply-layer.js';
import { errors } from '../errors/engine-error.js';
import type { StoredImage } from '../images/image-store.js';
import type { Mounter, Snapshotter } from '../snapshots/snapshotter.js';
import { isTarHeader, resolveInRoot, resolveSources, walk, type BuildContext, type CopySource } from './build-context.js';

export interface RootDeps {
  snapshotter: Snapshotter;
  mounter: Mounter;
}

export async function withImageRoot<T>(deps: RootDeps, image: StoredImage | null, work: string, fn: (root: string) => Promise<T>): Promise<T> {
  if (!image?.chainId) {
    const empty = path.join(work, `empty-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(empty, { recursive: true });
    return fn(empty);
  }
  const dirs = [await deps.snapshotter.upperDir(image.chainId), ...(await deps.snapshotter.lowerDirs(image.chainId))];
  if (dirs.length === 1) return fn(dirs[0]!);
  const target = path.join(work, `root-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(target, { recursive: true });
  await deps.mounter.mount([{ type: 'overlay', source: 'overlay', options: ['ro', `lowerdir=${dirs.join(':')}`] }], target);
  try {
    return await fn(target);
  } finally {
    await deps.mounter.unmount(target);
    await fs.rmdir(target).catch(() => undefined);
  }
}

/** `--chown=user[:group]`: numbers, or names looked up in the destination image's passwd/group. */
export async function parseChown(spec: string, root: string): Promise<{ uid: number; gid: number }> {
  const [u, g] = spec.split(':', 2) as [string, string | undefined];
  const table = async (file: string) => {
    const text = await fs.readFile(await resolveInRoot(root, file), 'utf8').catch(() => '');
    return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3);
  };
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) uid = Number(u);
  else {
    const row = (await table('/etc/passwd')).find((f) => f[0] === u);
    if (!row) throw errors.invalid(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${u}: no such user: ${u}`);
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = (await table('/etc/group')).find((f) => f[0] === g);
      if (!row) throw errors.invalid(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${g}: no such group: ${g}`);
      gid = Number(row[2]);
    }
  }
  return { uid, gid: gid ?? uid };
}

const URL_RE = /^https?:\/\//i;

/** ADD sources: URLs downloaded, local archives extracted (as directories that keep their owners). */
export async function resolveAddSources(ctx: BuildContext, specs: readonly string[], work: string, signal?: AbortSignal): Promise<CopySource[]> {
  const out: CopySource[] = [];
  const local = specs.filter((s) => !URL_RE.test(s));
  for (const spec of specs.filter((s) => URL_RE.test(s))) out.push(await download(spec, work, signal));
  for (const src of await resolveSources(ctx.root, local, ctx.ignore, 'ADD')) {
    if (src.isDir || !(await isArchive(src.entries[0]!.abs))) { out.push(src); continue; }
    const dir = path.join(work, `add-${randomBytes(4).toString('hex')}`);
    await applyLayer(src.entries[0]!.abs, dir, { signal });
    out.push({ spec: src.spec, isDir: true, entries: await walk(dir, '', []), keepOwner: true });
  }
  return out;
}

async function isArchive(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      head = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch {
      return false;
    }
  }
  return isTarHeader(head.subarray(0, 512));
}

async function download(url: string, work: string, signal?: AbortSignal): Promise<CopySource> {
  const dir = path.join(work, `url-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true });
  const name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '') || 'download';
  const file = path.join(dir, name.replace(/\//g, '_'));
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(30_000);
    res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw errors.unavailable(`ADD failed: ${url} is not reachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`, err);
  }
  if (!res.ok || !res.body) throw errors.unavailable(`ADD failed: ${url} returned status ${res.status} ${res.statusText}`);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file, { mode: 0o600 }));
  const lm = res.headers.get('last-modified');
  if (lm && !Number.isNaN(Date.parse(lm))) await fs.utimes(file, new Date(lm), new Date(lm));
  const stat = await fs.stat(file);
  return { spec: name, isDir: false, entries: [{ rel: '', abs: file, stat }] };
}
