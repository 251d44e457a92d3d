/**
 * @module docker-api/http/filters
 * Docker's `filters` query parameter (moby api/types/filters): a JSON object mapping a filter key to
 * its values, either `{"label":{"a=b":true}}` (current) or `{"label":["a=b"]}` (legacy). It is
 * turned into the typed ContainerFilter/ImageFilter here so services never see the wire map.
 * Unknown keys are 400 `invalid filter 'x'`; keys Docker knows but this engine does not implement are
 * 400 too (silently ignoring them would return objects the user filtered out).
 */
import { errors, type ContainerFilter, type ImageFilter } from '@berth/runtime';
import { boolParam, intParam } from './query.js';

export type FilterArgs = Map<string, string[]>;

export function parseFilters(raw: string | null | undefined): FilterArgs {
  const out: FilterArgs = new Map();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw errors.invalid('invalid filter: filters must be a JSON object');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw errors.invalid('invalid filter: filters must be a JSON object');
  }
  for (const [key, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.set(key, v as string[]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) out.set(key, Object.keys(v));
    else throw errors.invalid(`invalid filter '${key}'`);
  }
  return out;
}

function checkKeys(args: FilterArgs, accepted: readonly string[], supported: readonly string[]): void {
  for (const key of args.keys()) {
    if (!accepted.includes(key)) throw errors.invalid(`invalid filter '${key}'`);
    if (!supported.includes(key)) throw errors.invalid(`invalid filter '${key}': not supported by this engine`);
  }
}

const single = (args: FilterArgs, key: string): string | undefined => args.get(key)?.[0];

/** moby daemon/list.go acceptedPsFilterTags. */
const PS_FILTERS = ['ancestor', 'before', 'exited', 'health', 'id', 'label', 'name', 'status', 'since',
  'volume', 'network', 'is-task', 'publish', 'expose', 'isolation'] as const;
const PS_SUPPORTED = ['ancestor', 'before', 'exited', 'health', 'id', 'label', 'name', 'status', 'since'] as const;
const DOCKER_STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** GET /containers/json: `all`, `limit`, legacy `before`/`since` and `filters`. */
export function containerFilterFrom(q: URLSearchParams): ContainerFilter {
  const args = parseFilters(q.get('filters'));
  checkKeys(args, PS_FILTERS, PS_SUPPORTED);
  const filter: ContainerFilter = { all: boolParam(q, 'all') };
  const limit = intParam(q, 'limit');
  if (limit !== undefined && limit > 0) filter.limit = limit;
  if (args.has('id')) filter.ids = args.get('id');
  if (args.has('name')) filter.names = args.get('name')!.map((n) => n.replace(/^\//, ''));
  if (args.has('label')) filter.labels = args.get('label');
  if (args.has('ancestor')) filter.ancestors = args.get('ancestor');
  if (args.has('status')) {
    const statuses = args.get('status')!;
    for (const s of statuses) {
      if (!DOCKER_STATES.includes(s)) throw errors.invalid(`Unrecognised filter value for status: ${s}`);
    }
    filter.statuses = statuses;
  }
  if (args.has('exited')) {
    filter.exited = args.get('exited')!.map((v) => {
      if (!/^-?\d+$/.test(v)) throw errors.invalid(`strconv.Atoi: parsing "${v}": invalid syntax`);
      return Number(v);
    });
  }
  if (args.has('health')) {
    const health = args.get('health')!;
    for (const h of health) {
      if (!['starting', 'healthy', 'unhealthy', 'none'].includes(h)) throw errors.invalid(`Unrecognised filter value for health: ${h}`);
    }
    filter.health = health;
  }
  const before = single(args, 'before') ?? q.get('before') ?? undefined;
  const since = single(args, 'since') ?? q.get('since') ?? undefined;
  if (before) filter.before = before;
  if (since) filter.since = since;
  return filter;
}

/** moby daemon/images acceptedImageFilterTags. */
const IMAGE_FILTERS = ['dangling', 'label', 'before', 'since', 'reference', 'until'] as const;
const IMAGE_SUPPORTED = ['dangling', 'label', 'before', 'since', 'reference'] as const;

/** GET /images/json: `all` and `filters`. */
export function imageFilterFrom(q: URLSearchParams): ImageFilter {
  const args = parseFilters(q.get('filters'));
  checkKeys(args, IMAGE_FILTERS, IMAGE_SUPPORTED);
  const filter: ImageFilter = { all: boolParam(q, 'all') };
  if (args.has('dangling')) {
    const values = new Set(args.get('dangling')!.map((v) => v.toLowerCase()));
    const parsed = [...values].map((v) => {
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      throw errors.invalid(`invalid filter 'dangling=${v}'`);
    });
    if (new Set(parsed).size > 1) throw errors.invalid(`invalid filter 'dangling=${[...values].join(',')}'`);
    filter.dangling = parsed[0];
  }
  if (args.has('label')) filter.labels = args.get('label');
  if (args.has('reference')) filter.references = args.get('reference');
  const before = single(args, 'before');
  const since = single(args, 'since');
  if (before) filter.before = before;
  if (since) filter.since = since;
  return filter;
}
