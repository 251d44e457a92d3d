/**
 * @module docker-api/http/body
 * Request bodies: size-capped reads, Docker's Content-Type rule (moby httputils.CheckForJSON: no
 * Content-Type is fine only for an empty body, otherwise it must be application/json — this also
 * forces a CORS preflight on browser-originated requests), and JSON + zod validation whose 400
 * messages name the offending field.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { errors } from '@berth/runtime';

/** Create/exec bodies are a few KiB; 4 MiB leaves room for huge Env/Labels without enabling abuse. */
export const MAX_JSON_BODY = 4 * 1024 * 1024;

export interface BodySource {
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
}

export async function readBody(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limit) {
      stream.destroy();
      throw errors.invalid(`request body too large: the limit is ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function isJsonContentType(ct: string | undefined): boolean {
  if (!ct) return false;
  const mediaType = ct.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json';
}

export function checkJsonContentType(headers: IncomingHttpHeaders, bodyLength: number): void {
  const ct = headers['content-type'];
  if (!ct && bodyLength === 0) return;
  if (!isJsonContentType(ct)) {
    throw errors.invalid(`unsupported Content-Type header (${ct ?? ''}): must be 'application/json'`);
  }
}

/**
 * Reads, type-checks and validates a JSON body. With `allowEmpty`, an empty body yields
 * `undefined` (exec start from old clients); otherwise it is Docker's EOF error.
 */
export async function readJson<S extends z.ZodType>(src: BodySource, schema: S, opts: { allowEmpty?: boolean } = {}): Promise<z.output<S> | undefined> {
  const raw = await readBody(src.body, MAX_JSON_BODY);
  checkJsonContentType(src.headers, raw.length);
  const text = raw.toString('utf8');
  if (text.trim() === '') {
    if (opts.allowEmpty) return undefined;
    throw errors.invalid('invalid JSON: got EOF while reading request body');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw errors.invalid(`invalid JSON: ${(err as Error).message}`);
  }
  return parseWith(schema, value);
}

/** Validates an already-parsed value; the message names the first failing field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issue = res.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  const msg = issue.message.replace(/^Invalid input: /, '');
  throw errors.invalid(`invalid JSON: ${field ? `field ${field}: ` : ''}${msg}`);
}
