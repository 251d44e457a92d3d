/**
 * @module routers/image-layers
 * The layer explorer and push of the `images` namespace (merged into it in root.ts): layers,
 * layerTree (one paginated directory of one layer, computed once per image by the engine),
 * wasted, and push with a saved registry login (the secret is read server-side, never sent).
 */
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { adminProcedure, requireWeb, router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';

const Id = z.string().min(1).max(512);
const Page = { offset: z.number().int().min(0).max(10_000_000).default(0), limit: z.number().int().min(1).max(5000).default(500) };

function need<T>(fn: T | undefined, what: string): T {
  if (typeof fn !== 'function') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `${what} not available` });
  return fn;
}

/** Docker's rule: the first component is a registry host when it has a '.' or ':' or is localhost. */
export function splitDomain(image: string): { domain: string | null; rest: string } {
  const i = image.indexOf('/');
  const first = i < 0 ? '' : image.slice(0, i);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) return { domain: first, rest: image.slice(i + 1) };
  return { domain: null, rest: image };
}

/** `busybox:1` for registry `127.0.0.1:5000` → `127.0.0.1:5000/busybox:1` (the name to tag and push). */
export function pushTarget(image: string, server: string): { name: string; tag: string } {
  const host = server.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const { domain, rest } = splitDomain(image.replace(/@sha256:[0-9a-f]+$/, ''));
  const at = rest.lastIndexOf(':');
  const hasTag = at > rest.lastIndexOf('/');
  const repo = hasTag ? rest.slice(0, at) : rest;
  const tag = hasTag ? rest.slice(at + 1) : 'latest';
  // Another registry's (or Docker Hub's) name is re-homed: the path is kept, the domain replaced.
  void domain;
  return { name: `${host}/${repo}`, tag };
}

const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null');

export const imageLayersRouter = router({
  layers: viewerProcedure.input(z.object({ id: Id }))
    .query(({ ctx, input }) => { const f = need(ctx.services.images.layers, 'layer explorer'); return callService(() => f.call(ctx.services.images, input.id)); }),
  layerTree: viewerProcedure.input(z.object({ id: Id, layer: z.number().int().min(0).max(1000), path: z.string().max(4096).default('/'), ...Page }))
    .query(({ ctx, input }) => {
      const f = need(ctx.services.images.layerTree, 'layer explorer');
      return callService(() => f.call(ctx.services.images, input.id, input.layer, input.path, { offset: input.offset, limit: input.limit }));
    }),
  wasted: viewerProcedure.input(z.object({ id: Id, ...Page }))
    .query(({ ctx, input }) => {
      const f = need(ctx.services.images.wasted, 'layer explorer');
      return callService(() => f.call(ctx.services.images, input.id, { offset: input.offset, limit: input.limit }));
    }),
  /** Tags `image` into the registry's namespace when needed, then streams push progress. */
  push: adminProcedure.input(z.object({ image: Id, registryId: z.string().min(1).max(64) })).subscription(async function* ({ ctx, input, signal }) {
    const images = ctx.services.images;
    const push = need(images.push, 'push');
    const reg = requireWeb(ctx).registries;
    if (!reg) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'registry credentials not available' });
    const cred = await callService(() => reg.credentials(ctx.user.username, input.registryId));
    const { name, tag } = pushTarget(input.image, cred.server);
    if (`${name}:${tag}` !== input.image) await callService(() => images.tag(input.image, name, tag));
    yield { status: 'tagged', id: `${name}:${tag}` };
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort(), { once: true });
    try {
      const auth = { username: cred.username, password: cred.password, serverAddress: cred.server };
      const it = push.call(images, name, tag, { auth, signal: ac.signal })[Symbol.asyncIterator]();
      for (;;) {
        const r = await callService(() => it.next());
        if (r.done) break;
        yield plain(r.value) as { status: string; id?: string; current?: number; total?: number; aux?: Record<string, unknown> };
      }
      yield { status: 'done', id: `${name}:${tag}` };
    } finally { ac.abort(); }
  }),
});
