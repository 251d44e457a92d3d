/**
 * @module docker-api/routes/container-archive
 * `docker cp` (moby api/server/router/container/copy.go): `HEAD /containers/{id}/archive` answers
 * the path's stat in `X-Docker-Container-Path-Stat` (base64 of `{name,size,mode,mtime,linkTarget}`,
 * mode as a Go FileMode), `GET` streams a tar of the path with the same header, `PUT` extracts the
 * request body (a tar) into the directory `path` (query `noOverwriteDirNonDir`, `copyUIDGID`).
 * A missing `path` is 400 "bad parameter: path cannot be empty", like moby's ArchiveFormValues.
 */
import { errors, type ContainerService, type PathStat } from '@berth/runtime';
import { boolParam } from '../http/query.js';
import { tarReply } from '../http/tar-reply.js';
import { get, head, type Reply, type RequestContext, type Route } from '../router.js';

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

export function encodePathStat(s: PathStat): string {
  return Buffer.from(JSON.stringify({ name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget })).toString('base64');
}

function archivePath(ctx: RequestContext): string {
  const p = ctx.query.get('path');
  if (p === null || p === '') throw errors.invalid('bad parameter: path cannot be empty');
  return p;
}

function need<K extends 'statPath' | 'getArchive' | 'putArchive'>(c: ContainerService, k: K): NonNullable<ContainerService[K]> {
  const fn = c[k];
  if (!fn) throw errors.notImplemented('docker cp is not supported by this engine');
  return fn.bind(c) as NonNullable<ContainerService[K]>;
}

export async function statArchive(ctx: RequestContext): Promise<Reply> {
  const p = archivePath(ctx);
  const stat = await need(ctx.services.containers, 'statPath')(ctx.params.id!, p);
  return { kind: 'empty', status: 200, headers: { [PATH_STAT_HEADER]: encodePathStat(stat), 'Content-Type': 'application/json' } };
}

export async function getArchive(ctx: RequestContext): Promise<Reply> {
  const p = archivePath(ctx);
  const { stat, tar } = await need(ctx.services.containers, 'getArchive')(ctx.params.id!, p, { signal: ctx.signal });
  return tarReply(tar, { [PATH_STAT_HEADER]: encodePathStat(stat) });
}

export async function putArchive(ctx: RequestContext): Promise<Reply> {
  const p = archivePath(ctx);
  await need(ctx.services.containers, 'putArchive')(ctx.params.id!, p, ctx.body, {
    noOverwriteDirNonDir: boolParam(ctx.query, 'noOverwriteDirNonDir'),
    copyUIDGID: boolParam(ctx.query, 'copyUIDGID'),
    signal: ctx.signal,
  });
  return { kind: 'empty', status: 200 };
}

export function containerArchiveRoutes(): Route[] {
  return [
    head('/containers/{id}/archive', statArchive),
    get('/containers/{id}/archive', getArchive),
    { method: 'PUT', path: '/containers/{id}/archive', handler: putArchive },
  ];
}
