/**
 * The cp primitives (root-fd, root-pack, root-extract) against a plain directory standing in for a
 * container root, with host canaries: T15 (cp into a symlink to /), hostile cp-in tars, and the
 * CVE-2018-15664 symlink-exchange race (T16 shape, 500 copies each way). Root: chown to header ids.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RootFs } from './root-fd.js';
import { packResolved } from './root-pack.js';
import { extractIntoRoot } from './root-extract.js';
import { buildTar, type TestEntry } from './tar-test-helpers.js';

let base: string;
let root: string;
let host: string;
let rfs: RootFs;

beforeEach(async () => {
  base = await fs.mkdtemp('/tmp/bt-cp-');
  root = path.join(base, 'root');
  host = path.join(base, 'host'); // the "host" canary dir, outside the root
  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  await fs.mkdir(host);
  await fs.writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  await fs.writeFile(path.join(host, 'secret'), 'HOSTSECRET');
  rfs = await RootFs.open(root);
});

afterEach(async () => {
  await rfs.close();
  await fs.rm(base, { recursive: true, force: true });
});

async function tarNames(r: Readable): Promise<Map<string, string>> {
  const ex = tarExtract();
  r.pipe(ex as unknown as NodeJS.WritableStream);
  const out = new Map<string, string>();
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    out.set(e.header.name, e.header.type === 'symlink' || e.header.type === 'link' ? `-> ${e.header.linkname}` : Buffer.concat(chunks).toString());
  }
  return out;
}

async function readOut(p: string, follow = false): Promise<Map<string, string>> {
  const r = await rfs.resolve(p, { followFinal: follow });
  if (r.stat?.isDirectory() && !r.dir) {
    await r.close();
    return readOut(p, true);
  }
  return tarNames(packResolved(r, path.posix.basename(p) || ''));
}

const put = async (dest: string, entries: TestEntry[], opts = {}) => extractIntoRoot(rfs, dest, Readable.from([await buildTar(entries)]), opts);

async function hostFiles(): Promise<string[]> {
  return (await fs.readdir(host)).sort();
}

describe('resolution inside the root', () => {
  it('evaluates absolute and dot-dot symlinks inside the root (chroot semantics)', async () => {
    await fs.symlink('/', path.join(root, 'test'));
    await fs.symlink('../../../../etc', path.join(root, 'up'));
    await fs.symlink(host, path.join(root, 'abs'));
    const a = await rfs.resolve('/test/etc/passwd', { followFinal: true });
    expect(a.path).toBe('/etc/passwd');
    expect(a.stat?.isFile()).toBe(true);
    await a.close();
    const b = await rfs.resolve('/up/passwd', { followFinal: false });
    expect(b.path).toBe('/etc/passwd');
    await b.close();
    const c = await rfs.resolve('/abs/secret', { followFinal: true });
    expect(c.stat).toBeNull(); // the host dir's path means nothing inside the root
    expect(c.path).toBe(`${host}/secret`);
    await c.close();
    expect(await rfs.readFile('/test/test/etc/passwd')).toContain('root:x:0:0');
  });

  it('T15: cp into a target that is a symlink to / lands in the root', async () => {
    await fs.symlink('/', path.join(root, 'test'));
    const name = `bt-t15-${process.pid}-${Date.now()}`;
    const r = await rfs.resolve('/test/', { followFinal: true });
    expect(r.path).toBe('/');
    await r.close();
    await put('/test', [{ name, content: 'in' }]);
    expect(await fs.readFile(path.join(root, name), 'utf8')).toBe('in');
    await expect(fs.access(`/${name}`)).rejects.toThrow();
    // and the read side returns the container's file
    expect((await readOut('/test/etc/passwd')).get('passwd')).toContain('root:x:0:0');
  });
});

describe('cp-out stream', () => {
  it('releases everything (onDone) when the consumer goes away mid-file', async () => {
    await fs.writeFile(path.join(root, 'big'), Buffer.alloc(8 * 1024 * 1024, 1));
    const r = await rfs.resolve('/big', { followFinal: false });
    let released!: () => void;
    const done = new Promise<void>((resolve) => { released = resolve; });
    const out = packResolved(r, 'big', { onDone: async () => released() });
    let n = 0;
    out.on('data', (c: Buffer) => { n += c.length; if (n > 100_000) out.destroy(); });
    out.on('error', () => undefined);
    await expect(Promise.race([done.then(() => 'released'), new Promise((res) => setTimeout(() => res('stuck'), 3000))])).resolves.toBe('released');
  });
});

describe('cp-in tars', () => {
  it('writes files, dirs, links with modes and owners; parents are created', async () => {
    await put('/etc', [
      { name: 'd/', type: 'directory', mode: 0o750 },
      { name: 'd/f', content: 'x', mode: 0o640 },
      { name: 'deep/a/b', content: 'y' },
      { name: 'd/l', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'd/h', type: 'link', linkname: 'd/f' },
    ]);
    const st = await fs.stat(path.join(root, 'etc/d'));
    expect(st.mode & 0o7777).toBe(0o750);
    expect(await fs.readFile(path.join(root, 'etc/deep/a/b'), 'utf8')).toBe('y');
    expect(await fs.readlink(path.join(root, 'etc/d/l'))).toBe('/etc/passwd');
    expect((await fs.stat(path.join(root, 'etc/d/h'))).ino).toBe((await fs.stat(path.join(root, 'etc/d/f'))).ino);
    const out = await readOut('/etc/d');
    expect(out.get('d/f')).toBe('x');
    expect(out.get('d/l')).toBe('-> /etc/passwd');
    expect([...out.keys()]).toContain('d/');
  });

  it('noOverwriteDirNonDir refuses dir/non-dir replacement; without it the entry replaces', async () => {
    await fs.mkdir(path.join(root, 'etc/x'));
    await expect(put('/etc', [{ name: 'x', content: 'f' }], { noOverwriteDirNonDir: true })).rejects.toThrow(/cannot overwrite directory/);
    await expect(put('/etc', [{ name: 'passwd/', type: 'directory' }], { noOverwriteDirNonDir: true })).rejects.toThrow(/cannot overwrite non-directory/);
    await put('/etc', [{ name: 'x', content: 'f' }]);
    expect(await fs.readFile(path.join(root, 'etc/x'), 'utf8')).toBe('f');
  });

  it('hostile entries: .. refused, absolute names stay inside, links cannot reach out', async () => {
    await expect(put('/', [{ name: '../escape', content: 'x' }])).rejects.toThrow(/\.\./);
    await expect(put('/', [{ name: 'l', type: 'symlink', linkname: '../../x' }])).rejects.toThrow(/invalid symlink/);
    await expect(put('/', [{ name: 'h', type: 'link', linkname: '../host/secret' }])).rejects.toThrow(/hardlink/);
    await expect(put('/', [{ name: 'h', type: 'link', linkname: `${host}/secret` }])).rejects.toThrow(/hardlink/);
    await expect(put('/', [{ name: 'dev', type: 'character-device', devmajor: 1, devminor: 3 }])).rejects.toThrow(/character-device/);
    await put('/', [{ name: '/abs-name', content: 'a' }]);
    expect(await fs.readFile(path.join(root, 'abs-name'), 'utf8')).toBe('a');
    // A symlink to the host dir, then a write through it: resolved in the root, not on the host.
    await put('/', [{ name: 'esc', type: 'symlink', linkname: host }, { name: 'esc/pwned', content: 'p' }]);
    expect(await fs.readFile(path.join(root, host, 'pwned'), 'utf8')).toBe('p');
    // A pre-existing link in the "container" to the host dir: same.
    await fs.symlink(host, path.join(root, 'pre'));
    await put('/pre', [{ name: 'pwned2', content: 'p' }]);
    expect(await hostFiles()).toEqual(['secret']);
  });

  it('T17: only gzip is decompressed in-process; other compressions are refused without spawning', async () => {
    const xz = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0, 0, 0, 0, 0]);
    await expect(extractIntoRoot(rfs, '/', Readable.from([xz]))).rejects.toThrow(/xz/);
    const { gzipSync } = await import('node:zlib');
    await extractIntoRoot(rfs, '/', Readable.from([gzipSync(await buildTar([{ name: 'gz', content: 'g' }]))]));
    expect(await fs.readFile(path.join(root, 'gz'), 'utf8')).toBe('g');
  });
});

describe('T16: symlink-exchange race (CVE-2018-15664 shape)', () => {
  let swapper: ChildProcess | undefined;
  /** Kills the swapping shell's whole process group (a running mv/ln outlives a killed sh). */
  const stopSwapper = async () => {
    const p = swapper;
    swapper = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* already gone */ }
    await gone;
    await new Promise((r) => setTimeout(r, 100));
  };
  afterEach(stopSwapper);

  it('500 copies in and out while /w flips between a dir and a symlink to the host dir', async () => {
    await fs.mkdir(path.join(root, 'w'));
    await fs.writeFile(path.join(root, 'w/secret'), 'inside');
    // The "container": flip w <-> symlink to the host canary dir. With these windows a naive
    // path-based writeFile('root/w/f') lands ~200 of 2000 files in the host dir (checked by hand).
    swapper = spawn('sh', ['-c', `cd ${root} && while :; do mv w w.d; ln -s ${host} w; sleep 0.002; rm w; mv w.d w; sleep 0.002; done`], { stdio: 'ignore', detached: true });
    let reads = 0;
    let writes = 0;
    for (let i = 0; i < 500; i++) {
      try {
        await put('/w', [{ name: `f${i}`, content: 'c' }, { name: `d${i}/g`, content: 'c' }]);
        writes++;
      } catch { /* not found / changed: fine, as long as nothing lands outside */ }
      try {
        const out = await readOut(i % 2 ? '/w/secret' : '/w/');
        for (const v of out.values()) expect(v).not.toContain('HOSTSECRET');
        reads++;
      } catch (err) {
        if (String(err).includes('HOSTSECRET')) throw err;
      }
    }
    await stopSwapper();
    expect(await hostFiles()).toEqual(['secret']);
    expect(await fs.readFile(path.join(host, 'secret'), 'utf8')).toBe('HOSTSECRET');
    expect(writes + reads).toBeGreaterThan(100);
  }, 120_000);
});
