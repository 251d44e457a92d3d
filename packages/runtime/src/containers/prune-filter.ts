/**
 * @module containers/prune-filter
 * The filters `docker container prune` and `docker image prune` share (moby daemon/prune.go):
 * `until` (a timestamp: RFC 3339, unix seconds, or a Go duration relative to now), `label` and
 * `label!` (`key` or `key=value`). Transports parse the JSON; this turns values into a predicate.
 */
import { errors } from '../errors/engine-error.js';

export interface PruneFilters {
  until?: string;
  labels?: string[];
  notLabels?: string[];
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** moby's ParseTimestamps for `until`: returns ms since the epoch. */
export function parseUntil(v: string, now = Date.now()): number {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) {
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
    return now - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw errors.invalid(`failed to parse value as time or duration: "${v}"`);
  return t;
}

function hasLabel(labels: Record<string, string>, f: string): boolean {
  const i = f.indexOf('=');
  return i < 0 ? f in labels : labels[f.slice(0, i)] === f.slice(i + 1);
}

/** Predicate over (created ISO time, labels); throws INVALID_ARGUMENT on a bad `until`. */
export function pruneMatcher(f: PruneFilters = {}): (created: string, labels: Record<string, string>) => boolean {
  const until = f.until !== undefined ? parseUntil(f.until) : undefined;
  return (created, labels) => {
    if (until !== undefined && Date.parse(created) >= until) return false;
    if (f.labels?.some((l) => !hasLabel(labels, l))) return false;
    if (f.notLabels?.some((l) => hasLabel(labels, l))) return false;
    return true;
  };
}
