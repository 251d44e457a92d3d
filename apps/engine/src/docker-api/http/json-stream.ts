/**
 * @module docker-api/http/json-stream
 * Docker's JSON-message progress stream (moby pkg/streamformatter + pkg/jsonmessage), used by
 * import now and by pull/push/build later: one JSON object per line, `\r\n`-terminated.
 * Once the 200 header is out, errors can only be reported in-stream as
 * `{"errorDetail":{"message":…},"error":…}`; the CLI prints them and exits non-zero.
 */
import type { Writable } from 'node:stream';

export interface JsonMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: unknown;
  errorDetail?: { code?: number; message: string };
  error?: string;
}

export const JSON_STREAM_NEWLINE = '\r\n';

export function jsonMessageLine(msg: JsonMessage): string {
  return JSON.stringify(msg) + JSON_STREAM_NEWLINE;
}

export function errorMessage(message: string): JsonMessage {
  return { errorDetail: { message }, error: message };
}

/** Writes messages to a response that already carries `Content-Type: application/json`. */
export class JsonMessageWriter {
  private wrote = false;

  constructor(private readonly out: Writable) {}

  /** True once anything was written: from then on errors must go in-stream. */
  get started(): boolean {
    return this.wrote;
  }

  write(msg: JsonMessage): void {
    this.wrote = true;
    this.out.write(jsonMessageLine(msg));
  }

  status(status: string, id?: string): void {
    this.write(id ? { status, id } : { status });
  }

  progress(id: string, status: string, current: number, total?: number): void {
    this.write({ status, id, progressDetail: total === undefined ? { current } : { current, total } });
  }

  error(message: string): void {
    this.write(errorMessage(message));
  }
}
