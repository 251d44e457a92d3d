/**
 * @module routers/ports
 * The host-wide port map and the run dialog's pre-create check (EngineServices.ports).
 */
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import type { EngineServices, PortMapService } from '@berth/runtime';
import { router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';

function portsOf(s: EngineServices): PortMapService {
  if (!s.ports) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'port map not available' });
  return s.ports;
}

export const portsRouter = router({
  map: viewerProcedure.query(({ ctx }) => callService(() => portsOf(ctx.services).map())),
  check: viewerProcedure.input(z.object({
    hostIp: z.string().max(64).optional(), hostPort: z.number().int().min(1).max(65535), proto: z.enum(['tcp', 'udp']).default('tcp'),
  })).query(({ ctx, input }) => callService(() => portsOf(ctx.services).check(input))),
});
