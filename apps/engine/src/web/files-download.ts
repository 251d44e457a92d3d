/**
 * @module web/files-download
 * GET /files/<id>?path=/x: one regular file of a container (running or stopped) as an attachment;
 * with `archive=1`, a tar of the file or folder (the `docker cp` archive). Admin only: file
 * contents can hold secrets a viewer should not read. The body streams with backpressure (pipe).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { EngineServices } from '@berth/runtime';
import { errors } from '@berth/runtime';

const safeName = (s: string) => s.replace(/[^\w.-]/g, '_').slice(0, 200) || 'file';

export async function downloadFile(services: EngineServices, id: string, p: string, archive: boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const c = services.containers;
  const ac = new AbortController();
  req.on('close', () => ac.abort());
  if (archive) {
    if (typeof c.getArchive !== 'function') throw errors.notImplemented('archive download not available');
    const { stat, tar } = await c.getArchive(id, p, { signal: ac.signal });
    res.writeHead(200, {
      'Content-Type': 'application/x-tar', 'Content-Disposition': `attachment; filename="${safeName(stat.name)}.tar"`,
      'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
    });
    await pipeline(tar, res).catch(() => res.destroy());
    return;
  }
  if (typeof c.openFile !== 'function') throw errors.notImplemented('file download not available');
  const f = await c.openFile(id, p);
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream', 'Content-Length': String(f.size),
    'Content-Disposition': `attachment; filename="${safeName(f.name)}"`, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
  });
  await pipeline(f.stream, res).catch(() => res.destroy());
}
