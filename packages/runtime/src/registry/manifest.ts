/**
 * @module registry/manifest
 * Parsing and validating what a registry serves at `/v2/<name>/manifests/<ref>`: Docker schema 2
 * manifests and manifest lists, OCI manifests and indexes. The bytes parsed are the bytes hashed
 * (the caller verifies the digest on the same buffer), and ambiguous documents (both `manifests`
 * and `layers`/`config`, CVE-2021-41190) or a `mediaType` that contradicts the Content-Type are
 * refused. Platform selection picks the index entry for linux/<arch>[/variant]. Pure.
 */
import { errors } from '../errors/engine-error.js';
import type { Descriptor, Digest } from '../images/image-types.js';
import type { Platform } from '../images/oci-image.js';

export const MANIFEST_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const INDEX_TYPES: readonly string[] = [MANIFEST_TYPES.dockerList, MANIFEST_TYPES.ociIndex];
const IMAGE_TYPES: readonly string[] = [MANIFEST_TYPES.dockerManifest, MANIFEST_TYPES.ociManifest];
const SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1\+(prettyjws|json)$/;

/** Accept header of manifest GET/HEAD requests. */
export const MANIFEST_ACCEPT = [...IMAGE_TYPES, ...INDEX_TYPES].join(', ');
/** Manifests and configs are small; anything this large is an attack or a mistake. */
export const MANIFEST_LIMIT = 4 << 20;
const MAX_INDEX_ENTRIES = 1000;
const MAX_LAYERS = 256;

export interface PlatformDescriptor extends Descriptor {
  platform?: { os?: string; architecture?: string; variant?: string };
}

export type ParsedManifest =
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] }
  | { kind: 'index'; mediaType: string; manifests: PlatformDescriptor[] };

export function parseManifest(bytes: Buffer, contentType: string | null): ParsedManifest {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw errors.invalid('invalid manifest: not valid JSON', err);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw errors.invalid('invalid manifest: not a JSON object');
  const ct = (contentType ?? '').split(';')[0]!.trim();
  const declared = typeof j.mediaType === 'string' ? j.mediaType : undefined;
  if (SCHEMA1.test(ct) || j.schemaVersion === 1) throw errors.invalid('unsupported manifest format: Docker schema 1 (push the image again with a newer client)');
  if (j.schemaVersion !== 2) throw errors.invalid('invalid manifest: schemaVersion must be 2');
  const known = [...IMAGE_TYPES, ...INDEX_TYPES];
  if (declared && ct && known.includes(ct) && declared !== ct) {
    throw errors.invalid(`invalid manifest: mediaType ${declared} does not match Content-Type ${ct}`);
  }
  const hasIndex = 'manifests' in j;
  const hasImage = 'layers' in j || 'config' in j;
  if (hasIndex && hasImage) throw errors.invalid('invalid manifest: document is both an index and a manifest');
  const mediaType = declared ?? (known.includes(ct) ? ct : hasIndex ? MANIFEST_TYPES.ociIndex : MANIFEST_TYPES.ociManifest);
  if (!known.includes(mediaType)) throw errors.invalid(`unsupported manifest media type ${mediaType}`);
  if (INDEX_TYPES.includes(mediaType)) {
    if (!Array.isArray(j.manifests)) throw errors.invalid('invalid manifest index: no manifests');
    if (j.manifests.length > MAX_INDEX_ENTRIES) throw errors.invalid(`invalid manifest index: more than ${MAX_INDEX_ENTRIES} entries`);
    return { kind: 'index', mediaType, manifests: j.manifests.map((m) => descriptor(m, 'manifest entry', true)) };
  }
  if (hasIndex) throw errors.invalid(`invalid manifest: ${mediaType} with manifests`);
  const config = descriptor(j.config, 'config', false);
  if (!Array.isArray(j.layers)) throw errors.invalid('invalid manifest: no layers');
  if (j.layers.length > MAX_LAYERS) throw errors.invalid(`invalid manifest: more than ${MAX_LAYERS} layers`);
  return { kind: 'image', mediaType, config, layers: j.layers.map((l) => descriptor(l, 'layer', false)) };
}

function descriptor(v: unknown, what: string, withPlatform: boolean): PlatformDescriptor {
  const d = v as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') throw errors.invalid(`invalid manifest: ${what} is not a descriptor`);
  if (typeof d.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d.digest)) throw errors.invalid(`invalid manifest: ${what} has an unsupported digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw errors.invalid(`invalid manifest: ${what} has an invalid size`);
  if (typeof d.mediaType !== 'string' || !d.mediaType) throw errors.invalid(`invalid manifest: ${what} has no mediaType`);
  const out: PlatformDescriptor = { mediaType: d.mediaType, digest: d.digest as Digest, size: d.size };
  if (withPlatform && d.platform && typeof d.platform === 'object') {
    const p = d.platform as Record<string, unknown>;
    out.platform = {};
    if (typeof p.os === 'string') out.platform.os = p.os;
    if (typeof p.architecture === 'string') out.platform.architecture = p.architecture;
    if (typeof p.variant === 'string') out.platform.variant = p.variant;
  }
  return out;
}

/** Best index entry for `want`: exact variant first, then any variant of the architecture (arm64 → v8). */
export function selectPlatform(manifests: readonly PlatformDescriptor[], want: Platform): PlatformDescriptor | undefined {
  const candidates = manifests.filter((m) => IMAGE_TYPES.includes(m.mediaType) || INDEX_TYPES.includes(m.mediaType))
    .filter((m) => (m.platform?.os ?? 'linux') === want.os && m.platform?.architecture === want.architecture);
  if (want.variant) return candidates.find((m) => m.platform?.variant === want.variant) ?? candidates.find((m) => !m.platform?.variant);
  const defVariant = want.architecture === 'arm64' ? 'v8' : want.architecture === 'arm' ? 'v7' : undefined;
  return candidates.find((m) => !m.platform?.variant || m.platform.variant === defVariant) ?? candidates[0];
}

export function isIndexType(mediaType: string): boolean {
  return INDEX_TYPES.includes(mediaType);
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}
