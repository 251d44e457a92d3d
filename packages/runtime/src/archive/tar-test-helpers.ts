/**
 * @module archive/tar-test-helpers
 * Builds (hostile) tar archives in memory with tar-stream for the archive tests. Test-only: nothing in
 * the engine imports it.
 */
import { pack as tarPack } from 'tar-stream';
import type { Header } from 'tar-stream';

export interface TestEntry {
  name: string;
  type?: Header['type'];
  linkname?: string;
  content?: string | Buffer;
  mode?: number;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export async function buildTar(entries: readonly TestEntry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = e.content === undefined ? Buffer.alloc(0) : Buffer.from(e.content);
    const header: Partial<Header> & { name: string } = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date(1_700_000_000_000),
      uid: 0,
      gid: 0,
      size: type === 'file' ? body.length : 0,
    };
    if (e.linkname !== undefined) header.linkname = e.linkname;
    if (e.devmajor !== undefined) header.devmajor = e.devmajor;
    if (e.devminor !== undefined) header.devminor = e.devminor;
    if (e.pax) header.pax = e.pax;
    await new Promise<void>((resolve, reject) => {
      p.entry(header, type === 'file' ? body : Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Rewrites the type flag of the header block at `offset` and fixes its checksum. */
export function patchTypeflag(tar: Buffer, offset: number, flag: string): Buffer {
  const out = Buffer.from(tar);
  out[offset + 156] = flag.charCodeAt(0);
  out.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[offset + i]!;
  out.write(sum.toString(8).padStart(6, '0') + '\0 ', offset + 148, 'latin1');
  return out;
}
