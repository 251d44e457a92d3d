/**
 * @module build/build-context
 * The build context on disk. `receiveContext` spools the request body to `<work>/context.tar` and
 * unpacks it with applyLayer — the one confined extraction primitive (checkTar rejects `..`,
 * absolute hardlinks, links through symlinks… before GNU tar writes anything) — into
 * `<work>/ctx`. A body that is not a tar is taken as the Dockerfile itself (`docker build - <
 * Dockerfile` from API clients that do not wrap it). Then `.dockerignore` is read once.
 *
 * Paths the Dockerfile names are resolved with `resolveInRoot`: symlinks are followed but re-rooted
 * at the context root, and `..` can never climb above it (moby's FollowSymlinkInScope), so
 * `COPY ../x` and a symlink to `/etc` both stay inside. `..` in a COPY source is rejected outright
 * ("Forbidden path outside the build context"), as Docker does.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { applyLayer } from '../archive/apply-layer.js';
import { EngineError, errors, isEngineError } from '../errors/engine-error.js';
import { canSkipDir, isIgnored, parseDockerignore, type IgnorePattern } from './dockerignore.js';
import { MAX_DOCKERFILE_BYTES } from './dockerfile-parse.js';

export interface BuildContext {
  root: string;
  ignore: IgnorePattern[];
}

/** Spools `body` and unpacks it into `<work>/ctx`; `work` must exist. */
export async function receiveContext(body: Readable, work: string, signal?: AbortSignal): Promise<BuildContext> {
  const tarPath = path.join(work, 'context.tar');
  await pipeline(body, createWriteStream(tarPath, { mode: 0o600 }), { signal });
  const root = path.join(work, 'ctx');
  await fs.mkdir(root, { mode: 0o700 });
  const head = await readHead(tarPath, 512);
  if (isTarHeader(head) || (head[0] === 0x1f && head[1] === 0x8b) || head.length === 0) {
    if (isTarHeader(head)) await completeTrailer(tarPath);
    if (head.length > 0) {
      await applyLayer(tarPath, root, { signal }).catch((err: unknown) => {
        const e = err as EngineError;
        throw isEngineError(e) && e.code === 'INVALID_ARGUMENT' ? new EngineError(e.code, `invalid build context: ${e.message}`, { cause: e }) : e;
      });
    }
  } else {
    // Not an archive: the body is the Dockerfile (moby detect.go treats a plain-text remote the same way).
    const st = await fs.stat(tarPath);
    if (st.size > MAX_DOCKERFILE_BYTES) throw errors.invalid(`Dockerfile is too large (${st.size} bytes; the limit is ${MAX_DOCKERFILE_BYTES})`);
    await fs.copyFile(tarPath, path.join(root, 'Dockerfile'));
  }
  await fs.rm(tarPath, { force: true });
  return openContext(root);
}

export async function openContext(root: string): Promise<BuildContext> {
  const text = await fs.readFile(path.join(root, '.dockerignore'), 'utf8').catch(() => '');
  return { root, ignore: parseDockerignore(text) };
}

async function readHead(file: string, n: number): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * The docker CLI's `-f <Dockerfile outside the context>` path (ReplaceFileTarWrapper) closes its
 * pipe before the tar writer, so the archive arrives without the last entry's padding and the
 * end-of-archive blocks; dockerd's Go reader tolerates that. When the entries themselves are
 * complete, the missing zero blocks are appended; a truncated entry stays an error.
 */
export async function completeTrailer(file: string): Promise<void> {
  const fh = await fs.open(file, 'r+');
  try {
    const { size } = await fh.stat();
    const tail = Buffer.alloc(1024);
    if (size % 512 === 0 && size >= 1024) {
      await fh.read(tail, 0, 1024, size - 1024);
      if (tail.every((b) => b === 0)) return; // the normal case: one read
    }
    const hdr = Buffer.alloc(512);
    let pos = 0;
    while (pos + 512 <= size) {
      await fh.read(hdr, 0, 512, pos);
      if (hdr.every((b) => b === 0)) return; // a proper end marker
      if (!isTarHeader(hdr)) return; // not ours to repair: checkTar will report it
      const end = pos + 512 + entrySize(hdr);
      if (end > size) return; // truncated data
      const padded = end + ((512 - (end % 512)) % 512);
      if (padded >= size) {
        await fh.truncate(end);
        await fh.write(Buffer.alloc(padded - end + 1024), 0, padded - end + 1024, end);
        return;
      }
      pos = padded;
    }
    if (pos === size) await fh.write(Buffer.alloc(1024), 0, 1024, size);
  } finally {
    await fh.close();
  }
}

/** Size field of a tar header: octal, or GNU base-256 for large files. */
function entrySize(h: Buffer): number {
  if (h[124]! & 0x80) {
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + h[i]!;
    return n;
  }
  const f = h.subarray(124, 136).toString('latin1').replace(/[\0 ]+$/, '').trim();
  return f ? parseInt(f, 8) : 0;
}

/** A POSIX tar header block: its checksum field matches the bytes. */
export function isTarHeader(b: Buffer): boolean {
  if (b.length < 512) return false;
  const field = b.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  return sum === parseInt(field, 8);
}

