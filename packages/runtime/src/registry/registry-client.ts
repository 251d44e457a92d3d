/**
 * @module registry/registry-client
 * OCI distribution client for one registry and one set of credentials (one pull or push).
 *   manifests: GET/PUT /v2/<repo>/manifests/<tag|digest>  (bytes hashed = bytes parsed)
 *   blobs:     GET (resumed with Range after a mid-body failure), HEAD (exists?),
 *              POST uploads/?mount=&from= (cross-repo mount), POST uploads/ + PUT ?digest= (upload)
 * Authorization is only attached to URLs on the registry's own origin (upload Locations and
 * redirects elsewhere get none), and a 401 is answered once through the Authorizer.
 */
import { Readable } from 'node:stream';
import { codeOf, errors } from '../errors/engine-error.js';
import type { RegistryAuth } from '../images/distribution-types.js';
import type { Descriptor, Digest } from '../images/image-types.js';
import { sha256Digest } from '../images/oci-image.js';
import { Authorizer, pullScope, pushScope } from './registry-auth.js';
import { resolveEndpoint, type EndpointOptions, type RegistryEndpoint } from './registry-endpoint.js';
import { manifestError, responseError } from './registry-errors.js';
import { discard, readLimited, RegistryHttp, sleep, type HttpOptions, type HttpRequest, type HttpResponse } from './registry-http.js';
import { MANIFEST_ACCEPT, MANIFEST_LIMIT, parseManifest, type ParsedManifest } from './manifest.js';

export interface RegistryClientOptions extends EndpointOptions {
  auth?: RegistryAuth;
  http?: HttpOptions;
  /** Times a blob download is resumed after the connection broke. */
  resumes?: number;
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  parsed: ParsedManifest;
}

export class DistributionRegistryClient {
  readonly endpoint: RegistryEndpoint;
  readonly http: RegistryHttp;
  readonly authorizer: Authorizer;
  private readonly resumes: number;

  constructor(domain: string, opts: RegistryClientOptions = {}) {
    this.endpoint = resolveEndpoint(domain, opts);
    this.http = new RegistryHttp(opts.http);
    this.authorizer = new Authorizer(this.http, opts.auth);
    this.resumes = opts.resumes ?? 3;
  }

  private url(path: string): string {
    return `${this.endpoint.base}${path}`;
  }

  private sameOrigin(url: string): boolean {
    return new URL(url).origin === new URL(this.endpoint.base).origin;
  }

  /** Sends with the known Authorization; on 401 asks the Authorizer once (not for streamed bodies). */
  async request(req: HttpRequest, scopes: readonly string[]): Promise<HttpResponse> {
    const own = this.sameOrigin(req.url);
    const auth = own ? this.authorizer.header(scopes) : undefined;
    const res = await this.http.send({ ...req, headers: { ...(req.headers ?? {}), ...(auth ? { Authorization: auth } : {}) } });
    if (res.status !== 401 || !own || req.body instanceof Readable) return res;
    const next = await this.authorizer.onUnauthorized(res.headers.get('www-authenticate'), scopes, req.signal);
    if (!next || next === auth) return res;
    discard(res);
    return this.http.send({ ...req, headers: { ...(req.headers ?? {}), Authorization: next } });
  }

