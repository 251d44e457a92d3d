/**
 * @module containers/container-commit
 * The container operations over its writable layer: `docker diff` (changes), `docker export` (a tar
 * of the merged root filesystem) and `docker commit` (the layer → a new image on top of the
 * container's image). All work on stopped containers too: the snapshot outlives the run.
 * Commit holds the container lock for its whole duration (no start/stop/rm meanwhile) and, unless
 * `pause: false`, freezes a running task with runc pause/resume while the layer is copied. The
 * status stays `running`: the freeze is internal, as the lock keeps anyone from observing it.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { errors } from '../errors/engine-error.js';
import { applyChanges } from '../images/dockerfile-changes.js';
import type { ImageRecord, ImageRunConfig } from '../images/image-types.js';
import type { Mount } from '../snapshots/snapshotter.js';
import type { CommitOptions, ContainerChange } from './commit-types.js';
import { ACTIVE, type ContainerContext } from './container-context.js';
import { upperChanges } from './container-changes.js';
import { mergeEnv } from './container-create.js';
import type { ContainerRecord } from './container-types.js';
import { packUpper } from './layer-pack.js';
import { isRuntimeMountpoint, scanUpper } from './upper-scan.js';

export async function containerChanges(ctx: ContainerContext, ref: string): Promise<ContainerChange[]> {
  const rec = ctx.resolve(ref);
  const { snapshotter } = ctx.deps;
  return upperChanges(await snapshotter.upperDir(rec.snapshotKey), await snapshotter.lowerDirs(rec.snapshotKey));
}

const nonEmpty = <T extends object>(o: T | undefined): T | undefined => (o && Object.keys(o).length ? o : undefined);

/**
 * Docker's commit config: the container's (already merged with its image at create), with the
 * request's overrides on top (env merged by key, labels/ports/volumes merged, other set fields
 * replace), then the `--change` instructions.
 */
export function commitConfig(image: ImageRunConfig, rec: Pick<ContainerRecord, 'config'>, over: ImageRunConfig = {}, changes: readonly string[] = []): ImageRunConfig {
  const c = rec.config;
  const out: ImageRunConfig = { ...image };
  const set = <K extends keyof ImageRunConfig>(k: K, v: ImageRunConfig[K] | undefined) => {
    if (v === undefined) delete out[k];
    else out[k] = v;
  };
  set('user', c.user || undefined);
  set('env', c.env.length ? [...c.env] : undefined);
  set('cmd', c.cmd ? [...c.cmd] : null);
  set('entrypoint', c.entrypoint ? [...c.entrypoint] : null);
  set('workingDir', c.workingDir || undefined);
  set('labels', nonEmpty({ ...c.labels }));
  set('exposedPorts', nonEmpty({ ...c.exposedPorts }));
  set('volumes', nonEmpty({ ...c.volumes }));
  set('stopSignal', c.stopSignal ?? image.stopSignal);
  if (over.env?.length) out.env = mergeEnv(out.env ?? [], over.env);
  if (over.labels) out.labels = { ...out.labels, ...over.labels };
  if (over.exposedPorts) out.exposedPorts = { ...out.exposedPorts, ...over.exposedPorts };
  if (over.volumes) out.volumes = { ...out.volumes, ...over.volumes };
  for (const k of ['user', 'cmd', 'entrypoint', 'workingDir', 'stopSignal', 'healthcheck', 'onBuild', 'shell'] as const) {
    const v = over[k];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) (out as Record<string, unknown>)[k] = v;
  }
  return changes.length ? applyChanges(out, changes) : out;
}

export async function commitContainer(ctx: ContainerContext, ref: string, opts: CommitOptions): Promise<{ id: string }> {
  const { images, snapshotter, tasks } = ctx.deps;
  const commitLayer = images.commitLayer?.bind(images);
  if (!commitLayer) throw errors.notImplemented('commit is not supported by this image service');
  const id = ctx.resolve(ref).id;
  return ctx.locks.run(id, async () => {
    const rec = ctx.current(id, ref);
    const image: ImageRecord = await images.resolve(rec.image);
    // Validate the changes before freezing anything.
    const config = commitConfig(image.config, rec, opts.config, opts.changes);
    const freeze = opts.pause !== false && rec.state.status === 'running';
    if (freeze) await tasks.pause(id);
    try {
      const upper = await snapshotter.upperDir(rec.snapshotKey);
      const layer = packUpper(upper, (await scanUpper(upper)).filter((e) => !isRuntimeMountpoint(e)), opts.signal);
      const result = await commitLayer({
        parentId: image.id, layer, config, author: opts.author ?? '', comment: opts.comment ?? '', container: rec.id,
        createdBy: [rec.path, ...rec.args].join(' '), repo: opts.repo, tag: opts.tag, signal: opts.signal,
      });
      ctx.publish(rec, 'commit', { comment: opts.comment ?? '', imageID: result.id });
      return result;
    } finally {
      if (freeze) await tasks.resume(id).catch((err: unknown) => ctx.deps.logger.warn('commit: resume failed', { id, err }));
    }
  });
}

/**
 * Streams `tar -c .` of the merged root filesystem (with security.capability, as moby's export). A running container's mounted rootfs is read
 * in place; otherwise the snapshot is mounted read-only (its upper dir as the top lower layer) on
 * a temp dir that goes away when the stream ends.
 */
export async function exportContainer(ctx: ContainerContext, ref: string, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
  const rec = ctx.resolve(ref);
  const { snapshotter, mounter, logger } = ctx.deps;
  let dir = ctx.rootfsDir(rec.id);
  let cleanup = async () => {};
  if (!ACTIVE.includes(rec.state.status)) {
    const layers = [await snapshotter.upperDir(rec.snapshotKey), ...(await snapshotter.lowerDirs(rec.snapshotKey))];
    // overlay needs two lower dirs without an upper; a layer-less image is a plain read-only bind.
    const mount: Mount = layers.length > 1
      ? { type: 'overlay', source: 'overlay', options: [`lowerdir=${layers.join(':')}`] }
      : { type: 'bind', source: layers[0]!, options: ['bind', 'ro'] };
    const tmp = await fs.mkdtemp(path.join(ctx.deps.execRoot, 'export-'));
    try {
      await mounter.mount([mount], tmp);
    } catch (err) {
      await fs.rmdir(tmp).catch(() => undefined);
      throw err;
    }
    dir = tmp;
    cleanup = async () => {
      await mounter.unmount(tmp).catch((err: unknown) => logger.warn('export: unmount failed', { tmp, err }));
      await fs.rmdir(tmp).catch(() => undefined);
    };
  }
  const out = new PassThrough();
  const child = spawn('tar', ['-C', dir, '--numeric-owner', '--one-file-system', '--xattrs', '--xattrs-include=security.capability', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdout.pipe(out, { end: false });
  const onAbort = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  out.on('close', onAbort);
  child.on('error', (err) => out.destroy(errors.internal(`export: cannot run tar: ${err.message}`, err)));
  child.on('close', (code) => {
    opts.signal?.removeEventListener('abort', onAbort);
    void cleanup().finally(() => {
      // GNU tar exit 1: "file changed as we read it" (a running container); the archive is complete.
      if (code === 0 || code === 1) out.end();
      else out.destroy(errors.internal(`export failed: ${stderr.trim() || `tar exit ${code}`}`, undefined));
    });
  });
  return out;
}
