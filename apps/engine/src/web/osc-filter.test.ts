import { describe, expect, it } from 'vitest';
import { Osc52Filter } from './osc-filter.js';

const run = (parts: string[]) => { const f = new Osc52Filter(); return parts.map((p) => f.push(Buffer.from(p, 'latin1')).toString('latin1')).join(''); };

describe('Osc52Filter', () => {
  it('passes plain text and other escapes through', () => {
    expect(run(['hello \x1b[31mred\x1b[0m\r\n'])).toBe('hello \x1b[31mred\x1b[0m\r\n');
    expect(run(['\x1b]0;title\x07x'])).toBe('\x1b]0;title\x07x');
    expect(run(['\x1b]8;;http://a\x1b\\link\x1b]8;;\x1b\\'])).toBe('\x1b]8;;http://a\x1b\\link\x1b]8;;\x1b\\');
  });
  it('drops OSC 52 with BEL or ST terminators', () => {
    expect(run(['a\x1b]52;c;aGVsbG8=\x07b'])).toBe('ab');
    expect(run(['a\x1b]52;c;aGVsbG8=\x1b\\b'])).toBe('ab');
    expect(run(['a\x9d52;c;eA==\x9cb'])).toBe('ab');
  });
  it('drops OSC 52 split across chunks at every position', () => {
    const s = 'x\x1b]52;c;cm0gLXJmIC8=\x07y';
    for (let i = 1; i < s.length; i++) expect(run([s.slice(0, i), s.slice(i)])).toBe('xy');
    expect(run(s.split(''))).toBe('xy');
  });
  it('keeps an OSC 5x that is not 52, and ESC ESC', () => {
    expect(run(['\x1b]51;x\x07'])).toBe('\x1b]51;x\x07');
    expect(run(['\x1b', ']5', '3;x\x07'])).toBe('\x1b]53;x\x07');
    expect(run(['\x1b\x1b]52;c;x\x07z'])).toBe('\x1bz');
  });
  it('resyncs after an unterminated sequence', () => {
    const f = new Osc52Filter(10);
    expect(f.push(Buffer.from('\x1b]52;c;' + 'A'.repeat(20) + 'tail')).toString()).toBe('A'.repeat(11) + 'tail');
  });
});
