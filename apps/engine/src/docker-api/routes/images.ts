/**
 * @module docker-api/routes/images
 * Image routes (moby api/server/router/image/image_routes.go). Image names contain slashes and
 * colons (`127.0.0.1:5000/team/app:v1`), hence the `{name:.*}` patterns, registered after the
 * fixed paths (`/images/json`, `/images/create`) they would otherwise shadow.
 * `POST /images/create` imports a tar (`fromSrc=-`); pulling (`fromImage`) is images-distribution.ts.
 */
import type { ImportOptions } from '@berth/runtime';
import { errors } from '@berth/runtime';
import { imageFilterFrom } from '../http/filters.js';
import { jsonMessageLine } from '../http/json-stream.js';
import { boolParam, stringParam } from '../http/query.js';
import { toDockerDeleteItem, toDockerHistoryItem, toDockerImageInspect, toDockerImageSummary } from '../mappers/image-json.js';
import { del, empty, get, json, post, type Reply, type RequestContext, type Route } from '../router.js';
import { pullImageFrom } from './images-distribution.js';

export async function listImages(ctx: RequestContext): Promise<Reply> {
  const images = await ctx.services.images.list(imageFilterFrom(ctx.query));
  return json(images.map((img) => toDockerImageSummary(img, ctx.apiVersion)));
}

export async function inspectImage(ctx: RequestContext): Promise<Reply> {
  return json(toDockerImageInspect(await ctx.services.images.inspect(ctx.params.name!), ctx.apiVersion));
}

export async function historyImage(ctx: RequestContext): Promise<Reply> {
  const items = await ctx.services.images.history(ctx.params.name!);
  return json(items.map(toDockerHistoryItem));
}

export async function tagImage(ctx: RequestContext): Promise<Reply> {
  const repo = ctx.query.get('repo') ?? '';
  if (!repo) throw errors.invalid('repository name must be given: the "repo" query parameter is empty');
  await ctx.services.images.tag(ctx.params.name!, repo, stringParam(ctx.query, 'tag'));
  return empty(201);
}

export async function removeImage(ctx: RequestContext): Promise<Reply> {
  const items = await ctx.services.images.remove(ctx.params.name!, {
    force: boolParam(ctx.query, 'force'),
    noPrune: boolParam(ctx.query, 'noprune'),
  });
  return json(items.map(toDockerDeleteItem));
}

/**
 * The import runs to completion before anything is written, so an import error is still a clean
 * HTTP error (moby only switches to in-stream errors once output was flushed).
 */
export async function createImage(ctx: RequestContext): Promise<Reply> {
  const q = ctx.query;
  const fromImage = stringParam(q, 'fromImage');
  const fromSrc = stringParam(q, 'fromSrc');
  if (fromImage) return pullImageFrom(ctx, fromImage);
  if (!fromSrc) throw errors.invalid('either fromImage or fromSrc must be given');
  if (fromSrc !== '-') throw errors.notImplemented('importing from a URL is not supported by this engine; pipe the tar into `docker import -`');
  const opts: ImportOptions = { signal: ctx.signal };
  const repo = stringParam(q, 'repo');
  const tag = stringParam(q, 'tag');
  const message = stringParam(q, 'message');
  const platform = stringParam(q, 'platform');
  const changes = q.getAll('changes').filter(Boolean);
  if (repo) opts.repo = repo;
  if (tag) opts.tag = tag;
  if (message) opts.message = message;
  if (platform) opts.platform = platform;
  if (changes.length) opts.changes = changes;
  const { id } = await ctx.services.images.importTar(ctx.body, opts);
  return { kind: 'text', status: 200, contentType: 'application/json', body: jsonMessageLine({ status: id }) };
}

export function imageRoutes(): Route[] {
  return [
    get('/images/json', listImages),
    post('/images/create', createImage),
    get('/images/{name:.*}/json', inspectImage),
    get('/images/{name:.*}/history', historyImage),
    post('/images/{name:.*}/tag', tagImage),
    del('/images/{name:.*}', removeImage),
  ];
}
