/**
 * @module docker-api/routes/build
 * `POST /build`, the classic builder the stock CLI uses with `DOCKER_BUILDKIT=0` (moby
 * api/server/router/build/build_routes.go), and `POST /build/prune`.
 *
 * Query: `t` (repeatable), `dockerfile`, `buildargs` and `labels` (JSON maps), `q`, `nocache`,
 * `rm`, `forcerm`, `pull`, `target`, `networkmode`, `remote`; `X-Registry-Config` is accepted
 * (base64url JSON of auth configs; pulls here use anonymous access). Malformed parameters are a
 * plain 400 before any output. Then the body (the context tar, or a bare Dockerfile) is handed to
 * the builder; a failure before it produced output (bad context) is a plain HTTP error too.
 * Otherwise, once the context is read, its progress is streamed as JSON lines: `{"stream"}` text, one `{"aux":{"ID"}}`,
 * and on failure `{"errorDetail":{"code","message"},"error"}` (code = a RUN step's exit status,
 * which the CLI turns into its own exit code).
 */
import { AsyncQueue, engineErrorOf, errors, type BuildEvent, type BuildOptions } from '@berth/runtime';
import { jsonMessageLine, type JsonMessage } from '../http/json-stream.js';
import { mapError } from '../http/errors.js';
import { boolParam, boolParamOr, stringParam } from '../http/query.js';
import { json, post, type Reply, type RequestContext, type Route } from '../router.js';

function jsonMap(q: URLSearchParams, key: string, allowNull: boolean): Record<string, string | null> | undefined {
  const raw = stringParam(q, key);
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw errors.invalid(`invalid ${key} parameter: ${(err as Error).message}`, err);
  }
  if (v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw errors.invalid(`invalid ${key} parameter: expected a JSON object`);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (!(typeof x === 'string' || (allowNull && x === null))) throw errors.invalid(`invalid ${key} parameter: value of ${JSON.stringify(k)} must be a string`);
  }
  return v as Record<string, string | null>;
}

/** Decodes X-Registry-Config so a malformed one is reported; the content is not used yet. */
function checkRegistryConfig(header: string | string[] | undefined): void {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return;
  try {
    JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    // Docker ignores an undecodable registry config as well (it only affects pulls).
  }
}

export function buildOptions(ctx: RequestContext): BuildOptions {
  const q = ctx.query;
  checkRegistryConfig(ctx.headers['x-registry-config']);
  const opts: BuildOptions = {
    tags: q.getAll('t').filter(Boolean),
    quiet: boolParam(q, 'q'),
    noCache: boolParam(q, 'nocache'),
    rm: boolParamOr(q, 'rm', true),
    forceRm: boolParam(q, 'forcerm'),
    pull: boolParam(q, 'pull'),
    signal: ctx.signal,
  };
  const dockerfile = stringParam(q, 'dockerfile');
  const target = stringParam(q, 'target');
  const networkMode = stringParam(q, 'networkmode');
  const remote = stringParam(q, 'remote');
  const buildArgs = jsonMap(q, 'buildargs', true);
  const labels = jsonMap(q, 'labels', false) as Record<string, string> | undefined;
  if (dockerfile) opts.dockerfile = dockerfile;
  if (target) opts.target = target;
  if (networkMode && networkMode !== 'default') opts.networkMode = networkMode;
  if (remote) opts.remote = remote;
  if (buildArgs) opts.buildArgs = buildArgs;
  if (labels) opts.labels = labels;
  const platform = stringParam(q, 'platform');
  if (platform && !/^linux(\/|$)/i.test(platform)) throw errors.invalid(`"${platform}": operating system is not supported`);
  return opts;
}

export async function postBuild(ctx: RequestContext): Promise<Reply> {
  const builds = ctx.services.builds;
  if (!builds) throw errors.notImplemented('this engine has no image builder');
  const opts = buildOptions(ctx);
  // Progress is queued until the reply is written. The reply itself waits for the whole context:
  // Go's HTTP client (the docker CLI) stops sending the body once response headers arrive.
  const queue = new AsyncQueue<BuildEvent>();
  let received!: () => void;
  const contextRead = new Promise<void>((r) => { received = r; });
  let failure: unknown;
  let sent = false;
  const done = builds.build(ctx.body, { ...opts, onContextReceived: received, onProgress: (e) => { sent = true; queue.push(e); } })
    .then(() => queue.end(), (err: unknown) => { failure = err; queue.end(); })
    .finally(() => received());
  await contextRead;
  if (failure !== undefined && !sent) {
    ctx.body.resume();
    throw failure; // nothing streamed yet: a plain HTTP error, as dockerd answers a bad context
  }
  return {
    kind: 'stream',
    status: 200,
    contentType: 'application/json',
    async write(out) {
      const send = (m: JsonMessage) => { if (!out.writableEnded && !out.destroyed) out.write(jsonMessageLine(m)); };
      for await (const e of queue) send(e);
      await done;
      if (failure !== undefined) {
        ctx.body.resume();
        const mapped = mapError(failure, ctx.logger);
        const exitCode = engineErrorOf(failure)?.opts.details?.exitCode;
        const code = typeof exitCode === 'number' ? exitCode : undefined;
        send({ errorDetail: { ...(code !== undefined ? { code } : {}), message: mapped.message }, error: mapped.message });
      }
    },
  };
}

export async function postBuildPrune(ctx: RequestContext): Promise<Reply> {
  const builds = ctx.services.builds;
  if (!builds) throw errors.notImplemented('this engine has no image builder');
  const r = await builds.prune();
  return json({ CachesDeleted: r.cachesDeleted, SpaceReclaimed: r.spaceReclaimed });
}

export function buildRoutes(): Route[] {
  return [post('/build', postBuild), post('/build/prune', postBuildPrune)];
}
