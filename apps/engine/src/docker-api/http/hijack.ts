/**
 * @module docker-api/http/hijack
 * Hijacked connections for attach and exec start (moby api/server/router/container: postContainersAttach,
 * postContainerExecStart; client side moby client/hijack.go).
 *
 * Lifecycle: the route resolves an AttachSession → the server answers either `101 UPGRADED` on the
 * raw socket (client sent `Connection: Upgrade` + `Upgrade: tcp`, as the docker CLI always does) or
 * an unframed `200 OK` with `Connection: close` (clients without Upgrade, e.g. dockerode hijack:false;
 * there stdin is the request body) → `pumpSession` runs both directions:
 *   client bytes  → session.writeStdin (TTY: scanned for the detach sequence first)
 *   client EOF    → session.closeStdin() (the CLI half-closes when its stdin ends)
 *   output chunks → raw (TTY) or stdcopy frames (no TTY)
 *   output ends   → the connection is ended
 *   client gone   → session.detach() (the container keeps running)
 */
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { AttachSession, Logger } from '@berth/runtime';
import { EscapeDetector } from './detach-keys.js';
import { frame, streamId, SYSTEMERR } from './stdcopy.js';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** API ≥ 1.42 labels non-TTY streams as multiplexed; the framing is the same either way. */
export function streamContentType(tty: boolean, apiVersion: string, atLeast: (v: string, min: string) => boolean): string {
  return !tty && atLeast(apiVersion, '1.42') ? MULTIPLEXED_STREAM : RAW_STREAM;
}

export function upgradeHead(contentType: string): string {
  return `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`;
}

/** The two ends of a hijacked conversation, whatever carries them. */
export interface HijackIo {
  readonly input: Readable;
  readonly output: Writable;
  /** Graceful end after the last output byte. */
  finish(): void;
  /** Registers the callback for "the client is gone" (close or error). */
  onClose(cb: () => void): void;
}

export interface PumpOptions {
  /** Forward client bytes to the session (the request asked for stdin). */
  stdin: boolean;
  /** TTY sessions only: the parsed detach sequence, or null to disable detection. */
  detachKeys: Buffer | null;
  logger?: Logger;
}

/** An upgraded socket: everything after the 101 head is raw bytes in both directions. */
export function socketIo(socket: Socket): HijackIo {
  return {
    input: socket,
    output: socket,
    finish: () => {
      socket.end();
      // A client that never closes its side must not pin the socket forever.
      setTimeout(() => socket.destroy(), 10_000).unref();
    },
    onClose: (cb) => {
      socket.once('close', cb);
      socket.once('error', cb);
    },
  };
}

/** Resolves when the session's output ended and the connection was finished, or the client left. */
export function pumpSession(session: AttachSession, io: HijackIo, opts: PumpOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    let outputDone = false;
    let clientGone = false;
    let detachedByKeys = false;
    let wake: (() => void) | undefined;
    const detector = session.tty && opts.detachKeys && opts.detachKeys.length ? new EscapeDetector(opts.detachKeys) : undefined;

    io.onClose(() => {
      if (clientGone) return;
      clientGone = true;
      wake?.();
      if (!outputDone) guarded('detach', () => session.detach());
      resolve();
    });

    // Event handlers run outside any promise: a throwing session must cost this client only.
    const guarded = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        opts.logger?.warn(`attach ${what} failed`, { err });
        try { session.detach(); } catch { /* already torn down */ }
      }
    };

    io.input.on('data', (chunk: Buffer) => guarded('stdin', () => {
      if (!opts.stdin || outputDone) return;
      if (!detector) {
        session.writeStdin(chunk);
        return;
      }
      const r = detector.feed(chunk);
      if (r.data.length) session.writeStdin(r.data);
      if (r.detached) {
        detachedByKeys = true;
        io.input.pause();
        session.detach();
        // detach() ends `output`, which finishes the connection below.
      }
    }));
    // Client EOF (the CLI's CloseWrite, or its close after it read the detach keys itself):
    // dockerd closes the process's stdin only without a TTY; with a TTY it ends the attachment and
    // the process keeps its terminal (moby container/stream/attach.go). Without stdin attached the
    // CLI still half-closes at once, which means nothing.
    const onInputEnd = () => guarded('stdin close', () => {
      if (!opts.stdin || outputDone || detachedByKeys || clientGone) return;
      if (session.tty) session.detach();
      else session.closeStdin();
    });
    // A non-upgraded request whose body was already read (exec start's JSON) carries no stdin;
    // that is not a client leaving, so a TTY session stays attached.
    if (io.input.readableEnded) {
      if (opts.stdin && !session.tty) guarded('stdin close', () => session.closeStdin());
    } else {
      io.input.once('end', onInputEnd);
    }
    io.input.on('error', () => undefined);
    io.input.resume();

    void (async () => {
      try {
        for await (const chunk of session.output) {
          if (clientGone) break;
          const buf = session.tty ? chunk.data : frame(streamId(chunk.stream), chunk.data);
          if (buf.length && !io.output.write(buf)) {
            await new Promise<void>((r) => {
              wake = r;
              io.output.once('drain', r);
            });
            wake = undefined;
          }
        }
      } catch (err) {
        opts.logger?.warn('attach output failed', { err });
        if (!clientGone && !session.tty) io.output.write(frame(SYSTEMERR, Buffer.from(`${(err as Error).message}\n`)));
      }
      outputDone = true;
      if (!clientGone) io.finish();
      resolve();
    })();
  });
}