  /** `GET /v2/`: reachability and credentials (docker login). */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.request({ method: 'GET', url: this.url('/v2/'), signal }, []);
    if (res.status === 200) { discard(res); return; }
    throw await responseError(res, `login to ${this.endpoint.domain}`);
  }

  async getManifest(repo: string, reference: string, names: { familiar: string; familiarName: string }, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await this.request({ method: 'GET', url: this.url(`/v2/${repo}/manifests/${reference}`), headers: { Accept: MANIFEST_ACCEPT }, signal }, [pullScope(repo)]);
    if (res.status !== 200) throw await manifestError(res, names.familiar, names.familiarName);
    const bytes = await readLimited(res, MANIFEST_LIMIT, 'manifest');
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw errors.invalid(`manifest verification failed for digest ${reference}: got ${digest}`);
    }
    const parsed = parseManifest(bytes, res.headers.get('content-type'));
    return { bytes, digest, mediaType: parsed.mediaType, parsed };
  }

  /**
   * The blob's bytes as a stream (unverified: the content store checks size and digest while
   * ingesting, before anything is committed). A broken connection is resumed with Range.
   */
  openBlob(repo: string, desc: Descriptor, signal?: AbortSignal, onBytes?: (n: number) => void): Readable {
    const self = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      let offset = 0;
      let resumes = 0;
      for (;;) {
        const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
        const res = await self.request({ method: 'GET', url: self.url(`/v2/${repo}/blobs/${desc.digest}`), headers, signal }, [pullScope(repo)]);
        if (res.status !== 200 && res.status !== 206) throw await responseError(res, `fetching blob ${desc.digest}`);
        let skip = 0;
        if (offset > 0 && res.status === 200) skip = offset; // server ignored Range: drop what we have
        if (offset > 0 && res.status === 206 && !new RegExp(`^bytes ${offset}-`).test(res.headers.get('content-range') ?? '')) {
          discard(res);
          throw errors.unavailable(`registry answered a resumed download of ${desc.digest} with the wrong range`);
        }
        try {
          for await (const c of res.body ?? []) {
            let chunk = c as Buffer;
            if (skip > 0) {
              const drop = Math.min(skip, chunk.length);
              skip -= drop;
              chunk = chunk.subarray(drop);
              if (chunk.length === 0) continue;
            }
            offset += chunk.length;
            onBytes?.(offset);
            yield chunk;
          }
          if (offset >= desc.size) return;
          // Ended cleanly but short: the connection was cut between chunks.
          if (resumes >= self.resumes) return;
        } catch (err) {
          if (signal?.aborted || resumes >= self.resumes || codeOf(err) === 'INVALID_ARGUMENT') throw err;
        }
        resumes++;
        await sleep(self.http.opts.backoffMs * 2 ** (resumes - 1), signal);
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async blobExists(repo: string, digest: Digest, signal?: AbortSignal): Promise<boolean> {
    const res = await this.request({ method: 'HEAD', url: this.url(`/v2/${repo}/blobs/${digest}`), signal }, [pushScope(repo)]);
    discard(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await responseError(res, `checking blob ${digest}`);
  }

  /** Cross-repository mount; true when the registry mounted it (201). */
  async mountBlob(repo: string, digest: Digest, from: string, signal?: AbortSignal): Promise<boolean> {
    const url = this.url(`/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`);
    const res = await this.request({ method: 'POST', url, headers: { 'Content-Length': '0' }, signal }, [pushScope(repo), pullScope(from)]);
    discard(res);
    if (res.status === 201) return true;
    if (res.status === 202) {
      // The registry opened an upload session instead; close it, the plain upload opens its own.
      const loc = res.headers.get('location');
      if (loc) await this.request({ method: 'DELETE', url: new URL(loc, this.endpoint.base).toString(), signal }, [pushScope(repo)]).then(discard, () => undefined);
      return false;
    }
    if (res.status === 401 || res.status === 403) throw await responseError(res, `mounting blob ${digest}`);
    return false;
  }

  /** Monolithic upload: POST a session, PUT the bytes with ?digest=. Restarted (new session) on failure. */
  async uploadBlob(repo: string, desc: Descriptor, open: () => Readable, signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.uploadOnce(repo, desc, open(), signal);
        return;
      } catch (err) {
        const code = codeOf(err);
        // A token can expire during a long upload, and a streamed PUT cannot answer the 401 itself.
        if (code === 'UNAUTHENTICATED' && attempt === 0) { this.authorizer.invalidate([pushScope(repo)]); continue; }
        if (signal?.aborted || attempt >= 2 || !['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'INTERNAL'].includes(code)) throw err;
        await sleep(this.http.opts.backoffMs * 2 ** attempt, signal);
      }
    }
  }

  private async uploadOnce(repo: string, desc: Descriptor, body: Readable, signal?: AbortSignal): Promise<void> {
    const scopes = [pushScope(repo)];
    const start = await this.request({ method: 'POST', url: this.url(`/v2/${repo}/blobs/uploads/`), headers: { 'Content-Length': '0' }, signal }, scopes);
    if (start.status !== 202) { body.destroy(); throw await responseError(start, `starting upload of ${desc.digest}`); }
    discard(start);
    const loc = start.headers.get('location');
    if (!loc) { body.destroy(); throw errors.unavailable('registry opened an upload without a Location'); }
    const url = new URL(loc, this.endpoint.base);
    url.searchParams.set('digest', desc.digest);
    const res = await this.request({
      method: 'PUT', url: url.toString(), body, signal,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) },
    }, scopes);
    if (res.status !== 201 && res.status !== 204) throw await responseError(res, `uploading blob ${desc.digest}`);
    discard(res);
  }

  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<Digest> {
    const res = await this.request({
      method: 'PUT', url: this.url(`/v2/${repo}/manifests/${reference}`), body: bytes, signal,
      headers: { 'Content-Type': mediaType },
    }, [pushScope(repo)]);
    if (res.status !== 201 && res.status !== 200) throw await responseError(res, `pushing manifest for ${repo}:${reference}`);
    discard(res);
    return sha256Digest(bytes);
  }
}
