/**
 * @module docker-api/http/query
 * Query-string parsing with Docker's semantics (moby api/server/httputils/form.go):
 * a bool is false only when absent, empty, "0", "no", "false" or "none" (any case); ints are
 * decimal and a malformed one is a 400 naming the parameter.
 */
import { errors } from '@berth/runtime';

const FALSY = new Set(['', '0', 'no', 'false', 'none']);

/** httputils.BoolValue: absent → false. */
export function boolParam(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v !== null && !FALSY.has(v.trim().toLowerCase());
}

/** httputils.BoolValueOrDefault: absent or empty → the default. */
export function boolParamOr(q: URLSearchParams, key: string, dflt: boolean): boolean {
  const v = q.get(key);
  if (v === null || v === '') return dflt;
  return !FALSY.has(v.trim().toLowerCase());
}

/** Decimal int or undefined when absent/empty; 400 otherwise (Go's strconv.Atoi wording). */
export function intParam(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v.trim())) throw errors.invalid(`invalid value for ${key}: strconv.Atoi: parsing "${v}": invalid syntax`);
  return Number.parseInt(v.trim(), 10);
}

/** Like intParam but the parameter must be present (resize's h and w). */
export function requiredIntParam(q: URLSearchParams, key: string): number {
  const n = intParam(q, key);
  if (n === undefined) throw errors.invalid(`invalid value for ${key}: strconv.Atoi: parsing "": invalid syntax`);
  return n;
}

export function stringParam(q: URLSearchParams, key: string): string | undefined {
  const v = q.get(key);
  return v === null || v === '' ? undefined : v;
}

/**
 * A signal name or number as the client sent it (`KILL`, `SIGKILL`, `9`); the service parses it
 * so Docker's "Invalid signal" wording lives in one place.
 */
export function signalParam(q: URLSearchParams, key = 'signal'): string | undefined {
  const v = q.get(key)?.trim();
  return v ? v : undefined;
}

/**
 * Docker timestamps for since/until: `seconds[.nanos]` (what the CLI sends after resolving
 * "10m" or a date client-side) or an RFC 3339 date. Returns fractional unix seconds.
 */
export function timestampParam(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key)?.trim();
  if (!v) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw errors.invalid(`invalid value for ${key}: failed to parse value as time or duration: "${v}"`);
  return ms / 1000;
}
