import { describe, expect, it } from 'vitest';
import { parseSignal } from './signals.js';

describe('parseSignal', () => {
  it.each([['TERM', 15], ['SIGTERM', 15], ['sigkill', 9], ['9', 9], ['USR1', 10], ['RTMIN+1', 35], ['SIGRTMAX', 64]])('%s', (s, n) => {
    expect(parseSignal(s)).toBe(n);
  });
  it.each(['NOPE', '0', '65', '', 'SIG'])('rejects %j', (s) => {
    expect(() => parseSignal(s)).toThrow(/Invalid signal/);
  });
});
