/**
 * Test images made locally from Debian's static busybox (nothing can be pulled here).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { request } from './http.js';

const TAR = '/tmp/bt-busybox-rootfs.tar';

export function busyboxTar(): string {
  if (existsSync(TAR)) return TAR;
  const dir = mkdtempSync('/tmp/bt-rootfs-');
  try {
    for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'home', 'var/tmp', 'usr/bin', 'usr/sbin', 'sbin']) mkdirSync(path.join(dir, d), { recursive: true });
    chmodSync(path.join(dir, 'tmp'), 0o1777);
    execFileSync('cp', ['/usr/bin/busybox', path.join(dir, 'bin/busybox')]);
    execFileSync('chroot', [dir, '/bin/busybox', '--install', '-s']);
    writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
    writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\ndaemon:x:1:\nmail:x:8:\nnogroup:x:65534:\n');
    const tmp = `${TAR}.${process.pid}`;
    execFileSync('tar', ['-C', dir, '--numeric-owner', '-cf', tmp, '.']);
    execFileSync('mv', [tmp, TAR]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return TAR;
}

export async function importBusybox(socket: string, repo = 'busybox', tag = 'latest'): Promise<string> {
  const changes = ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']
    .map((c) => `changes=${encodeURIComponent(c)}`).join('&');
  const res = await request(socket, 'POST', `/images/create?fromSrc=-&repo=${repo}&tag=${tag}&${changes}`, readFileSync(busyboxTar()), { 'Content-Type': 'application/x-tar' });
  if (res.status !== 200) throw new Error(`import failed: ${res.status} ${res.body}`);
  const m = /sha256:[0-9a-f]{64}/.exec(res.body);
  if (!m) throw new Error(`import gave no id: ${res.body}`);
  return m[0];
}
