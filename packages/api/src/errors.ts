/**
 * @module errors
 * The tRPC side of the error model: one exhaustive table from engine codes to tRPC codes
 * (the Docker side has its own in apps/engine/src/docker-api/http/errors.ts).
 */
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { codeOf, engineErrorOf, type ErrorCode } from '@berth/runtime/errors';

export const TRPC_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_ARGUMENT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'CONFLICT',
  CONFLICT: 'CONFLICT',
  FAILED_PRECONDITION: 'PRECONDITION_FAILED',
  PERMISSION_DENIED: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  RESOURCE_EXHAUSTED: 'TOO_MANY_REQUESTS',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  CANCELLED: 'CLIENT_CLOSED_REQUEST',
  DEADLINE_EXCEEDED: 'TIMEOUT',
  DATA_LOSS: 'INTERNAL_SERVER_ERROR',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

/** Wraps any error thrown by a service into a TRPCError carrying the engine code. */
export function toTrpcError(err: unknown): TRPCError {
  const code = codeOf(err);
  const e = engineErrorOf(err);
  return new TRPCError({ code: TRPC_CODE[code], message: e?.message ?? 'internal error', cause: err });
}

/** Runs a service call and converts whatever it throws (tRPC errors pass through). */
export async function callService<T>(fn: () => Promise<T>): Promise<T> {
  try { return await fn(); } catch (err) { throw err instanceof TRPCError ? err : toTrpcError(err); }
}
