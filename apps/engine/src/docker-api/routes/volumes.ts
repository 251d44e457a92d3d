/**
 * @module docker-api/routes/volumes
 * `/volumes`: create, list (filters name/label/dangling), inspect, remove, prune — local driver only.
 * An engine built without a volume service answers 501.
 */
import { z } from 'zod';
import { errors, type EngineServices, type VolumeFilter, type VolumeRecord, type VolumeService } from '@berth/runtime';
import { del, get, json, noContent, post, type Reply, type RequestContext, type Route } from '../router.js';
import { readJson } from '../http/body.js';
import { parseFilters } from '../http/filters.js';
import { boolParam } from '../http/query.js';

const VolumeCreateSchema = z.object({
  Name: z.string().nullish(),
  Driver: z.string().nullish(),
  DriverOpts: z.record(z.string(), z.string()).nullish(),
  Labels: z.record(z.string(), z.string()).nullish(),
}).passthrough();

function service(s: EngineServices): VolumeService {
  if (!s.volumes) throw errors.notImplemented('volumes are not supported by this engine');
  return s.volumes;
}

export function toDockerVolume(v: VolumeRecord): Record<string, unknown> {
  return {
    CreatedAt: v.createdAt, Driver: v.driver, Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name,
    Options: Object.keys(v.options).length ? v.options : null, Scope: 'local',
  };
}

const TRUE_VALUES = new Set(['true', '1']);

export function volumeFilterFrom(raw: string | null): VolumeFilter {
  const args = parseFilters(raw);
  const f: VolumeFilter = {};
  for (const [key, vals] of args) {
    if (key === 'name') f.names = vals;
    else if (key === 'label') f.labels = vals;
    else if (key === 'dangling') {
      const v = vals[0] ?? '';
      if (!['true', 'false', '1', '0'].includes(v)) throw errors.invalid(`invalid filter 'dangling=${v}'`);
      f.dangling = TRUE_VALUES.has(v);
    } else if (key === 'driver') {
      if (!vals.includes('local')) f.names = ['\0'];
    } else throw errors.invalid(`invalid filter '${key}'`);
  }
  return f;
}

async function createVolume(ctx: RequestContext): Promise<Reply> {
  const body = await readJson(ctx, VolumeCreateSchema, { allowEmpty: true });
  if (body?.Driver && body.Driver !== 'local') throw errors.notFoundMessage(`plugin "${body.Driver}" not found`);
  const v = await service(ctx.services).create({
    ...(body?.Name ? { name: body.Name } : {}), labels: body?.Labels ?? {}, options: body?.DriverOpts ?? {},
  });
  return json(toDockerVolume(v), 201);
}

async function listVolumes(ctx: RequestContext): Promise<Reply> {
  const vols = await service(ctx.services).list(volumeFilterFrom(ctx.query.get('filters')));
  return json({ Volumes: vols.map(toDockerVolume), Warnings: [] });
}

async function inspectVolume(ctx: RequestContext): Promise<Reply> {
  return json(toDockerVolume(await service(ctx.services).inspect(ctx.params.name!)));
}

async function removeVolume(ctx: RequestContext): Promise<Reply> {
  await service(ctx.services).remove(ctx.params.name!, { force: boolParam(ctx.query, 'force') });
  return noContent();
}

async function pruneVolumes(ctx: RequestContext): Promise<Reply> {
  const args = parseFilters(ctx.query.get('filters'));
  for (const k of args.keys()) if (k !== 'all') throw errors.invalid(`invalid filter '${k}'`);
  const all = TRUE_VALUES.has(args.get('all')?.[0] ?? '');
  const r = await service(ctx.services).prune({ all });
  return json({ VolumesDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed });
}

export function volumeRoutes(): Route[] {
  return [
    post('/volumes/create', createVolume),
    post('/volumes/prune', pruneVolumes),
    get('/volumes', listVolumes),
    get('/volumes/{name}', inspectVolume),
    del('/volumes/{name}', removeVolume),
  ];
}
