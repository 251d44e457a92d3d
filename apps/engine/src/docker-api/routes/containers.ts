/**
 * @module docker-api/routes/containers
 * Container lifecycle routes (moby api/server/router/container/container_routes.go): create, list,
 * inspect, start/stop/restart/kill, pause/unpause, rename, remove, resize. Streaming and hijacked
 * container routes (wait, logs, attach) live in container-io.ts.
 */
import { EngineError, engineErrorOf, errors } from '@berth/runtime';
import { readJson } from '../http/body.js';
import { containerFilterFrom } from '../http/filters.js';
import { boolParam, intParam, requiredIntParam, signalParam } from '../http/query.js';
import { versionAtLeast } from '../http/version.js';
import { toCreateSpec, validateContainerName } from '../mappers/container-create.js';
import { toDockerContainer, toDockerSummary } from '../mappers/container-json.js';
import { ContainerCreateBodySchema } from '../schema/container-create.js';
import { updateContainer } from './container-update.js';
import { del, empty, get, json, noContent, notModified, post, type RequestContext, type Reply, type Route } from '../router.js';
import { containerStats } from './container-stats.js';
import { containerStatsHistory } from './stats-history.js';

export async function createContainer(ctx: RequestContext): Promise<Reply> {
  const body = await readJson(ctx, ContainerCreateBodySchema);
  const spec = toCreateSpec(body!, ctx.query.get('name') ?? undefined);
  const { id, warnings } = await ctx.services.containers.create(spec);
  return json({ Id: id, Warnings: warnings }, 201);
}

export async function listContainers(ctx: RequestContext): Promise<Reply> {
  const list = await ctx.services.containers.list(containerFilterFrom(ctx.query));
  const now = Date.now();
  return json(list.map((c) => toDockerSummary(c, now)));
}

export async function inspectContainer(ctx: RequestContext): Promise<Reply> {
  return json(toDockerContainer(await ctx.services.containers.inspect(ctx.params.id!)));
}

/** moby: a start body was removed in v1.24; anything beyond an empty JSON object is refused. */
function rejectStartBody(ctx: RequestContext): void {
  const len = ctx.headers['content-length'];
  const chunked = /chunked/i.test(String(ctx.headers['transfer-encoding'] ?? ''));
  if (chunked || (len !== undefined && Number(len) > 7)) {
    throw errors.invalid('starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24');
  }
}

export async function startContainer(ctx: RequestContext): Promise<Reply> {
  rejectStartBody(ctx);
  const { changed } = await ctx.services.containers.start(ctx.params.id!);
  return changed ? noContent() : notModified();
}

/** `t` (seconds) and, from API 1.42, `signal`. */
function stopOptions(ctx: RequestContext): { timeoutSec?: number; signal?: string } {
  const opts: { timeoutSec?: number; signal?: string } = {};
  const t = intParam(ctx.query, 't');
  if (t !== undefined) opts.timeoutSec = t;
  const signal = versionAtLeast(ctx.apiVersion, '1.42') ? signalParam(ctx.query) : undefined;
  if (signal) opts.signal = signal;
  return opts;
}

export async function stopContainer(ctx: RequestContext): Promise<Reply> {
  const { changed } = await ctx.services.containers.stop(ctx.params.id!, stopOptions(ctx));
  return changed ? noContent() : notModified();
}

export async function restartContainer(ctx: RequestContext): Promise<Reply> {
  await ctx.services.containers.restart(ctx.params.id!, stopOptions(ctx));
  return noContent();
}

export async function killContainer(ctx: RequestContext): Promise<Reply> {
  const id = ctx.params.id!;
  try {
    await ctx.services.containers.kill(id, signalParam(ctx.query));
  } catch (err) {
    // moby wraps kill failures: "cannot kill container: <name>: <reason>".
    const e = engineErrorOf(err);
    if (e) throw new EngineError(e.code, `cannot kill container: ${id}: ${e.message}`, { cause: e });
    throw err;
  }
  return noContent();
}

export async function pauseContainer(ctx: RequestContext): Promise<Reply> {
  await ctx.services.containers.pause(ctx.params.id!);
  return noContent();
}

export async function unpauseContainer(ctx: RequestContext): Promise<Reply> {
  await ctx.services.containers.unpause(ctx.params.id!);
  return noContent();
}

export async function renameContainer(ctx: RequestContext): Promise<Reply> {
  const name = ctx.query.get('name') ?? '';
  if (!name) throw errors.invalid('Neither old nor new names may be empty');
  await ctx.services.containers.rename(ctx.params.id!, validateContainerName(name));
  return noContent();
}

export async function removeContainer(ctx: RequestContext): Promise<Reply> {
  await ctx.services.containers.remove(ctx.params.id!, { force: boolParam(ctx.query, 'force'), volumes: boolParam(ctx.query, 'v') });
  return noContent();
}

export async function resizeContainer(ctx: RequestContext): Promise<Reply> {
  const rows = requiredIntParam(ctx.query, 'h');
  const cols = requiredIntParam(ctx.query, 'w');
  await ctx.services.containers.resize(ctx.params.id!, { rows, cols });
  return empty(200);
}

/** moby container_routes getContainersTop: `ps_args` go to the host's ps. */
export async function topContainer(ctx: RequestContext): Promise<Reply> {
  const top = await ctx.services.containers.top(ctx.params.id!, ctx.query.get('ps_args') ?? undefined);
  return json({ Titles: top.titles, Processes: top.processes });
}

export function containerRoutes(): Route[] {
  return [
    post('/containers/create', createContainer),
    get('/containers/json', listContainers),
    get('/containers/{id}/json', inspectContainer),
    post('/containers/{id}/start', startContainer),
    post('/containers/{id}/stop', stopContainer),
    post('/containers/{id}/restart', restartContainer),
    post('/containers/{id}/kill', killContainer),
    post('/containers/{id}/pause', pauseContainer),
    post('/containers/{id}/unpause', unpauseContainer),
    post('/containers/{id}/rename', renameContainer),
    post('/containers/{id}/update', updateContainer),
    post('/containers/{id}/resize', resizeContainer),
    get('/containers/{id}/top', topContainer),
    get('/containers/{id}/stats', containerStats),
    get('/containers/{id}/stats/history', containerStatsHistory),
    del('/containers/{id}', removeContainer),
  ];
}
