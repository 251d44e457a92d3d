/**
 * @module docker-api/routes/prune
 * `GET /system/df` (docker system df) and the prune endpoints that free what it shows:
 * `POST /containers/prune` and `POST /images/prune` (moby api/server/router/{system,container,image}).
 * Filters: `until`, `label`, `label!`, and for images `dangling` ("true" default, "false" = all
 * unused images). Replies use moby's field names: `ContainersDeleted`/`ImagesDeleted` + `SpaceReclaimed`.
 */
import { errors, type DiskUsage, type PruneFilters } from '@berth/runtime';
import { parseFilters, type FilterArgs } from '../http/filters.js';
import { toDockerSummary } from '../mappers/container-json.js';
import { toDockerDeleteItem, toDockerImageSummary } from '../mappers/image-json.js';
import { get, json, post, type Reply, type RequestContext, type Route } from '../router.js';
import { toDockerVolume } from './volumes.js';

function pruneFilters(f: FilterArgs, allowed: readonly string[]): PruneFilters {
  for (const k of f.keys()) if (!allowed.includes(k)) throw errors.invalid(`invalid filter '${k}'`);
  const until = f.get('until');
  if (until && until.length > 1) throw errors.invalid('more than one until filter specified');
  return { until: until?.[0], labels: f.get('label'), notLabels: f.get('label!') };
}

export function toDockerDiskUsage(u: DiskUsage, apiVersion: string): Record<string, unknown> {
  return {
    LayersSize: u.layersSize,
    Images: u.images.map((i) => ({ ...toDockerImageSummary(i.image, apiVersion), Containers: i.containers, SharedSize: i.sharedSize })),
    Containers: u.containers.map((c) => ({ ...toDockerSummary(c.container), SizeRw: c.sizeRw, SizeRootFs: c.sizeRootFs })),
    Volumes: u.volumes.map((v) => ({ ...toDockerVolume(v.volume), UsageData: { Size: v.size, RefCount: v.refCount } })),
    BuildCache: [],
  };
}

export async function systemDf(ctx: RequestContext): Promise<Reply> {
  const df = ctx.services.system.df;
  if (!df) throw errors.notImplemented('system df is not supported by this engine');
  return json(toDockerDiskUsage(await df.call(ctx.services.system), ctx.apiVersion));
}

export async function pruneContainers(ctx: RequestContext): Promise<Reply> {
  const c = ctx.services.containers;
  if (!c.prune) throw errors.notImplemented('container prune is not supported by this engine');
  const r = await c.prune(pruneFilters(parseFilters(ctx.query.get('filters')), ['until', 'label', 'label!']));
  return json({ ContainersDeleted: r.deleted.length ? r.deleted : null, SpaceReclaimed: r.spaceReclaimed });
}

export async function pruneImages(ctx: RequestContext): Promise<Reply> {
  const i = ctx.services.images;
  if (!i.prune) throw errors.notImplemented('image prune is not supported by this engine');
  const f = parseFilters(ctx.query.get('filters'));
  const dangling = f.get('dangling')?.[0];
  if (dangling !== undefined && !['true', 'false', '1', '0'].includes(dangling)) throw errors.invalid(`invalid filter 'dangling=${dangling}'`);
  const r = await i.prune({ ...pruneFilters(f, ['until', 'label', 'label!', 'dangling']), dangling: dangling === undefined || dangling === 'true' || dangling === '1' });
  return json({ ImagesDeleted: r.deleted.length ? r.deleted.map(toDockerDeleteItem) : null, SpaceReclaimed: r.spaceReclaimed });
}

export function pruneRoutes(): Route[] {
  return [
    get('/system/df', systemDf),
    post('/containers/prune', pruneContainers),
    post('/images/prune', pruneImages),
  ];
}
