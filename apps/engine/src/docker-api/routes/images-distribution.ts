/**
 * @module docker-api/routes/images-distribution
 * Moving images in and out (moby image_routes.go + system_routes.go `/auth`):
 *   POST /images/create?fromImage=&tag=  pull (delegated from images.ts createImage)
 *   POST /images/{name}/push?tag=        push
 *   POST /auth                           login
 *   GET  /images/get?names=…, GET /images/{name}/get   save (docker-archive tar)
 *   POST /images/load                    load
 * Pull and push wait for the first progress event before sending the 200, so an unknown image or
 * a refused login is still a plain HTTP error the CLI prints as "Error response from daemon: …";
 * later failures go in-stream as `errorDetail`. Credentials arrive in `X-Registry-Auth` (base64
 * JSON) or the /auth body; they are passed to the service and never logged or echoed.
 */
import type { ProgressEvent, PullOptions, RegistryAuth } from '@berth/runtime';
import { errors } from '@berth/runtime';
import { z } from 'zod';
import { readJson } from '../http/body.js';
import { mapError } from '../http/errors.js';
import { JsonMessageWriter, jsonMessageLine, type JsonMessage } from '../http/json-stream.js';
import { boolParam, stringParam } from '../http/query.js';
import { tarReply } from '../http/tar-reply.js';
import { get, json, post, type Reply, type RequestContext, type Route } from '../router.js';

/** `X-Registry-Auth`: base64url JSON AuthConfig; empty or `{}` means anonymous. Never echoed. */
export function registryAuthFrom(header: string | string[] | undefined): RegistryAuth | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return undefined;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Record<string, unknown>;
  } catch {
    // moby ignores an undecodable header (anonymous); say nothing about its content.
    return undefined;
  }
  return authFromJson(j);
}

function authFromJson(j: Record<string, unknown> | null | undefined): RegistryAuth | undefined {
  if (!j || typeof j !== 'object') return undefined;
  const s = (k: string) => (typeof j[k] === 'string' && j[k] !== '' ? (j[k] as string) : undefined);
  const out: RegistryAuth = {};
  let username = s('username');
  let password = s('password');
  const combined = s('auth');
  if (combined && username === undefined) {
    const decoded = Buffer.from(combined, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) { username = decoded.slice(0, i); password = decoded.slice(i + 1); }
  }
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  if (s('identitytoken')) out.identityToken = s('identitytoken');
  if (s('registrytoken')) out.registryToken = s('registrytoken');
  if (s('serveraddress')) out.serverAddress = s('serveraddress');
  return Object.keys(out).length ? out : undefined;
}

export function toJsonMessage(e: ProgressEvent): JsonMessage {
  const m: JsonMessage = {};
  if (e.status) m.status = e.status;
  if (e.current !== undefined) m.progressDetail = e.total !== undefined ? { current: e.current, total: e.total } : { current: e.current };
  else if (e.id) m.progressDetail = {};
  if (e.id) m.id = e.id;
  if (e.aux) { m.progressDetail = {}; m.aux = e.aux; }
  return m;
}

/** First event awaited before the 200 (errors before it are plain HTTP errors). */
async function progressReply(events: AsyncIterable<ProgressEvent>, ctx: RequestContext): Promise<Reply> {
  const it = events[Symbol.asyncIterator]();
  const first = await it.next();
  return {
    kind: 'stream', status: 200, contentType: 'application/json',
    async write(out) {
      const w = new JsonMessageWriter(out);
      try {
        if (!first.done) w.write(toJsonMessage(first.value));
        for (let n = await it.next(); !n.done; n = await it.next()) w.write(toJsonMessage(n.value));
      } catch (err) {
        w.error(mapError(err, ctx.logger).message);
      } finally {
        await it.return?.();
      }
    },
  };
}

/** `fromImage` + `tag` as the user typed it (a digest "tag" joins with "@"). */
export function pullReference(fromImage: string, tag: string | undefined): string {
  if (!tag) return fromImage;
  if (fromImage.includes('@')) return fromImage;
  return tag.startsWith('sha256:') ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
}

export async function pullImageFrom(ctx: RequestContext, fromImage: string): Promise<Reply> {
  const images = ctx.services.images;
  const ref = pullReference(fromImage, stringParam(ctx.query, 'tag'));
  if (!images.pull) throw errors.notImplemented(`pulling images is not supported yet by this engine (${ref})`);
  const opts: PullOptions = { signal: ctx.signal };
  const auth = registryAuthFrom(ctx.headers['x-registry-auth']);
  if (auth) opts.auth = auth;
  const platform = stringParam(ctx.query, 'platform');
  if (platform) opts.platform = platform;
  return progressReply(images.pull(ref, opts), ctx);
}

export async function pushImageRoute(ctx: RequestContext): Promise<Reply> {
  const images = ctx.services.images;
  if (!images.push) throw errors.notImplemented('pushing images is not supported by this engine');
  const auth = registryAuthFrom(ctx.headers['x-registry-auth']);
  return progressReply(images.push(ctx.params.name!, stringParam(ctx.query, 'tag'), { signal: ctx.signal, ...(auth ? { auth } : {}) }), ctx);
}

const AuthBody = z.object({
  username: z.string().optional(), password: z.string().optional(), auth: z.string().optional(),
  serveraddress: z.string().optional(), identitytoken: z.string().optional(), registrytoken: z.string().optional(),
  email: z.string().optional(),
}).passthrough();

export async function login(ctx: RequestContext): Promise<Reply> {
  const images = ctx.services.images;
  if (!images.login) throw errors.notImplemented('registry login is not supported by this engine');
  const body = await readJson(ctx, AuthBody);
  const auth = authFromJson(body as Record<string, unknown>) ?? {};
  const res = await images.login(auth, { signal: ctx.signal });
  return json({ Status: res.status, IdentityToken: res.identityToken ?? '' });
}

function saveReply(ctx: RequestContext, names: string[]): Reply {
  const images = ctx.services.images;
  if (!images.save) throw errors.notImplemented('saving images is not supported by this engine');
  return tarReply(images.save(names, { signal: ctx.signal }));
}

export async function saveImages(ctx: RequestContext): Promise<Reply> {
  return saveReply(ctx, ctx.query.getAll('names').filter(Boolean));
}

export async function saveImage(ctx: RequestContext): Promise<Reply> {
  return saveReply(ctx, [ctx.params.name!]);
}

export async function loadImages(ctx: RequestContext): Promise<Reply> {
  const images = ctx.services.images;
  if (!images.load) throw errors.notImplemented('loading images is not supported by this engine');
  const quiet = boolParam(ctx.query, 'quiet');
  const res = await images.load(ctx.body, { signal: ctx.signal });
  const body = res.messages.map((m) => jsonMessageLine({ stream: `${m}\n` })).join('');
  void quiet; // the CLI prints `stream` lines either way; dockerd only drops progress bars
  return { kind: 'text', status: 200, contentType: 'application/json', body };
}

export function imageDistributionRoutes(): Route[] {
  return [
    post('/auth', login),
    get('/images/get', saveImages),
    post('/images/load', loadImages),
    get('/images/{name:.*}/get', saveImage),
    post('/images/{name:.*}/push', pushImageRoute),
  ];
}
