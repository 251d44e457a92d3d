/**
 * @module registry/registry-auth
 * The distribution auth handshake. A request goes out with whatever Authorization this
 * Authorizer already holds for the request's scopes; on a 401 the `WWW-Authenticate` challenge
 * decides the next step:
 *   Basic  → `Authorization: Basic base64(user:pass)` (needs credentials);
 *   Bearer → a token from `realm?service=…&scope=…` (GET with Basic credentials, or POST with the
 *            refresh token `identityToken`; anonymous when there are none), cached per scope set.
 * Credentials live only in this object for one operation; error texts never contain them.
 */
import { EngineError, errors } from '../errors/engine-error.js';
import type { RegistryAuth } from '../images/distribution-types.js';
import { discard, readLimited, type RegistryHttp } from './registry-http.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…"`; several challenges may follow each other. */
export function parseChallenges(header: string | null): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  let i = 0;
  const n = header.length;
  const skip = (chars: string) => { while (i < n && chars.includes(header[i]!)) i++; };
  const token = () => { const m = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(header.slice(i)); if (!m) return ''; i += m[0].length; return m[0]; };
  while (i < n) {
    skip(' \t,');
    const scheme = token();
    if (!scheme) break;
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    for (;;) {
      skip(' \t');
      const save = i;
      const key = token();
      skip(' \t');
      if (!key || header[i] !== '=') { i = save; break; }
      i++;
      skip(' \t');
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') { if (header[i] === '\\') i++; value += header[i] ?? ''; i++; }
        i++;
      } else value = token();
      ch.params[key.toLowerCase()] = value;
      skip(' \t');
      if (header[i] === ',') i++;
    }
  }
  return out;
}

export function pullScope(repo: string): string {
  return `repository:${repo}:pull`;
}

export function pushScope(repo: string): string {
  return `repository:${repo}:pull,push`;
}

export class Authorizer {
  private readonly tokens = new Map<string, string>();
  private basic: string | undefined;
  /** Refresh token a token server handed out (login with `offline_token`). */
  lastRefreshToken: string | undefined;

  constructor(private readonly http: RegistryHttp, private readonly creds: RegistryAuth = {}) {}

  get hasCredentials(): boolean {
    return Boolean(this.creds.username || this.creds.identityToken || this.creds.registryToken);
  }

  /** Authorization to send up front for these scopes, if one is known. */
  header(scopes: readonly string[]): string | undefined {
    if (this.creds.registryToken) return `Bearer ${this.creds.registryToken}`;
    return this.tokens.get(scopes.join(' ')) ?? this.basic;
  }

  /** Forgets the token of these scopes (it expired during a long upload). */
  invalidate(scopes: readonly string[]): void {
    this.tokens.delete(scopes.join(' '));
  }

  /**
   * Answers a 401. Returns the header to retry with, or undefined when there is nothing better to
   * try (the caller then reports the 401).
   */
  async onUnauthorized(wwwAuthenticate: string | null, scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const key = scopes.join(' ');
      const token = await this.fetchToken(bearer.params, scopes, signal);
      this.tokens.set(key, `Bearer ${token}`);
      return `Bearer ${token}`;
    }
    if (challenges.some((c) => c.scheme === 'basic') && this.creds.username !== undefined && this.basic === undefined) {
      this.basic = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password ?? ''}`).toString('base64')}`;
      return this.basic;
    }
    return undefined;
  }

  private async fetchToken(params: Record<string, string>, scopes: readonly string[], signal?: AbortSignal): Promise<string> {
    const realm = params.realm;
    if (!realm) throw errors.unavailable('registry sent a Bearer challenge without a realm');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw errors.unavailable(`registry sent an invalid token realm`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw errors.unavailable('registry sent a token realm with an unsupported scheme');
    const service = params.service ?? '';
    const allScopes = [...new Set([...scopes, ...(params.scope ? params.scope.split(' ') : [])])];
    let res;
    if (this.creds.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.creds.identityToken, service, client_id: 'docker', scope: allScopes.join(' ') });
      res = await this.http.send({ method: 'POST', url: url.toString(), signal, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of allScopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (this.creds.username !== undefined) {
        url.searchParams.set('account', this.creds.username);
        url.searchParams.set('client_id', 'docker');
        url.searchParams.set('offline_token', 'true');
        headers.Authorization = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password ?? ''}`).toString('base64')}`;
      }
      res = await this.http.send({ method: 'GET', url: url.toString(), headers, signal });
    }
    if (res.status === 401 || res.status === 403) {
      discard(res);
      throw new EngineError('UNAUTHENTICATED', this.hasCredentials ? 'unauthorized: incorrect username or password' : 'unauthorized: authentication required');
    }
    if (res.status !== 200) {
      discard(res);
      throw errors.unavailable(`token server answered ${res.status}`);
    }
    let body: { token?: unknown; access_token?: unknown; refresh_token?: unknown };
    try {
      body = JSON.parse((await readLimited(res, 1 << 20, 'token response')).toString()) as typeof body;
    } catch (err) {
      throw errors.unavailable('token server sent an invalid response', err);
    }
    const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
    if (!token) throw errors.unavailable('token server sent no token');
    if (typeof body.refresh_token === 'string') this.lastRefreshToken = body.refresh_token;
    return token;
  }
}
