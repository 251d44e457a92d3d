/**
 * @module docker-api/routes/system
 * System routes (moby api/server/router/system): `_ping` (every CLI command starts with it to
 * negotiate the API version from its headers), `version`, `info`, and `events`.
 *
 * `GET /events` answers 501 for now: EngineServices has no event stream yet, and an empty stream
 * that never ends would make `docker events` hang silently and `docker stats` (no args) miss
 * containers without saying why. A clear error is the honest answer until events exist.
 */
import { errors } from '@berth/runtime';
import { API_VERSION } from '../http/version.js';
import { toDockerInfo, toDockerVersion } from '../mappers/system-json.js';
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

export async function eventsSystem(): Promise<Reply> {
  throw errors.notImplemented('events are not supported yet by this engine');
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
