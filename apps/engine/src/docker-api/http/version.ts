/**
 * @module docker-api/http/version
 * API version negotiation (moby api/server/middleware/version.go). Clients prefix paths with
 * `/v1.NN`; unversioned paths mean the current version. Versions outside [MIN, CURRENT] are 400s
 * with Docker's exact wording, which clients show verbatim.
 */
import { errors } from '@berth/runtime';

export const API_VERSION = '1.47';
export const MIN_API_VERSION = '1.24';

function parts(v: string): [number, number] {
  const [maj, min] = v.split('.');
  return [Number(maj) || 0, Number(min) || 0];
}

export function compareVersions(a: string, b: string): number {
  const [a1, a2] = parts(a);
  const [b1, b2] = parts(b);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}

export const versionAtLeast = (v: string, min: string): boolean => compareVersions(v, min) >= 0;
export const versionLessThan = (v: string, max: string): boolean => compareVersions(v, max) < 0;

/** Splits `/v1.47/containers/json` into the version and the route path. */
export function splitVersion(pathname: string): { version: string | undefined; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)?$/.exec(pathname);
  if (!m) return { version: undefined, path: pathname };
  return { version: m[1], path: m[2] ?? '/' };
}

/** The effective API version of a request, or a 400 when unsupported. */
export function negotiate(version: string | undefined): string {
  const v = version ?? API_VERSION;
  if (versionLessThan(v, MIN_API_VERSION)) {
    throw errors.invalid(`client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  if (compareVersions(v, API_VERSION) > 0) {
    throw errors.invalid(`client version ${v} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  return v;
}
