/**
 * @module images/oci-image
 * OCI image-spec plumbing: chain ids, media types, the config JSON (PascalCase `config` object as
 * Docker writes it; snake_case `rootfs`/`history`) and the image manifest. The config blob's digest
 * is the image id, so `serializeImageConfig` output must be byte-stable once written: it is only
 * ever produced once per image and stored, never re-serialized to recompute an id.
 */
import { createHash } from 'node:crypto';
import { errors } from '../errors/engine-error.js';
import type { Descriptor, Digest, HistoryItem, ImageRunConfig } from './image-types.js';

export const MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export function sha256Digest(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** OCI chain id of the whole stack: chainId(1) = diffId(1); chainId(n) = sha256(chainId(n-1) + " " + diffId(n)). */
export function chainIdOf(diffIds: readonly Digest[]): Digest | null {
  const all = chainIdsOf(diffIds);
  return all.length > 0 ? all[all.length - 1] : null;
}

/** Chain ids of every prefix of the stack, bottom first (the snapshot names of each layer). */
export function chainIdsOf(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256Digest(`${out[out.length - 1]} ${d}`));
  return out;
}

/** Layer media type from the blob's first bytes. bzip2/xz have no OCI media type; they are stored as plain tar. */
export function layerMediaTypeOf(magic: Uint8Array): string {
  const b = Buffer.from(magic);
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return MEDIA_TYPES.layerGzip;
  if (b.length >= 4 && b.readUInt32BE(0) === 0x28b52ffd) return MEDIA_TYPES.layerZstd;
  return MEDIA_TYPES.layer;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export interface Platform { os: string; architecture: string; variant?: string }

export function hostPlatform(): Platform {
  return { os: 'linux', architecture: GO_ARCH[process.arch] ?? process.arch };
}

/** `linux`, `linux/amd64`, `linux/arm64/v8`; empty → host. Only linux images can run here. */
export function parsePlatform(spec: string | undefined): Platform {
  if (!spec) return hostPlatform();
  const [os, architecture, variant, extra] = spec.toLowerCase().split('/');
  if (extra !== undefined || !os) throw errors.invalid(`"${spec}": unknown operating system or architecture: invalid argument`);
  if (os !== 'linux') throw errors.invalid(`image operating system "${os}" cannot be used on this platform`);
  const arch = architecture === 'x86_64' || architecture === 'x86-64' ? 'amd64' : architecture === 'aarch64' ? 'arm64' : architecture;
  const p: Platform = { os, architecture: arch || hostPlatform().architecture };
  if (variant) p.variant = variant;
  return p;
}

/** Everything the config blob describes, camelCase. */
export interface ImageConfigFields {
  created?: string;
  author?: string;
  comment?: string;
  /** `docker commit`'s source container (Docker's config JSON field `container`). */
  container?: string;
  architecture: string;
  os: string;
  variant?: string;
  config: ImageRunConfig;
  diffIds: Digest[];
  history: HistoryItem[];
}

type Json = Record<string, unknown>;

/** camelCase run config → the PascalCase `config` object of the OCI/Docker config JSON. */
export function toOciRunConfig(c: ImageRunConfig): Json {
  const out: Json = {};
  const put = (k: string, v: unknown) => { if (v !== undefined) out[k] = v; };
  put('User', c.user);
  put('ExposedPorts', c.exposedPorts);
  put('Env', c.env);
  put('Entrypoint', c.entrypoint);
  put('Cmd', c.cmd);
  put('Volumes', c.volumes);
  put('WorkingDir', c.workingDir);
  put('Labels', c.labels);
  put('StopSignal', c.stopSignal);
  put('OnBuild', c.onBuild);
  put('Shell', c.shell);
  if (c.healthcheck) {
    const h = c.healthcheck;
    const hc: Json = {};
    if (h.test !== undefined) hc.Test = h.test;
    if (h.interval !== undefined) hc.Interval = h.interval;
    if (h.timeout !== undefined) hc.Timeout = h.timeout;
    if (h.startPeriod !== undefined) hc.StartPeriod = h.startPeriod;
    if (h.retries !== undefined) hc.Retries = h.retries;
    out.Healthcheck = hc;
  }
  return out;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const emptyObjects = (v: unknown): Record<string, Record<string, never>> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).map((k) => [k, {}])) : undefined;

