/**
 * @module system/runc-advisory
 * Known runc container-escape CVEs checked against the installed runc, for `/info` Warnings.
 * Berth never refuses to run on an old runc (Debian 12 ships one); it says what the risk is and
 * what mitigates it. Distribution backports are honoured where we know them: Debian's
 * 1.1.5+ds1-1+deb12u1 carries the CVE-2024-21626 fix.
 */
import { run } from '../util/exec-file.js';

export interface RuncIdentity { version: string; commit: string }

/** "1.1.5+ds1" → [1,1,5]; pre-releases ("1.4.0-rc.3") compare below the release. */
function parts(v: string): [number, number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-rc\.?(\d+))?/.exec(v);
  if (!m) return [0, 0, 0, 0];
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? Infinity : Number(m[4])];
}

function less(a: string, b: string): boolean {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 4; i++) if (x[i]! !== y[i]!) return x[i]! < y[i]!;
  return false;
}

const debianRevision = (commit: string): number => Number(/\+deb12u(\d+)/.exec(commit)?.[1] ?? 0);

export function runcWarnings(id: RuncIdentity): string[] {
  const v = id.version;
  if (!/^\d+\.\d+\.\d+/.test(v)) return [`WARNING: could not determine the runc version (${v}); container isolation depends on a runc with current security fixes`];
  const out: string[] = [];
  const label = id.commit && id.commit !== v ? `${v} (${id.commit})` : v;
  if (less(v, '1.1.12') && debianRevision(id.commit) < 1) {
    out.push(`WARNING: runc ${label} is older than 1.1.12 and vulnerable to CVE-2024-21626 (leaked host fd: an image WORKDIR or ` +
      '`exec -w /proc/self/fd/N` gives the container a cwd on the host filesystem). Upgrade runc; until then run only trusted images.');
  }
  // Fixed in 1.2.8, 1.3.3 and 1.4.0-rc.3.
  const fixed2025 = parts(v)[0] > 1 || (parts(v)[1] === 4 && !less(v, '1.4.0-rc.3')) || (parts(v)[1] === 3 && !less(v, '1.3.3')) ||
    (parts(v)[1] === 2 && !less(v, '1.2.8')) || parts(v)[1] > 4;
  if (!fixed2025) {
    out.push(`WARNING: runc ${label} predates the fixes for CVE-2025-31133, CVE-2025-52565 and CVE-2025-52881 (runc 1.2.8/1.3.3/1.4.0-rc.3): ` +
      'a malicious image can race runc\'s masking of /dev/null, /dev/console and /proc files to write host procfs (e.g. sysrq-trigger, ' +
      'core_pattern) and escape. Berth still runs; mitigated in part by no-new-privileges, the default seccomp profile, dropped ' +
      'capabilities and read-only /proc/sys, but not fully: upgrade runc and run only trusted images.');
  }
  return out;
}

let cached: Promise<RuncIdentity> | undefined;

export function runcIdentity(runcPath = 'runc'): Promise<RuncIdentity> {
  cached ??= run(runcPath, ['--version']).then(({ stdout }) => ({
    version: /runc version (\S+)/.exec(stdout)?.[1] ?? 'unknown',
    commit: /commit: (\S+)/.exec(stdout)?.[1] ?? '',
  }), () => ({ version: 'unknown', commit: '' }));
  return cached;
}
