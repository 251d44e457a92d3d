/**
 * @module containers/container-mounts
 * Volumes, bind mounts and tmpfs of a container. At create time the request (`-v` binds, `--mount`,
 * `--tmpfs`, `--volumes-from`, image/Config VOLUMEs) is validated and planned (`planMounts`, pure)
 * then materialised (`materializeMounts`: volumes created, missing `-v` host dirs made), giving the
 * record's `mounts`. At start, `prepareMountTargets` creates the targets inside the rootfs (never
 * following a symlink out of it) and copies the image's content into still-empty new volumes;
 * `ociMounts` turns the list into OCI mounts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerConfig, ContainerRecord, HostConfig, MountPoint } from './container-types.js';
import type { OciMount } from '../oci/runtime-spec.js';
import type { VolumeService } from '../volumes/volume-types.js';
import { validateVolumeName } from '../volumes/volume-service.js';
import { errors } from '../errors/engine-error.js';
import { mkdirInRoot, resolveInRoot } from './rootfs-paths.js';
import { run } from '../util/exec-file.js';

/** A planned mount: a MountPoint whose volume may not exist yet (`name` '' = new anonymous one). */
export type PlannedMount = MountPoint & { createHostDir?: boolean; mustExist?: boolean; labels?: Record<string, string> };

const PROPAGATIONS = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

function cleanDestination(dst: string, spec: string): string {
  if (!dst || !dst.startsWith('/')) throw errors.invalid(`invalid mount config: invalid mount path: '${dst}' mount path must be absolute (${spec})`);
  const clean = path.posix.normalize(dst).replace(/(.)\/+$/, '$1');
  if (clean === '/') throw errors.invalid(`invalid specification: destination can't be '/' (${spec})`);
  return clean;
}

/** `-v src:dst[:mode]` / `-v dst` (moby volume/mounts parser, Linux rules). */
export function parseBind(spec: string): PlannedMount {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw errors.invalid(`invalid volume specification: '${spec}'`);
  if (parts.length === 1) {
    return { type: 'volume', name: '', source: '', destination: cleanDestination(parts[0]!, spec), rw: true, mode: '', propagation: '', anonymous: true, copyUp: true };
  }
  const [src, dst, modeStr = ''] = parts as [string, string, string?];
  const flags = modeStr.split(',').filter(Boolean);
  for (const f of flags) {
    if (!['ro', 'rw', 'z', 'Z', 'nocopy'].includes(f) && !PROPAGATIONS.has(f)) throw errors.invalid(`invalid mode: ${modeStr}`);
  }
  const rw = !flags.includes('ro');
  const destination = cleanDestination(dst, spec);
  if (src.startsWith('/')) {
    const propagation = flags.find((f) => PROPAGATIONS.has(f)) ?? 'rprivate';
    const mode = flags.filter((f) => f !== 'nocopy').join(',');
    return { type: 'bind', source: path.posix.normalize(src), destination, rw, mode, propagation, createHostDir: true };
  }
  validateVolumeName(src);
  const mode = flags.filter((f) => !PROPAGATIONS.has(f) && f !== 'nocopy').join(',');
  return { type: 'volume', name: src, source: '', destination, rw, mode: mode || 'z', propagation: '', copyUp: !flags.includes('nocopy') };
}

const TMPFS_DEFAULTS = ['noexec', 'nosuid', 'nodev'];
const NEGATES: Record<string, string> = { exec: 'noexec', suid: 'nosuid', dev: 'nodev' };

/** Docker's --tmpfs defaults are rw,noexec,nosuid,nodev; `exec`/`suid`/`dev` lift one. */
export function tmpfsOptions(opts: string): string[] {
  const out = [...TMPFS_DEFAULTS];
  for (const o of opts.split(',').map((s) => s.trim()).filter(Boolean)) {
    const neg = NEGATES[o];
    if (neg) { out.splice(out.indexOf(neg), 1); continue; }
    if (!out.includes(o)) out.push(o);
  }
  return out;
}

