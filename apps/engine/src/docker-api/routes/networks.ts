/**
 * @module docker-api/routes/networks
 * `/networks`: list (filters name/id/driver/type/label), inspect, create, remove, connect,
 * disconnect, prune — the wire half of `docker network …`. `bridge`, `host` and `none` are the
 * predefined networks; user networks use the bridge driver. An engine built without a network
 * service answers 501.
 */
import { z } from 'zod';
import { errors, type EngineServices, type NetworkFilter, type NetworkService, type NetworkView } from '@berth/runtime';
import { del, empty, get, json, noContent, post, type Reply, type RequestContext, type Route } from '../router.js';
import { readJson } from '../http/body.js';
import { parseFilters } from '../http/filters.js';

const str = z.string().nullish();
const strMap = z.record(z.string(), z.string()).nullish();

const NetworkCreateSchema = z.object({
  Name: z.string(),
  Driver: str,
  Internal: z.boolean().nullish(),
  EnableIPv6: z.boolean().nullish(),
  IPAM: z.object({
    Driver: str,
    Config: z.array(z.object({ Subnet: str, Gateway: str, IPRange: str }).passthrough()).nullish(),
    Options: strMap,
  }).passthrough().nullish(),
  Options: strMap,
  Labels: strMap,
}).passthrough();

const ConnectSchema = z.object({
  Container: z.string(),
  EndpointConfig: z.object({
    Aliases: z.array(z.string()).nullish(),
    IPAMConfig: z.object({ IPv4Address: str }).passthrough().nullish(),
  }).passthrough().nullish(),
}).passthrough();

const DisconnectSchema = z.object({ Container: z.string(), Force: z.boolean().nullish() }).passthrough();

function service(s: EngineServices): NetworkService {
  if (!s.networks) throw errors.notImplemented('networks are not supported by this engine');
  return s.networks;
}

export function toDockerNetwork(v: NetworkView, withContainers = true): Record<string, unknown> {
  return {
    Name: v.name,
    Id: v.id,
    Created: v.created,
    Scope: 'local',
    Driver: v.driver,
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: v.ipam.map((c) => ({ Subnet: c.subnet, Gateway: c.gateway, ...(c.ipRange ? { IPRange: c.ipRange } : {}) })),
    },
    Internal: v.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: withContainers ? Object.fromEntries(Object.entries(v.containers).map(([id, c]) => [id, {
      Name: c.name, EndpointID: c.endpointId, MacAddress: c.macAddress, IPv4Address: c.ipv4Address, IPv6Address: '',
    }])) : {},
    Options: v.options,
    Labels: v.labels,
  };
}

export function networkFilterFrom(raw: string | null): NetworkFilter {
  const f: NetworkFilter = {};
  for (const [key, vals] of parseFilters(raw)) {
    if (key === 'name') f.names = vals;
    else if (key === 'id') f.ids = vals;
    else if (key === 'driver') f.drivers = vals;
    else if (key === 'label') f.labels = vals;
    else if (key === 'type') {
      for (const t of vals) if (t !== 'custom' && t !== 'builtin') throw errors.invalid(`invalid filter: 'type'='${t}'`);
      f.types = vals;
    } else if (key === 'dangling') {
      const d = vals[0] ?? '';
      if (!['true', 'false', '1', '0'].includes(d)) throw errors.invalid(`invalid filter 'dangling=${d}'`);
      f.dangling = d === 'true' || d === '1';
    } else if (key === 'scope') {
      if (!vals.includes('local')) f.names = ['\0'];
    } else throw errors.invalid(`invalid filter '${key}'`);
  }
  return f;
}

async function listNetworks(ctx: RequestContext): Promise<Reply> {
  const views = await service(ctx.services).list(networkFilterFrom(ctx.query.get('filters')));
  return json(views.map((v) => toDockerNetwork(v, false)));
}

async function inspectNetwork(ctx: RequestContext): Promise<Reply> {
  return json(toDockerNetwork(await service(ctx.services).inspect(ctx.params.id!)));
}

async function createNetwork(ctx: RequestContext): Promise<Reply> {
  const b = (await readJson(ctx, NetworkCreateSchema))!;
  if (b.IPAM?.Driver && b.IPAM.Driver !== 'default') throw errors.notFoundMessage(`plugin "${b.IPAM.Driver}" not found`);
  const r = await service(ctx.services).create({
    name: b.Name,
    ...(b.Driver ? { driver: b.Driver } : {}),
    internal: b.Internal ?? false,
    enableIpv6: b.EnableIPv6 ?? false,
    ipam: (b.IPAM?.Config ?? []).map((c) => ({
      ...(c.Subnet ? { subnet: c.Subnet } : {}), ...(c.Gateway ? { gateway: c.Gateway } : {}), ...(c.IPRange ? { ipRange: c.IPRange } : {}),
    })),
    options: b.Options ?? {},
    labels: b.Labels ?? {},
  });
  return json({ Id: r.id, Warning: r.warning }, 201);
}

async function removeNetwork(ctx: RequestContext): Promise<Reply> {
  await service(ctx.services).remove(ctx.params.id!);
  return noContent();
}

async function connectNetwork(ctx: RequestContext): Promise<Reply> {
  const b = (await readJson(ctx, ConnectSchema))!;
  const ep = b.EndpointConfig;
  await service(ctx.services).connect(ctx.params.id!, b.Container, {
    aliases: ep?.Aliases ?? [], ...(ep?.IPAMConfig?.IPv4Address ? { ipv4Address: ep.IPAMConfig.IPv4Address } : {}),
  });
  return empty(200);
}

async function disconnectNetwork(ctx: RequestContext): Promise<Reply> {
  const b = (await readJson(ctx, DisconnectSchema))!;
  await service(ctx.services).disconnect(ctx.params.id!, b.Container, { force: b.Force ?? false });
  return empty(200);
}

async function pruneNetworks(ctx: RequestContext): Promise<Reply> {
  const args = parseFilters(ctx.query.get('filters'));
  for (const k of args.keys()) if (k !== 'label') throw errors.invalid(`invalid filter '${k}'`);
  const labels = args.get('label');
  const deleted = await service(ctx.services).prune(labels ? { labels } : {});
  return json({ NetworksDeleted: deleted });
}

export function networkRoutes(): Route[] {
  return [
    post('/networks/create', createNetwork),
    post('/networks/prune', pruneNetworks),
    get('/networks', listNetworks),
    get('/networks/{id}', inspectNetwork),
    del('/networks/{id}', removeNetwork),
    post('/networks/{id}/connect', connectNetwork),
    post('/networks/{id}/disconnect', disconnectNetwork),
  ];
}
