/**
 * @module docker-api/routes/system
 * System routes (moby api/server/router/system): `_ping` (every CLI command starts with it to
 * negotiate the API version from its headers), `version`, `info`, and `events`.
 *
 * `GET /events` subscribes before the headers go out (so bad filters are a 400 and nothing
 * published in between is lost), then streams one JSON message per line until `until` passes or
 * the client goes away.
 */
import { errors } from '@berth/runtime';
import { API_VERSION } from '../http/version.js';
import { toDockerInfo, toDockerVersion } from '../mappers/system-json.js';
import { parseEventTimestamp, toDockerEventLine } from '../mappers/event-json.js';
import { parseFilters } from '../http/filters.js';
import { get, head, json, type Reply, type RequestContext, type Route } from '../router.js';

/** Headers the CLI reads from a ping (moby api/server/router/system/system_routes.go pingHandler). */
export const PING_HEADERS: Readonly<Record<string, string>> = {
  'Api-Version': API_VERSION,
  Ostype: 'linux',
  'Docker-Experimental': 'false',
  'Builder-Version': '1',
  Swarm: 'inactive',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
};

export async function pingSystem(ctx: RequestContext): Promise<Reply> {
  return {
    kind: 'text',
    status: 200,
    contentType: 'text/plain; charset=utf-8',
    body: ctx.method === 'HEAD' ? '' : 'OK',
    headers: { ...PING_HEADERS },
  };
}

export async function versionSystem(ctx: RequestContext): Promise<Reply> {
  return json(toDockerVersion(ctx.services.system.version()));
}

export async function infoSystem(ctx: RequestContext): Promise<Reply> {
  return json(toDockerInfo(await ctx.services.system.info()));
}

function timestampParam(ctx: RequestContext, name: string): bigint | undefined {
  const raw = ctx.query.get(name);
  const v = parseEventTimestamp(raw);
  if (raw && v === undefined) throw errors.invalid(`invalid value for ${name}: ${raw}`);
  return v;
}

export async function eventsSystem(ctx: RequestContext): Promise<Reply> {
  const sinceNano = timestampParam(ctx, 'since');
  const untilNano = timestampParam(ctx, 'until');
  const filters = parseFilters(ctx.query.get('filters'));
  const events = ctx.services.events.subscribe({ sinceNano, untilNano, filters, signal: ctx.signal });
  return {
    kind: 'stream',
    status: 200,
    contentType: 'application/json',
    async write(out, signal) {
      for await (const e of events) {
        if (signal.aborted) break;
        out.write(toDockerEventLine(e));
      }
    },
  };
}

export function systemRoutes(): Route[] {
  return [
    get('/_ping', pingSystem),
    head('/_ping', pingSystem),
    get('/version', versionSystem),
    get('/info', infoSystem),
    get('/events', eventsSystem),
  ];
}
