import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { ExecUserCache } from './user-cache.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp('/tmp/bt-uc-');
  await mkdir(`${root}/etc`);
  await writeFile(`${root}/etc/passwd`, 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
  await writeFile(`${root}/etc/group`, 'root:x:0:\napp:x:1000:\nwheel:x:10:app\n');
});
afterEach(async () => { await rm(root, { recursive: true, force: true }); });

describe('ExecUserCache', () => {
  it('resolves like resolveUser and sees a replaced passwd file (useradd renames one in)', async () => {
    const cache = new ExecUserCache();
    expect(await cache.resolve(root, 'app')).toEqual({ uid: 1000, gid: 1000, additionalGids: [10] });
    expect(await cache.resolve(root, 'app')).toEqual({ uid: 1000, gid: 1000, additionalGids: [10] });
    await writeFile(`${root}/etc/passwd.new`, 'root:x:0:0::/root:/bin/sh\napp:x:2000:2000::/home/app:/bin/sh\n');
    await rename(`${root}/etc/passwd.new`, `${root}/etc/passwd`);
    expect(await cache.resolve(root, 'app')).toEqual({ uid: 2000, gid: 2000, additionalGids: [10] });
  });

  it('does not cache through symlinks and still reports unknown users', async () => {
    const cache = new ExecUserCache();
    await rm(`${root}/etc/group`);
    await writeFile(`${root}/group2`, 'root:x:0:\nops:x:7:app\n');
    await symlink('/group2', `${root}/etc/group`);
    expect(await cache.resolve(root, 'app')).toEqual({ uid: 1000, gid: 1000, additionalGids: [7] });
    await writeFile(`${root}/group2`, 'root:x:0:\nops:x:8:app\n');
    expect(await cache.resolve(root, 'app')).toEqual({ uid: 1000, gid: 1000, additionalGids: [8] });
    await expect(cache.resolve(root, 'nobody-here')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
