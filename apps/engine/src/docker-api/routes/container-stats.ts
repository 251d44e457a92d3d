/**
 * @module docker-api/routes/container-stats
 * `GET /containers/{id}/stats`: `stream=true` (the default) sends one JSON line per second until
 * the client goes or the container stops; `stream=false` sends one object (`one-shot=true` skips
 * the second reading, so its precpu_stats are zero, as in moby).
 */
import { boolParamOr } from '../http/query.js';
import { mapError } from '../http/errors.js';
import { statsJson } from '../mappers/stats-json.js';
import { json, type Reply, type RequestContext } from '../router.js';
import { drained } from './container-io.js';

export async function containerStats(ctx: RequestContext): Promise<Reply> {
  const stream = boolParamOr(ctx.query, 'stream', true);
  const oneShot = boolParamOr(ctx.query, 'one-shot', false);
  const samples = await ctx.services.containers.stats(ctx.params.id!, { stream, oneShot, signal: ctx.signal });
  if (!stream) {
    for await (const s of samples) return json(statsJson(s));
    return json({});
  }
  return {
    kind: 'stream',
    status: 200,
    contentType: 'application/json',
    async write(out, signal) {
      try {
        for await (const s of samples) {
          if (signal.aborted) break;
          out.write(JSON.stringify(statsJson(s)) + '\n');
          if (out.writableNeedDrain) await drained(out, signal);
        }
      } catch (err) {
        // Headers are gone: log it and end the stream, as moby does.
        if (!signal.aborted) mapError(err, ctx.logger);
      }
    },
  };
}
