/**
 * @module log-viewer/ansi
 * A small ANSI SGR parser for log lines: turns "\x1b[31mred\x1b[0m" into styled segments.
 * Only colours and bold/dim/italic/underline are kept; every other escape (cursor moves, OSC
 * titles, clipboard) is dropped, because a log line must never act on the viewer.
 */

export interface AnsiStyle {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface AnsiSegment { text: string; style: AnsiStyle }

/** xterm's default 16 colours, readable on both the dark and the light theme. */
export const ANSI_PALETTE = [
  '#6b7280', '#ef4444', '#22c55e', '#eab308', '#3b82f6', '#d946ef', '#06b6d4', '#d1d5db',
  '#9ca3af', '#f87171', '#4ade80', '#facc15', '#60a5fa', '#e879f9', '#22d3ee', '#f9fafb',
] as const;

function color256(n: number): string | undefined {
  if (n < 0 || n > 255 || !Number.isInteger(n)) return undefined;
  if (n < 16) return ANSI_PALETTE[n];
  if (n >= 232) { const v = 8 + (n - 232) * 10; return `rgb(${v},${v},${v})`; }
  const i = n - 16;
  const steps = [0, 95, 135, 175, 215, 255];
  return `rgb(${steps[Math.floor(i / 36)]},${steps[Math.floor(i / 6) % 6]},${steps[i % 6]})`;
}

function applySgr(params: number[], s: AnsiStyle): AnsiStyle {
  const st: AnsiStyle = { ...s };
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) { for (const k of Object.keys(st)) delete st[k as keyof AnsiStyle]; }
    else if (p === 1) st.bold = true;
    else if (p === 2) st.dim = true;
    else if (p === 3) st.italic = true;
    else if (p === 4) st.underline = true;
    else if (p === 22) { delete st.bold; delete st.dim; }
    else if (p === 23) delete st.italic;
    else if (p === 24) delete st.underline;
    else if (p >= 30 && p <= 37) st.fg = ANSI_PALETTE[p - 30];
    else if (p >= 90 && p <= 97) st.fg = ANSI_PALETTE[p - 90 + 8];
    else if (p === 39) delete st.fg;
    else if (p >= 40 && p <= 47) st.bg = ANSI_PALETTE[p - 40];
    else if (p >= 100 && p <= 107) st.bg = ANSI_PALETTE[p - 100 + 8];
    else if (p === 49) delete st.bg;
    else if (p === 38 || p === 48) {
      const key = p === 38 ? 'fg' : 'bg';
      let c: string | undefined;
      if (params[i + 1] === 5) { c = color256(params[i + 2]); i += 2; }
      else if (params[i + 1] === 2) {
        const [r, g, b] = [params[i + 2], params[i + 3], params[i + 4]];
        if ([r, g, b].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) c = `rgb(${r},${g},${b})`;
        i += 4;
      }
      if (c) st[key] = c;
    }
  }
  return st;
}

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), and lone two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;

/** Fast path: lines without ESC come back as one plain segment. */
export function parseAnsi(line: string): AnsiSegment[] {
  if (!line.includes('\x1b')) return [{ text: line, style: {} }];
  const out: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(line); m; m = ESCAPE.exec(line)) {
    if (m.index > last) out.push({ text: line.slice(last, m.index), style });
    last = m.index + m[0].length;
    if (m[2] === 'm') {
      const params = m[1] === '' ? [] : m[1].split(/[;:]/).map((x) => (x === '' ? 0 : Number(x)));
      style = applySgr(params, style);
    }
  }
  if (last < line.length) out.push({ text: line.slice(last), style });
  return out;
}

/** The line without any escape sequence (for search, copy and download). */
export function stripAnsi(line: string): string {
  return line.includes('\x1b') ? line.replace(ESCAPE, '') : line;
}
