/**
 * @module exec/user-cache
 * `docker exec` resolves the user (`-u` or the container's) against the container's /etc/passwd
 * and /etc/group on every call. The safe resolver walks the paths symlink by symlink (a dozen
 * sequential fs calls), which on a busy host costs tens of ms on exec's critical path. This cache
 * remembers the answer per (rootfs, user spec) and revalidates it with three parallel lstats:
 * `/etc` must be a real directory and both files regular files whose inode, size and mtime did not
 * change (useradd/groupadd rename a new file in, so a change shows). Anything else - a symlink, a
 * missing file, a changed stamp - falls back to the full resolver, whose result is then cached.
 */
import { promises as fs, type BigIntStats } from 'node:fs';
import path from 'node:path';
import type { OciUser } from '../oci/runtime-spec.js';
import { resolveUser } from '../containers/rootfs-paths.js';

const MAX_ENTRIES = 512;

interface Entry { stamp: string; user: OciUser }

export class ExecUserCache {
  private readonly entries = new Map<string, Entry>();

  async resolve(rootfs: string, spec: string): Promise<OciUser> {
    const key = `${rootfs}\0${spec}`;
    const stamp = await this.stamp(rootfs);
    const hit = this.entries.get(key);
    if (stamp && hit && hit.stamp === stamp) return hit.user;
    const user = await resolveUser(rootfs, spec);
    if (stamp) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { stamp, user });
    }
    return user;
  }

  /** Drops a container's entries (its rootfs went away or was replaced). */
  forget(rootfs: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(`${rootfs}\0`)) this.entries.delete(k);
  }

  /** undefined = not cacheable (symlinks or missing files: let the safe resolver decide). */
  private async stamp(rootfs: string): Promise<string | undefined> {
    const etc = path.join(rootfs, 'etc');
    const st = await Promise.all([etc, path.join(etc, 'passwd'), path.join(etc, 'group')]
      .map((p) => fs.lstat(p, { bigint: true }).catch(() => undefined)));
    const [d, p, g] = st;
    if (!d?.isDirectory() || !p?.isFile() || !g?.isFile()) return undefined;
    const s = (x: BigIntStats): string => `${x.dev}:${x.ino}:${x.size}:${x.mtimeNs}:${x.ctimeNs}`;
    return `${s(d)}|${s(p)}|${s(g)}`;
  }
}