/** PascalCase `config` object → camelCase; unknown fields are dropped, null arrays kept as null. */
export function fromOciRunConfig(j: Json | null | undefined): ImageRunConfig {
  if (!j) return {};
  const c: ImageRunConfig = {};
  if (str(j.User) !== undefined) c.user = str(j.User);
  if (emptyObjects(j.ExposedPorts)) c.exposedPorts = emptyObjects(j.ExposedPorts);
  if (strings(j.Env)) c.env = strings(j.Env);
  if (j.Entrypoint === null) c.entrypoint = null;
  else if (strings(j.Entrypoint)) c.entrypoint = strings(j.Entrypoint);
  if (j.Cmd === null) c.cmd = null;
  else if (strings(j.Cmd)) c.cmd = strings(j.Cmd);
  if (emptyObjects(j.Volumes)) c.volumes = emptyObjects(j.Volumes);
  if (str(j.WorkingDir)) c.workingDir = str(j.WorkingDir);
  if (j.Labels && typeof j.Labels === 'object') c.labels = Object.fromEntries(Object.entries(j.Labels as Json).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  if (str(j.StopSignal)) c.stopSignal = str(j.StopSignal);
  if (strings(j.OnBuild)) c.onBuild = strings(j.OnBuild);
  if (strings(j.Shell)) c.shell = strings(j.Shell);
  if (j.Healthcheck && typeof j.Healthcheck === 'object') {
    const h = j.Healthcheck as Json;
    const hc: NonNullable<ImageRunConfig['healthcheck']> = {};
    if (strings(h.Test)) hc.test = strings(h.Test);
    if (num(h.Interval) !== undefined) hc.interval = num(h.Interval);
    if (num(h.Timeout) !== undefined) hc.timeout = num(h.Timeout);
    if (num(h.StartPeriod) !== undefined) hc.startPeriod = num(h.StartPeriod);
    if (num(h.Retries) !== undefined) hc.retries = num(h.Retries);
    c.healthcheck = hc;
  }
  return c;
}

export function serializeImageConfig(f: ImageConfigFields): Buffer {
  const j: Json = {};
  if (f.created !== undefined) j.created = f.created;
  if (f.author) j.author = f.author;
  j.architecture = f.architecture;
  if (f.variant) j.variant = f.variant;
  j.os = f.os;
  if (f.comment) j.comment = f.comment;
  if (f.container) j.container = f.container;
  j.config = toOciRunConfig(f.config);
  j.rootfs = { type: 'layers', diff_ids: f.diffIds };
  j.history = f.history.map((h) => {
    const o: Json = {};
    if (h.created !== undefined) o.created = h.created;
    if (h.createdBy !== undefined) o.created_by = h.createdBy;
    if (h.author) o.author = h.author;
    if (h.comment) o.comment = h.comment;
    if (h.emptyLayer) o.empty_layer = true;
    return o;
  });
  return Buffer.from(JSON.stringify(j));
}

/** Parses a config blob (for pull/load). Throws INVALID_ARGUMENT on a malformed one. */
export function parseImageConfig(data: Buffer | string): ImageConfigFields {
  let j: Json;
  try {
    j = JSON.parse(data.toString()) as Json;
  } catch (err) {
    throw errors.invalid('invalid image config: not JSON', err);
  }
  const rootfs = j.rootfs as Json | undefined;
  const diffIds = strings(rootfs?.diff_ids);
  if (!j || typeof j !== 'object' || !diffIds || !diffIds.every((d) => /^sha256:[a-f0-9]{64}$/.test(d))) {
    throw errors.invalid('invalid image config: missing or malformed rootfs.diff_ids');
  }
  const history = Array.isArray(j.history) ? (j.history as Json[]) : [];
  const out: ImageConfigFields = {
    architecture: str(j.architecture) ?? '',
    os: str(j.os) ?? '',
    config: fromOciRunConfig(j.config as Json | undefined),
    diffIds: diffIds as Digest[],
    history: history.map((h) => {
      const item: HistoryItem = {};
      if (str(h.created) !== undefined) item.created = str(h.created);
      if (str(h.created_by) !== undefined) item.createdBy = str(h.created_by);
      if (str(h.author)) item.author = str(h.author);
      if (str(h.comment)) item.comment = str(h.comment);
      if (h.empty_layer === true) item.emptyLayer = true;
      return item;
    }),
  };
  if (str(j.created) !== undefined) out.created = str(j.created);
  if (str(j.author)) out.author = str(j.author);
  if (str(j.comment)) out.comment = str(j.comment);
  if (str(j.container)) out.container = str(j.container);
  if (str(j.variant)) out.variant = str(j.variant);
  return out;
}

export function serializeManifest(config: Descriptor, layers: readonly Descriptor[], annotations?: Record<string, string>): Buffer {
  const m: Json = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  if (annotations && Object.keys(annotations).length > 0) m.annotations = annotations;
  return Buffer.from(JSON.stringify(m));
}
