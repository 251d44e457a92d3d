import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extract as tarExtract } from 'tar-stream';
import { parseDockerignore } from './dockerignore.js';
import { resolveInRoot, resolveSources } from './build-context.js';
import { checksumEntries, packEntries, planCopy } from './copy-layer.js';

let tmp: string;
let ctx: string;
let lower: string;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-cl-'));
  ctx = path.join(tmp, 'ctx');
  lower = path.join(tmp, 'lower');
  await fs.mkdir(path.join(ctx, 'files/sub'), { recursive: true });
  await fs.writeFile(path.join(ctx, 'a.txt'), 'A');
  await fs.writeFile(path.join(ctx, 'files/f1'), 'one');
  await fs.writeFile(path.join(ctx, 'files/sub/f2'), 'two');
  await fs.writeFile(path.join(ctx, 'secret'), 's');
  await fs.symlink('/etc', path.join(ctx, 'etc-link'));
  await fs.mkdir(path.join(lower, 'app'), { recursive: true, mode: 0o750 });
  await fs.chmod(path.join(lower, 'app'), 0o750);
  await fs.mkdir(path.join(lower, 'usr/bin'), { recursive: true });
  await fs.symlink('usr/bin', path.join(lower, 'bin'));
});
afterEach(async () => { await fs.rm(tmp, { recursive: true, force: true }); });

const names = (entries: { header: { name: string } }[]) => entries.map((e) => e.header.name);

describe('resolving COPY sources', () => {
  it('rejects paths outside the context and reports missing or ignored files', async () => {
    await expect(resolveSources(ctx, ['../x'], [], 'COPY')).rejects.toThrow(/forbidden path outside the build context: \.\.\/x/);
    await expect(resolveSources(ctx, ['nope'], [], 'COPY')).rejects.toThrow(/file not found in build context/);
    await expect(resolveSources(ctx, ['secret'], parseDockerignore('secret'), 'COPY')).rejects.toThrow(/excluded by .dockerignore/);
  });

  it('follows symlinks inside the root only', async () => {
    expect(await resolveInRoot(ctx, 'etc-link/passwd')).toBe(path.join(ctx, 'etc/passwd'));
    expect(await resolveInRoot(ctx, '../../..')).toBe(ctx);
  });

  it('expands wildcards and applies .dockerignore while walking a directory', async () => {
    const srcs = await resolveSources(ctx, ['*.txt', 'files'], parseDockerignore('files/sub\n'), 'COPY');
    expect(srcs.map((s) => [s.isDir, s.entries.map((e) => e.rel)])).toEqual([[false, ['']], [true, ['f1']]]);
  });
});

describe('planCopy', () => {
  it('keeps existing parent dirs as they are in the lower image, creates missing ones 0755', async () => {
    const sources = await resolveSources(ctx, ['a.txt'], [], 'COPY');
    const entries = await planCopy({ sources, dest: '/app/new/x.txt', lowerRoot: lower, instr: 'COPY', chown: { uid: 5, gid: 6 } });
    const st = await fs.stat(path.join(lower, 'app'));
    const src = await fs.stat(path.join(ctx, 'a.txt'));
    expect(entries.map((e) => [e.header.name, e.header.type, e.header.mode, e.header.uid, e.header.gid])).toEqual([
      ['app', 'directory', 0o750, st.uid, st.gid],
      ['app/new', 'directory', 0o755, 5, 6],
      ['app/new/x.txt', 'file', src.mode & 0o7777, 5, 6],
    ]);
  });

  it('copies a directory\'s contents into the destination and resolves symlinked parents in the lower root', async () => {
    const sources = await resolveSources(ctx, ['files/'], [], 'COPY');
    const entries = await planCopy({ sources, dest: '/bin/tools/', lowerRoot: lower, instr: 'COPY' });
    expect(names(entries)).toEqual(['usr', 'usr/bin', 'usr/bin/tools', 'usr/bin/tools/f1', 'usr/bin/tools/sub', 'usr/bin/tools/sub/f2']);
    expect(entries.every((e) => e.header.uid === 0 && e.header.gid === 0)).toBe(true);
  });

  it('a file to a dir ending in / keeps its name; several sources need a / destination', async () => {
    const one = await resolveSources(ctx, ['a.txt'], [], 'COPY');
    expect(names(await planCopy({ sources: one, dest: '/app/', lowerRoot: lower, instr: 'COPY' }))).toEqual(['app', 'app/a.txt']);
    expect(names(await planCopy({ sources: one, dest: '/app', lowerRoot: lower, instr: 'COPY' }))).toEqual(['app', 'app/a.txt']);
    const two = await resolveSources(ctx, ['a.txt', 'secret'], [], 'COPY');
    await expect(planCopy({ sources: two, dest: '/x', lowerRoot: lower, instr: 'COPY' })).rejects.toThrow(/must be a directory and end with a \//);
  });

  it('the checksum follows content, not mtime; the tar carries the bodies', async () => {
    const plan = async () => planCopy({ sources: await resolveSources(ctx, ['files'], [], 'COPY'), dest: '/d/', lowerRoot: lower, instr: 'COPY' });
    const s1 = await checksumEntries(await plan());
    await fs.utimes(path.join(ctx, 'files/f1'), new Date(1000), new Date(1000));
    expect(await checksumEntries(await plan())).toBe(s1);
    await fs.writeFile(path.join(ctx, 'files/f1'), 'changed');
    expect(await checksumEntries(await plan())).not.toBe(s1);
    const ex = tarExtract();
    packEntries(await plan()).pipe(ex);
    const got: Record<string, string> = {};
    for await (const e of ex) {
      const c: Buffer[] = [];
      for await (const b of e) c.push(b as Buffer);
      got[e.header.name] = Buffer.concat(c).toString();
    }
    expect(got).toEqual({ d: '', 'd/f1': 'changed', 'd/sub': '', 'd/sub/f2': 'two' });
  });
});
