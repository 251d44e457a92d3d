/**
 * @module docker-api/http/tar-reply
 * The one way a route streams a tar body (export, archive GET, image save). A tar that fails
 * midway must not look complete to the client, so the connection is dropped instead of the body
 * being ended; a client that goes away destroys the source.
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StreamReply } from '../router.js';

export function tarReply(tar: Readable, headers?: Record<string, string>): StreamReply {
  return {
    kind: 'stream',
    status: 200,
    contentType: 'application/x-tar',
    ...(headers ? { headers } : {}),
    async write(out: Writable, signal: AbortSignal) {
      // end:false — the server ends the response itself.
      await pipeline(tar, out, { end: false, signal }).catch((err: unknown) => {
        tar.destroy();
        if (signal.aborted) return;
        out.destroy(err as Error);
        throw err;
      });
    },
  };
}
