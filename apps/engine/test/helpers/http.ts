/**
 * Minimal Docker API client over a unix socket, for tests that check status codes and bodies.
 */
import http from 'node:http';

export interface Res { status: number; headers: http.IncomingHttpHeaders; body: string; raw: Buffer }

export function request(socketPath: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const req = http.request({
      socketPath, method, path,
      headers: { ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Splits a stdcopy-framed body into its streams. */
export function demux(raw: Buffer): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  for (let i = 0; i + 8 <= raw.length;) {
    const size = raw.readUInt32BE(i + 4);
    const payload = raw.subarray(i + 8, i + 8 + size).toString('utf8');
    if (raw[i] === 2) stderr += payload; else stdout += payload;
    i += 8 + size;
  }
  return { stdout, stderr };
}
