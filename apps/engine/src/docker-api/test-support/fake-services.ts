/**
 * @module docker-api/test-support/fake-services
 * `createFakeServices()`: an in-memory EngineServices for Docker API transport tests (unit tests
 * need no root, no runc). Images start with `busybox:latest` and a registry-style name with a port
 * and slashes; containers run the scripted programs of fake-process.ts.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  errors, type Digest, type EngineServices, type ImageDeleteItem, type ImageFilter, type ImageHistoryEntry, type ImageRecord,
  type ImageService, type ImportOptions, type SystemInfo, type SystemService,
  EventBus, streamEvents, type EventService,
} from '@berth/runtime';
import { FakeContainers, FakeExec } from './fake-containers.js';

const digest = (s: string | Buffer): Digest => `sha256:${createHash('sha256').update(s).digest('hex')}`;

export function fakeImage(tags: string[], over: Partial<ImageRecord> = {}): ImageRecord {
  const id = digest(tags.join(',') || String(Math.random()));
  return {
    id, repoTags: tags, repoDigests: [], created: '2026-01-02T03:04:05.123456789Z', author: '', comment: '',
    architecture: 'amd64', os: 'linux', config: { cmd: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    diffIds: [digest(`layer-${id}`)], history: [{ created: '2026-01-02T03:04:05Z', createdBy: '/bin/sh -c #(nop) ADD file:x in / ' }],
    chainId: digest(`chain-${id}`), size: 4_261_550, parent: '', labels: {}, ...over,
  };
}

/** Familiar form, as the real reference parser prints it (the CLI sends `docker.io/library/x`). */
const familiar = (ref: string) => ref.replace(/^docker\.io\/(library\/)?/, '');
const withLatest = (ref: string) => {
  const r = familiar(ref);
  return /:[^/]+$/.test(r) || r.includes('@') ? r : `${r}:latest`;
};

export class FakeImages implements ImageService {
  readonly images = new Map<string, ImageRecord>();
  readonly imports: { bytes: number; opts: ImportOptions }[] = [];

  constructor() {
    for (const img of [fakeImage(['busybox:latest']), fakeImage(['127.0.0.1:5000/team/app:v1'])]) this.images.set(img.id, img);
  }

  find(ref: string): ImageRecord | undefined {
    const byId = this.images.get(ref) ?? this.images.get(`sha256:${ref}`);
    if (byId) return byId;
    const full = withLatest(ref);
    for (const img of this.images.values()) if (img.repoTags.includes(full)) return img;
    const prefix = [...this.images.values()].filter((i) => ref.length >= 4 && i.id.replace('sha256:', '').startsWith(ref.replace('sha256:', '')));
    return prefix.length === 1 ? prefix[0] : undefined;
  }

  private get(ref: string): ImageRecord {
    const img = this.find(ref);
    if (!img) throw errors.notFound('image', ref);
    return img;
  }

  async list(filter: ImageFilter = {}): Promise<ImageRecord[]> {
    let out = [...this.images.values()];
    if (filter.dangling !== undefined) out = out.filter((i) => (i.repoTags.length === 0) === filter.dangling);
    if (filter.references) out = out.filter((i) => i.repoTags.some((t) => filter.references!.some((r) => t === withLatest(r) || t.startsWith(`${r}:`))));
    return out;
  }

  async inspect(ref: string): Promise<ImageRecord> {
    return structuredClone(this.get(ref));
  }

  async history(ref: string): Promise<ImageHistoryEntry[]> {
    const img = this.get(ref);
    return [{ id: img.id, created: 1767323045, createdBy: '/bin/sh -c #(nop) CMD ["sh"]', tags: img.repoTags, size: 0, comment: '' },
      { id: '<missing>', created: 1767323044, createdBy: '/bin/sh -c #(nop) ADD file:x in / ', tags: [], size: img.size, comment: '' }];
  }

  async tag(source: string, repo: string, tag?: string): Promise<void> {
    const img = this.get(source);
    const target = `${familiar(repo)}:${tag || 'latest'}`;
    for (const other of this.images.values()) other.repoTags = other.repoTags.filter((t) => t !== target);
    img.repoTags.push(target);
  }

  async remove(ref: string, opts: { force?: boolean } = {}): Promise<ImageDeleteItem[]> {
    const img = this.get(ref);
    const byTag = img.repoTags.includes(withLatest(ref));
    if (byTag && img.repoTags.length > 1) {
      img.repoTags = img.repoTags.filter((t) => t !== withLatest(ref));
      return [{ untagged: withLatest(ref) }];
    }
    if (!byTag && img.repoTags.length > 1 && !opts.force) {
      throw errors.conflict(`conflict: unable to delete ${img.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    }
    this.images.delete(img.id);
    return [...img.repoTags.map((t) => ({ untagged: t })), { deleted: img.id }];
  }

  async importTar(tar: Readable, opts: ImportOptions): Promise<{ id: string }> {
    const chunks: Buffer[] = [];
    for await (const c of tar) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (body.length === 0) throw errors.invalid('the import tar is empty');
    this.imports.push({ bytes: body.length, opts: { ...opts, signal: undefined } });
    const tags = opts.repo ? [opts.tag ? `${familiar(opts.repo)}:${opts.tag}` : withLatest(opts.repo)] : [];
    const img = fakeImage(tags, { id: digest(body), comment: opts.message ?? 'Imported from -' });
    this.images.set(img.id, img);
    return { id: img.id };
  }
}

export class FakeSystem implements SystemService {
  constructor(private readonly containers: FakeContainers, private readonly images: FakeImages) {}

  async info(): Promise<SystemInfo> {
    const all = [...this.containers.entries.values()].map((e) => e.rec.state.status);
    return {
      id: 'FAKE:ENGINE', containers: all.length, containersRunning: all.filter((s) => s === 'running').length,
      containersPaused: all.filter((s) => s === 'paused').length, containersStopped: all.filter((s) => s === 'exited' || s === 'created').length,
      images: this.images.images.size, driver: 'overlay2', dataRoot: '/var/lib/berth', execRoot: '/run/berth', kernelVersion: '6.1.0-fake',
      operatingSystem: 'Debian GNU/Linux 12 (bookworm)', osType: 'linux', architecture: 'x86_64', ncpu: 4, memTotal: 8_000_000_000,
      name: 'fakehost', serverVersion: '0.1.0', cgroupDriver: 'cgroupfs', cgroupVersion: '1', runtimeVersion: '1.1.5',
      securityOptions: ['name=seccomp,profile=default', 'name=no-new-privileges'], pidsLimit: 4096, liveRestoreEnabled: true, warnings: [],
    };
  }

  version() {
    return { version: '0.1.0', gitCommit: 'fake', goVersion: 'n/a', os: 'linux', arch: 'amd64', kernelVersion: '6.1.0-fake', buildTime: '2026-01-01T00:00:00Z' };
  }
}

export interface FakeServices extends EngineServices {
  readonly containers: FakeContainers;
  readonly exec: FakeExec;
  readonly images: FakeImages;
  readonly system: FakeSystem;
  readonly events: FakeEvents;
}

/** The real EventBus and stream semantics; tests publish with `bus.publish(...)`. */
export class FakeEvents implements EventService {
  readonly bus = new EventBus();
  subscribe(opts: Parameters<EventService['subscribe']>[0]) { return streamEvents(this.bus, opts); }
}

export function createFakeServices(): FakeServices {
  const images = new FakeImages();
  const containers = new FakeContainers((ref) => images.find(ref)?.id);
  return { containers, exec: new FakeExec(containers), images, system: new FakeSystem(containers, images), events: new FakeEvents() };
}
