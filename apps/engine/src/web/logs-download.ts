/**
 * @module web/logs-download
 * GET /logs/<id>[?timestamps=1]: a container's whole log as a text/plain attachment, streamed
 * with backpressure (the reader waits for the socket to drain).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { EngineServices } from '@berth/runtime';

export async function downloadLogs(services: EngineServices, id: string, timestamps: boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ac = new AbortController();
  req.on('close', () => ac.abort());
  const c = await services.containers.inspect(id);
  const { entries } = await services.containers.logs(c.id, { follow: false, stdout: true, stderr: true, tail: 'all', signal: ac.signal });
  const name = c.name.replace(/^\//, '').replace(/[^\w.-]/g, '_') || c.id.slice(0, 12);
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Disposition': `attachment; filename="${name}.log"`,
    'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
  });
  try {
    for await (const e of entries) {
      const ok = res.write(timestamps ? Buffer.concat([Buffer.from(`${e.time} `), e.data]) : e.data);
      if (!ok) await once(res, 'drain', { signal: ac.signal });
    }
  } catch { /* client went away */ }
  res.end();
}
