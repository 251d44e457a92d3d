/**
 * @module registry/registry-endpoint
 * Where a reference's registry is and how to speak to it. `docker.io` is served at
 * `registry-1.docker.io` (its credentials are keyed `https://index.docker.io/v1/`, as the CLI
 * stores them). Plain HTTP is used only for loopback hosts (127.0.0.0/8, ::1, localhost) and hosts
 * listed with `--insecure-registry` (host, host:port or a CIDR); everything else is HTTPS. Pure.
 */
import { isIP } from 'node:net';
import type { ImageReference } from '../images/image-types.js';

export const DOCKER_HUB_DOMAIN = 'docker.io';
export const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface RegistryEndpoint {
  /** Registry name as in references: `docker.io`, `127.0.0.1:5000`. */
  domain: string;
  /** Host[:port] actually contacted. */
  host: string;
  /** `https://host` or `http://host`, no trailing slash. */
  base: string;
  secure: boolean;
}

export interface EndpointOptions {
  /** dockerd's --insecure-registry values: `host`, `host:port`, or an IPv4 CIDR. */
  insecureRegistries?: readonly string[];
}

export function resolveEndpoint(domain: string, opts: EndpointOptions = {}): RegistryEndpoint {
  const host = domain === DOCKER_HUB_DOMAIN || domain === 'index.docker.io' ? DOCKER_HUB_ENDPOINT : domain;
  const secure = !(isLoopback(host) || isListedInsecure(host, opts.insecureRegistries ?? []));
  return { domain, host, base: `${secure ? 'https' : 'http'}://${host}`, secure };
}

/** The repository path in registry URLs: `library/busybox`. */
export function repositoryPath(ref: Pick<ImageReference, 'path'>): string {
  return ref.path;
}

/** Key the CLI uses for a registry's stored credentials (and sends as serveraddress). */
export function authKey(domain: string): string {
  return domain === DOCKER_HUB_DOMAIN ? DOCKER_HUB_AUTH_KEY : domain;
}

/** `https://index.docker.io/v1/`, `registry.example:5000`, `http://x/` → reference domain. */
export function domainFromServerAddress(address: string): string {
  let a = address.trim();
  if (!a) return DOCKER_HUB_DOMAIN;
  a = a.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (a === 'index.docker.io' || a === 'registry-1.docker.io' || a === DOCKER_HUB_DOMAIN) return DOCKER_HUB_DOMAIN;
  return a;
}

export function splitHostPort(hostport: string): { hostname: string; port?: string } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport);
  if (v6) return { hostname: v6[1]!, port: v6[2] };
  const i = hostport.lastIndexOf(':');
  if (i > 0 && hostport.indexOf(':') === i) return { hostname: hostport.slice(0, i), port: hostport.slice(i + 1) };
  return { hostname: hostport };
}

export function isLoopback(hostport: string): boolean {
  const { hostname } = splitHostPort(hostport);
  if (hostname === 'localhost' || hostname === '::1') return true;
  return isIP(hostname) === 4 && hostname.startsWith('127.');
}

function isListedInsecure(hostport: string, list: readonly string[]): boolean {
  const { hostname } = splitHostPort(hostport);
  for (const entry of list) {
    const e = entry.replace(/^[a-z]+:\/\//i, '').replace(/\/$/, '');
    if (e === hostport || e === hostname) return true;
    if (e.includes('/') && isIP(hostname) === 4 && inCidr(hostname, e)) return true;
  }
  return false;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsStr] = cidr.split('/');
  const bits = Number(bitsStr);
  if (!net || isIP(net) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const n = (s: string) => s.split('.').reduce((a, b) => ((a << 8) + Number(b)) >>> 0, 0);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(net) & mask) >>> 0);
}
