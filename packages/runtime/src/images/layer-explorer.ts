/**
 * @module images/layer-explorer
 * The dashboard's image layer explorer (Berth extension, no Docker API equivalent): per layer its
 * size and history line, a paginated file tree marking what the layer adds (A), changes (C) or
 * deletes (D), and the image's wasted bytes. Each committed layer's snapshot dir (overlay form) is
 * scanned once; the analysis of a whole image is cached per TOP chain id (a layer's A/C/D depends
 * on every layer below it, which the chain id names; a bare diffId would not), LRU-bounded, with
 * concurrent requests sharing one computation. Layers are immutable, so entries never go stale;
 * only a deleted image's snapshot can vanish (then NOT_FOUND).
 */
import { errors, isEngineError } from '../errors/engine-error.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isWhiteout, parseOpaqueDirs } from '../containers/upper-scan.js';
import { run } from '../util/exec-file.js';
import { chainIdsOf } from './oci-image.js';
import type { Digest, ImageRecord } from './image-types.js';
import {
  analyzeLayers, listLayerDir, type ImageAnalysis, type LayerEntryType, type LayerListing, type RawLayerEntry, type WastedItem,
} from './layer-index.js';

export type { LayerListing, LayerTreeEntry, WastedItem, LayerChange, LayerEntryType } from './layer-index.js';

export interface ImageLayerRow {
  /** Row number in the history (empty layers included). */
  index: number;
  /** diffId index, the `layer` of layerTree; null for a history entry without a layer (ENV, CMD…). */
  layer: number | null;
  diffId: string | null;
  /** Bytes of the regular files in this layer. */
  size: number;
  files: number;
  createdBy: string;
  created: string | null;
  comment: string;
  emptyLayer: boolean;
}

export interface WastedReport {
  totalBytes: number;
  count: number;
  items: WastedItem[];
}

export interface LayerExplorerDeps {
  resolve(refOrId: string): Promise<ImageRecord>;
  /** The committed snapshot dir of a chain id (overlay form: whiteouts, opaque xattrs). */
  layerDir(chainId: Digest): Promise<string>;
  /** Test seam; default: upper-scan's scanUpper. */
  scan?: (dir: string) => Promise<RawLayerEntry[]>;
  maxCached?: number;
}

/** The methods the explorer adds to an ImageService (see services.ts). */
export interface LayerExplorerMethods {
  layers(refOrId: string): Promise<ImageLayerRow[]>;
  layerTree(refOrId: string, layer: number, dir: string, opts?: { offset?: number; limit?: number }): Promise<LayerListing>;
  wasted(refOrId: string, opts?: { offset?: number; limit?: number }): Promise<WastedReport>;
}

function typeOf(st: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }): LayerEntryType {
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
}

const LSTAT_BATCH = 256;

/**
 * A layer dir's entries, parents before children. Like upper-scan's scanUpper, but the lstats of
 * one directory run concurrently (a 20,000-file layer is ~20,000 lstats: sequential awaits made
 * the first listing several times slower on a busy host). Opaque dirs: one `getfattr -R`.
 */
export async function scanLayerDir(dir: string): Promise<RawLayerEntry[]> {
  const { stdout } = await run('getfattr', ['-R', '-h', '--absolute-names', '-d', '-m', '^trusted\\.overlay\\.opaque$', dir], { okCodes: [1] });
  const opaque = new Set<string>();
  for (const abs of parseOpaqueDirs(stdout)) {
    const rel = path.relative(dir, abs);
    if (rel && !rel.startsWith('..')) opaque.add(`/${rel}`);
  }
  const out: RawLayerEntry[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names = (await fs.readdir(abs)).sort();
    const subdirs: [string, string][] = [];
    for (let i = 0; i < names.length; i += LSTAT_BATCH) {
      const batch = names.slice(i, i + LSTAT_BATCH);
      const stats = await Promise.all(batch.map((n) => fs.lstat(path.join(abs, n))));
      batch.forEach((name, j) => {
        const st = stats[j]!;
        const p = `${rel}/${name}`;
        const type = typeOf(st);
        out.push({ path: p, type, size: st.isFile() ? st.size : 0, mode: st.mode, whiteout: isWhiteout(st), opaque: type === 'dir' && opaque.has(p) });
        if (type === 'dir') subdirs.push([path.join(abs, name), p]);
      });
    }
    for (const [a, r] of subdirs) await walk(a, r);
  };
  await walk(dir, '');
  return out;
}

