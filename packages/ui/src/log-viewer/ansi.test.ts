import { describe, expect, it } from 'vitest';
import { ANSI_PALETTE, parseAnsi, stripAnsi } from './ansi.js';

describe('parseAnsi', () => {
  it('returns plain text as one segment', () => {
    expect(parseAnsi('hello')).toEqual([{ text: 'hello', style: {} }]);
  });
  it('colours and resets', () => {
    expect(parseAnsi('a\x1b[31mred\x1b[0mb')).toEqual([
      { text: 'a', style: {} },
      { text: 'red', style: { fg: ANSI_PALETTE[1] } },
      { text: 'b', style: {} },
    ]);
  });
  it('handles bold + bright + background + 256 + truecolor', () => {
    const [s] = parseAnsi('\x1b[1;92;44mx');
    expect(s.style).toEqual({ bold: true, fg: ANSI_PALETTE[10], bg: ANSI_PALETTE[4] });
    expect(parseAnsi('\x1b[38;5;196mx')[0].style.fg).toBe('rgb(255,0,0)');
    expect(parseAnsi('\x1b[48;2;1;2;3mx')[0].style.bg).toBe('rgb(1,2,3)');
  });
  it('drops non-SGR escapes such as OSC 52 and cursor moves', () => {
    expect(stripAnsi('a\x1b]52;c;aGk=\x07b\x1b[2Kc')).toBe('abc');
    expect(parseAnsi('\x1b]0;title\x1b\\x').map((s) => s.text).join('')).toBe('x');
  });
});
