/**
 * @module containers/upper-scan
 * Reads a container's overlay upper dir (its writable layer) as a list of entries in overlay form:
 * a whiteout is a char 0/0 device, an opaque dir carries `trusted.overlay.opaque=y`. Both
 * `docker diff` (classifyChanges) and `docker commit` (layer-pack) start from this list.
 * Node has no xattr API, so the opaque dirs and the file capabilities (for commit's layer tar) come
 * from ONE `getfattr -R` over the whole tree.
 */
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec-file.js';

export interface UpperEntry {
  /** Absolute path inside the container, e.g. `/etc/group`. */
  path: string;
  stat: Stats;
  whiteout: boolean;
  opaque: boolean;
  /** `security.capability` as scanUpper read it (null: none); undefined when not scanned. */
  capability?: Buffer | null;
}

/** Linux dev_t split as glibc's major()/minor() do (Node gives rdev as a number). */
export function devMajorMinor(rdev: number): { major: number; minor: number } {
  const lo = rdev % 2 ** 32;
  const hi = Math.floor(rdev / 2 ** 32);
  return {
    major: ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0),
    minor: (lo & 0xff) | ((lo >>> 12) & 0xfff00),
  };
}

export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** Parses `getfattr -R -h --absolute-names -d -m <opaque>` output (text or `-e hex`) into the dirs marked `y`. */
export function parseOpaqueDirs(out: string): Set<string> {
  return parseXattrDump(out).opaque;
}

/** Opaque dirs and `security.capability` values (needs `-e hex` for the latter) of a getfattr dump. */
export function parseXattrDump(out: string): { opaque: Set<string>; caps: Map<string, Buffer> } {
  const opaque = new Set<string>();
  const caps = new Map<string, Buffer>();
  let file: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) { file = unescapeGetfattr(line.slice(8)); continue; }
    if (file === undefined) continue;
    if (/^trusted\.overlay\.opaque=(?:"y"|0x79)$/.test(line)) opaque.add(file);
    const m = /^security\.capability=0x([0-9a-f]+)$/.exec(line);
    if (m) caps.set(file, Buffer.from(m[1]!, 'hex'));
  }
  return { opaque, caps };
}

/** getfattr escapes non-printable bytes, `\` and newlines of file names as `\ooo` octal. */
export function unescapeGetfattr(s: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x5c && i + 3 < raw.length && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString())) {
      bytes.push(parseInt(raw.subarray(i + 1, i + 4).toString(), 8));
      i += 3;
    } else bytes.push(raw[i]!);
  }
  return Buffer.from(bytes).toString('utf8');
}

async function xattrsOf(upper: string): Promise<{ opaque: Set<string>; caps: Map<string, Buffer> }> {
  // Exit 1 only means "some file had no such attribute"; output is still complete.
  const { stdout } = await run('getfattr', ['-R', '-h', '--absolute-names', '-d', '-e', 'hex', '-m', '^(trusted\\.overlay\\.opaque|security\\.capability)$', upper], { okCodes: [1] });
  const dump = parseXattrDump(stdout);
  const rel = (abs: string) => {
    const r = path.relative(upper, abs);
    return r && !r.startsWith('..') ? `/${r}` : undefined;
  };
  const opaque = new Set<string>();
  for (const abs of dump.opaque) { const r = rel(abs); if (r) opaque.add(r); }
  const caps = new Map<string, Buffer>();
  for (const [abs, v] of dump.caps) { const r = rel(abs); if (r) caps.set(r, v); }
  return { opaque, caps };
}

/** Every entry below `upper`, parents before children, names sorted. */
export async function scanUpper(upper: string): Promise<UpperEntry[]> {
  const { opaque, caps } = await xattrsOf(upper);
  const out: UpperEntry[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = (await fs.readdir(dir)).sort();
    // All lstats of a directory at once: the threadpool overlaps them (10k files: ~4x faster
    // than one await per file); the order of the output stays the sorted one.
    for (let i = 0; i < names.length; i += SCAN_BATCH) {
      const batch = names.slice(i, i + SCAN_BATCH);
      const stats = await Promise.all(batch.map((n) => fs.lstat(path.join(dir, n))));
      for (let j = 0; j < batch.length; j++) {
        const name = batch[j]!;
        const stat = stats[j]!;
        const p = `${rel}/${name}`;
        out.push({ path: p, stat, whiteout: isWhiteout(stat), opaque: stat.isDirectory() && opaque.has(p), capability: caps.get(p) ?? null });
        if (stat.isDirectory()) await walk(path.join(dir, name), p);
      }
    }
  };
  await walk(upper, '');
  return out;
}

const SCAN_BATCH = 256;

const RUNTIME_MOUNTPOINTS = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);

/**
 * An empty file runc created as the target of the engine's /etc bind mounts. Docker keeps these in
 * a separate init layer, so they are neither a change (`diff`) nor part of a commit.
 */
export function isRuntimeMountpoint(e: UpperEntry): boolean {
  return RUNTIME_MOUNTPOINTS.has(e.path) && e.stat.isFile() && e.stat.size === 0;
}
