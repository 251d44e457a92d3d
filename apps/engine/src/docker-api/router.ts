/**
 * @module docker-api/router
 * The table-driven router (moby api/server/router): each resource file exports `Route[]`; a route
 * is `{method, path, handler}` where path uses mux syntax — `{id}` matches one segment and
 * `{name:.*}` matches across slashes (image names such as `127.0.0.1:5000/a/b:tag`).
 *
 * Handlers parse → call EngineServices → map, and *return* a Reply; only server.ts writes to the
 * wire, so status codes and headers are decided in one place.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { AttachSession, EngineServices, Logger } from '@berth/runtime';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface RequestContext {
  readonly method: Method;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The negotiated API version of this request ("1.47" when the path had no prefix). */
  readonly apiVersion: string;
  readonly headers: IncomingHttpHeaders;
  /** The request body (already separated from hijacked bytes on upgraded connections). */
  readonly body: Readable;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
  readonly services: EngineServices;
  readonly logger: Logger;
}

export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'empty'; status: number; headers?: Record<string, string> }
  | { kind: 'text'; status: number; body: string; contentType: string; headers?: Record<string, string> }
  | StreamReply
  | HijackReply;

/** A body produced over time (logs, wait). Headers are flushed before `write` runs. */
export interface StreamReply {
  kind: 'stream';
  status: number;
  contentType: string;
  headers?: Record<string, string>;
  write(out: Writable, signal: AbortSignal): Promise<void>;
}

/** Take over the connection and pump an attach/exec session over it. */
export interface HijackReply {
  kind: 'hijack';
  session: AttachSession;
  contentType: string;
  stdin: boolean;
  detachKeys: Buffer | null;
}

export type Handler = (ctx: RequestContext) => Promise<Reply>;

export interface Route {
  method: Method;
  path: string;
  handler: Handler;
}

export interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export const json = (body: unknown, status = 200): Reply => ({ kind: 'json', status, body });
export const empty = (status: number): Reply => ({ kind: 'empty', status });
export const noContent = (): Reply => empty(204);
export const notModified = (): Reply => empty(304);

export const get = (path: string, handler: Handler): Route => ({ method: 'GET', path, handler });
export const head = (path: string, handler: Handler): Route => ({ method: 'HEAD', path, handler });
export const post = (path: string, handler: Handler): Route => ({ method: 'POST', path, handler });
export const del = (path: string, handler: Handler): Route => ({ method: 'DELETE', path, handler });

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
}

export function compileRoute(route: Route): CompiledRoute {
  const names: string[] = [];
  let src = '';
  let rest = route.path;
  for (let m = /\{(\w+)(:\.\*)?\}/.exec(rest); m; m = /\{(\w+)(:\.\*)?\}/.exec(rest)) {
    src += escapeRegex(rest.slice(0, m.index));
    names.push(m[1]!);
    src += m[2] ? '(.+)' : '([^/]+)';
    rest = rest.slice(m.index + m[0].length);
  }
  src += escapeRegex(rest);
  return { ...route, regex: new RegExp(`^${src}$`), names };
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map(compileRoute);
  }

  /** First match in table order. Params are percent-decoded (a bad escape leaves the raw text). */
  match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        const raw = m[i + 1]!;
        try {
          params[name] = decodeURIComponent(raw);
        } catch {
          params[name] = raw;
        }
      });
      return { route, params };
    }
    return undefined;
  }

  list(): readonly Route[] {
    return this.routes;
  }
}
