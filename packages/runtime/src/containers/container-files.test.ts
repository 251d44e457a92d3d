import { describe, expect, it } from 'vitest';
import { isBinary } from './container-files.js';

describe('isBinary', () => {
  it('treats NUL bytes and invalid UTF-8 as binary, UTF-8 text as text', () => {
    expect(isBinary(Buffer.from('héllo\n'))).toBe(false);
    expect(isBinary(Buffer.from([0x61, 0x00, 0x62]))).toBe(true);
    expect(isBinary(Buffer.from([0xff, 0xfe, 0x41]))).toBe(true);
    expect(isBinary(Buffer.alloc(0))).toBe(false);
  });
});
