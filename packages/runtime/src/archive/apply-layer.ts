/**
 * @module archive/apply-layer
 * Unpacks one OCI layer blob into an EMPTY directory (a snapshot's upper dir) in overlay form:
 *   1. checkTar() over the whole blob (nothing is written if it fails; the diffID comes from here);
 *   2. GNU tar extracts (`-x --numeric-owner --same-owner -p --no-overwrite-dir --xattrs`), ~10x
 *      cheaper than unpacking in Node. Plain tars are read by tar from the file; gzip is inflated
 *      in-process and piped to tar's stdin (no `-z`: tar would spawn a `gzip` found via PATH);
 *   3. OCI whiteouts become overlay whiteouts: `.wh.NAME` → unlink + `mknod NAME c 0 0` (one `sh`
 *      loop per batch), `.wh..wh..opq` → unlink + `setfattr -h -n trusted.overlay.opaque -v y DIR`
 *      (one setfattr for all dirs). A `.wh.NAME` next to a NAME of the same layer is redundant for a
 *      file (the file already hides the lower one) and means "opaque" for a directory.
 * On any failure after step 1 the target is emptied again, so no half-applied layer survives.
 *
 * Why extraction with GNU tar is confined:
 *  - The target starts empty and is not a mount of the lower layers: each layer is extracted into its
 *    own fresh directory, so a symlink planted by a LOWER layer (T06, CVE-2025-45582 shape) does not
 *    exist there and cannot be followed. Lower layers only meet in the overlay mount, at container
 *    start, where paths resolve inside the container's root.
 *  - checkTar guaranteed: no `..`, no absolute names after stripping '/', no entry or hardlink target
 *    whose path goes through a symlink of the same archive, hardlinks only to earlier entries. So every
 *    path tar creates consists of directories tar itself made inside the target.
 *  - Second, independent layer against parser differences between tar-stream and GNU tar: GNU tar
 *    itself strips leading '/', skips members and hardlink targets containing `..`, and extracts
 *    symlinks with absolute or `..` targets as placeholders until the end of the run; we never pass
 *    -P/--absolute-names, -h/--dereference or --keep-directory-symlink. Checked with GNU tar 1.34 on
 *    this machine: fed the hostile tars of the tests directly, it refused each one (exit 2, "Member
 *    name contains '..'", "Cannot open: Not a directory" through the placeholder) and wrote nothing
 *    outside the target.
 *  - xattrs are restored (security.capability is legitimate) except `trusted.overlay.*`, which would
 *    let a layer forge overlay metadata (redirects, origins) for the kernel.
 *  - The whiteout pass only touches paths listed by checkTar, after checking with realpath that their
 *    parent directory contains no symlink, and mknod/unlink/setfattr -h never follow the last component.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../images/image-types.js';
import { EngineError, errors, isEngineError } from '../errors/engine-error.js';
import { CommandError, run } from '../util/exec-file.js';
import { OPAQUE_MARKER, checkTar, openUncompressed } from './tar-check.js';
import type { CheckTarOptions } from './tar-check.js';

export type ApplyLayerOptions = CheckTarOptions;

const TAR_FLAGS = [
  '-x', '--force-local', '--numeric-owner', '--same-owner', '-p', '--no-overwrite-dir',
  '--xattrs', '--xattrs-include=*', '--xattrs-exclude=trusted.overlay.*',
];
/** Bytes of path arguments per spawn; far below ARG_MAX (2 MiB) and MAX_ARG_STRLEN. */
const ARGS_BUDGET = 96 * 1024;

export async function applyLayer(blobPath: string, targetDir: string, opts: ApplyLayerOptions = {}): Promise<{ diffId: Digest; size: number }> {
  await fs.mkdir(targetDir, { recursive: true, mode: 0o755 });
  const existing = await fs.readdir(targetDir);
  if (existing.length) throw errors.precondition(`cannot apply layer: target ${targetDir} is not empty`);

  const summary = await checkTar(blobPath, opts);

  const base = await fs.realpath(targetDir);
  try {
    // GNU tar refuses a 0-byte file ("does not look like a tar archive"); an empty layer is valid.
    if (summary.entries > 0) await extract(blobPath, base, summary.compression === 'gzip', opts.signal);
    await convertWhiteouts(base, summary.whiteouts, summary.opaqueDirs, opts.signal);
  } catch (err) {
    await emptyDir(base);
    if (isEngineError(err) || isAbort(err)) throw err;
    if (/No space left on device/.test(describe(err))) {
      throw new EngineError('RESOURCE_EXHAUSTED', `failed to apply layer: no space left on device`, { cause: err });
    }
    throw errors.internal(`failed to apply layer ${blobPath}: ${describe(err)}`, err);
  }
  return { diffId: summary.uncompressedDigest, size: summary.uncompressedSize };
}

