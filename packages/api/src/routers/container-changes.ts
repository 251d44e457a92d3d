/**
 * @module routers/container-changes
 * Diff → commit for the `containers` namespace (merged into it in root.ts): the A/C/D tree of
 * `docker diff`, a text diff of one changed file against the image's version, the would-be layer
 * and `commit` itself. The change list is computed once and reused for a few seconds, so
 * expanding directories of a 10,000-change tree does not rescan the writable layer each time.
 */
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { adminProcedure, router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';
import { ChangeTree } from '../changes-tree.js';
import type { ContainerService } from '@berth/runtime';

const Id = z.string().min(1).max(256);
const PathIn = z.string().min(1).max(4096);
/** From the end of the scan: the UI expands for a while, then asks `fresh` to rescan. */
const TTL_MS = 30_000;
const MAX_ENTRIES = 64;
const FILE_MAX = 256 * 1024;

const trees = new Map<string, { at: number; tree: Promise<ChangeTree> }>();

/** The change tree of a container, shared by calls within TTL_MS (`fresh` forces a rescan). */
export function changeTreeOf(svc: ContainerService, id: string, fresh = false, now = Date.now()): Promise<ChangeTree> {
  const hit = trees.get(id);
  // A scan still running (at = Infinity) is always shared.
  if (hit && !fresh && now - hit.at < TTL_MS) return hit.tree;
  const entry = { at: Infinity, tree: callService(() => svc.changes(id)).then((c) => new ChangeTree(c)) };
  trees.set(id, entry);
  entry.tree.then(() => { entry.at = Date.now(); }, () => { if (trees.get(id) === entry) trees.delete(id); });
  for (const [k, v] of trees) if (k !== id && (now - v.at >= TTL_MS || trees.size > MAX_ENTRIES)) trees.delete(k);
  return entry.tree;
}

function need<T>(fn: T | undefined, what: string): T {
  if (typeof fn !== 'function') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `${what} not available` });
  return fn;
}

export const containerChangesRouter = router({
  changesTree: viewerProcedure.input(z.object({
    id: Id, path: z.string().max(4096).default('/'), offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(5000).default(500), fresh: z.boolean().default(false),
  })).query(async ({ ctx, input }) => {
    const tree = await changeTreeOf(ctx.services.containers, input.id, input.fresh);
    return { ...tree.list(input.path, input.offset, input.limit), changes: tree.size };
  }),
  /** Admin: file contents can hold secrets a viewer should not read (listings stay viewer). */
  fileDiff: adminProcedure.input(z.object({ id: Id, path: PathIn })).query(({ ctx, input }) => {
    const f = need(ctx.services.containers.fileVersions, 'file diff');
    return callService(() => f.call(ctx.services.containers, input.id, input.path, FILE_MAX));
  }),
  commitPreview: viewerProcedure.input(z.object({ id: Id })).query(({ ctx, input }) => {
    const f = need(ctx.services.containers.commitPreview, 'commit preview');
    return callService(() => f.call(ctx.services.containers, input.id));
  }),
  commit: adminProcedure.input(z.object({
    id: Id,
    repo: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'invalid repository name').max(255).optional(),
    tag: z.string().regex(/^[\w][\w.-]{0,127}$/).optional(),
    message: z.string().max(4096).optional(),
    author: z.string().max(1024).optional(),
    /** Dockerfile instructions, e.g. `CMD ["sh"]`, `ENV A=b` (as `docker commit --change`). */
    changes: z.array(z.string().min(1).max(8192)).max(64).default([]),
    pause: z.boolean().default(true),
  })).mutation(async ({ ctx, input }) => {
    const r = await callService(() => ctx.services.containers.commit(input.id, {
      ...(input.repo ? { repo: input.repo, tag: input.tag ?? 'latest' } : {}),
      ...(input.message ? { comment: input.message } : {}), ...(input.author ? { author: input.author } : {}),
      changes: input.changes, pause: input.pause,
    }));
    trees.delete(input.id);
    return { id: r.id };
  }),
});