export class LayerExplorer implements LayerExplorerMethods {
  private readonly cache = new Map<string, Promise<ImageAnalysis>>();
  private readonly scan: (dir: string) => Promise<RawLayerEntry[]>;
  private readonly max: number;

  constructor(private readonly deps: LayerExplorerDeps) {
    this.scan = deps.scan ?? scanLayerDir;
    this.max = deps.maxCached ?? 8;
  }

  /** The cached (or new) analysis of an image's layers. */
  async analysis(img: ImageRecord): Promise<ImageAnalysis> {
    const chain = chainIdsOf(img.diffIds);
    if (chain.length === 0) return { layers: [], wasted: [], wastedBytes: 0 };
    const key = chain[chain.length - 1]!;
    let p = this.cache.get(key);
    if (p) {
      // LRU: re-insert as the newest.
      this.cache.delete(key);
      this.cache.set(key, p);
      return p;
    }
    p = analyzeLayers(chain.length, async (i) => this.scan(await this.deps.layerDir(chain[i]!)));
    this.cache.set(key, p);
    p.catch(() => this.cache.delete(key));
    while (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!);
    try {
      return await p;
    } catch (err) {
      if (isEngineError(err)) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw errors.notFoundMessage(`layers of image ${img.id} are gone`);
      throw errors.internal(`layer scan failed: ${(err as Error).message}`, err);
    }
  }

  async layers(refOrId: string): Promise<ImageLayerRow[]> {
    const img = await this.deps.resolve(refOrId);
    const a = await this.analysis(img);
    const rows: ImageLayerRow[] = [];
    let li = 0;
    const layerRow = (index: number, h: ImageRecord['history'][number] | undefined): ImageLayerRow => {
      const l = li++;
      return {
        index, layer: l, diffId: img.diffIds[l] ?? null, size: a.layers[l]?.size ?? 0, files: a.layers[l]?.files ?? 0,
        createdBy: h?.createdBy ?? '', created: h?.created ?? null, comment: h?.comment ?? '', emptyLayer: false,
      };
    };
    for (const h of img.history) {
      if (h.emptyLayer) {
        rows.push({ index: rows.length, layer: null, diffId: null, size: 0, files: 0, createdBy: h.createdBy ?? '', created: h.created ?? null, comment: h.comment ?? '', emptyLayer: true });
      } else if (li < img.diffIds.length) {
        rows.push(layerRow(rows.length, h));
      }
    }
    // Images with short or missing history (imports, some pulls) still list every layer.
    while (li < img.diffIds.length) rows.push(layerRow(rows.length, undefined));
    return rows;
  }

  async layerTree(refOrId: string, layer: number, dir: string, opts: { offset?: number; limit?: number } = {}): Promise<LayerListing> {
    const img = await this.deps.resolve(refOrId);
    if (!Number.isInteger(layer) || layer < 0 || layer >= img.diffIds.length) throw errors.invalid(`image has no layer ${layer}`);
    const a = await this.analysis(img);
    return listLayerDir(a.layers[layer]!, dir, opts.offset ?? 0, Math.min(opts.limit ?? 500, 5000));
  }

  async wasted(refOrId: string, opts: { offset?: number; limit?: number } = {}): Promise<WastedReport> {
    const img = await this.deps.resolve(refOrId);
    const a = await this.analysis(img);
    const off = opts.offset ?? 0;
    return { totalBytes: a.wastedBytes, count: a.wasted.length, items: a.wasted.slice(off, off + Math.min(opts.limit ?? 500, 5000)) };
  }
}

/** Plain functions for `Object.assign(images, …)` in the composition root. */
export function layerExplorerMethods(deps: LayerExplorerDeps): LayerExplorerMethods {
  const x = new LayerExplorer(deps);
  return { layers: (r) => x.layers(r), layerTree: (r, l, d, o) => x.layerTree(r, l, d, o), wasted: (r, o) => x.wasted(r, o) };
}
