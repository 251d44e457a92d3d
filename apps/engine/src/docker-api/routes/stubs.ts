/**
 * @module docker-api/routes/stubs
 * Answers for endpoints the CLI probes but a single-host engine does not have. `docker inspect X`
 * without `--type` tries container, image, network, volume and plugin lookups and prints
 * "No such object: X" only when every one of them is a 404; swarm endpoints answer as a dockerd
 * that is not a swarm manager does (503), so `docker service ls` etc. print Docker's own hint.
 */
import { errors } from '@berth/runtime';
import { get, type Reply, type RequestContext, type Route } from '../router.js';

const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

export async function inspectPlugin(ctx: RequestContext): Promise<Reply> {
  throw errors.notFoundMessage(`plugin "${ctx.params.name}" not found`);
}

export async function swarmUnavailable(): Promise<Reply> {
  throw errors.unavailable(NOT_A_MANAGER);
}

export function stubRoutes(): Route[] {
  const swarm = ['/swarm', '/nodes', '/services', '/tasks', '/secrets', '/configs'];
  return [
    get('/plugins/{name:.*}/json', inspectPlugin),
    ...swarm.flatMap((p) => [get(p, swarmUnavailable), get(`${p}/{id}`, swarmUnavailable)]),
  ];
}
