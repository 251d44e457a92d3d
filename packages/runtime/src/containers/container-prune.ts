/**
 * @module containers/container-prune
 * `docker container prune` (POST /containers/prune): removes every container that is not running
 * (created, exited, dead) and matches the filters; reports the ids and the bytes their writable
 * layers held. A container that changes state meanwhile (started, removed) is skipped, not an error.
 */
import type { ContainerContext } from './container-context.js';
import { removeContainer } from './container-lifecycle.js';
import { pruneMatcher, type PruneFilters } from './prune-filter.js';

const PRUNABLE = new Set(['created', 'exited', 'dead']);

export async function pruneContainers(ctx: ContainerContext, filters: PruneFilters = {}): Promise<{ deleted: string[]; spaceReclaimed: number }> {
  const match = pruneMatcher(filters);
  const deleted: string[] = [];
  let spaceReclaimed = 0;
  for (const rec of ctx.deps.repo.all()) {
    if (!PRUNABLE.has(rec.state.status) || !match(rec.created, rec.config.labels ?? {})) continue;
    const size = (await ctx.deps.snapshotter.usage(rec.snapshotKey).catch(() => ({ bytes: 0 }))).bytes;
    try {
      const cur = ctx.deps.repo.get(rec.id);
      if (!cur || !PRUNABLE.has(cur.state.status)) continue;
      await removeContainer(ctx, rec.id);
      deleted.push(rec.id);
      spaceReclaimed += size;
    } catch (err) {
      ctx.deps.logger.debug('prune: skipped container', { id: rec.id, err });
    }
  }
  if (deleted.length) ctx.deps.events.publish('container', 'prune', '', { reclaimed: String(spaceReclaimed) });
  return { deleted, spaceReclaimed };
}
