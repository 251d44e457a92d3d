/**
 * @module build/copy-layer
 * COPY/ADD without a container: the layer tar is written straight from the sources.
 *
 * The one subtle part is the destination's parent directories. A layer that names `app/x` must
 * also carry an `app/` entry, and in overlayfs the upper layer's copy of a directory decides its
 * owner and mode. Writing `app/` as 0755 root would silently undo an earlier `chown 2000 /app`. So
 * every ancestor (and the destination directory itself) is looked up in the parent image's
 * merged root (`lowerRoot`, symlinks followed inside that root, as Docker resolves the target in
 * the container's rootfs): when it exists, its entry copies the lower mode/uid/gid/mtime, so the
 * merged view is unchanged; only directories that do not exist yet get 0755 and the --chown ids.
 * Copied files get uid/gid 0 (or --chown) like Docker; ADD-extracted archives keep their owners.
 */
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Header as TarHeaders } from 'tar-stream';
import { errors } from '../errors/engine-error.js';
import { resolveInRoot, type CopySource } from './build-context.js';

export interface LayerEntry {
  header: Partial<TarHeaders> & { name: string };
  /** Host file whose bytes are the body. */
  abs?: string;
  /** Inline body (heredoc files). */
  data?: Buffer;
  /** sha256 of the body, filled by checksumEntries. */
  sum?: string;
}

export interface CopyPlanInput {
  sources: CopySource[];
  /** Inline files (COPY <<EOF): name relative to the destination dir, content. */
  inline?: { name: string; data: Buffer }[];
  /** Absolute destination as written after WORKDIR resolution; a trailing `/` means "directory". */
  dest: string;
  /** Merged root of the parent image (read-only). */
  lowerRoot: string;
  chown?: { uid: number; gid: number };
  /** Keep the source owners (ADD of an archive). */
  keepOwner?: boolean;
  instr: string;
}

export async function planCopy(input: CopyPlanInput): Promise<LayerEntry[]> {
  const { sources, lowerRoot, chown } = input;
  const ids = { uid: chown?.uid ?? 0, gid: chown?.gid ?? 0 };
  const fileCount = sources.length + (input.inline?.length ?? 0);
  const destIsDir = input.dest.endsWith('/') || sources.some((s) => s.isDir);
  if (fileCount > 1 && !input.dest.endsWith('/') && !(await isLowerDir(lowerRoot, input.dest))) {
    throw errors.invalid(`When using ${input.instr} with more than one source file, the destination must be a directory and end with a /`);
  }
  const out = new Map<string, LayerEntry>();
  const ensureDir = async (dirAbs: string): Promise<string> => {
    // Resolve the directory in the lower root, then emit every component.
    const host = await resolveInRoot(lowerRoot, dirAbs);
    const rel = path.relative(lowerRoot, host);
    let cur = '';
    for (const c of rel.split('/').filter(Boolean)) {
      cur = cur ? `${cur}/${c}` : c;
      if (out.has(cur)) continue;
      const st = await fs.lstat(path.join(lowerRoot, cur)).catch(() => null);
      if (st && !st.isDirectory()) throw errors.invalid(`${input.instr} failed: cannot copy to /${cur}: not a directory`);
      out.set(cur, { header: st ? dirHeader(cur, st) : { name: cur, type: 'directory', mode: 0o755, ...ids, mtime: new Date() } });
    }
    return rel;
  };
  const destDirRel = async (): Promise<string> => ensureDir(input.dest);
  for (const src of sources) {
    if (src.isDir) {
      const base = await destDirRel();
      for (const e of src.entries) add(out, path.posix.join(base, e.rel), e.stat, e.abs, e.linkTarget, input.keepOwner || src.keepOwner ? undefined : ids);
      continue;
    }
    const e = src.entries[0]!;
    let target: string;
    if (destIsDir || (await isLowerDir(lowerRoot, input.dest))) {
      target = path.posix.join(await destDirRel(), path.posix.basename(src.spec.replace(/\/+$/, '')) || path.basename(e.abs));
    } else {
      const parent = await ensureDir(path.posix.dirname(input.dest));
      target = path.posix.join(parent, path.posix.basename(input.dest));
    }
    add(out, target, e.stat, e.abs, undefined, input.keepOwner ? undefined : ids);
  }
  for (const f of input.inline ?? []) {
    const base = input.dest.endsWith('/') || (await isLowerDir(lowerRoot, input.dest)) ? await destDirRel() : undefined;
    const name = base !== undefined ? path.posix.join(base, f.name) : path.posix.join(await ensureDir(path.posix.dirname(input.dest)), path.posix.basename(input.dest));
    out.set(name, { header: { name, type: 'file', mode: 0o644, ...ids, mtime: new Date(0), size: f.data.length }, data: f.data });
  }
  return [...out.values()];
}

async function isLowerDir(root: string, p: string): Promise<boolean> {
  const st = await fs.stat(await resolveInRoot(root, p)).catch(() => null);
  return !!st?.isDirectory();
}

function dirHeader(name: string, st: Stats): LayerEntry['header'] {
  return { name, type: 'directory', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
}

function add(out: Map<string, LayerEntry>, name: string, st: Stats, abs: string, link: string | undefined, ids?: { uid: number; gid: number }): void {
  const owner = ids ?? { uid: st.uid, gid: st.gid };
  const base = { name, mode: st.mode & 0o7777, ...owner, mtime: st.mtime };
  if (st.isDirectory()) out.set(name, { header: { ...base, type: 'directory' } });
  else if (st.isSymbolicLink()) out.set(name, { header: { ...base, type: 'symlink', linkname: link ?? '' } });
  else if (st.isFile()) out.set(name, { header: { ...base, type: 'file', size: st.size }, abs });
  else if (st.isFIFO()) out.set(name, { header: { ...base, type: 'fifo' } });
  // devices and sockets are not copied (a layer with devices would be refused by checkTar anyway)
}

const SMALL_FILE = 1024 * 1024;

/** Docker-style content checksum of the planned layer (headers minus mtime, plus body hashes). */
export async function checksumEntries(entries: LayerEntry[]): Promise<string> {
  const todo = entries.filter((e) => e.sum === undefined && (e.abs !== undefined || e.data));
  // Small files in one read each, a few at a time: most build contexts are many small files.
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const e = todo[next++]!;
      if (e.data) e.sum = createHash('sha256').update(e.data).digest('hex');
      else if ((e.header.size ?? 0) <= SMALL_FILE) e.sum = createHash('sha256').update(await fs.readFile(e.abs!)).digest('hex');
      else {
        const fh = createHash('sha256');
        await pipeline(createReadStream(e.abs!), fh);
        e.sum = fh.digest('hex');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, todo.length) }, worker));
  const h = createHash('sha256');
  for (const e of entries) {
    const { name, type, mode, uid, gid, size, linkname } = e.header;
    h.update(`${JSON.stringify([name, type, mode, uid, gid, size ?? 0, linkname ?? '', e.sum ?? ''])}\n`);
  }
  return h.digest('hex');
}

/** Streams the layer tar of `entries`. */
export function packEntries(entries: LayerEntry[], signal?: AbortSignal): Readable {
  const pack = tarPack();
  void (async () => {
    for (const e of entries) {
      signal?.throwIfAborted();
      if (e.abs !== undefined && (e.header.size ?? 0) > 0) {
        await pipeline(createReadStream(e.abs, { end: (e.header.size ?? 0) - 1 }), pack.entry(e.header as TarHeaders));
      } else {
        await new Promise<void>((resolve, reject) => {
          pack.entry(e.header as TarHeaders, e.data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
        });
      }
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return Readable.from(pack);
}
