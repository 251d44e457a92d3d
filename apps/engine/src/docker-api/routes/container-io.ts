/**
 * @module docker-api/routes/container-io
 * The container routes whose response outlives a single write:
 *  - wait: headers go out as soon as the wait is registered (the CLI registers it before start, so
 *    an exit is never missed), the `{"StatusCode":…}` body when the condition is met;
 *  - logs: a chunked body, raw for TTY containers, stdcopy-framed otherwise;
 *  - attach: a hijacked connection (see http/hijack.ts).
 */
import type { Writable } from 'node:stream';
import { errors, type LogOptions, type WaitCondition } from '@berth/runtime';
import { mapError } from '../http/errors.js';
import { parseDetachKeys } from '../http/detach-keys.js';
import { streamContentType } from '../http/hijack.js';
import { boolParam, boolParamOr, timestampParam } from '../http/query.js';
import { FrameBatcher, frame, streamId } from '../http/stdcopy.js';
import { versionAtLeast } from '../http/version.js';
import { get, post, type Reply, type RequestContext, type Route } from '../router.js';

const WAIT_CONDITIONS: readonly WaitCondition[] = ['not-running', 'next-exit', 'removed'];

export async function waitContainer(ctx: RequestContext): Promise<Reply> {
  const raw = ctx.query.get('condition') || 'not-running';
  if (!WAIT_CONDITIONS.includes(raw as WaitCondition)) throw errors.invalid(`invalid condition: "${raw}"`);
  const { done } = await ctx.services.containers.wait(ctx.params.id!, raw as WaitCondition, { signal: ctx.signal });
  // The result is consumed in write(); until then a rejection must not count as unhandled.
  done.catch(() => undefined);
  return {
    kind: 'stream',
    status: 200,
    contentType: 'application/json',
    async write(out) {
      let body: { StatusCode: number; Error: { Message: string } | null };
      try {
        const r = await done;
        body = { StatusCode: r.exitCode, Error: r.error ? { Message: r.error } : null };
      } catch (err) {
        if (ctx.signal.aborted) return;
        // moby reports a failed wait in the body with exit code -1 (container/state.go).
        body = { StatusCode: -1, Error: { Message: mapError(err, ctx.logger).message } };
      }
      out.write(JSON.stringify(body) + '\n');
    },
  };
}

/** `tail`: "all", empty, negative or garbage all mean everything (moby daemon/logs.go). */
export function parseTail(v: string | null): number | 'all' {
  if (v === null || v === '' || v === 'all') return 'all';
  if (!/^\d+$/.test(v.trim())) return 'all';
  return Number(v.trim());
}

/** Resolves when `out` can take more data or the request is over. */
export function drained(out: Writable, signal: AbortSignal): Promise<void> {
  // A flush from a timer may have filled and emptied the buffer already: never wait for a
  // 'drain' that has come and gone.
  if (!out.writableNeedDrain || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    out.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function streamContainerLogs(ctx: RequestContext): Promise<Reply> {
  const q = ctx.query;
  const stdout = boolParam(q, 'stdout');
  const stderr = boolParam(q, 'stderr');
  if (!stdout && !stderr) throw errors.invalid('Bad parameters: you must choose at least one stream');
  const timestamps = boolParam(q, 'timestamps');
  const opts: LogOptions = {
    follow: boolParam(q, 'follow'), stdout, stderr, tail: parseTail(q.get('tail')), signal: ctx.signal, coalesce: !timestamps,
  };
  const since = timestampParam(q, 'since');
  const until = timestampParam(q, 'until');
  if (since !== undefined && since > 0) opts.since = since;
  if (until !== undefined && until > 0) opts.until = until;
  const { tty, entries } = await ctx.services.containers.logs(ctx.params.id!, opts);
  return {
    kind: 'stream',
    status: 200,
    contentType: streamContentType(tty, ctx.apiVersion, versionAtLeast),
    async write(out, signal) {
      const batch = new FrameBatcher((buf) => { out.write(buf); }, tty);
      try {
        for await (const e of entries) {
          if (signal.aborted) break;
          if (timestamps) batch.push(streamId(e.stream), Buffer.from(`${e.time} `));
          batch.push(streamId(e.stream), e.data);
          if (out.writableNeedDrain) await drained(out, signal);
        }
        batch.flush();
      } catch (err) {
        batch.flush();
        if (signal.aborted) return;
        // Headers are gone: moby writes "Error grabbing logs" in band.
        const msg = Buffer.from(`Error grabbing logs: ${mapError(err, ctx.logger).message}\n`);
        out.write(tty ? msg : frame(2, msg));
      }
    },
  };
}

export async function attachContainer(ctx: RequestContext): Promise<Reply> {
  const q = ctx.query;
  // Validate before attaching so a bad spec is a clean 400, not a dropped connection.
  const detachKeys = parseDetachKeys(q.get('detachKeys'));
  const stdin = boolParam(q, 'stdin');
  const session = await ctx.services.containers.attach(ctx.params.id!, {
    stdin,
    stdout: boolParam(q, 'stdout'),
    stderr: boolParam(q, 'stderr'),
    logs: boolParam(q, 'logs'),
    stream: boolParamOr(q, 'stream', false),
    signal: ctx.signal,
  });
  return {
    kind: 'hijack',
    session,
    contentType: streamContentType(session.tty, ctx.apiVersion, versionAtLeast),
    stdin,
    detachKeys,
  };
}

export function containerIoRoutes(): Route[] {
  return [
    post('/containers/{id}/wait', waitContainer),
    get('/containers/{id}/logs', streamContainerLogs),
    post('/containers/{id}/attach', attachContainer),
  ];
}
