/**
 * @module task/conmon-attach
 * Client side of conmon's attach socket (`<bundle>/attach`, AF_UNIX SOCK_SEQPACKET, via
 * node-unix-socket). Framing from conmon: 1 stream byte (2 = stdout, 3 = stderr) + payload per
 * packet. To conmon: raw stdin bytes, at most 32 KiB per packet (conmon reads 32 KiB at a time and
 * drops the rest). end() half-closes (conmon then closes the container's stdin unless started with
 * --leave-stdin-open); destroy() detaches. Output is not replayed: read the log for the past.
 * Resize goes through the `ctl` fifo: `1 <rows> <cols>\n`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SeqpacketSocket } from 'node-unix-socket';
import { AsyncQueue } from '../util/async-queue.js';
import { errors } from '../errors/engine-error.js';
import type { OutputChunk } from '../containers/container-types.js';
import type { TaskAttachment } from './task-manager.js';
import { writeCtl } from './log-rotator.js';

export const STDIN_PACKET_MAX = 32 * 1024;
/** sun_path is 108 bytes including the NUL. */
const SUN_PATH_MAX = 107;

export async function attachConmon(id: string, bundleDir: string, shortLinkDir: string): Promise<TaskAttachment> {
  const sockPath = await connectablePath(bundleDir, shortLinkDir, id);
  const sock = new SeqpacketSocket();
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      sock.destroy();
      reject(['ENOENT', 'ECONNREFUSED'].includes(err.code ?? '') || /ENOENT|ECONNREFUSED|No such file|refused/i.test(err.message)
        ? errors.conflict(`Container ${id} is not running`)
        : errors.internal(`attach to container ${id}: ${err.message}`, err));
    };
    sock.once('error', onError);
    try {
      sock.connect(sockPath, () => { sock.off('error', onError); resolve(); });
    } catch (err) {
      onError(err as NodeJS.ErrnoException);
    }
  });

  const output = new AsyncQueue<OutputChunk>();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    output.end();
    sock.destroy();
  };
  sock.on('data', (buf: Buffer) => {
    if (buf.length < 2) return;
    const t = buf[0];
    if (t === 2) output.push({ stream: 'stdout', data: buf.subarray(1) });
    else if (t === 3) output.push({ stream: 'stderr', data: buf.subarray(1) });
  });
  sock.on('end', close); // conmon went away (container exited)
  sock.on('close', close);
  sock.on('error', close);

  return {
    output,
    write(data: Buffer): void {
      if (closed) return;
      try {
        for (let off = 0; off < data.length; off += STDIN_PACKET_MAX) {
          sock.write(data.subarray(off, Math.min(off + STDIN_PACKET_MAX, data.length)));
        }
      } catch { /* socket gone; output ends through 'close' */ }
    },
    end(): void {
      if (closed) return;
      try { sock.end(); } catch { /* already closed */ }
    },
    destroy: close,
  };
}

/** Resize the container's tty; a no-op when conmon is gone (the container has exited). */
export async function resizeConmon(bundleDir: string, size: { rows: number; cols: number }): Promise<void> {
  const rows = Math.max(0, Math.floor(size.rows));
  const cols = Math.max(0, Math.floor(size.cols));
  await writeCtl(path.join(bundleDir, 'ctl'), `1 ${rows} ${cols}\n`);
}

/** The socket path, through a short symlink to the bundle when the real path is too long for sun_path. */
async function connectablePath(bundleDir: string, linkDir: string, id: string): Promise<string> {
  const direct = path.join(bundleDir, 'attach');
  if (Buffer.byteLength(direct) <= SUN_PATH_MAX) return direct;
  const link = path.join(linkDir, id.slice(0, 12));
  try {
    if ((await fs.readlink(link)) !== bundleDir) throw new Error('stale');
  } catch {
    await fs.mkdir(linkDir, { recursive: true });
    await fs.rm(link, { force: true });
    await fs.symlink(bundleDir, link);
  }
  return path.join(link, 'attach');
}