/** The Dockerfile named by the `dockerfile` query (relative to the context), size-capped. */
export async function readDockerfile(ctx: BuildContext, name: string): Promise<string> {
  const rel = name || 'Dockerfile';
  let abs: string;
  try {
    abs = await resolveInRoot(ctx.root, rel);
  } catch {
    throw errors.invalid(`Cannot locate specified Dockerfile: ${rel}`);
  }
  let st = await fs.stat(abs).catch(() => null);
  // Docker falls back to the lowercase name when the default one is missing.
  if (!st && !name) {
    abs = await resolveInRoot(ctx.root, 'dockerfile');
    st = await fs.stat(abs).catch(() => null);
  }
  if (!st || !st.isFile()) throw errors.invalid(`Cannot locate specified Dockerfile: ${rel}`);
  if (st.size > MAX_DOCKERFILE_BYTES) throw errors.invalid(`Dockerfile is too large (${st.size} bytes; the limit is ${MAX_DOCKERFILE_BYTES})`);
  return fs.readFile(abs, 'utf8');
}

/**
 * The host path of `p` inside `root`, following symlinks without ever leaving `root` (absolute
 * link targets and `..` are re-rooted). The last component is followed too unless `noFollowLast`.
 */
export async function resolveInRoot(root: string, p: string, noFollowLast = false): Promise<string> {
  const todo = p.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '..') { done.pop(); continue; }
    const abs = path.join(root, ...done, c);
    const st = await fs.lstat(abs).catch(() => null);
    if (st?.isSymbolicLink() && !(noFollowLast && todo.length === 0)) {
      if (++hops > 40) throw errors.invalid(`too many levels of symbolic links: ${p}`);
      const target = await fs.readlink(abs);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    done.push(c);
  }
  return path.join(root, ...done);
}

/** One file system object to copy: `rel` is its path below the copy's destination ('' = the destination itself). */
export interface CopyEntry {
  rel: string;
  abs: string;
  stat: import('node:fs').Stats;
  linkTarget?: string;
}

export interface CopySource {
  /** As written in the Dockerfile. */
  spec: string;
  isDir: boolean;
  /** Keep the entries' owners instead of root / --chown (ADD of an archive). */
  keepOwner?: boolean;
  /** For a file: the file itself (rel ''). For a dir: its contents (not the dir). */
  entries: CopyEntry[];
}

const WILDCARD = /[*?[]/;

/**
 * Resolves COPY/ADD sources inside `root` (the context, or another stage's root for --from).
 * `ignore` applies to the context only.
 */
export async function resolveSources(root: string, specs: readonly string[], ignore: readonly IgnorePattern[], instr: string): Promise<CopySource[]> {
  const out: CopySource[] = [];
  for (const spec of specs) {
    const clean = path.posix.normalize(`/${spec}`).slice(1);
    if (path.posix.normalize(spec).split('/')[0] === '..') {
      throw errors.invalid(`${instr} failed: forbidden path outside the build context: ${spec} ()`);
    }
    const rels = WILDCARD.test(clean) ? await glob(root, clean, ignore) : [clean];
    if (rels.length === 0) throw errors.invalid(`${instr} failed: no source files were specified`);
    for (const rel of rels) {
      const notFound = () => errors.invalid(`${instr} failed: file not found in build context or excluded by .dockerignore: stat ${spec}: file does not exist`);
      if (rel !== '' && isIgnored(ignore, rel)) throw notFound();
      const abs = await resolveInRoot(root, rel);
      const st = await fs.stat(abs).catch(() => null);
      if (!st) throw notFound();
      if (st.isDirectory()) {
        const relBase = path.relative(root, abs);
        out.push({ spec, isDir: true, entries: await walk(abs, relBase, ignore) });
      } else {
        out.push({ spec, isDir: false, entries: [{ rel: '', abs, stat: st }] });
      }
    }
  }
  return out;
}

/** Everything below `dir` (parents first, names sorted), skipping ignored paths and sockets. */
export async function walk(dir: string, relBase: string, ignore: readonly IgnorePattern[]): Promise<CopyEntry[]> {
  const out: CopyEntry[] = [];
  const rec = async (abs: string, rel: string): Promise<void> => {
    for (const name of (await fs.readdir(abs)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const ctxRel = relBase ? `${relBase}/${name}` : name;
      const a = path.join(abs, name);
      const st = await fs.lstat(a);
      if (st.isDirectory()) {
        if (canSkipDir(ignore, ctxRel)) continue;
        if (!isIgnored(ignore, ctxRel)) out.push({ rel: r, abs: a, stat: st });
        await rec(a, r);
        continue;
      }
      if (isIgnored(ignore, ctxRel) || st.isSocket()) continue;
      if (st.isCharacterDevice() && st.rdev === 0) continue; // an overlay whiteout from applyLayer
      out.push({ rel: r, abs: a, stat: st, ...(st.isSymbolicLink() ? { linkTarget: await fs.readlink(a) } : {}) });
    }
  };
  await rec(dir, '');
  return out;
}

async function glob(root: string, pattern: string, ignore: readonly IgnorePattern[]): Promise<string[]> {
  const re = globRegex(pattern);
  const all = await walk(root, '', ignore);
  return all.map((e) => e.rel).filter((r) => re.test(r));
}

/** Go filepath.Match over the whole relative path (`*` does not cross `/`). */
function globRegex(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = p.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls}]`;
      i = end;
    } else if (c === '\\' && i + 1 < p.length) re += `\\${p[++i]}`;
    else re += /[.+^${}()|\\/]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${re}$`);
}
