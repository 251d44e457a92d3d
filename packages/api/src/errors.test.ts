import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EngineError } from '@berth/runtime/errors';
import { TRPC_CODE, toTrpcError } from './errors.js';

describe('TRPC_CODE', () => {
  it.each(ERROR_CODES)('maps %s', (code) => {
    expect(TRPC_CODE[code]).toMatch(/^[A-Z_]+$/);
    const e = toTrpcError(new EngineError(code, `boom ${code}`));
    expect(e.code).toBe(TRPC_CODE[code]);
    expect(e.message).toBe(`boom ${code}`);
  });
  it('hides the message of unknown errors', () => {
    const e = toTrpcError(new Error('secret path /root/x'));
    expect(e.code).toBe('INTERNAL_SERVER_ERROR');
    expect(e.message).toBe('internal error');
  });
});
