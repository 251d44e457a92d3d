/**
 * @module errors
 * The one error type of the engine. Services throw only EngineError (or let an AbortError pass);
 * each transport maps `code` through its own exhaustive table (Docker HTTP status, tRPC code).
 * This file is browser-safe: no Node imports.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'CONFLICT', 'FAILED_PRECONDITION',
  'PERMISSION_DENIED', 'UNAUTHENTICATED', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'NOT_IMPLEMENTED',
  'CANCELLED', 'DEADLINE_EXCEEDED', 'DATA_LOSS', 'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type ObjectKind = 'container' | 'image' | 'exec instance' | 'network' | 'volume' | 'object';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly opts: { cause?: unknown; details?: Readonly<Record<string, string | number>> } = {},
  ) {
    super(message, { cause: opts.cause });
  }
}

export const errors = {
  /** Docker wording: "No such container: abc". */
  notFound: (kind: ObjectKind, ref: string) =>
    new EngineError('NOT_FOUND', `No such ${kind}: ${ref}`, { details: { kind, ref } }),
  notFoundMessage: (message: string) => new EngineError('NOT_FOUND', message),
  conflict: (message: string, details?: Record<string, string>) => new EngineError('CONFLICT', message, { details }),
  alreadyExists: (message: string) => new EngineError('ALREADY_EXISTS', message),
  invalid: (message: string, cause?: unknown) => new EngineError('INVALID_ARGUMENT', message, { cause }),
  precondition: (message: string, cause?: unknown) => new EngineError('FAILED_PRECONDITION', message, { cause }),
  notImplemented: (message: string) => new EngineError('NOT_IMPLEMENTED', message),
  unavailable: (message: string, cause?: unknown) => new EngineError('UNAVAILABLE', message, { cause }),
  internal: (message: string, cause: unknown) => new EngineError('INTERNAL', message, { cause }),
  cancelled: (message = 'operation cancelled') => new EngineError('CANCELLED', message),
  dataLoss: (message: string, cause?: unknown) => new EngineError('DATA_LOSS', message, { cause }),
};

export function isEngineError(err: unknown): err is EngineError {
  return err instanceof Error && err.name === 'EngineError' && typeof (err as EngineError).code === 'string';
}

/** First EngineError in the cause chain; AbortError → CANCELLED; otherwise INTERNAL. */
export function codeOf(err: unknown): ErrorCode {
  return engineErrorOf(err)?.code ?? (isAbort(err) ? 'CANCELLED' : 'INTERNAL');
}

export function engineErrorOf(err: unknown): EngineError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 10; depth++) {
    if (isEngineError(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}
