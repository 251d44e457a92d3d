import { describe, expect, it } from 'vitest';
import { Scrollback } from './scrollback.js';

describe('Scrollback', () => {
  it('keeps the last capacity bytes in order', () => {
    const s = new Scrollback(10);
    for (const p of ['abc', 'defg', 'hijkl', 'mn']) s.push(Buffer.from(p));
    expect(s.snapshot().toString()).toBe('efghijklmn');
    expect(s.length).toBe(10);
    s.push(Buffer.from('0123456789ABC'));
    expect(s.snapshot().toString()).toBe('3456789ABC');
  });
  it('holds 256 KiB by default', () => {
    const s = new Scrollback();
    for (let i = 0; i < 100; i++) s.push(Buffer.alloc(10_000, i));
    expect(s.length).toBe(256 * 1024);
    expect(s.snapshot().at(-1)).toBe(99);
  });
});
