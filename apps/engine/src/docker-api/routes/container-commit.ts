/**
 * @module docker-api/routes/container-commit
 * Routes over a container's writable layer (moby api/server/router/container and image routers):
 * `GET /containers/{id}/changes` (docker diff), `GET /containers/{id}/export` (a tar stream of
 * the merged rootfs) and `POST /commit` (docker commit; 201 `{"Id": "sha256:…"}`).
 */
import { readJson } from '../http/body.js';
import { tarReply } from '../http/tar-reply.js';
import { boolParamOr, stringParam } from '../http/query.js';
import { fromCommitBody, toDockerChanges } from '../mappers/commit-json.js';
import { get, json, post, type Reply, type RequestContext, type Route } from '../router.js';
import { ContainerCreateBodySchema } from '../schema/container-create.js';

export async function containerChanges(ctx: RequestContext): Promise<Reply> {
  return json(toDockerChanges(await ctx.services.containers.changes(ctx.params.id!)));
}

export async function exportContainer(ctx: RequestContext): Promise<Reply> {
  return tarReply(await ctx.services.containers.export(ctx.params.id!, { signal: ctx.signal }));
}

export async function commitContainer(ctx: RequestContext): Promise<Reply> {
  const body = await readJson(ctx, ContainerCreateBodySchema.nullable(), { allowEmpty: true });
  const { id } = await ctx.services.containers.commit(ctx.query.get('container') ?? '', {
    repo: stringParam(ctx.query, 'repo'),
    tag: stringParam(ctx.query, 'tag'),
    comment: ctx.query.get('comment') ?? '',
    author: ctx.query.get('author') ?? '',
    pause: boolParamOr(ctx.query, 'pause', true),
    changes: ctx.query.getAll('changes').filter((c) => c !== ''),
    config: fromCommitBody(body),
    signal: ctx.signal,
  });
  return json({ Id: id }, 201);
}

export function containerCommitRoutes(): Route[] {
  return [
    get('/containers/{id}/changes', containerChanges),
    get('/containers/{id}/export', exportContainer),
    post('/commit', commitContainer),
  ];
}
