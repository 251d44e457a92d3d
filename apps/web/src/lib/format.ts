/**
 * @module lib/format
 * Human formatting for sizes, durations and ports in the dense tables.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n < 10 && i > 0 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatAgo(iso: string | number, now = Date.now()): string {
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return '–';
  return `${formatDuration(now - t)} ago`;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** "a b 'c d'" → ['a','b','c d']: enough shell-like quoting for a command field. */
export function splitCommand(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { quote = c; any = true; }
    else if (c === '\\' && i + 1 < s.length) { cur += s[++i]; any = true; }
    else if (/\s/.test(c)) { if (cur || any) out.push(cur); cur = ''; any = false; }
    else { cur += c; any = true; }
  }
  if (quote) throw new Error('unterminated quote');
  if (cur || any) out.push(cur);
  return out;
}

export interface PortSpec { host?: number; container: number; proto: 'tcp' | 'udp' }

/** "8080:80, 53/udp" → port specs, as `docker run -p`. */
export function parsePorts(s: string): PortSpec[] {
  return s.split(/[\s,]+/).filter(Boolean).map((p) => {
    const m = /^(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(p);
    if (!m) throw new Error(`bad port "${p}" (use HOST:CONTAINER[/udp])`);
    const spec: PortSpec = { container: Number(m[2]), proto: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
    if (m[1]) spec.host = Number(m[1]);
    return spec;
  });
}

export interface VolumeSpec { source: string; target: string; readOnly?: boolean }

/** "/src:/dst:ro" per line or comma → volume specs, as `docker run -v`. */
export function parseVolumes(s: string): VolumeSpec[] {
  return s.split(/[\n,]+/).map((x) => x.trim()).filter(Boolean).map((v) => {
    const parts = v.split(':');
    if (parts.length < 2 || parts.length > 3 || !parts[1].startsWith('/')) throw new Error(`bad volume "${v}" (use SOURCE:/TARGET[:ro])`);
    const spec: VolumeSpec = { source: parts[0], target: parts[1] };
    if (parts[2] === 'ro') spec.readOnly = true;
    else if (parts[2] && parts[2] !== 'rw') throw new Error(`bad volume mode "${parts[2]}"`);
    return spec;
  });
}

export function parseEnv(s: string): string[] {
  return s.split('\n').map((x) => x.trim()).filter(Boolean).map((e) => {
    if (!/^[^=\s]+=/.test(e)) throw new Error(`bad env "${e}" (use KEY=value)`);
    return e;
  });
}
