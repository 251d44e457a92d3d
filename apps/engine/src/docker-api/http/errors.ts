/**
 * @module docker-api/http/errors
 * The Docker transport's half of the error model (architecture §3.6): one exhaustive
 * `ErrorCode → HTTP status` table and the single place that turns a thrown value into Docker's
 * `{"message": …}` body. Services throw EngineError; anything else reaching here is a bug, so it is
 * logged once with its stack and answered with a generic 500 that leaks no internals.
 */
import type { ServerResponse } from 'node:http';
import { engineErrorOf, type ErrorCode, type Logger } from '@berth/runtime';

/** Statuses follow moby api/server/httpstatus (FailedPrecondition → 400 as moby maps the gRPC code). */
export const DOCKER_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  NOT_IMPLEMENTED: 501,
  // moby answers a cancelled request with 500 (errdefs.IsCancelled); 499 is nginx-only.
  CANCELLED: 500,
  DEADLINE_EXCEEDED: 504,
  DATA_LOSS: 500,
  INTERNAL: 500,
};

export const GENERIC_INTERNAL_MESSAGE = 'internal error: the request failed unexpectedly (see the berthd log)';

export interface MappedError {
  status: number;
  message: string;
}

/**
 * Maps any thrown value. The first EngineError in the cause chain wins (so a wrapped service error
 * keeps its code); an AbortError is a cancelled request; everything else is logged and hidden.
 */
export function mapError(err: unknown, logger?: Logger): MappedError {
  const engineErr = engineErrorOf(err);
  if (engineErr) return { status: DOCKER_STATUS[engineErr.code], message: engineErr.message };
  if (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')) {
    return { status: DOCKER_STATUS.CANCELLED, message: 'request cancelled' };
  }
  logger?.error('unexpected error in Docker API handler', { err });
  return { status: 500, message: GENERIC_INTERNAL_MESSAGE };
}

export function errorBody(message: string): string {
  return JSON.stringify({ message }) + '\n';
}

/** Writes the error as a normal response; if a stream already started, the error can only end it. */
export function writeError(res: ServerResponse, err: unknown, logger?: Logger): void {
  const { status, message } = mapError(err, logger);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(message);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
