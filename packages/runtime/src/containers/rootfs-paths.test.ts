import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { mkdirInRoot, resolveInRoot, resolveUser } from './rootfs-paths.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp('/tmp/bt-rootfs-');
  await mkdir(path.join(root, 'etc'));
  await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\napp:x:1000:1000::/app:/bin/sh\n');
  await writeFile(path.join(root, 'etc/group'), 'root:x:0:\nmail:x:8:app\nwheel:x:10:app,root\napp:x:1000:\n');
  await symlink('/etc', path.join(root, 'abs-link'));
  await symlink('../../../../../../etc', path.join(root, 'climb'));
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

describe('resolveInRoot', () => {
  it('keeps absolute and climbing links inside the root', async () => {
    expect(await resolveInRoot(root, '/abs-link/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(await resolveInRoot(root, '/climb/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(await resolveInRoot(root, '/../../etc/passwd')).toBe(path.join(root, 'etc/passwd'));
  });
  it('reads the container passwd even when /etc/passwd links to a host path', async () => {
    const r2 = await mkdtemp('/tmp/bt-rootfs-');
    await mkdir(path.join(r2, 'etc'));
    await writeFile(path.join(r2, 'secret'), 'evil:x:4242:4242::/:/bin/sh\n');
    await symlink('/secret', path.join(r2, 'etc/passwd')); // must mean <root>/secret, never host /secret
    expect(await resolveUser(r2, 'evil')).toEqual({ uid: 4242, gid: 4242 });
    await rm(r2, { recursive: true, force: true });
  });
  it('creates missing directories inside the root only', async () => {
    await mkdirInRoot(root, '/climb/new/dir');
    expect((await stat(path.join(root, 'etc/new/dir'))).isDirectory()).toBe(true);
  });
});

describe('resolveUser (-u)', () => {
  it.each([
    ['', { uid: 0, gid: 0, additionalGids: [10] }], // root is in wheel
    ['nobody', { uid: 65534, gid: 65534 }],
    ['1234:5678', { uid: 1234, gid: 5678 }],
    ['app:mail', { uid: 1000, gid: 8 }],
    ['app', { uid: 1000, gid: 1000, additionalGids: [8, 10] }],
    ['1000', { uid: 1000, gid: 1000, additionalGids: [8, 10] }],
  ])('%j', async (spec, want) => {
    expect(await resolveUser(root, spec)).toEqual(want);
  });
  it('names the missing user or group', async () => {
    await expect(resolveUser(root, 'ghost')).rejects.toThrow('unable to find user ghost: no matching entries in passwd file');
    await expect(resolveUser(root, 'app:ghosts')).rejects.toThrow('unable to find group ghosts: no matching entries in group file');
    await expect(resolveUser(root, 'a:b:c')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
