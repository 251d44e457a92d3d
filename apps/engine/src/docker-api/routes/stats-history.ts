/**
 * @module docker-api/routes/stats-history
 * `GET /containers/{id}/stats/history` — a Berth extension, not in Docker's API: the engine's
 * rolling resource history (1 h at 1 s, 24 h at 1 min) for charts. `since` is unix seconds,
 * `step` 1 or 60. Answers `{ step, points: [{ t (unix ms), cpuPercent, memUsage, … }] }`.
 */
import { errors } from '@berth/runtime';
import { json, type Reply, type RequestContext } from '../router.js';

export async function containerStatsHistory(ctx: RequestContext): Promise<Reply> {
  const svc = ctx.services.containers;
  if (!svc.statsHistory) throw errors.notImplemented('stats history is not available in this engine');
  const sinceQ = ctx.query.get('since');
  const stepQ = ctx.query.get('step');
  const since = sinceQ ? Number(sinceQ) * 1000 : undefined;
  if (since !== undefined && !Number.isFinite(since)) throw errors.invalid(`invalid value for since: ${sinceQ}`);
  if (stepQ && stepQ !== '1' && stepQ !== '60') throw errors.invalid(`invalid value for step: ${stepQ} (1 or 60)`);
  const step = stepQ ? (Number(stepQ) as 1 | 60) : undefined;
  return json(await svc.statsHistory(ctx.params.id!, { ...(since !== undefined ? { since } : {}), ...(step ? { step } : {}) }));
}