async function extract(blobPath: string, target: string, gzip: boolean, signal?: AbortSignal): Promise<void> {
  const env = { ...process.env, LC_ALL: 'C' };
  if (!gzip) {
    await run('tar', [...TAR_FLAGS, '-f', blobPath, '-C', target], { env, signal });
    return;
  }
  const { stream } = await openUncompressed(blobPath, signal);
  await runWithStdin('tar', [...TAR_FLAGS, '-f', '-', '-C', target], stream, env, signal);
}

/** Like util/exec-file run(), but streams `input` into stdin (run() only takes a buffer). */
async function runWithStdin(cmd: string, args: string[], input: Readable, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const child = spawn(cmd, args, { env, signal, stdio: ['pipe', 'ignore', 'pipe'] });
  const errb: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => errb.push(d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  // If tar dies early, stdin gets EPIPE; the exit status below is the more useful error then.
  const fed = pipeline(input, child.stdin).catch((err: unknown) => err);
  const [code, feedErr] = await Promise.all([exited, fed]);
  const stderr = Buffer.concat(errb).toString('utf8');
  if (code !== 0) throw new CommandError([cmd, ...args], code, stderr, '');
  if (feedErr) throw feedErr;
}

async function convertWhiteouts(base: string, whiteouts: readonly string[], opaqueDirs: readonly string[], signal?: AbortSignal): Promise<void> {
  const checked = new Map<string, Promise<void>>();
  const safeDir = (rel: string) => {
    let p = checked.get(rel);
    if (!p) { p = assertPlainDir(base, rel); checked.set(rel, p); }
    return p;
  };
  const mknods: string[] = [];
  const opaque = new Set<string>();
  for (const dir of new Set(opaqueDirs)) {
    await safeDir(dir);
    await removeMarker(path.join(base, dir, OPAQUE_MARKER));
    opaque.add(path.join(base, dir));
  }
  for (const wh of new Set(whiteouts)) {
    const dir = path.dirname(wh);
    await safeDir(dir);
    await removeMarker(path.join(base, wh));
    const hidden = path.join(base, dir, path.basename(wh).slice('.wh.'.length));
    const st = await fs.lstat(hidden).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return null; throw err; });
    if (st === null) mknods.push(hidden);
    else if (st.isDirectory()) opaque.add(hidden);
  }
  for (const batch of batches(mknods)) {
    await run('sh', ['-c', 'for f do mknod -- "$f" c 0 0 || exit 1; done', 'sh', ...batch], { signal });
  }
  for (const batch of batches([...opaque])) {
    await run('setfattr', ['-h', '-n', 'trusted.overlay.opaque', '-v', 'y', '--', ...batch], { signal });
  }
}

/** The whiteout marker must be the regular file tar just wrote; anything else means tar saw another archive. */
async function removeMarker(file: string): Promise<void> {
  const st = await fs.lstat(file).catch(() => null);
  if (!st?.isFile()) throw errors.internal(`layer extraction mismatch: whiteout ${file} was not extracted as a regular file`, undefined);
  await fs.unlink(file);
}

async function assertPlainDir(base: string, rel: string): Promise<void> {
  const p = path.join(base, rel);
  const real = await fs.realpath(p).catch(() => null);
  if (real !== p) throw errors.internal(`layer extraction mismatch: ${rel} is not a plain directory inside the layer`, undefined);
}

function* batches(paths: readonly string[]): Generator<string[]> {
  let cur: string[] = [];
  let bytes = 0;
  for (const p of paths) {
    const n = Buffer.byteLength(p) + 1;
    if (cur.length && bytes + n > ARGS_BUDGET) { yield cur; cur = []; bytes = 0; }
    cur.push(p);
    bytes += n;
  }
  if (cur.length) yield cur;
}

async function emptyDir(dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  // fs.rm never follows symlinks, so a hostile link inside the layer cannot redirect the cleanup.
  await Promise.all(names.map((n) => fs.rm(path.join(dir, n), { recursive: true, force: true }).catch(() => undefined)));
}

function describe(err: unknown): string {
  if (err instanceof CommandError) return err.stderr.trim().split('\n').slice(0, 3).join('; ') || `exit ${err.exitCode}`;
  return (err as Error).message;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}