export interface PlanInput {
  config: Pick<ContainerConfig, 'volumes'>;
  hostConfig: Pick<HostConfig, 'binds' | 'mounts' | 'tmpfs' | 'volumesFrom'>;
  /** Mounts of a `--volumes-from` source (throws when it does not exist). */
  mountsOf(ref: string): MountPoint[];
}

/** Validates and orders every mount request; throws 400 on bad input, before anything is created. */
export function planMounts(inp: PlanInput): PlannedMount[] {
  const explicit: PlannedMount[] = [];
  for (const b of inp.hostConfig.binds ?? []) explicit.push(parseBind(b));
  for (const m of inp.hostConfig.mounts ?? []) {
    const spec = `${m.type}:${m.target}`;
    const destination = cleanDestination(m.target, spec);
    const rw = !m.readOnly;
    if (m.type === 'bind') {
      if (!m.source || !m.source.startsWith('/')) throw errors.invalid(`invalid mount config for type "bind": invalid mount path: '${m.source ?? ''}' mount path must be absolute`);
      explicit.push({ type: 'bind', source: path.posix.normalize(m.source), destination, rw, mode: '', propagation: 'rprivate', mustExist: true });
    } else if (m.type === 'volume') {
      if (m.source) validateVolumeName(m.source);
      explicit.push({
        type: 'volume', name: m.source ?? '', source: '', destination, rw, mode: '', propagation: '',
        ...(m.source ? {} : { anonymous: true }), copyUp: !m.noCopy, ...(m.volumeLabels ? { labels: m.volumeLabels } : {}),
      });
    } else if (m.type === 'tmpfs') {
      if (m.source) throw errors.invalid('invalid mount config for type "tmpfs": source must not be specified');
      const opts = [...TMPFS_DEFAULTS];
      if (m.tmpfsSize) opts.push(`size=${m.tmpfsSize}`);
      if (m.tmpfsMode) opts.push(`mode=${m.tmpfsMode.toString(8)}`);
      explicit.push({ type: 'tmpfs', source: '', destination, rw, mode: '', propagation: '', options: opts });
    } else {
      throw errors.invalid(`mount type unknown: '${String((m as { type: unknown }).type)}'`);
    }
  }
  for (const [dst, opts] of Object.entries(inp.hostConfig.tmpfs ?? {})) {
    const destination = cleanDestination(dst, dst);
    const options = tmpfsOptions(opts);
    explicit.push({ type: 'tmpfs', source: '', destination, rw: !options.includes('ro'), mode: '', propagation: '', options });
  }
  const seen = new Set<string>();
  for (const m of explicit) {
    if (seen.has(m.destination)) throw errors.invalid(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
  }
  const out = [...explicit];
  // Inherited and image mounts yield to explicit ones at the same destination (moby's order).
  for (const ref of inp.hostConfig.volumesFrom ?? []) {
    const [name = '', mode] = ref.split(':');
    if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw errors.invalid(`invalid mode for volumes-from: ${mode}`);
    for (const m of inp.mountsOf(name)) {
      if (m.type === 'tmpfs' || seen.has(m.destination)) continue;
      seen.add(m.destination);
      const { copyUp: _c, ...rest } = m;
      out.push({ ...rest, rw: mode === undefined ? m.rw : mode === 'rw' });
    }
  }
  for (const dst of Object.keys(inp.config.volumes ?? {})) {
    const destination = cleanDestination(dst, dst);
    if (seen.has(destination)) continue;
    seen.add(destination);
    out.push({ type: 'volume', name: '', source: '', destination, rw: true, mode: '', propagation: '', anonymous: true, copyUp: true });
  }
  return out;
}

/**
 * Creates the volumes and `-v` host dirs a plan needs. On failure, the anonymous volumes made here
 * are removed again; `created` lists them for the caller's own rollback.
 */
export async function materializeMounts(plan: PlannedMount[], volumes: VolumeService | undefined, created: string[]): Promise<MountPoint[]> {
  const out: MountPoint[] = [];
  try {
    for (const p of plan) {
      const { createHostDir, mustExist, labels, ...m } = p;
      if (m.type === 'bind') {
        const st = await fs.stat(m.source).catch(() => undefined);
        if (!st) {
          if (mustExist) throw errors.invalid(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
          if (createHostDir) await fs.mkdir(m.source, { recursive: true, mode: 0o755 });
        }
      } else if (m.type === 'volume') {
        if (!volumes) throw errors.notImplemented('volumes are not supported by this engine');
        if (m.name) {
          const v = await volumes.create({ name: m.name, ...(labels ? { labels } : {}), anonymous: m.anonymous ?? false });
          m.source = v.mountpoint;
        } else {
          const v = await volumes.create({ anonymous: true });
          created.push(v.name);
          m.name = v.name;
          m.source = v.mountpoint;
        }
      }
      out.push(m);
    }
  } catch (err) {
    await releaseVolumes(volumes, created);
    created.length = 0;
    throw err;
  }
  return out;
}

async function releaseVolumes(volumes: VolumeService | undefined, names: string[]): Promise<void> {
  for (const n of names) await volumes?.remove(n, { force: true }).catch(() => undefined);
}

/** Anonymous volumes of a removed container that no other container references. */
export async function removeAnonymousVolumes(volumes: VolumeService | undefined, rec: ContainerRecord, others: ContainerRecord[]): Promise<void> {
  const names = (rec.mounts ?? []).filter((m) => m.type === 'volume' && m.anonymous && m.name).map((m) => m.name!);
  const free = names.filter((n) => !others.some((o) => o.id !== rec.id && o.mounts?.some((m) => m.name === n)));
  await releaseVolumes(volumes, free);
}

/** Parents before children, so a mount nested in another one is not hidden by it. */
function byDepth(a: MountPoint, b: MountPoint): number {
  return a.destination.split('/').length - b.destination.split('/').length;
}

export function ociMounts(mounts: readonly MountPoint[] | undefined): OciMount[] {
  return [...(mounts ?? [])].sort(byDepth).map((m): OciMount => {
    if (m.type === 'tmpfs') {
      const opts = m.options ?? TMPFS_DEFAULTS;
      return { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: m.rw || opts.includes('ro') ? opts : [...opts, 'ro'] };
    }
    const options = ['rbind', m.propagation || 'rprivate'];
    if (!m.rw) options.push('ro');
    return { destination: m.destination, type: 'bind', source: m.source, options };
  });
}

/**
 * Makes every target exist inside the rootfs (a file for a bind of a file), and fills new empty
 * volumes with the image's content at their mount point (Docker's copy-up). Once per container.
 */
export async function prepareMountTargets(rootfs: string, rec: ContainerRecord): Promise<void> {
  for (const m of rec.mounts ?? []) {
    const isFile = m.type === 'bind' && !(await fs.stat(m.source).catch(() => undefined))?.isDirectory();
    if (isFile && (await fs.stat(m.source).catch(() => undefined))) {
      const parent = path.posix.dirname(m.destination);
      await mkdirInRoot(rootfs, parent);
      const host = await resolveInRoot(rootfs, m.destination);
      await fs.writeFile(host, '', { flag: 'a' });
      continue;
    }
    const imagePath = await resolveInRoot(rootfs, m.destination);
    if (m.type === 'volume' && m.copyUp) {
      const src = await fs.lstat(imagePath).catch(() => undefined);
      const entries = await fs.readdir(m.source).catch(() => ['?']);
      if (src?.isDirectory() && entries.length === 0) {
        await run('cp', ['-a', '--', `${imagePath}/.`, m.source]);
      }
      m.copyUp = false;
    }
    await mkdirInRoot(rootfs, m.destination);
  }
}
