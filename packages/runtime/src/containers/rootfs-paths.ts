/**
 * @module containers/rootfs-paths
 * Path resolution inside a container's root filesystem with chroot semantics: symlinks are
 * resolved relative to the root and can never lead outside it (an image may ship
 * `/etc/passwd -> /host/secret`; we must read the container's view, not the host's).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errors } from '../errors/engine-error.js';
import type { OciUser } from '../oci/runtime-spec.js';

const MAX_LINKS = 40;

/** Host path of `p` inside `root`, following symlinks inside the root. Missing tail components are kept as-is. */
export async function resolveInRoot(root: string, p: string): Promise<string> {
  const parts = p.split('/').filter((s) => s && s !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') { resolved.pop(); continue; }
    const host = path.join(root, ...resolved, part);
    let st;
    try { st = await fs.lstat(host); } catch { resolved.push(part, ...parts); break; }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw errors.invalid(`too many levels of symbolic links: ${p}`);
      const target = await fs.readlink(host);
      if (target.startsWith('/')) resolved.length = 0;
      parts.unshift(...target.split('/').filter((s) => s && s !== '.'));
      continue;
    }
    resolved.push(part);
  }
  return path.join(root, ...resolved);
}

/** mkdir -p inside the root; never follows a link out of it. */
export async function mkdirInRoot(root: string, p: string): Promise<void> {
  const parts = p.split('/').filter((s) => s && s !== '.' && s !== '..');
  let cur = '';
  for (const part of parts) {
    cur = `${cur}/${part}`;
    const host = await resolveInRoot(root, cur);
    try {
      const st = await fs.stat(host);
      if (!st.isDirectory()) throw errors.invalid(`not a directory: ${cur}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fs.mkdir(host, { mode: 0o755 });
    }
  }
}

async function readInRoot(root: string, p: string): Promise<string> {
  try {
    return await fs.readFile(await resolveInRoot(root, p), 'utf8');
  } catch {
    return '';
  }
}

interface PasswdEntry { name: string; uid: number; gid: number }
interface GroupEntry { name: string; gid: number; members: string[] }

function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 4 && f[0])
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
}
function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3 && f[0])
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

const isNum = (s: string) => /^\d+$/.test(s);

/** Resolves Docker's `-u user[:group]` (names or ids) against the container's /etc files. */
export async function resolveUser(root: string, spec: string): Promise<OciUser> {
  if (spec === '') spec = '0';
  const [userPart = '', groupPart] = spec.split(':', 2);
  if (spec.split(':').length > 2) throw errors.invalid(`invalid user: ${spec}`);
  const passwd = parsePasswd(await readInRoot(root, '/etc/passwd'));
  const groups = parseGroup(await readInRoot(root, '/etc/group'));
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  if (userPart === '') {
    uid = 0;
  } else if (isNum(userPart)) {
    uid = Number(userPart);
    const e = passwd.find((p) => p.uid === uid);
    if (e) { gid = e.gid; name = e.name; }
  } else {
    const e = passwd.find((p) => p.name === userPart);
    if (!e) throw errors.invalid(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = e.uid; gid = e.gid; name = e.name;
  }
  if (uid > 0xfffffffe) throw errors.invalid(`invalid user: uid ${uid} is out of range`);
  if (groupPart !== undefined && groupPart !== '') {
    if (isNum(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw errors.invalid(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  const additionalGids = name && groupPart === undefined
    ? groups.filter((g) => g.members.includes(name) && g.gid !== gid).map((g) => g.gid)
    : [];
  return additionalGids.length ? { uid, gid, additionalGids } : { uid, gid };
}
